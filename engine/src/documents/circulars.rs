//! Supervisory circulars (督查通报): one PDF per union with at least one major finding
//! attributed to it in the quarter, listing its findings by rule with the duty each
//! breaks and a deadline for correction. A union with `criticism_threshold` or more
//! major findings gets a 通报批评 (criticism) instead of a 督查提示; criticism is held in
//! the outbox until a second person approves it.
//!
//! Household heads' names are masked (张*明); no ID number or phone is printed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::settings::DocumentConfig;
use super::text::{chinese_date, chinese_numeral};
use super::{numbering, Meta, Rendered};
use crate::analysis::{accountability, findings, rules};
use crate::calendar;
use crate::error::{Error, Result};
use crate::sql::catalog::named as query;
use crate::sql::decode::Decoder;
use crate::sql::sandbox::mask;
use crate::sql::{Period, Session};

/// Default number of major findings from which a circular is a criticism.
pub const DEFAULT_CRITICISM_THRESHOLD: usize = 5;

/// Which circular a union gets, by its number of major findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 督查提示: sent at once.
    Prompt,
    /// 通报批评: held until approved.
    Criticism,
}

impl Kind {
    /// The kind in Chinese (督查提示, 通报批评), as the document and file names show it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Prompt => "督查提示",
            Kind::Criticism => "通报批评",
        }
    }

    /// The kind in file names, numbering keys and the outbox (`circular`, `criticism`).
    pub fn code(self) -> &'static str {
        match self {
            Kind::Prompt => "circular",
            Kind::Criticism => "criticism",
        }
    }
}

/// One major finding, a row of a rule's table.
#[derive(Debug, Serialize)]
pub struct Row {
    /// What the finding is about (对象): subject type and id, with the masked household head.
    pub subject: String,
    /// The responsible contact, `name（id）`, or — when the rule names none (责任联系人).
    pub contact: String,
    /// When it occurred, `YYYY-MM-DD` (日期).
    pub date: String,
    /// What the finding's query says about it (情况).
    pub detail: String,
}

/// One rule's major findings in the union: a numbered paragraph and its table.
#[derive(Debug, Serialize)]
pub struct Group {
    /// The paragraph number: （一）, （二）, ….
    pub label: String,
    /// The rule's code (`V2`).
    pub rule: String,
    /// The rule's Chinese name.
    pub name: String,
    /// The policy clause the findings break, quoted.
    pub duty: String,
    /// The number of findings.
    pub count: String,
    /// The findings, one table row each.
    pub rows: Vec<Row>,
}

/// The data of `report-templates/circular.typ`.
#[derive(Debug, Serialize)]
pub struct Data {
    /// The header and closing block.
    pub meta: Meta,
    /// The kind in Chinese (督查提示, 通报批评).
    pub kind: String,
    /// The opening paragraph: the quarter reviewed and the number of major findings.
    pub intro: String,
    /// Section 一、存在的问题: the findings by rule.
    pub groups: Vec<Group>,
    /// The correction deadline in Chinese (2026年12月28日).
    pub deadline: String,
    /// Section 二、整改要求: the correction request and deadline.
    pub closing: String,
}

/// One union's circular, ready to typeset and send.
pub struct Circular {
    /// The union the circular is addressed to.
    pub union_id: String,
    /// That union's name.
    pub union_name: String,
    /// Prompt or criticism.
    pub kind: Kind,
    /// The union's major findings in the quarter.
    pub majors: usize,
    /// The union's address; `None` = undeliverable.
    pub to: Option<String>,
    /// The parent union's address, in copy.
    pub cc: Option<String>,
    /// The quarter reviewed.
    pub period: Period,
    /// The data of the template.
    pub data: Data,
    /// The document's date (year, month, day).
    pub date: (i32, u8, u8),
    /// The PDF's identifier (`tiexin-<code>-<quarter>-<union>`).
    pub ident: String,
}

impl Circular {
    /// `U3701-circular.pdf` / `U3701-criticism.pdf`.
    pub fn file_name(&self) -> String {
        format!("{}-{}.pdf", self.union_id, self.kind.code())
    }

    /// The e-mail subject.
    pub fn subject(&self) -> String {
        format!("{}（{}）", self.data.meta.title, self.data.meta.number)
    }

