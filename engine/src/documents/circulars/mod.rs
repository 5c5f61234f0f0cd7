//! Supervisory circulars (督查通报): one PDF per union with at least one major finding
//! attributed to it in the quarter, listing its findings by kind with the clause of the
//! policy each breaks and a deadline for correction. The document type (文种) is a
//! 通知 (整改通知) below `criticism_threshold` major findings, a 通报 (通报批评) from it
//! on; criticism is held in the outbox until a second person approves it, and is a draft
//! (送审稿, unnumbered) until then. Each circular carries a 整改台账 workbook
//! ([`super::ledger`]) with the record keys of its findings.
//!
//! Household heads' names are masked (张*明); no ID number, phone, record id or rule
//! code is printed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::{accountability, findings, rules};
use crate::calendar;
use crate::documents::settings::DocumentConfig;
use crate::documents::text::{chinese_date, chinese_numeral};
use crate::documents::{numbering, Meta, Rendered};
use crate::error::{Error, Result};
use crate::sql::catalog::named as query;
use crate::sql::decode::Decoder;
use crate::sql::sandbox::mask;
use crate::sql::{Period, Session};
use wording::CircularText;

mod wording;

/// Default number of major findings from which a circular is a criticism.
pub const DEFAULT_CRITICISM_THRESHOLD: usize = 5;

/// Which circular a union gets, by its number of major findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 整改通知 (a 通知): sent at once.
    Prompt,
    /// 通报批评: held until approved.
    Criticism,
}

impl Kind {
    /// The kind in Chinese (整改通知, 通报批评), as the document and file names show it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Prompt => "整改通知",
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

/// One major finding, a row of a kind's table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What the finding is about (对象): the kind of record, with the masked household head.
    pub subject: String,
    /// The responsible contact's name, or — when the rule names none (责任联系人).
    pub contact: String,
    /// When it occurred, in Chinese (2026年7月31日) (日期).
    pub date: String,
    /// What the finding's query says about it, with the amount of a money finding (情况).
    pub detail: String,
    /// The record keys of the finding, for the 整改台账 (never printed).
    #[serde(skip)]
    pub key: super::ledger::Key,
}

/// One rule's major findings in the union: a numbered paragraph and its table.
#[derive(Debug, Serialize)]
pub struct Group {
    /// The paragraph number: （一）, （二）, ….
    pub label: String,
    /// The rule's code (`V2`), never printed.
    #[serde(skip)]
    pub rule: String,
    /// The rule's Chinese name.
    pub name: String,
    /// The sentence after the heading: the clause of the policy the findings break, or,
    /// for a finding that only lacks data or shows a pattern, the request to verify it.
    pub lead: String,
    /// The table's caption (表1　…).
    pub caption: String,
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
    /// The closing words (特此通报。 or none).
    pub ending: String,
    /// The 附件说明 line: the attachments' names.
    pub attachments: Vec<String>,
    /// The 附注 under the date (联系人、电话).
    pub note: String,
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
    /// The address in copy (the parent union's), printed as 抄送 only when there is one.
    pub cc: Option<String>,
    /// The document number's prefix and year, to number a draft when it is approved.
    pub numbering: (String, i32),
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

    /// The e-mail subject: the title and the number (送审稿 while a draft).
    pub fn subject(&self) -> String {
        format!("{}（{}）", self.data.meta.title, self.number_or_draft())
    }

    fn number_or_draft(&self) -> &str {
        if self.data.meta.number.is_empty() {
            "送审稿"
        } else {
            &self.data.meta.number
        }
    }

    /// The plain-text body of the e-mail that carries the PDF.
    pub fn body(&self) -> String {
        let m = &self.data.meta;
        mail_body(
            &m.addressee,
            &m.title,
            self.number_or_draft(),
            &self.data.deadline,
            &m.office,
            &m.date,
        )
    }

    /// The 整改台账 workbook's file name beside the PDF (`U3701-整改台账.xlsx`).
    pub fn ledger_file_name(&self) -> String {
        format!("{}-整改台账.xlsx", self.union_id)
    }

