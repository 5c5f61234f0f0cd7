//! What the outbox holds: the kinds and states of messages, a message to queue, a row as
//! stored, and the outcome of one delivery attempt.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A supervisory circular (督查提示).
    Circular,
    /// A criticism (通报批评); queued held.
    Criticism,
    /// A union's periodic bulletin (工作通报), as a PDF.
    Bulletin,
    /// The award committee's shortlist document, as a PDF.
    Shortlist,
    /// A union's early warnings (预警) of one day, as a workbook.
    Warning,
}

impl Kind {
    /// The kind as stored in the outbox's `kind` column (`circular`, `bulletin`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Circular => "circular",
            Kind::Criticism => "criticism",
            Kind::Bulletin => "bulletin",
            Kind::Shortlist => "shortlist",
            Kind::Warning => "warning",
        }
    }
}

impl FromStr for Kind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Kind> {
        Ok(match s {
            "circular" => Kind::Circular,
            "criticism" => Kind::Criticism,
            "bulletin" => Kind::Bulletin,
            "shortlist" => Kind::Shortlist,
            "warning" => Kind::Warning,
            other => return Err(Error::State(format!("unknown message kind {other:?}"))),
        })
    }
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for a second person's approval before it may be sent.
    Held,
    /// Due to be sent at its next attempt time.
    Pending,
    /// Claimed by a sender and being delivered.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good, or out of attempts; a person may retry it.
    Failed,
    /// Maybe delivered (cut off once the text was being sent); only a person retries it.
    Ambiguous,
}

impl State {
    /// Every state, in the order of their life.
    pub const ALL: [State; 6] = [
        State::Held,
        State::Pending,
        State::Sending,
        State::Sent,
        State::Failed,
        State::Ambiguous,
    ];

    /// The state as stored in the outbox's `state` column (`held`, `pending`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Held => "held",
            State::Pending => "pending",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Ambiguous => "ambiguous",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = Error;
    fn from_str(s: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown message state {s:?} (expected held, pending, sending, sent, failed or ambiguous)"
                ))
            })
    }
}

/// A file attached to a message (a PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name the recipient sees (may be Chinese).
    pub name: String,
    /// The file's content.
    pub bytes: Vec<u8>,
}

/// A message to queue. The idempotency key is made of `job`, `period`, `union_id` and
/// the `to` addresses.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The job (`circulars`, or a scheduled job's name).
    pub job: String,
    /// The period (`2026Q3`) or, for scheduled runs, the slot (UTC RFC 3339).
    pub period: String,
    /// The union the message is about (empty when none).
    pub union_id: String,
    /// What the message is.
    pub kind: Kind,
    /// The subject line (Chinese).
    pub subject: String,
    /// Plain text (Chinese).
    pub body: String,
    /// The recipients' addresses (at least one).
    pub to: Vec<String>,
    /// The copy recipients' addresses.
    pub cc: Vec<String>,
    /// The PDF attached, if any.
    pub attachment: Option<Attachment>,
    /// Files attached beside it (the workbook of a document's figures).
    pub extra_attachments: Vec<Attachment>,
    /// Queued `held`: sent only after a second person approves it.
    pub held: bool,
    /// The data of a draft's document (送审稿), kept so that approval renders the
    /// numbered final from it ([`crate::delivery::messages::issue`]).
    pub document: Option<String>,
    /// Who queued it (see [`crate::dirs::user`]).
    pub created_by: String,
    /// The OS user id of the account that queued it (see [`crate::dirs::uid`]); an
    /// approval from the same account is refused.
    pub created_uid: Option<u32>,
}

impl NewMessage {
    /// The idempotency key: job, period or slot, union, recipients.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.job,
            self.period,
            self.union_id,
            self.to.join(",")
        )
    }
}

/// The Message-ID of the message with this idempotency key: `<32 hex digits@tiexin>`.
pub fn message_id(key: &str) -> String {
    format!("<{}@tiexin>", &sha256_hex(key.as_bytes())[..32])
}

