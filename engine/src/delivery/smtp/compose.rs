//! An e-mail as sent: RFC 5322 bytes and the envelope, multipart/mixed with the
//! plain-text body, one attachment and the files beside it. Delivery and the `.eml` files of the demo both
//! use it, so what is written is what would be sent.

use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// What [`compose`] builds an e-mail from: headers, body and the optional attachment.
pub struct Draft<'a> {
    /// The Message-ID header (`<32 hex digits@tiexin>`).
    pub message_id: &'a str,
    /// The Subject header.
    pub subject: &'a str,
    /// The plain-text body.
    pub body: &'a str,
    /// The To addresses.
    pub to: &'a [String],
    /// The Cc addresses.
    pub cc: &'a [String],
    /// File name and bytes.
    pub attachment: Option<(&'a str, &'a [u8])>,
    /// Files attached after it (name and bytes).
    pub extra: &'a [(&'a str, &'a [u8])],
}

/// The message as sent (RFC 5322 bytes) and its envelope: multipart/mixed with the
/// plain-text body and the attachment (application/pdf for a `.pdf`).
pub fn compose(from: &Mailbox, m: &Draft<'_>) -> std::result::Result<(Envelope, Vec<u8>), String> {
    let mut b = lettre::Message::builder()
        .from(from.clone())
        .subject(m.subject.to_string())
        .message_id(Some(m.message_id.to_string()));
    for a in m.to {
        b = b.to(a
            .parse()
            .map_err(|e| format!("To address {a:?} is invalid: {e}"))?);
    }
    for a in m.cc {
        b = b.cc(a
            .parse()
            .map_err(|e| format!("Cc address {a:?} is invalid: {e}"))?);
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.to_string()));
    for (name, bytes) in m.attachment.into_iter().chain(m.extra.iter().copied()) {
        let lower = name.to_ascii_lowercase();
        let ct = if lower.ends_with(".pdf") {
            ContentType::parse("application/pdf")
        } else if lower.ends_with(".xlsx") {
            ContentType::parse("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        } else {
            ContentType::parse("application/octet-stream")
        }
        .map_err(|e| format!("content type: {e}"))?;
        parts = parts.singlepart(Attachment::new(name.to_string()).body(bytes.to_vec(), ct));
    }
    let msg = b
        .multipart(parts)
        .map_err(|e| format!("the message cannot be built: {e}"))?;
    Ok((msg.envelope().clone(), msg.formatted()))
}
