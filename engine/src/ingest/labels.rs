//! The Chinese names of the archive (intake.md): each table's Chinese name, each
//! column's Chinese header, and the Chinese labels of every enumeration code, with the
//! NFKC normalisation under which file names, sheet names, headers and values are
//! matched.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use crate::ingest::schema::{self, Table};

/// `s` after Unicode NFKC normalisation (full-width letters, digits, brackets and
/// spaces become half-width); ASCII text is returned as it is, without a copy.
pub fn nfkc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    match unicode_normalization::is_nfkc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfkc().collect()),
    }
}

/// The Chinese name of every table (`households` → 困难职工家庭档案).
pub fn table_label(table: &str) -> Option<&'static str> {
    schema::table(table).map(|t| t.label)
}

/// The table named `name` in English or Chinese, after NFKC normalisation and
/// trimming (`困难职工家庭档案`, `households`).
pub fn table_by_name(name: &str) -> Option<&'static Table> {
    let n = nfkc(name);
    let n = n.trim();
    schema::TABLES
        .iter()
        .find(|t| t.name == n || nfkc(t.label) == n)
}

/// The Chinese header of a column (intake.md, "Headers").
pub fn header(table: &str, column: &str) -> Option<&'static str> {
    HEADERS
        .iter()
        .find(|(t, _)| *t == table)
        .and_then(|(_, cols)| cols.iter().find(|(c, _)| *c == column))
        .map(|(_, h)| *h)
}

/// The Chinese header of the archive's columns named `column`, when every table that
/// has one gives the same (`None` when no table has it, or two differ: `amount` is 金额
/// in one and 预算金额 in another).
pub fn column_header(column: &str) -> Option<&'static str> {
    let mut headers = HEADERS
        .iter()
        .flat_map(|(_, cols)| cols.iter())
        .filter(|(c, _)| *c == column)
        .map(|(_, h)| *h);
    let first = headers.next()?;
    headers.all(|h| h == first).then_some(first)
}

/// A header as it is matched: NFKC, spaces and line breaks trimmed, a leading or
/// trailing `*` and a trailing `(必填)` removed.
pub fn normalize_header(raw: &str) -> String {
    let s = nfkc(raw);
    let mut s = s.trim();
    loop {
        let before = s;
        s = s.trim_start_matches('*').trim_end_matches('*').trim();
        if let Some(x) = s.strip_suffix("(必填)") {
            s = x.trim();
        }
        if s == before {
            break;
        }
    }
    s.to_string()
}

/// The column of `table` a header names (English name or Chinese header, after
/// [`normalize_header`]).
pub fn column_by_header(table: &Table, raw: &str) -> Option<usize> {
    let h = normalize_header(raw);
    table
        .columns
        .iter()
        .position(|c| c.name == h || header(table.name, c.name).is_some_and(|z| nfkc(z) == h))
}

