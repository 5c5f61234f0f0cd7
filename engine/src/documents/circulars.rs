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
use crate::analysis::{findings, rules};
use crate::calendar;
use crate::error::{Error, Result};
use crate::sql::catalog::named as query;
use crate::sql::decode::Decoder;
use crate::sql::sandbox::mask;
use crate::sql::{Period, Session};

/// Default days given for correction.
pub const DEFAULT_DEADLINE_DAYS: u32 = 30;
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
    /// Days given for correction.
    pub deadline_days: u32,
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
            deadline_days: doc.deadline_days.unwrap_or(DEFAULT_DEADLINE_DAYS),
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
        _ => return None,
    })
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
    let mut by_union: BTreeMap<String, BTreeMap<String, Vec<Row>>> = BTreeMap::new();
    for r in 0..dec.rows() {
        let (kind, id) = (kinds.req(r)?, subjects.req(r)?);
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
        by_union
            .entry(unions.req(r)?)
            .or_default()
            .entry(rules_col.req(r)?)
            .or_default()
            .push(Row {
                subject,
                contact,
                date: calendar::iso(dates.req(r)?),
                detail: details.req(r)?,
            });
    }

    let (y, m, d) = date;
    let today = calendar::day(y, m as u32, d as u32);
    let (dy, dm, dd) = calendar::civil(today + set.deadline_days as i32);
    let deadline = chinese_date(dy, dm as u8, dd as u8);
    let issuer_name = set.doc.office.clone().unwrap_or(root_name);
    let prefix = set
        .doc
        .number_prefix
        .clone()
        .unwrap_or_else(|| "鲁工督".to_string());
    let kind_of = |groups: &BTreeMap<String, Vec<Row>>| {
        if groups.values().map(Vec::len).sum::<usize>() >= set.criticism_threshold {
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
        let intro = match kind {
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
