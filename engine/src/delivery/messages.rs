//! The e-mails that carry documents: a circular to its union (copy to the parent
//! union), a bulletin or a shortlist to the job's recipients. Each becomes an outbox
//! row keyed by job, period, union and recipients, queued by this process's OS account.

use super::outbox::{Attachment, Kind, NewMessage};
use crate::documents::circulars::{self, Circular};
use crate::documents::Meta;
use crate::error::Result;

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
        created_by: r.created_by.to_string(),
        created_uid: crate::dirs::uid(),
    }
}