    /// The 整改台账 workbook's file name the recipient sees.
    pub fn ledger_name(&self) -> String {
        format!("{}整改台账（{}）.xlsx", self.union_name, self.period)
    }

    /// The 整改台账 workbook: one row per finding, with the columns the office fills in.
    pub fn ledger(&self) -> Result<Vec<u8>> {
        let rows: Vec<&Row> = self.data.groups.iter().flat_map(|g| &g.rows).collect();
        super::ledger::workbook(&self.union_name, &self.period, &self.data.deadline, &rows)
    }

    /// Turns the draft into its numbered final, dated `date`, with the number `serial`.
    pub fn issue(&mut self, serial: u32, date: (i32, u8, u8)) {
        let (prefix, year) = &self.numbering;
        let number = numbering::format(prefix, *year, serial);
        self.data.meta.issue(number, date);
        self.date = date;
    }

    /// The key of its number in the registry (`criticism|2026Q3|U3701`).
    pub fn number_key(&self) -> String {
        format!("{}|{}|{}", self.kind.code(), self.period, self.union_id)
    }
}

impl Circular {
    /// The attachment's file name the recipient sees: `历下区总工会整改通知（2026Q3）.pdf`.
    pub fn attachment_name(&self) -> String {
        format!(
            "{}{}（{}）.pdf",
            self.union_name,
            self.kind.label(),
            self.period
        )
    }
}