    /// The plain-text body of the e-mail that carries the PDF.
    pub fn body(&self) -> String {
        format!(
            "{}：\n\n现将《{}》（{}）发给你们，请查收附件，并于{}前完成整改、书面报告整改情况。\n\n{}\n{}\n",
            self.union_name,
            self.data.meta.title,
            self.data.meta.number,
            self.data.deadline,
            self.data.meta.office,
            self.data.meta.date
        )
    }
}

impl Circular {
    /// The attachment's file name the recipient sees: `历下区总工会督查提示（2026Q3）.pdf`.
    pub fn attachment_name(&self) -> String {
        format!(
            "{}{}（{}）.pdf",
            self.union_name,
            self.kind.label(),
            self.period
        )
    }
}

/// Settings of the circulars (the `[circulars]` table of the config).
pub struct Settings<'a> {
    /// The document parts from the configuration (issuer, number prefix, cc…).
    pub doc: &'a DocumentConfig,
    /// From this many major findings a union gets a 通报批评.
    pub criticism_threshold: usize,
}

impl<'a> Settings<'a> {
    /// The settings of `[circulars]`, with the defaults; a threshold of 0 is refused.
    pub fn from_doc(doc: &'a DocumentConfig) -> Result<Settings<'a>> {
        let criticism_threshold = doc
            .criticism_threshold
            .unwrap_or(DEFAULT_CRITICISM_THRESHOLD);
        if criticism_threshold == 0 {
            return Err(Error::Config(
                "[circulars] criticism-threshold must be at least 1".into(),
            ));
        }
        Ok(Settings {
            doc,
            criticism_threshold,
        })
    }
}

/// The Chinese of a finding's subject type (`household` → 家庭).
fn subject_label(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "household" => "家庭",
        "visit" => "走访记录",
        "exit" => "脱困申请",
        "payment" => "资金发放",
        "subsidy" => "联系人补贴",
        "request" => "临时诉求",
        "crosscheck" => "部门比对",
        "inspection" => "督查检查",
        "contact" => "联系人",
        "referral" => "需求转介",
        "union" => "工会",
        "finding" => "上季度重大问题",
        _ => return None,
    })
}

/// For each K1 of `quarter` (by its subject `<rule>:<subject_id>:<occurred_on>`), what
/// became of the correction it follows up, as of `day`: reported but not verified by a
/// union at county level or above, verified late, or never reported.
async fn overdue_states(
    s: &Session,
    quarter: &Period,
    day: i32,
) -> Result<BTreeMap<String, String>> {
    let prev = quarter.previous_quarter();
    let batch = accountability::rectify(s, &prev, day).await?;
    let q = query("accountability", "rectify")?;
    let dec = Decoder::new(&batch, q);
    let (rule, subject, occurred) = (
        dec.text("rule")?,
        dec.text("subject_id")?,
        dec.date("occurred_on")?,
    );
    let (deadline, reported, verified, status) = (
        dec.date("deadline")?,
        dec.date("reported_on")?,
        dec.date("verified_on")?,
        dec.text("status")?,
    );
    let cn = |d: i32| {
        let (y, m, dd) = calendar::civil(d);
        chinese_date(y, m as u8, dd as u8)
    };
    let mut out = BTreeMap::new();
    for r in 0..dec.rows() {
        let key = format!(
            "{}:{}:{}",
            rule.req(r)?,
            subject.req(r)?,
            calendar::iso(occurred.req(r)?)
        );
        let due = cn(deadline.req(r)?);
        let state = match status.req(r)?.as_str() {
            "late" => format!(
                "整改期限{due}，{}才经县级以上工会核实",
                verified.get(r).map(cn).unwrap_or_default()
            ),
            "unverified" => format!(
                "整改期限{due}，{}已报告整改，但未经县级以上工会核实",
                reported.get(r).map(cn).unwrap_or_default()
            ),
            "not_reported" => format!("整改期限{due}，未报告整改情况"),
            other => format!("整改期限{due}（{other}）"),
        };
        out.insert(key, state);
    }
    Ok(out)
}

/// Who receives a union's circular (`queries/circulars/recipients.sql`).
struct Recipient {
    name: String,
    email: Option<String>,
    parent_id: Option<String>,
    parent_name: Option<String>,
    parent_email: Option<String>,
}

