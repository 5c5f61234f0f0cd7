//! The e-mails that carry documents: a circular to its union (copy to the parent
//! union), a bulletin or a shortlist to the job's recipients. Each becomes an outbox
//! row keyed by job, period, union and recipients, queued by this process's OS account.

use super::outbox::{Attachment, Kind, NewMessage};
use crate::documents::circulars::{self, Circular};
use crate::documents::Meta;
use crate::error::{Error, Result};

/// The e-mail of a circular for the outbox, or `None` when the union has no address
/// (undeliverable), with its 整改台账 workbook beside the PDF. A criticism is queued
/// held: it waits for a second person's approval (`tiexin outbox approve`).
pub fn circular(
    c: &Circular,
    job: &str,
    pdf: &[u8],
    created_by: &str,
) -> Result<Option<NewMessage>> {
    let Some(to) = c.to.as_deref() else {
        return Ok(None);
    };
    circular_to(c, to, job, pdf, created_by).map(Some)
}

/// [`circular`] to a given address.
pub fn circular_to(
    c: &Circular,
    to: &str,
    job: &str,
    pdf: &[u8],
    created_by: &str,
) -> Result<NewMessage> {
    Ok(NewMessage {
        job: job.to_string(),
        period: c.period.to_string(),
        union_id: c.union_id.clone(),
        kind: match c.kind {
            circulars::Kind::Prompt => Kind::Circular,
            circulars::Kind::Criticism => Kind::Criticism,
        },
        subject: c.subject(),
        body: c.body(),
        to: vec![to.to_string()],
        cc: c.cc.iter().cloned().collect(),
        attachment: Some(Attachment {
            name: c.attachment_name(),
            bytes: pdf.to_vec(),
        }),
        extra_attachments: vec![Attachment {
            name: c.ledger_name(),
            bytes: c.ledger()?,
        }],
        held: c.kind == circulars::Kind::Criticism,
        // A draft keeps its document, to be numbered and rendered when approved.
        document: if c.data.meta.draft {
            Some(draft_document(c)?)
        } else {
            None
        },
        created_by: created_by.to_string(),
        created_uid: crate::dirs::uid(),
    })
}

/// A document sent to fixed recipients (a bulletin, a shortlist): the subject is its
/// title and number, the body names the addressee and asks them to `ask` (请查收附件).
pub struct Report<'a> {
    /// The job that sends it.
    pub job: &'a str,
    /// The period it covers (`2026Q3`, `2026`).
    pub period: String,
    /// The union it is about (empty for the province-wide shortlist).
    pub union_id: String,
    /// Its kind in the outbox.
    pub kind: Kind,
    /// The document's header.
    pub meta: &'a Meta,
    /// What the recipients are asked to do (`请查收附件。`).
    pub ask: &'a str,
    /// The recipients and copies.
    pub to: &'a [String],
    /// Copies.
    pub cc: &'a [String],
    /// The attachment's file name.
    pub file_name: String,
    /// Who queues it.
    pub created_by: &'a str,
}

/// The e-mail of a [`Report`] carrying `pdf`.
pub fn report(r: Report<'_>, pdf: Vec<u8>) -> NewMessage {
    let m = r.meta;
    NewMessage {
        job: r.job.to_string(),
        period: r.period,
        union_id: r.union_id,
        kind: r.kind,
        subject: format!("{}（{}）", m.title, m.number),
        body: format!(
            "{}：\n\n现将《{}》（{}）发给你们，{}\n\n{}\n{}\n",
            m.addressee, m.title, m.number, r.ask, m.office, m.date
        ),
        to: r.to.to_vec(),
        cc: r.cc.to_vec(),
        attachment: Some(Attachment {
            name: r.file_name,
            bytes: pdf,
        }),
        extra_attachments: Vec::new(),
        held: false,
        document: None,
        created_by: r.created_by.to_string(),
        created_uid: crate::dirs::uid(),
    }
}

/// The title and the document number of a message's subject (`标题（鲁工帮〔2026〕3号）`,
/// as [`report`] and the circulars write it); no number for a draft (`（送审稿）`) or a
/// subject without one.
pub fn title_and_number(subject: &str) -> (&str, Option<&str>) {
    let Some(inner) = subject.strip_suffix('）') else {
        return (subject, None);
    };
    let Some(open) = inner.rfind('（') else {
        return (subject, None);
    };
    let (title, number) = (&inner[..open], &inner[open + '（'.len_utf8()..]);
    if number.contains('〔') && number.ends_with('号') {
        (title, Some(number))
    } else if number == "送审稿" {
        (title, None)
    } else {
        (subject, None)
    }
}

