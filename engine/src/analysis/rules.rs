//! The finding rules as documents name them: a short Chinese name and the duty of the
//! policy (关于建立健全困难职工联系人制度的意见, ../shared/seed/) each one enforces.
//! The rules themselves are the SQL files of `queries/findings/`.

/// One finding rule: its code, its Chinese name and the policy duty it enforces.
pub struct Rule {
    /// The rule's code (`V1`), the name of its query in `queries/findings/`.
    pub code: &'static str,
    /// The short Chinese name documents print (未按期家访 and the like).
    pub name: &'static str,
    /// The clause of the policy, quoted.
    pub duty: &'static str,
}

const ONE_TO_ONE: &str =
    "二、联系人的选定：推行每个困难职工家庭与所在单位、联系人之间的一一对应安排";
const VISIT: &str = "三（一）调查真情实况：每季度对困难职工家庭调查家访一次，通过视频、图片等形式上传至“精准帮扶信息化平台”";
const CROSSCHECK: &str =
    "三（一）调查真情实况：对工商、住建、公安等部门数据比对的反馈结果，进一步核准核实";
const EXIT: &str =
    "三（五）反馈工作成效：填写申请，困难职工个人签字确认后，提交上级工会，经县级以上工会批准";
const FILING: &str =
    "三（一）调查真情实况：经县级以上工会审核确认符合建档条件后，有针对性地制定帮扶措施";
const FUNDS: &str = "四（四）加强督查问效：严格帮扶资金使用方向、范围、对象和程序";
const LINK: &str = "三（三）链接职工需求：对符合申请低保、医疗报销、促进就业等方面帮扶政策的，及时逐级上报至县及县以上工会，由县及县以上工会协助与民政、人社等政府相关部门对接落实";
const REQUEST: &str =
    "三（四）解决即时困难：对临时发生的问题、合理请求诉求，应尽力帮助解决或上报组织处理";

/// Every finding rule, one per query of `queries/findings/`, in code order.
pub const RULES: &[Rule] = &[
    Rule { code: "A1", name: "困难职工家庭无联系人", duty: ONE_TO_ONE },
    Rule { code: "A2", name: "一户有多名联系人", duty: ONE_TO_ONE },
    Rule { code: "A3", name: "联系人离任未调整", duty: ONE_TO_ONE },
    Rule { code: "C1", name: "部门比对反馈逾期未核实", duty: CROSSCHECK },
    Rule { code: "C2", name: "核实不符合条件仍未移出档案", duty: CROSSCHECK },
    Rule { code: "E1", name: "脱困申请无本人签字", duty: EXIT },
    Rule { code: "E2", name: "脱困未经县级以上工会批准", duty: EXIT },
    Rule { code: "E3", name: "建档未经县级以上工会审核", duty: FILING },
    Rule { code: "F1", name: "资金发放对象不在档", duty: FUNDS },
    Rule { code: "F2", name: "帮扶资金重复发放", duty: FUNDS },
    Rule { code: "F3", name: "帮扶资金未经审批发放", duty: FUNDS },
    Rule { code: "F4", name: "向核实不符合条件的家庭发放资金", duty: FUNDS },
    Rule { code: "F5", name: "向在编人员发放联系人补贴", duty: "四（二）加强经费保障：给予困难职工联系人适当的交通、通讯补贴（正式在编的行政事业单位人员除外）" },
    Rule { code: "I1", name: "督查检查发现问题未整改", duty: "四（四）加强督查问效：通过各级工会帮扶资金使用管理自查、抽查和普查等方式严格考核评估" },
    Rule { code: "K1", name: "重大问题逾期未整改", duty: "四（四）加强督查问效：完善纠错问责制度，对工作不负责任的给予通报批评" },
    Rule { code: "R1", name: "临时诉求超过7日未解决", duty: REQUEST },
    Rule { code: "R2", name: "临时诉求超过30日未解决", duty: REQUEST },
    Rule { code: "S1", name: "需求转介超过15日未转交", duty: LINK },
    Rule { code: "S2", name: "需求转介超过90日未办结", duty: LINK },
    Rule { code: "U1", name: "未选定联络指导员", duty: "二、联系人的选定：省、市、县级工会逐级选定帮扶工作联系人，统筹负责本级困难帮扶工作，联系联络下一层级联系人" },
    Rule { code: "V1", name: "本季度未按期家访", duty: VISIT },
    Rule { code: "V2", name: "连续两个季度未家访", duty: VISIT },
    Rule { code: "V3", name: "家访日期不在建档期内", duty: VISIT },
    Rule { code: "V4", name: "单日家访次数异常", duty: VISIT },
    Rule { code: "V5", name: "非指定联系人家访", duty: ONE_TO_ONE },
];

/// Whether the rule only detects a pattern that may have an innocent cause (V4: many
/// visits in one day), so that its findings ask for verification, never allege a breach.
pub fn asks_verification(code: &str) -> bool {
    code == "V4"
}

/// Whether a finding's detail says a record only lacks data (no approving union filled
/// in, no household filled in): such a finding asks for verification.
pub fn lacks_data(detail: &str) -> bool {
    detail.contains("未注明") || detail.contains("未填写")
}

/// The clause of the policy a rule enforces, as a reader quotes it:
/// `（三）“调查真情实况”部分：“每季度…”`, split into the part's heading and the words.
pub fn clause(duty: &str) -> (String, String) {
    let (section, words) = duty.split_once('：').unwrap_or(("", duty));
    let heading: String = section
        .trim_start_matches(|c: char| "一二三四五六七八九十（）、".contains(c))
        .to_string();
    (heading, words.to_string())
}

/// The sentence after a rule's heading in a circular: the breach and the clause, or
/// (`verify`) a request to verify the records against the clause.
pub fn lead(rule: &Rule, verify: bool) -> String {
    let (heading, words) = clause(rule.duty);
    // A quotation inside the quoted words takes single quotes.
    let words = words.replace('“', "‘").replace('”', "’");
    if verify {
        format!(
            "以下情况由档案数据筛查发现，尚不能认定为违规，请逐项核实。《关于建立健全困难职工联系人制度的意见》“{heading}”部分要求：“{words}”。"
        )
    } else {
        format!("不符合《关于建立健全困难职工联系人制度的意见》“{heading}”部分“{words}”的要求。")
    }
}

/// The rule with this code (`V1`).
pub fn get(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn clauses_are_quoted_whole() {
        let r = super::get("V5").unwrap();
        assert_eq!(
            super::lead(r, false),
            "不符合《关于建立健全困难职工联系人制度的意见》“联系人的选定”部分“推行每个困难职工家庭与所在单位、联系人之间的一一对应安排”的要求。"
        );
        let v4 = super::lead(super::get("V4").unwrap(), true);
        assert!(
            v4.contains("请逐项核实") && !v4.contains("弄虚作假"),
            "{v4}"
        );
        for r in super::RULES {
            assert!(!r.duty.contains("弄虚作假"), "{}", r.code);
            let (h, w) = super::clause(r.duty);
            assert!(!h.is_empty() && !w.is_empty(), "{}", r.code);
        }
    }

    #[test]
    fn every_finding_query_has_a_rule_entry() {
        for q in crate::sql::catalog::FINDINGS {
            assert!(super::get(q.rule()).is_some(), "{}", q.rule());
        }
        assert_eq!(super::RULES.len(), crate::sql::catalog::FINDINGS.len());
    }
}
