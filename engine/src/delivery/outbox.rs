//! The outbox: every email tiexin sends is first a row of the SQLite state database
//! `<state-dir>/tiexin.sqlite`, and is delivered from there (see [`crate::delivery::smtp`]).
//!
//! States: `held → pending` (only by a second person's approval), `pending → sending`
//! (claimed, committed before the server is contacted) `→ sent | pending (retry later) |
//! failed | ambiguous`. A person moves `failed` or `ambiguous` back to `pending` with
//! `tiexin outbox retry`.
//!
//! Each message has an idempotency key (job, period or slot, union, recipients): queueing
//! the same key twice keeps the first row. The Message-ID is derived from the key, so a
//! copy that arrives twice is recognisable downstream.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{named_params, params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The file name of the state database inside the state directory.
pub const FILE: &str = "tiexin.sqlite";

const SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/schema.sql"
));
const INSERT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_insert.sql"
));
const ID_BY_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_id_by_key.sql"
));
const GET: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_get.sql"
));
const LIST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_list.sql"
));
const CLAIM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_claim.sql"
));
const BODY_PHASE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_body_phase.sql"
));
const FINISH: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_finish.sql"
));
const POSTPONE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_postpone.sql"
));
const RECOVER_UNSTARTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_recover_unstarted.sql"
));
const RECOVER_STARTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_recover_started.sql"
));
const RETRY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_retry.sql"
));
const APPROVE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_approve.sql"
));
const COUNTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_counts.sql"
));
const NEXT_DUE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_next_due.sql"
));

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
}