/// What a held draft keeps in the outbox: the template, its data, the PDF identifier
/// and how to number it.
#[derive(serde::Serialize, serde::Deserialize)]
struct DraftDocument {
    template: String,
    data: serde_json::Value,
    ident: String,
    prefix: String,
    year: i32,
    key: String,
}

fn draft_document(c: &Circular) -> Result<String> {
    let d = DraftDocument {
        template: "circular.typ".to_string(),
        data: serde_json::to_value(&c.data).map_err(|e| Error::Internal(e.to_string()))?,
        ident: c.ident.clone(),
        prefix: c.numbering.0.clone(),
        year: c.numbering.1,
        key: c.number_key(),
    };
    serde_json::to_string(&d).map_err(|e| Error::Internal(e.to_string()))
}

/// Turns the draft kept with a held message into its numbered final, dated `date`:
/// the number is taken from the registry of `state_dir` (the one given before, if
/// any), the PDF rendered from the kept data; returns the final's subject, body and
/// PDF. No archive is read.
pub fn issue(
    document: &str,
    state_dir: Option<&std::path::Path>,
    date: (i32, u8, u8),
) -> Result<(String, String, Vec<u8>)> {
    let d: DraftDocument = serde_json::from_str(document).map_err(|e| {
        Error::State(format!(
            "the document kept with the held message cannot be read: {e}"
        ))
    })?;
    let serial = crate::documents::numbering::number_for(state_dir, &d.prefix, d.year, &d.key)?;
    let number = crate::documents::numbering::format(&d.prefix, d.year, serial);
    let day = crate::documents::text::chinese_date(date.0, date.1, date.2);
    let mut data = d.data;
    let meta = data
        .get_mut("meta")
        .and_then(|m| m.as_object_mut())
        .ok_or_else(|| Error::State("the kept document has no header (meta)".into()))?;
    let title = meta
        .get("title")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let addressee = meta
        .get("addressee")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let office = meta
        .get("office")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    meta.insert("number".into(), number.clone().into());
    meta.insert("date".into(), day.clone().into());
    meta.insert("print_date".into(), day.clone().into());
    meta.insert("draft".into(), false.into());
    let deadline = data
        .get("deadline")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let template = match d.template.as_str() {
        "circular.typ" => "circular.typ",
        other => {
            return Err(Error::State(format!(
                "the held message keeps a document of the unknown template {other:?}"
            )))
        }
    };
    let r = crate::documents::render(&crate::documents::Document {
        template,
        data: &data,
        charts: Vec::new(),
        date,
        ident: d.ident,
    })?;
    let subject = format!("{title}（{number}）");
    let body = circulars::mail_body(&addressee, &title, &number, &deadline, &office, &day);
    Ok((subject, body, r.pdf))
}

/// Approves the held message `id` as `by` (OS user `uid`), issuing a kept draft first
/// ([`issue`], numbered in `state_dir`, dated `date`).
pub fn approve(
    outbox: &super::outbox::Outbox,
    id: i64,
    (by, uid): (&str, Option<u32>),
    state_dir: Option<&std::path::Path>,
    date: (i32, u8, u8),
) -> Result<super::outbox::Message> {
    outbox.approve_issuing(id, by, uid, |doc| issue(doc, state_dir, date).map(Some))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_gives_its_title_and_number() {
        assert_eq!(
            title_and_number("关于历下区总工会困难职工联系人工作问题的通报（鲁工督〔2026〕3号）"),
            (
                "关于历下区总工会困难职工联系人工作问题的通报",
                Some("鲁工督〔2026〕3号")
            )
        );
        assert_eq!(
            title_and_number("山东省总工会工作通报（2026年第3季度）（鲁工帮〔2026〕12号）"),
            (
                "山东省总工会工作通报（2026年第3季度）",
                Some("鲁工帮〔2026〕12号")
            )
        );
        assert_eq!(title_and_number("通报（送审稿）"), ("通报", None));
        assert_eq!(title_and_number("预警（2026Q3）"), ("预警（2026Q3）", None));
        assert_eq!(title_and_number("预警"), ("预警", None));
    }
}
