//! Delivery of the outbox over SMTP (lettre, tokio).
//!
//! [`deliver`] claims due messages one at a time per worker (`sending`, attempts + 1,
//! committed before the server is contacted), sends them over at most
//! `max-concurrency` connections that are kept open and reused (a pool: one connection
//! per worker, checked with NOOP before reuse), and records the outcome:
//!
//! | what happened | state |
//! |---|---|
//! | 2xx after the message text | `sent`, with the reply |
//! | 4xx at any step | `pending`, due again after an exponential backoff; `failed` when the attempts are used up |
//! | a lost connection or a timeout before the message text was complete | as 4xx |
//! | no session at all (connection refused, TLS or login failed) | `pending`, due again after the first backoff, the attempt not counted (the message was never offered), and the run stops offering messages |
//! | 5xx at any step | `failed` with the reply, not retried |
//! | 5xx to a main (To) recipient | `failed`, and nothing is sent (the copies neither) |
//! | 5xx to some copy (Cc) recipients only | `sent` to the others; the refusals kept in the reply |
//! | the attachment no longer matches the SHA-256 recorded when it was queued | `failed`, not sent |
//! | connection lost or timed out after the final dot was handed to the socket, no reply | `ambiguous` |
//!
//! **Telling "before" from "after" the final dot.** lettre's errors do not say at which
//! step of a transaction they happened: an I/O error, a timeout or the connection closing
//! early look the same whether they come from `MAIL`, `DATA` or the reply to the message
//! text (`error::network` / `"incomplete response"` in both cases), and its transport
//! retries nothing and reports nothing more. So tiexin drives the transaction itself on
//! lettre's `AsyncSmtpConnection`: `MAIL`, `RCPT` and `DATA` are separate calls, and the
//! message text goes through `message_iter` with an iterator that notes when lettre has
//! taken the whole text — lettre writes the final `CRLF.CRLF` only after the iterator is
//! exhausted. An error before that point cannot have delivered the message (a server
//! accepts a message only at the final dot) and is retried; an error without a reply
//! after it may have been delivered and is `ambiguous`. A negative reply is always
//! definite, wherever it comes.
//!
//! **Server down.** When no session can be opened (connection refused, timeout, TLS
//! or login failure), the message was never offered: it goes back to `pending` without
//! counting the attempt, due again after `backoff-seconds`, and the run stops offering
//! messages. So an unreachable server never makes a message fail; the summary line
//! says why it could not be reached.
//!
//! **Crashes.** Before the text is written the row is marked (`phase = 'body'`). A row
//! found in `sending` when delivery starts belongs to a sender that was killed (delivery
//! holds `outbox.lock` in the state directory, so no other sender is running): without
//! the mark it goes back to `pending` (it never reached the server); with it, it becomes
//! `ambiguous`. Ambiguous messages are never resent automatically: they stay until a
//! person checks the recipient's copy (the Message-ID tells) and runs `tiexin outbox
//! retry ID`. So after `kill -9` only messages left `ambiguous` can arrive twice, and
//! only when a person asks for it.

mod compose;
mod protocol;
mod settings;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

pub use compose::{compose, Draft};
pub use settings::{is_loopback, SmtpConfig, TlsMode, PASSWORD_VAR};

use super::outbox::Outbox;
use crate::error::{Error, Result};
use protocol::Worker;

/// What one delivery run did, counted by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages the server accepted.
    pub sent: u64,
    /// Messages that failed (refused for good, or out of attempts).
    pub failed: u64,
    /// Messages left `ambiguous` by a lost connection after the final dot.
    pub ambiguous: u64,
    /// Attempts that failed transiently and are due again later.
    pub retried: u64,
    /// `sending` rows of a killed sender put back to `pending` at the start.
    pub requeued: u64,
    /// `sending` rows of a killed sender marked `ambiguous` at the start.
    pub recovered_ambiguous: u64,
    /// Messages still `pending` when the run ended (due later).
    pub pending: u64,
    /// Messages `held` for approval.
    pub held: u64,
    /// Messages put back because the server could not be reached (attempt not counted).
    pub postponed: u64,
    /// Why the server could not be reached, if it could not.
    pub unreachable: Option<String>,
}

impl Summary {
    /// Whether the run went as asked: no message failed or is ambiguous (found so at the
    /// start included), and the server could be reached. Messages held, or due later
    /// after a transient refusal, do not count against it. A command that delivers exits
    /// 1 when this is false.
    pub fn ok(&self) -> bool {
        self.failed == 0
            && self.ambiguous == 0
            && self.recovered_ambiguous == 0
            && self.unreachable.is_none()
    }

    /// The one-line summary of `tiexin outbox send`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "sent {}, failed {}, ambiguous {}, still pending {}",
            self.sent,
            self.failed,
            self.ambiguous + self.recovered_ambiguous,
            self.pending
        );
        if self.held > 0 {
            s += &format!(", held for approval {}", self.held);
        }
        if let Some(why) = &self.unreachable {
            s += &format!("; the server could not be reached ({why})");
        }
        s
    }
}

/// The file that makes delivery exclusive across processes.
pub fn lock_path(outbox: &Outbox) -> PathBuf {
    outbox.path().with_file_name("outbox.lock")
}

/// Takes the delivery lock, waiting while another sender holds it (or until `stop`).
async fn delivery_lock(path: &Path, stop: &AtomicBool) -> Result<Option<std::fs::File>> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
    }
}

/// Sends every message due now, then returns. `stop` (set on SIGINT/SIGTERM) lets the
/// messages in flight finish and claims no more.
pub async fn deliver(outbox: &Outbox, smtp: &SmtpConfig, stop: Arc<AtomicBool>) -> Result<Summary> {
    smtp.check().map_err(Error::Config)?;
    let credentials = smtp.credentials()?;
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| Error::Config(format!("[smtp] from = {:?}: {e}", smtp.from)))?;

    let lock = lock_path(outbox);
    let Some(_guard) = delivery_lock(&lock, &stop).await? else {
        return Ok(Summary::default());
    };
    let (requeued, recovered) = outbox.recover()?;

    let ctx = Arc::new(Worker {
        outbox: outbox.clone(),
        smtp: smtp.clone(),
        credentials,
        from,
        stop,
    });
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..ctx.smtp.concurrency() {
        let ctx = ctx.clone();
        set.spawn(async move { ctx.run().await });
    }
    let mut summary = Summary {
        requeued: requeued as u64,
        recovered_ambiguous: recovered as u64,
        ..Summary::default()
    };
    let mut first_error = None;
    while let Some(done) = set.join_next().await {
        match done {
            Ok(Ok(s)) => {
                summary.sent += s.sent;
                summary.failed += s.failed;
                summary.ambiguous += s.ambiguous;
                summary.retried += s.retried;
                summary.postponed += s.postponed;
                if summary.unreachable.is_none() {
                    summary.unreachable = s.unreachable;
                }
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(Error::Internal(format!("a delivery task failed: {e}")));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let counts = outbox.counts()?;
    summary.pending = counts.pending;
    summary.held = counts.held;
    Ok(summary)
}
