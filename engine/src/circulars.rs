//! Supervisory circulars (督查通报): one PDF per union with at least one major finding
//! attributed to it in the quarter, listing its findings by rule with the duty each
//! breaks and a deadline for correction. A union with `criticism_threshold` or more
//! major findings gets a 通报批评 (criticism) instead of a 督查提示; criticism is held in
//! the outbox until a second person approves it.
//!
//! Household heads' names are masked (张*明); no ID number or phone is printed.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::datasource::MemTable;
use serde::Serialize;

use crate::bulletin::{chinese_numeral, Meta};
use crate::calendar;
use crate::catalog::{self, Query};
use crate::config::DocumentConfig;
use crate::error::{Error, Result};
use crate::findings;
use crate::mask;
use crate::metrics;
use crate::outbox::{Attachment, Kind as MailKind, NewMessage};
use crate::output::{Cell, Tabular};
use crate::period::Period;
use crate::report::{self, numbering};
use crate::rules;
use crate::session::Session;

/// Default days given for correction.
pub const DEFAULT_DEADLINE_DAYS: u32 = 30;
/// Default number of major findings from which a circular is a criticism.
pub const DEFAULT_CRITICISM_THRESHOLD: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 督查提示: sent at once.
    Prompt,
    /// 通报批评: held until approved.
    Criticism,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Prompt => "督查提示",
            Kind::Criticism => "通报批评",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Prompt => "circular",
            Kind::Criticism => "criticism",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub subject: String,
    pub contact: String,
    pub date: String,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub label: String,
    pub rule: String,
    pub name: String,
    pub duty: String,
    pub count: String,
    pub rows: Vec<Row>,
}

/// The data of `report-templates/circular.typ`.
#[derive(Debug, Serialize)]
pub struct Data {
    pub meta: Meta,
    pub kind: String,
    pub intro: String,
    pub groups: Vec<Group>,
    pub deadline: String,
    pub closing: String,
}

pub struct Circular {
    pub union_id: String,
    pub union_name: String,
    pub kind: Kind,
    pub majors: usize,
    /// The union's address; `None` = undeliverable.
    pub to: Option<String>,
    /// The parent union's address, in copy.
    pub cc: Option<String>,
    pub period: Period,
    pub data: Data,
    pub date: (i32, u8, u8),
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

    /// The e-mail of this circular for the outbox, or `None` when the union has no
    /// address (undeliverable). A criticism is queued held: it waits for a second
    /// person's approval (`tiexin outbox approve`).
    pub fn message(&self, job: &str, pdf: &[u8], created_by: &str) -> Option<NewMessage> {
        let to = self.to.as_deref()?;
        Some(self.message_to(to, job, pdf, created_by))
    }

    /// [`Circular::message`] to a given address.
    pub fn message_to(&self, to: &str, job: &str, pdf: &[u8], created_by: &str) -> NewMessage {
        NewMessage {
            job: job.to_string(),
            period: self.period.to_string(),
            union_id: self.union_id.clone(),
            kind: match self.kind {
                Kind::Prompt => MailKind::Circular,
                Kind::Criticism => MailKind::Criticism,
            },
            subject: self.subject(),
            body: self.body(),
            to: vec![to.to_string()],
            cc: self.cc.iter().cloned().collect(),
            attachment: Some(Attachment {
                name: self.attachment_name(),
                bytes: pdf.to_vec(),
            }),
            held: self.kind == Kind::Criticism,
            created_by: created_by.to_string(),
        }
    }
}

/// Settings of the circulars (the `[circulars]` table of the config).
pub struct Settings<'a> {
    pub doc: &'a DocumentConfig,
    pub deadline_days: u32,
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

fn text(c: Option<&&Cell>) -> Option<String> {
    match c {
        Some(Cell::Int(i)) => Some(i.to_string()),
        Some(Cell::Text(s)) | Some(Cell::Decimal(s)) => Some(s.clone()),
        _ => None,
    }
}

fn q(name: &str) -> Result<&'static Query> {
    catalog::get("circulars", name)
        .ok_or_else(|| Error::Internal(format!("no query circulars/{name}")))
}

async fn run(s: &Session, q: &'static Query) -> Result<Tabular> {
    let df = metrics::run(&s.ctx, &s.catalog, q).await?;
    metrics::tabular(&metrics::collect(df, q).await?)
}