/// The plain-text body of a circular's e-mail.
pub fn mail_body(
    addressee: &str,
    title: &str,
    number: &str,
    deadline: &str,
    office: &str,
    date: &str,
) -> String {
    format!(
        "{addressee}：\n\n现将《{title}》（{number}）发给你们，请查收附件，并于{deadline}前完成整改，填写所附整改台账，书面报告整改情况。\n\n{office}\n{date}\n"
    )
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
    city: Option<(String, Option<String>)>,
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
    let (city_ids, city_names, city_emails) = (
        dec.text("city_id")?,
        dec.text("city_name")?,
        dec.text("city_email")?,
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
                city: match (city_ids.get(r), city_names.get(r)) {
                    (Some(id), Some(name)) if id != ids.req(r)? => Some((name, city_emails.get(r))),
                    _ => None,
                },
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
    let amounts = dec.text("amount")?;
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
            Some(name) => format!("{label}（户主{}）", mask::person_name(&name)),
            None => label.to_string(),
        };
        let contact = match (contact_names.get(r), contacts.get(r)) {
            (Some(n), _) => n,
            (None, Some(_)) => "姓名未登记".to_string(),
            // The rule names no responsible contact.
            _ => "—".to_string(),
        };
        let mut detail = if rule == "K1" {
            super::ledger::k1_detail(overdue.get(&id).map(String::as_str), &id)
        } else {
            details.req(r)?
        };
        if let Some(a) = amounts.get(r) {
            detail = format!("{detail}，金额{}", super::text::yuan(&a));
        }
        let occurred = dates.req(r)?;
        let key = super::ledger::Key {
            rule: rule.clone(),
            subject_id: id,
            occurred_on: calendar::iso(occurred),
        };
        by_union
            .entry(unions.req(r)?)
            .or_default()
            .entry(rule)
            .or_default()
            .push(Row {
                subject,
                contact,
                date: super::text::chinese_day(occurred),
                detail,
                key,
            });
    }

    // Every major finding of the quarter must be rectified by d(f) = pe + 60 days.
    let (dy, dm, dd) = calendar::civil(quarter.last_day() + 60);
    let deadline = chinese_date(dy, dm as u8, dd as u8);
    let issuer_name = set.doc.office.clone().unwrap_or(root_name.clone());
    let department = set.doc.department(&issuer_name);
    let prefix = set.doc.prefix(&root_name, "督");
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
    let through_city = set.doc.through_city();
    let mut out = Vec::new();
    for (union, groups) in by_union {
        let rec = recipients.get(&union).ok_or_else(|| {
            Error::Query(format!(
                "queries/circulars/major_findings.sql names the union {union}, which queries/circulars/recipients.sql does not give"
            ))
        })?;
        let union_name = rec.name.clone();
        let count: usize = groups.values().map(Vec::len).sum();
        let kind = kind_of(&groups);
        let mut table = 0;
        let groups: Vec<Group> = groups
            .into_iter()
            .enumerate()
            .map(|(i, (rule, mut rows))| {
                let r = rules::get(&rule).ok_or_else(|| {
                    Error::Query(format!("{} gives the unknown rule {rule}", q.path()))
                })?;
                let lacking = rows.iter().filter(|w| rules::lacks_data(&w.detail)).count();
                for w in rows.iter_mut().filter(|w| rules::lacks_data(&w.detail)) {
                    w.detail.push_str("，请核实");
                }
                let verify = rules::asks_verification(&rule) || lacking == rows.len();
                table += 1;
                Ok(Group {
                    label: format!("（{}）", chinese_numeral(i + 1)),
                    name: r.name.to_string(),
                    lead: rules::lead(r, verify),
                    caption: format!("表{table}　{}", r.name),
                    count: rows.len().to_string(),
                    rule,
                    rows,
                })
            })
            .collect::<Result<_>>()?;
        let overdue = groups
            .iter()
            .find(|g| g.rule == "K1")
            .map(|g| g.rows.len())
            .unwrap_or(0);
        // Through the city union (routing = "city") when there is one above the union.
        let city = rec.city.as_ref().filter(|_| through_city);
        let (addressee, to, cc, you) = match city {
            Some((city_name, city_email)) => (
                city_name.clone(),
                city_email.clone(),
                None,
                format!("你市{union_name}"),
            ),
            None => (
                union_name.clone(),
                rec.email.clone(),
                rec.parent_email.clone().filter(|_| rec.email.is_some()),
                "你单位".to_string(),
            ),
        };
        let cc_names: Vec<String> = match (&cc, &rec.parent_name) {
            (Some(_), Some(n)) => vec![n.clone()],
            _ => Vec::new(),
        };
        let text = CircularText {
            quarter,
            union_name: &union_name,
            you: &you,
            count,
            overdue,
            issuer: &issuer_name,
            deadline: &deadline,
            department: &department,
        };
        let title = text.title(kind);
        let date_cn = chinese_date(y, m, d);
        let mut meta = Meta {
            issuer: set
                .doc
                .issuer
                .clone()
                .unwrap_or_else(|| format!("{issuer_name}文件")),
            number: String::new(),
            title_lines: text.title_lines(kind),
            title,
            addressee,
            office: issuer_name.clone(),
            date: date_cn.clone(),
            cc: cc_names,
            printer: set
                .doc
                .printer
                .clone()
                .unwrap_or_else(|| format!("{issuer_name}办公室")),
            print_date: date_cn,
            draft: false,
            red_header: true,
            keywords: Vec::new(),
        };
        meta.make_draft();
        out.push(Circular {
            data: Data {
                meta,
                kind: kind.label().to_string(),
                intro: text.intro(kind),
                groups,
                deadline: deadline.clone(),
                closing: text.closing(),
                ending: match kind {
                    Kind::Prompt => "特此通知。".to_string(),
                    Kind::Criticism => "特此通报。".to_string(),
                },
                attachments: vec![format!("{union_name}整改台账（电子表格）")],
                note: set.doc.contact_note(),
            },
            ident: format!("tiexin-{}-{quarter}-{union}", kind.code()),
            union_id: union,
            union_name,
            kind,
            majors: count,
            to,
            cc,
            numbering: (prefix.clone(), y),
            period: *quarter,
            date,
        });
    }
    // A 通知 that can be delivered is issued at once: numbered now, in union_id order. A
    // criticism is numbered when it is approved; an undeliverable circular stays a draft.
    let keys: Vec<String> = out
        .iter()
        .filter(|c| c.kind == Kind::Prompt && c.to.is_some())
        .map(Circular::number_key)
        .collect();
    let serials = numbering::numbers_for(set.doc.state_dir.as_deref(), &prefix, y, &keys)?;
    let mut serials = serials.into_iter();
    for c in out
        .iter_mut()
        .filter(|c| c.kind == Kind::Prompt && c.to.is_some())
    {
        if let Some(n) = serials.next() {
            c.issue(n, date);
        }
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