/// The labels of one code: the first is the one reports and the template show; every
/// one is accepted.
pub type CodeLabels = (&'static str, &'static [&'static str]);

/// The Chinese labels of the enumeration column `column` of `table` (empty for a
/// column without labels, such as `rectifications.rule`).
pub fn enum_labels(table: &str, column: &str) -> &'static [CodeLabels] {
    match (table, column) {
        ("unions", "level") => LEVEL,
        ("contacts", "role") => ROLE,
        ("households", "cause") => CAUSE,
        ("crosschecks", "department") => DEPARTMENT,
        ("crosschecks", "flag") => FLAG,
        ("crosschecks", "outcome") => OUTCOME,
        ("disbursements", "category") => CATEGORY,
        ("disbursements", "source") => SOURCE,
        ("subsidies", "kind") => SUBSIDY_KIND,
        ("inspections", "kind") => INSPECTION_KIND,
        ("inspections", "severity") => SEVERITY,
        ("referrals", "need") => NEED,
        ("referrals", "department") => REFERRAL_DEPARTMENT,
        ("referrals", "outcome") => REFERRAL_OUTCOME,
        _ => &[],
    }
}

/// The label a report or the template shows for `code` (its first label), or the
/// code itself when it has none.
pub fn label_of(table: &str, column: &str, code: &'static str) -> &'static str {
    enum_labels(table, column)
        .iter()
        .find(|(c, _)| *c == code)
        .and_then(|(_, l)| l.first().copied())
        .unwrap_or(code)
}

const LEVEL: &[CodeLabels] = &[
    ("province", &["省"]),
    ("city", &["市"]),
    ("county", &["县(市、区)", "县"]),
    ("township", &["乡镇(街道)", "乡镇", "街道"]),
    ("grassroots", &["基层/企业", "基层", "企业"]),
];
const ROLE: &[CodeLabels] = &[
    ("full_time", &["专职"]),
    ("part_time", &["兼职"]),
    ("liaison", &["联络指导员"]),
];
const CAUSE: &[CodeLabels] = &[
    ("illness", &["因病"]),
    ("disability", &["因残"]),
    ("unemployment", &["失业"]),
    ("education", &["因学"]),
    ("disaster", &["因灾"]),
    ("other", &["其他"]),
];
const DEPARTMENT: &[CodeLabels] = &[
    ("market", &["工商/市场监管", "工商", "市场监管"]),
    ("housing", &["住建"]),
    ("police", &["公安"]),
];
const FLAG: &[CodeLabels] = &[
    ("none", &["无"]),
    ("business", &["名下企业"]),
    ("property", &["多套房产"]),
    ("vehicle", &["名下车辆"]),
    ("deceased", &["已死亡"]),
    ("other", &["其他"]),
];
const OUTCOME: &[CodeLabels] = &[("confirmed", &["属实"]), ("cleared", &["不属实"])];
const CATEGORY: &[CodeLabels] = &[
    ("living", &["生活救助"]),
    ("medical", &["医疗救助"]),
    ("education", &["助学"]),
    ("employment", &["就业"]),
    ("housing", &["住房"]),
    ("emergency", &["临时救助"]),
];
const SOURCE: &[CodeLabels] = &[
    ("union_fund", &["工会经费"]),
    ("fiscal", &["财政"]),
    ("donation", &["社会捐赠"]),
];
const SUBSIDY_KIND: &[CodeLabels] = &[("transport", &["交通"]), ("phone", &["通讯"])];
const INSPECTION_KIND: &[CodeLabels] = &[
    ("self_check", &["自查"]),
    ("spot_check", &["抽查"]),
    ("census", &["普查"]),
];
const SEVERITY: &[CodeLabels] = &[("minor", &["一般"]), ("major", &["重大"])];
const NEED: &[CodeLabels] = &[
    ("subsistence", &["低保"]),
    ("medical", &["医疗救助"]),
    ("employment", &["就业援助"]),
    ("schooling", &["助学"]),
    ("housing", &["住房保障"]),
    ("other", &["其他"]),
];
const REFERRAL_DEPARTMENT: &[CodeLabels] = &[
    ("civil_affairs", &["民政"]),
    ("human_resources", &["人社"]),
    ("medical_insurance", &["医保"]),
    ("education", &["教育"]),
    ("housing", &["住建"]),
    ("other", &["其他"]),
];
const REFERRAL_OUTCOME: &[CodeLabels] = &[("granted", &["已落实"]), ("refused", &["未获批"])];

type TableHeaders = (&'static str, &'static [(&'static str, &'static str)]);

/// Every column's Chinese header (intake.md; accountability.md for the two newer
/// tables), in the order of the archive format.
const HEADERS: &[TableHeaders] = &[
    (
        "unions",
        &[
            ("union_id", "工会编号"),
            ("name", "工会名称"),
            ("level", "层级"),
            ("parent_id", "上级工会编号"),
            ("email", "电子邮箱"),
        ],
    ),
    (
        "contacts",
        &[
            ("contact_id", "联系人编号"),
            ("name", "姓名"),
            ("union_id", "所在工会编号"),
            ("role", "专兼职"),
            ("civil_servant", "是否在编公务人员"),
            ("phone", "联系电话"),
            ("appointed_on", "选定日期"),
            ("left_on", "离任日期"),
        ],
    ),
    (
        "households",
        &[
            ("household_id", "档案编号"),
            ("head_name", "户主姓名"),
            ("id_number", "身份证号码"),
            ("phone", "联系电话"),
            ("union_id", "所在单位工会编号"),
            ("cause", "致困原因"),
            ("members", "家庭人口"),
            ("income_per_capita", "家庭人均月收入"),
            ("filed_on", "建档日期"),
            ("filing_approved_by", "建档审批工会编号"),
        ],
    ),
    (
        "assignments",
        &[
            ("household_id", "档案编号"),
            ("contact_id", "联系人编号"),
            ("from_date", "起始日期"),
            ("to_date", "终止日期"),
        ],
    ),
    (
        "visits",
        &[
            ("visit_id", "家访编号"),
            ("household_id", "档案编号"),
            ("contact_id", "联系人编号"),
            ("visited_on", "家访日期"),
            ("photos", "照片数"),
            ("videos", "视频数"),
            ("uploaded_on", "上传日期"),
            ("notes", "家访记录"),
        ],
    ),
    (
        "crosschecks",
        &[
            ("check_id", "比对编号"),
            ("household_id", "档案编号"),
            ("department", "反馈部门"),
            ("received_on", "反馈日期"),
            ("flag", "比对结果"),
            ("verified_on", "核实日期"),
            ("outcome", "核实结论"),
        ],
    ),
    (
        "exits",
        &[
            ("exit_id", "申请编号"),
            ("household_id", "档案编号"),
            ("applied_on", "申请日期"),
            ("worker_signed", "职工本人签字"),
            ("approved_by", "审批工会编号"),
            ("approved_on", "审批日期"),
        ],
    ),
    (
        "disbursements",
        &[
            ("payment_id", "发放编号"),
            ("union_id", "发放工会编号"),
            ("household_id", "档案编号"),
            ("category", "帮扶类别"),
            ("amount", "金额"),
            ("paid_on", "发放日期"),
            ("approved_on", "审批日期"),
            ("source", "资金来源"),
        ],
    ),
    (
        "subsidies",
        &[
            ("subsidy_id", "补贴编号"),
            ("contact_id", "联系人编号"),
            ("union_id", "发放工会编号"),
            ("month", "补贴月份"),
            ("kind", "补贴类别"),
            ("amount", "金额"),
        ],
    ),
    (
        "budgets",
        &[
            ("union_id", "工会编号"),
            ("year", "年度"),
            ("amount", "预算金额"),
        ],
    ),
    (
        "requests",
        &[
            ("request_id", "诉求编号"),
            ("household_id", "档案编号"),
            ("raised_on", "提出日期"),
            ("kind", "诉求类别"),
            ("resolved_on", "解决日期"),
        ],
    ),
    (
        "trainings",
        &[
            ("contact_id", "联系人编号"),
            ("trained_on", "培训日期"),
            ("course", "培训内容"),
        ],
    ),
    (
        "feedback",
        &[
            ("household_id", "档案编号"),
            ("contact_id", "联系人编号"),
            ("rated_on", "评价日期"),
            ("score", "满意度评分"),
        ],
    ),
    (
        "inspections",
        &[
            ("inspection_id", "检查编号"),
            ("union_id", "被检查工会编号"),
            ("kind", "检查方式"),
            ("inspected_on", "检查日期"),
            ("severity", "问题性质"),
            ("contact_id", "责任联系人编号"),
            ("description", "问题描述"),
            ("resolved_on", "整改完成日期"),
        ],
    ),
    (
        "rectifications",
        &[
            ("rectification_id", "整改编号"),
            ("rule", "问题规则"),
            ("subject_id", "问题对象编号"),
            ("occurred_on", "问题发生日期"),
            ("reported_on", "报告日期"),
            ("verified_by", "核查工会编号"),
            ("verified_on", "核查日期"),
            ("action", "整改措施"),
        ],
    ),
    (
        "referrals",
        &[
            ("referral_id", "转介编号"),
            ("household_id", "档案编号"),
            ("contact_id", "联系人编号"),
            ("need", "需求类别"),
            ("department", "对接部门"),
            ("referred_on", "上报日期"),
            ("forwarded_on", "转交日期"),
            ("outcome", "办理结果"),
            ("closed_on", "办结日期"),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::{ColType, TABLES};

    #[test]
    fn every_column_has_a_header_and_every_enumeration_its_labels() {
        for t in TABLES {
            let mut seen = Vec::new();
            for c in t.columns {
                let h = header(t.name, c.name).unwrap_or_else(|| panic!("{}.{}", t.name, c.name));
                assert!(!seen.contains(&h), "{}: header {h} twice", t.name);
                seen.push(h);
                if let ColType::Enum(codes) = c.ty {
                    let labels = enum_labels(t.name, c.name);
                    if t.name == "rectifications" {
                        assert!(labels.is_empty());
                        continue;
                    }
                    let listed: Vec<_> = labels.iter().map(|(c, _)| *c).collect();
                    assert_eq!(listed, codes, "{}.{}", t.name, c.name);
                }
            }
        }
    }

    #[test]
    fn names_and_headers_match_after_nfkc() {
        assert_eq!(
            table_by_name(" 困难职工家庭档案 ").unwrap().name,
            "households"
        );
        assert_eq!(table_by_name("households").unwrap().name, "households");
        assert!(table_by_name("Households").is_none());
        let h = schema::table("households").unwrap();
        for raw in [
            "*户主姓名",
            "户主姓名（必填）",
            " 户主姓名\n",
            "head_name(必填)*",
        ] {
            assert_eq!(column_by_header(h, raw), Some(1), "{raw:?}");
        }
        // Full-width letters and digits become half-width.
        assert_eq!(normalize_header("ｈｅａｄ＿ｎａｍｅ"), "head_name");
        assert_eq!(column_by_header(h, "户主"), None);
        assert_eq!(label_of("unions", "level", "county"), "县(市、区)");
    }
}