/// The SHA-256 of `bytes` as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A moment as stored: UTC RFC 3339 with milliseconds (text that sorts by time).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A row of the outbox.
#[derive(Debug, Clone)]
pub struct Message {
    /// The row id (what `tiexin outbox` commands take).
    pub id: i64,
    /// The idempotency key: job, period or slot, union, recipients.
    pub key: String,
    /// The Message-ID header, derived from the key (`<32 hex digits@tiexin>`).
    pub message_id: String,
    /// What the message is.
    pub kind: Kind,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The recipients' addresses.
    pub to: Vec<String>,
    /// The copy recipients' addresses.
    pub cc: Vec<String>,
    /// The attached file's name, if there is an attachment.
    pub attachment_name: Option<String>,
    /// The SHA-256 of the attachment's bytes, as hex.
    pub attachment_sha256: Option<String>,
    /// The files attached beside it: (name, SHA-256 as hex).
    pub extra_attachments: Vec<(String, String)>,
    /// Where the message is in its life.
    pub state: State,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// When the message is next due (stored stamp, UTC RFC 3339).
    pub next_attempt_at: String,
    /// The mail server's last reply, or the error of the last attempt.
    pub last_reply: Option<String>,
    /// When the message was queued (stored stamp).
    pub created_at: String,
    /// When the row last changed (stored stamp).
    pub updated_at: String,
    /// When the server accepted the message (stored stamp).
    pub sent_at: Option<String>,
    /// Who queued it.
    pub created_by: String,
    /// The OS user id of the account that queued it (`None` for rows queued before
    /// schema version 2).
    pub created_uid: Option<u32>,
    /// Who approved it, for a message queued held.
    pub approved_by: Option<String>,
    /// The OS user id of the account that approved it.
    pub approved_uid: Option<u32>,
}

fn addresses(text: String) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn conversion(e: Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

impl Message {
    pub(super) fn from_row(r: &Row) -> rusqlite::Result<Message> {
        Ok(Message {
            id: r.get(0)?,
            key: r.get(1)?,
            message_id: r.get(2)?,
            kind: r.get::<_, String>(3)?.parse().map_err(conversion)?,
            subject: r.get(4)?,
            body: r.get(5)?,
            to: addresses(r.get(6)?)?,
            cc: addresses(r.get(7)?)?,
            attachment_name: r.get(8)?,
            attachment_sha256: r.get(9)?,
            state: r.get::<_, String>(10)?.parse().map_err(conversion)?,
            attempts: r.get(11)?,
            next_attempt_at: r.get(12)?,
            last_reply: r.get(13)?,
            created_at: r.get(14)?,
            updated_at: r.get(15)?,
            sent_at: r.get(16)?,
            created_by: r.get(17)?,
            approved_by: r.get(18)?,
            created_uid: r.get(19)?,
            approved_uid: r.get(20)?,
            extra_attachments: match r.get::<_, Option<String>>(21)? {
                Some(text) => serde_json::from_str(&text).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        21,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
                None => Vec::new(),
            },
        })
    }
}

/// How many messages are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Messages awaiting approval.
    pub held: u64,
    /// Messages due to be sent.
    pub pending: u64,
    /// Messages being sent.
    pub sending: u64,
    /// Messages sent.
    pub sent: u64,
    /// Messages that failed.
    pub failed: u64,
    /// Messages that may or may not have been delivered.
    pub ambiguous: u64,
}

/// The outcome of one delivery attempt, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server accepted the message.
    Sent {
        /// The server's reply.
        reply: String,
    },
    /// Transient: due again at `at`, or failed when the attempts are used up.
    RetryAt {
        /// When the message is due again.
        at: DateTime<Utc>,
        /// The server's reply, or the error.
        reply: String,
    },
    /// The server refused the message for good.
    Failed {
        /// The server's reply, or the error.
        reply: String,
    },
    /// Connection lost or timed out after the final dot, with no reply: maybe delivered.
    Ambiguous {
        /// The server's last reply, or the error.
        reply: String,
    },
    /// The server could not be reached: due again at `at`, the attempt not counted.
    Postponed {
        /// When the message is due again.
        at: DateTime<Utc>,
        /// The error of the connection.
        reply: String,
    },
}