/// The circulars of `quarter`, in union_id order.
pub async fn build(
    s: &Session,
    set: &Settings<'_>,
    quarter: &Period,
    date: (i32, u8, u8),
) -> Result<Vec<Circular>> {
    if !quarter.is_quarter() {
        return Err(Error::Usage(format!(
            "circulars are issued per quarter: give a period like {}Q3, not {quarter}",
            quarter.year()
        )));
    }
    let found = findings::findings(s, quarter).await?;
    let scope = s.scope()?;
    scope.register("circular_findings", found)?;

    let q = query("circulars", "recipients")?;
    let batch = scope.collect(q, None).await?;
    let dec = Decoder::new(&batch, q);
    let (ids, names, emails) = (dec.text("union_id")?, dec.text("name")?, dec.text("email")?);
    let (parents, parent_names, parent_emails) = (
        dec.text("parent_id")?,
        dec.text("parent_name")?,
        dec.text("parent_email")?,
    );
    let mut recipients: BTreeMap<String, Recipient> = BTreeMap::new();
    for r in 0..dec.rows() {
        recipients.insert(
            ids.req(r)?,
            Recipient {
                name: names.req(r)?,
                email: emails.get(r),
                parent_id: parents.get(r),
                parent_name: parent_names.get(r),
                parent_email: parent_emails.get(r),
            },
        );
    }
    // The issuer: the first union (by union_id) without a linked parent.
    let root_name = recipients
        .values()
        .find(|r| r.parent_id.is_none())
        .map(|r| r.name.clone())
        .ok_or_else(|| {
            Error::Unreadable("unions.csv has no root union (a union without parent_id)".into())
        })?;

    // union → rule → rows
    let q = query("circulars", "major_findings")?;
    let batch = scope.collect(q, None).await?;
    let dec = Decoder::new(&batch, q);
    let (unions, rules_col) = (dec.text("union_id")?, dec.text("rule")?);
    let (kinds, subjects) = (dec.text("subject_type")?, dec.text("subject_id")?);
    let (heads, contact_names) = (dec.text("head_name")?, dec.text("contact_name")?);
    let (contacts, dates, details) = (
        dec.text("contact_id")?,
        dec.date("occurred_on")?,
        dec.text("detail")?,
    );
    // The state of the corrections K1 follows up (accountability.md), as of the date.
    let (y, m, d) = date;
    let today = calendar::day(y, m as u32, d as u32);
    let overdue = if (0..dec.rows()).any(|r| rules_col.get(r).as_deref() == Some("K1")) {
        overdue_states(s, quarter, today).await?
    } else {
        BTreeMap::new()
    };
    let mut by_union: BTreeMap<String, BTreeMap<String, Vec<Row>>> = BTreeMap::new();
    for r in 0..dec.rows() {
        let (kind, id) = (kinds.req(r)?, subjects.req(r)?);
        let rule = rules_col.req(r)?;
        let label = subject_label(&kind).ok_or_else(|| {
            Error::Query(format!(
                "{} gives the unknown subject type {kind}",
                q.path()
            ))
        })?;
        let subject = match heads.get(r) {
            Some(name) => format!("{label}{id}（户主{}）", mask::person_name(&name)),
            None => format!("{label}{id}"),
        };
        let contact = match (contact_names.get(r), contacts.get(r)) {
            (Some(n), Some(c)) => format!("{n}（{c}）"),
            (None, Some(c)) => c,
            // The rule names no responsible contact.
            _ => "—".to_string(),
        };
        let detail = match (rule.as_str(), overdue.get(&id)) {
            ("K1", Some(state)) => format!("{}：{state}", details.req(r)?),
            _ => details.req(r)?,
        };
        by_union
            .entry(unions.req(r)?)
            .or_default()
            .entry(rule)
            .or_default()
            .push(Row {
                subject,
                contact,
                date: calendar::iso(dates.req(r)?),
                detail,
            });
    }

    // Every major finding of the quarter must be rectified by d(f) = pe + 60 days.
    let (dy, dm, dd) = calendar::civil(quarter.last_day() + 60);
    let deadline = chinese_date(dy, dm as u8, dd as u8);
    let issuer_name = set.doc.office.clone().unwrap_or(root_name);
    let prefix = set
        .doc
        .number_prefix
        .clone()
        .unwrap_or_else(|| "鲁工督".to_string());
    // A union with an overdue correction (K1) is criticised whatever its count.
    let kind_of = |groups: &BTreeMap<String, Vec<Row>>| {
        if groups.contains_key("K1")
            || groups.values().map(Vec::len).sum::<usize>() >= set.criticism_threshold
        {
            Kind::Criticism
        } else {
            Kind::Prompt
        }
    };
    // Numbers for all the circulars at once, in union_id order.
    let keys: Vec<String> = by_union
        .iter()
        .map(|(union, groups)| format!("{}|{quarter}|{union}", kind_of(groups).code()))
        .collect();
    let serials = numbering::numbers_for(set.doc.state_dir.as_deref(), &prefix, y, &keys)?;
    let mut out = Vec::new();
    for ((union, groups), serial) in by_union.into_iter().zip(serials) {
        let rec = recipients.get(&union).ok_or_else(|| {
            Error::Query(format!(
                "queries/circulars/major_findings.sql names the union {union}, which queries/circulars/recipients.sql does not give"
            ))
        })?;
        let union_name = rec.name.clone();
        let count: usize = groups.values().map(Vec::len).sum();
        let kind = kind_of(&groups);
        let groups: Vec<Group> = groups
            .into_iter()
            .enumerate()
            .map(|(i, (rule, rows))| {
                let r = rules::get(&rule).ok_or_else(|| {
                    Error::Query(format!("{} gives the unknown rule {rule}", q.path()))
                })?;
                Ok(Group {
                    label: format!("（{}）", chinese_numeral(i + 1)),
                    name: r.name.to_string(),
                    duty: r.duty.to_string(),
                    count: rows.len().to_string(),
                    rule,
                    rows,
                })
            })
            .collect::<Result<_>>()?;
        let title = match kind {
            Kind::Prompt => format!(
                "关于{union_name}{}困难职工联系人制度落实问题的督查提示",
                quarter.chinese()
            ),
            Kind::Criticism => format!(
                "关于对{union_name}{}困难职工联系人制度落实问题的通报批评",
                quarter.chinese()
            ),
        };
        let overdue = groups
            .iter()
            .find(|g| g.rule == "K1")
            .map(|g| g.rows.len())
            .unwrap_or(0);
        let intro = match kind {
            Kind::Criticism if overdue > 0 => format!(
                "经对{}困难职工联系人制度落实情况审查，你单位存在以下{count}个重大问题，其中{overdue}个上季度重大问题逾期未整改，根据《关于建立健全困难职工联系人制度的意见》“完善纠错问责制度”的要求，现予通报批评。",
                quarter.chinese()
            ),
            Kind::Prompt => format!(
                "经对{}困难职工联系人制度落实情况审查，你单位存在以下{count}个重大问题，现予督查提示。",
                quarter.chinese()
            ),
            Kind::Criticism => format!(
                "经对{}困难职工联系人制度落实情况审查，你单位存在以下{count}个重大问题（达到{}个），根据《关于建立健全困难职工联系人制度的意见》“完善纠错问责制度”的要求，现予通报批评。",
                quarter.chinese(),
                set.criticism_threshold
            ),
        };
        let date_cn = chinese_date(y, m, d);
        let meta = Meta {
            issuer: set
                .doc
                .issuer
                .clone()
                .unwrap_or_else(|| format!("{issuer_name}文件")),
            number: numbering::format(&prefix, y, serial),
            title,
            addressee: union_name.clone(),
            office: issuer_name.clone(),
            date: date_cn.clone(),
            cc: set.doc.cc.clone().unwrap_or_else(|| {
                vec![rec
                    .parent_name
                    .clone()
                    .unwrap_or_else(|| issuer_name.clone())]
            }),
            printer: set
                .doc
                .printer
                .clone()
                .unwrap_or_else(|| format!("{issuer_name}办公室")),
            print_date: date_cn,
        };
        out.push(Circular {
            data: Data {
                meta,
                kind: kind.label().to_string(),
                intro,
                groups,
                deadline: deadline.clone(),
                closing: format!(
                    "请你单位对上述问题逐项核查整改，于{deadline}前将整改情况书面报送{issuer_name}。逾期未整改或整改不到位的，将依法依规纠错问责。"
                ),
            },
            ident: format!("tiexin-{}-{quarter}-{union}", kind.code()),
            union_id: union,
            union_name,
            kind,
            majors: count,
            to: rec.email.clone(),
            cc: rec.parent_email.clone(),
            period: *quarter,
            date,
        });
    }
    Ok(out)
}

/// Typesets one circular.
pub fn render(c: &Circular) -> Result<Rendered> {
    super::render(&super::Document {
        template: "circular.typ",
        data: &c.data,
        charts: Vec::new(),
        date: c.date,
        ident: c.ident.clone(),
    })
}