impl Kind {
    /// The kind as stored in the outbox's `kind` column (`circular`, `bulletin`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Circular => "circular",
            Kind::Criticism => "criticism",
            Kind::Bulletin => "bulletin",
            Kind::Shortlist => "shortlist",
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
    /// Queued `held`: sent only after a second person approves it.
    pub held: bool,
    /// Who queued it (see [`crate::dirs::user`]).
    pub created_by: String,
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

fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
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
    /// Who approved it, for a message queued held.
    pub approved_by: Option<String>,
    /// The attachment's bytes: loaded by [`Outbox::get`] and when claimed for sending,
    /// not by [`Outbox::list`].
    pub attachment: Option<Vec<u8>>,
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
    fn from_row(r: &Row) -> rusqlite::Result<Message> {
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
            attachment: r.get(19)?,
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

/// The state database. Cloning shares the connection.
#[derive(Clone)]
pub struct Outbox {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl Outbox {
    /// Opens (creating if needed) the state database at `path`.
    pub fn open(path: &Path) -> Result<Outbox> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| unusable(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| unusable(path, e))?;
        conn.execute_batch(SCHEMA).map_err(|e| unusable(path, e))?;
        Ok(Outbox {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    /// Opens `<dir>/tiexin.sqlite`.
    pub fn open_in(dir: Option<&Path>) -> Result<Outbox> {
        let dir = dir.ok_or_else(|| {
            Error::Config(
                "no state directory for the outbox (set state-dir in the config or $TIEXIN_STATE_DIR)"
                    .into(),
            )
        })?;
        Outbox::open(&dir.join(FILE))
    }

    /// The path of the state database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the modules that keep their own tables here (the run ledger).
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Internal("the state database lock is poisoned".into()))
    }

    pub(crate) fn db_error(&self, e: rusqlite::Error) -> Error {
        unusable(&self.path, e)
    }

    /// Queues a message. Returns its id and whether it was created (`false`: a message
    /// with the same key was already queued, and is left as it is).
    pub fn enqueue(&self, m: NewMessage) -> Result<(i64, bool)> {
        if m.to.is_empty() {
            return Err(Error::Usage(format!(
                "message {:?} has no recipient",
                m.subject
            )));
        }
        let key = m.key();
        let now = stamp(Utc::now());
        let to = serde_json::to_string(&m.to).map_err(|e| Error::Internal(e.to_string()))?;
        let cc = serde_json::to_string(&m.cc).map_err(|e| Error::Internal(e.to_string()))?;
        let (att_name, att_bytes, att_sha) = match &m.attachment {
            Some(a) => (
                Some(a.name.as_str()),
                Some(a.bytes.as_slice()),
                Some(sha256_hex(&a.bytes)),
            ),
            None => (None, None, None),
        };
        let state = if m.held { State::Held } else { State::Pending };
        let conn = self.lock()?;
        let created = conn
            .execute(
                INSERT,
                named_params! {
                    ":key": key,
                    ":message_id": message_id(&key),
                    ":kind": m.kind.as_str(),
                    ":subject": m.subject,
                    ":body": m.body,
                    ":to_addrs": to,
                    ":cc_addrs": cc,
                    ":attachment_name": att_name,
                    ":attachment": att_bytes,
                    ":attachment_sha256": att_sha,
                    ":state": state.as_str(),
                    ":now": now,
                    ":created_by": m.created_by,
                },
            )
            .map_err(|e| self.db_error(e))?
            == 1;
        let id = conn
            .query_row(ID_BY_KEY, [&key], |r| r.get(0))
            .map_err(|e| self.db_error(e))?;
        Ok((id, created))
    }

    /// Every message (without attachment bytes), optionally only those in `state`.
    pub fn list(&self, state: Option<State>) -> Result<Vec<Message>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(LIST).map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([state.map(State::as_str)], Message::from_row)
            .map_err(|e| self.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error(e))
    }

    /// One message with its attachment; an error sentence when there is none.
    pub fn get(&self, id: i64) -> Result<Message> {
        let conn = self.lock()?;
        conn.query_row(GET, [id], Message::from_row)
            .optional()
            .map_err(|e| self.db_error(e))?
            .ok_or_else(|| Error::Usage(format!("there is no message {id} in the outbox")))
    }

    /// A person sends a `failed` or `ambiguous` message again (it becomes `pending`,
    /// with a fresh count of attempts).
    pub fn retry(&self, id: i64) -> Result<Message> {
        let m = self.get(id)?;
        if !matches!(m.state, State::Failed | State::Ambiguous) {
            return Err(Error::Usage(format!(
                "message {id} is {}, and only a failed or ambiguous message can be retried",
                m.state
            )));
        }
        let conn = self.lock()?;
        conn.execute(RETRY, params![id, stamp(Utc::now())])
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        self.get(id)
    }

    /// A second person approves a `held` message: it becomes `pending`. Refused when
    /// `by` is the person who queued it.
    pub fn approve(&self, id: i64, by: &str) -> Result<Message> {
        let m = self.get(id)?;
        if m.state != State::Held {
            return Err(Error::Usage(format!(
                "message {id} is {}, and only a held message needs approval",
                m.state
            )));
        }
        if by.trim().is_empty() {
            return Err(Error::Usage(
                "an approval needs the approver's name (--by NAME)".into(),
            ));
        }
        if by == m.created_by {
            return Err(Error::Usage(format!(
                "message {id} was queued by {by}, and it must be approved by a second person"
            )));
        }
        let conn = self.lock()?;
        conn.execute(APPROVE, params![id, by, stamp(Utc::now())])
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        self.get(id)
    }

    /// How many messages are in each state.
    pub fn counts(&self) -> Result<Counts> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(COUNTS).map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.db_error(e))?;
        let mut c = Counts::default();
        for row in rows {
            let (state, n) = row.map_err(|e| self.db_error(e))?;
            let n = n.max(0) as u64;
            match state.as_str() {
                "held" => c.held = n,
                "pending" => c.pending = n,
                "sending" => c.sending = n,
                "sent" => c.sent = n,
                "failed" => c.failed = n,
                "ambiguous" => c.ambiguous = n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// When the next pending message is due, if any is pending.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let conn = self.lock()?;
        let t: Option<String> = conn
            .query_row(NEXT_DUE, [], |r| r.get(0))
            .map_err(|e| self.db_error(e))?;
        Ok(t.as_deref().and_then(parse_stamp))
    }

    /// Messages left in `sending` by a sender that stopped: back to `pending` when the
    /// message text was never written to the server, `ambiguous` otherwise. Call only
    /// while holding the delivery lock (no other sender is running). Returns
    /// (re-queued, ambiguous).
    pub fn recover(&self) -> Result<(usize, usize)> {
        let now = stamp(Utc::now());
        let conn = self.lock()?;
        let requeued = conn
            .execute(RECOVER_UNSTARTED, [&now])
            .map_err(|e| self.db_error(e))?;
        let ambiguous = conn
            .execute(RECOVER_STARTED, [&now])
            .map_err(|e| self.db_error(e))?;
        Ok((requeued, ambiguous))
    }

    /// Claims the next due pending message (`sending`, attempts + 1), committed before
    /// the server is contacted.
    pub fn claim(&self, now: DateTime<Utc>) -> Result<Option<Message>> {
        let conn = self.lock()?;
        conn.query_row(CLAIM, [stamp(now)], Message::from_row)
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// Records that the message text is about to be written to the server: from here a
    /// crash leaves the message `ambiguous`.
    pub fn mark_transmitting(&self, id: i64) -> Result<()> {
        let conn = self.lock()?;
        conn.execute(BODY_PHASE, params![id, stamp(Utc::now())])
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Records the outcome of an attempt of a claimed message.
    pub fn finish(&self, id: i64, outcome: &Outcome) -> Result<()> {
        let now = stamp(Utc::now());
        let conn = self.lock()?;
        let (state, next, reply) = match outcome {
            Outcome::Sent { reply } => (State::Sent, None, reply),
            Outcome::RetryAt { at, reply } => (State::Pending, Some(stamp(*at)), reply),
            Outcome::Failed { reply } => (State::Failed, None, reply),
            Outcome::Ambiguous { reply } => (State::Ambiguous, None, reply),
            Outcome::Postponed { at, reply } => {
                conn.execute(POSTPONE, params![id, stamp(*at), reply, now])
                    .map_err(|e| self.db_error(e))?;
                return Ok(());
            }
        };
        conn.execute(FINISH, params![id, state.as_str(), next, reply, now])
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }
}

fn unusable(path: &Path, e: rusqlite::Error) -> Error {
    Error::State(format!(
        "the state database {} cannot be used: {e}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_derived_from_the_key() {
        let id = message_id("circulars|2026Q3|U01|a@example.org");
        assert_eq!(id.len(), 1 + 32 + "@tiexin>".len());
        assert!(id.starts_with('<') && id.ends_with("@tiexin>"));
        assert_eq!(id, message_id("circulars|2026Q3|U01|a@example.org"));
        assert_ne!(id, message_id("circulars|2026Q3|U02|a@example.org"));
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