fn subject_label(kind: &str) -> &'static str {
    match kind {
        "household" => "家庭",
        "visit" => "走访记录",
        "exit" => "脱困申请",
        "payment" => "资金发放",
        "subsidy" => "联系人补贴",
        "request" => "临时诉求",
        "crosscheck" => "部门比对",
        "inspection" => "督查检查",
        "contact" => "联系人",
        _ => "",
    }
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
    let found = findings::findings_with(&s.ctx, &s.catalog, quarter).await?;
    s.ctx.deregister_table("circular_findings")?;
    s.ctx.register_table(
        "circular_findings",
        Arc::new(MemTable::try_new(found.schema(), vec![vec![found]])?),
    )?;
    let majors = run(s, q("major_findings")?).await?;
    let recipients = run(s, q("recipients")?).await?;
    let recipients: BTreeMap<String, BTreeMap<&str, Option<String>>> =
        Tabular::records(&recipients)
            .into_iter()
            .filter_map(|r| {
                let id = text(r.get("union_id"))?;
                let m = ["name", "email", "parent_id", "parent_name", "parent_email"]
                    .into_iter()
                    .map(|k| (k, text(r.get(k))))
                    .collect();
                Some((id, m))
            })
            .collect();
    let root_name = recipients
        .iter()
        .find(|(_, r)| r.get("parent_id").cloned().flatten().is_none())
        .and_then(|(_, r)| r.get("name").cloned().flatten())
        .unwrap_or_else(|| "山东省总工会".to_string());

    // union → rule → rows
    let mut by_union: BTreeMap<String, BTreeMap<String, Vec<Row>>> = BTreeMap::new();
    for r in Tabular::records(&majors) {
        let (Some(union), Some(rule)) = (text(r.get("union_id")), text(r.get("rule"))) else {
            continue;
        };
        let kind = text(r.get("subject_type")).unwrap_or_default();
        let id = text(r.get("subject_id")).unwrap_or_default();
        let subject = match text(r.get("head_name")) {
            Some(name) => format!(
                "{}{id}（户主{}）",
                subject_label(&kind),
                mask::person_name(&name)
            ),
            None => format!("{}{id}", subject_label(&kind)),
        };
        let contact = match (text(r.get("contact_name")), text(r.get("contact_id"))) {
            (Some(n), Some(c)) => format!("{n}（{c}）"),
            (None, Some(c)) => c,
            _ => "—".to_string(),
        };
        by_union
            .entry(union)
            .or_default()
            .entry(rule)
            .or_default()
            .push(Row {
                subject,
                contact,
                date: text(r.get("occurred_on")).unwrap_or_default(),
                detail: text(r.get("detail")).unwrap_or_default(),
            });
    }

    let (y, m, d) = date;
    let today = calendar::day(y, m as u32, d as u32);
    let (dy, dm, dd) = calendar::civil(today + set.deadline_days as i32);
    let deadline = report::chinese_date(dy, dm as u8, dd as u8);
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
        let rec = recipients.get(&union);
        let get = |k: &str| rec.and_then(|r| r.get(k).cloned().flatten());
        let union_name = get("name").unwrap_or_else(|| union.clone());
        let count: usize = groups.values().map(Vec::len).sum();
        let kind = kind_of(&groups);
        let groups: Vec<Group> = groups
            .into_iter()
            .enumerate()
            .map(|(i, (rule, rows))| {
                let r = rules::get(&rule);
                Group {
                    label: format!("（{}）", chinese_numeral(i + 1)),
                    name: r.map(|r| r.name).unwrap_or("").to_string(),
                    duty: r.map(|r| r.duty).unwrap_or("").to_string(),
                    count: rows.len().to_string(),
                    rule,
                    rows,
                }
            })
            .collect();
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
        let date_cn = report::chinese_date(y, m, d);
        let meta =
            Meta {
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
                    vec![get("parent_name").unwrap_or_else(|| issuer_name.clone())]
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
            to: get("email"),
            cc: get("parent_email"),
            period: *quarter,
            date,
        });
    }
    Ok(out)
}

/// Typesets one circular.
pub fn render(c: &Circular) -> Result<report::Rendered> {
    report::render(&report::Document {
        template: "circular.typ",
        data: &c.data,
        charts: Vec::new(),
        date: c.date,
        ident: c.ident.clone(),
    })
}
