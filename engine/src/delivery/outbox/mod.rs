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
//!
//! A message's attachment is stored when it is queued, in `<state-dir>/attachments/`
//! under its SHA-256 ([`attachments`]), and checked against that SHA-256 before it is
//! sent. The database has a schema version, upgraded when it is opened ([`migrate`]).

mod attachments;
mod migrate;
mod model;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{named_params, params, Connection, OptionalExtension};

pub use attachments::Attachments;
pub use migrate::SCHEMA_VERSION;
pub use model::{
    message_id, sha256_hex, stamp, Attachment, Counts, Kind, Message, NewMessage, Outcome, State,
};

use crate::error::{Error, Result};
use model::parse_stamp;

/// The file name of the state database inside the state directory.
pub const FILE: &str = "tiexin.sqlite";

/// The folder of queued attachments, next to the state database.
pub const ATTACHMENTS_DIR: &str = "attachments";

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
const DOCUMENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_document.sql"
));
const ISSUE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/message_issue.sql"
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

/// The state database. Cloning shares the connection.
#[derive(Clone)]
pub struct Outbox {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    attachments: Attachments,
}

impl Outbox {
    /// Opens (creating if needed) the state database at `path`, bringing its schema up
    /// to [`SCHEMA_VERSION`] (after a backup copy of an older file).
    pub fn open(path: &Path) -> Result<Outbox> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut conn = Connection::open(path).map_err(|e| unusable(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| unusable(path, e))?;
        wal(&conn).map_err(|e| unusable(path, e))?;
        let attachments = Attachments::new(path.with_file_name(ATTACHMENTS_DIR));
        migrate::upgrade(&mut conn, path, &attachments)?;
        Ok(Outbox {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
            attachments,
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

    /// Where queued attachments are stored.
    pub fn attachments(&self) -> &Attachments {
        &self.attachments
    }

    /// The attachment of `m`, read from the state folder and checked against the SHA-256
    /// recorded when it was queued; the error is a sentence saying what is wrong.
    pub fn attachment(&self, m: &Message) -> std::result::Result<Option<Vec<u8>>, String> {
        match (&m.attachment_name, &m.attachment_sha256) {
            (Some(name), Some(sha)) => self.attachments.get(sha, name).map(Some),
            _ => Ok(None),
        }
    }

    /// The files attached beside the attachment of `m`, each read from the state folder
    /// and checked against its SHA-256; the error is a sentence saying what is wrong.
    pub fn extra_attachments(
        &self,
        m: &Message,
    ) -> std::result::Result<Vec<(String, Vec<u8>)>, String> {
        m.extra_attachments
            .iter()
            .map(|(name, sha)| Ok((name.clone(), self.attachments.get(sha, name)?)))
            .collect()
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
        // The file first, so that no row names an attachment that is not stored.
        let (att_name, att_sha) = match &m.attachment {
            Some(a) => (Some(a.name.as_str()), Some(self.attachments.put(&a.bytes)?)),
            None => (None, None),
        };
        let mut extras = Vec::with_capacity(m.extra_attachments.len());
        for a in &m.extra_attachments {
            extras.push((a.name.clone(), self.attachments.put(&a.bytes)?));
        }
        let extras = if extras.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&extras).map_err(|e| Error::Internal(e.to_string()))?)
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
                    ":attachment_sha256": att_sha,
                    ":state": state.as_str(),
                    ":now": now,
                    ":created_by": m.created_by,
                    ":created_uid": m.created_uid,
                    ":extra_attachments": extras,
                    ":document": m.document,
                },
            )
            .map_err(|e| self.db_error(e))?
            == 1;
        let id = conn
            .query_row(ID_BY_KEY, [&key], |r| r.get(0))
            .map_err(|e| self.db_error(e))?;
        Ok((id, created))
    }

    /// Every message, optionally only those in `state`.
    pub fn list(&self, state: Option<State>) -> Result<Vec<Message>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(LIST).map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([state.map(State::as_str)], Message::from_row)
            .map_err(|e| self.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error(e))
    }

    /// One message; an error sentence when there is none.
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
    /// `by` is the name of the person who queued it (compared trimmed and case-folded,
    /// see [`same_person`]), and when `by_uid`, the approver's OS user id, is the one
    /// that queued it, whatever the name given.
    pub fn approve(&self, id: i64, by: &str, by_uid: Option<u32>) -> Result<Message> {
        self.approve_issuing(id, by, by_uid, |_| Ok(None))
    }

    /// [`Outbox::approve`], turning a draft into its final first: once the approval is
    /// allowed, `issue` gets the draft's document data (if the message keeps any) and
    /// returns the final's subject, body and PDF, which replace the draft's (the PDF is
    /// stored and its SHA-256 recorded) before the message is released.
    pub fn approve_issuing(
        &self,
        id: i64,
        by: &str,
        by_uid: Option<u32>,
        issue: impl FnOnce(&str) -> Result<Option<(String, String, Vec<u8>)>>,
    ) -> Result<Message> {
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
        if same_person(by, &m.created_by) {
            return Err(Error::Usage(format!(
                "message {id} was queued by {}, and it must be approved by a second person",
                m.created_by
            )));
        }
        let Some(uid) = by_uid else {
            return Err(Error::Usage(format!(
                "message {id} cannot be approved: the approver's OS user id cannot be read (/proc/self), so a second person cannot be told from the one who queued it"
            )));
        };
        if m.created_uid == Some(uid) {
            return Err(Error::Usage(format!(
                "message {id} was queued from this OS account (uid {uid}), and it must be approved by a second person from their own account, whatever name follows --by"
            )));
        }
        let document: Option<String> = {
            let conn = self.lock()?;
            conn.query_row(DOCUMENT, [id], |r| r.get(0))
                .map_err(|e| self.db_error(e))?
        };
        if let Some(doc) = document {
            if let Some((subject, body, pdf)) = issue(&doc)? {
                let sha = self.attachments.put(&pdf)?;
                let conn = self.lock()?;
                conn.execute(ISSUE, params![id, subject, body, sha, stamp(Utc::now())])
                    .map_err(|e| self.db_error(e))?;
            }
        }
        let conn = self.lock()?;
        conn.execute(APPROVE, params![id, by, uid, stamp(Utc::now())])
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

/// Whether two names are one person's: compared with white space trimmed and collapsed,
/// full-width Latin letters and digits as ASCII, and case folded (`"Alice "`, `"ＡＬＩＣＥ"`
/// and `"alice"` are one person).
pub fn same_person(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let half: String = s
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect();
        half.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
    norm(a) == norm(b)
}

/// Puts the database in WAL mode. The switch needs an exclusive lock, and SQLite
/// answers "database is locked" at once, without its busy handler, when another process
/// holds a lock meanwhile (two commands opening a new state folder together: two of
/// five runs of `concurrent_sends_into_one_folder_do_not_mix_attachments` failed so,
/// none of twelve after this): asked again every 20 ms for up to 30 s, the busy timeout.
fn wal(conn: &Connection) -> rusqlite::Result<()> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < until =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            done => return done,
        }
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
    fn names_are_compared_trimmed_and_case_folded() {
        assert!(same_person("Unknown ", "unknown"));
        assert!(same_person(" 李明\u{3000}", "李明"));
        assert!(same_person("ＡＬＩＣＥ", "alice"));
        assert!(same_person("Li  Ming", "li ming"));
        assert!(!same_person("alice", "alicia"));
        assert!(!same_person("李明", "李敏"));
    }

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
