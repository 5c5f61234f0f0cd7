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
//! | 5xx to some recipients only | `sent` to the others; the refusals kept in the reply |
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

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::outbox::{Message, Outbox, Outcome};

/// The environment variable holding the SMTP password.
pub const PASSWORD_VAR: &str = "TIEXIN_SMTP_PASSWORD";

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which the server must offer (default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a server on this machine.
    None,
}

/// The `[smtp]` section of the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SmtpConfig {
    pub host: String,
    /// [default: 587 with starttls, 465 with tls, 25 with none]
    pub port: Option<u16>,
    /// The login; the password comes from `$TIEXIN_SMTP_PASSWORD`.
    pub user: Option<String>,
    #[serde(default)]
    pub tls: TlsMode,
    /// The sender address, e.g. `"省总工会督查室 <duchashi@example.org>"`.
    pub from: String,
    /// Time allowed for each step of the conversation, in seconds [default: 30].
    pub timeout_seconds: Option<f64>,
    /// Messages sent at the same time (connections) [default: 4].
    pub max_concurrency: Option<usize>,
    /// Attempts before a transient failure becomes `failed` [default: 5].
    pub max_attempts: Option<u32>,
    /// The first retry waits this long, each further one twice as long [default: 30].
    pub backoff_seconds: Option<f64>,
    /// Never read: present only to refuse a password in the file with a clear sentence.
    #[serde(default)]
    password: Option<toml::Value>,
}

impl SmtpConfig {
    /// A configuration without a password key (for callers building it in code).
    pub fn new(host: &str, port: u16, tls: TlsMode, from: &str) -> SmtpConfig {
        SmtpConfig {
            host: host.to_string(),
            port: Some(port),
            user: None,
            tls,
            from: from.to_string(),
            timeout_seconds: None,
            max_concurrency: None,
            max_attempts: None,
            backoff_seconds: None,
            password: None,
        }
    }

    /// Checks the section; the error is one sentence naming the key at fault.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.password.is_some() {
            return Err(format!(
                "[smtp] password is not read from the configuration file; put it in the environment variable {PASSWORD_VAR}"
            ));
        }
        if self.host.trim().is_empty() {
            return Err("[smtp] host is empty".into());
        }
        if self.tls == TlsMode::None && !is_loopback(&self.host) {
            return Err(format!(
                "[smtp] tls = \"none\" is allowed only for a server on this machine (127.0.0.1, ::1 or localhost), not {}",
                self.host
            ));
        }
        if self.from.parse::<Mailbox>().is_err() {
            return Err(format!(
                "[smtp] from = {:?} is not an email address",
                self.from
            ));
        }
        for (key, v) in [
            ("timeout-seconds", self.timeout_seconds),
            ("backoff-seconds", self.backoff_seconds),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
                return Err(format!("[smtp] {key} must be a positive number"));
            }
        }
        if self.max_concurrency == Some(0) {
            return Err("[smtp] max-concurrency must be at least 1".into());
        }
        if self.max_attempts == Some(0) {
            return Err("[smtp] max-attempts must be at least 1".into());
        }
        Ok(())
    }

    /// The login: `user` with the password from `$TIEXIN_SMTP_PASSWORD` (an error
    /// when `user` is set and the variable is empty).
    pub fn credentials(&self) -> Result<Option<Credentials>> {
        let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
        match (&self.user, password) {
            (Some(user), Some(pw)) => Ok(Some(Credentials::new(user.clone(), pw))),
            (Some(_), None) => Err(Error::Config(format!(
                "[smtp] user is set but the environment variable {PASSWORD_VAR} is empty"
            ))),
            (None, _) => Ok(None),
        }
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
            TlsMode::None => 25,
        })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_seconds.unwrap_or(30.0))
    }

    fn concurrency(&self) -> usize {
        self.max_concurrency.unwrap_or(4).max(1)
    }

    fn attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(5).max(1)
    }

    /// The wait before the attempt after `attempts` failed ones: base × 2^(attempts−1),
    /// at most a day.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let base = self.backoff_seconds.unwrap_or(30.0);
        let factor = 2f64.powi(attempts.saturating_sub(1).min(30) as i32);
        Duration::from_secs_f64((base * factor).min(86_400.0))
    }
}

/// 127.0.0.1 (any 127/8), ::1 or localhost.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub sent: u64,
    pub failed: u64,
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

struct Worker {
    outbox: Outbox,
    smtp: SmtpConfig,
    credentials: Option<Credentials>,
    from: Mailbox,
    stop: Arc<AtomicBool>,
}

/// How one attempt ended, before it is classified.
enum Attempt {
    /// The server took the message; `refused`: recipients it refused permanently
    /// (the others got it).
    Accepted {
        reply: Response,
        refused: Vec<String>,
    },
    /// A negative reply (definite at any step).
    Rejected { permanent: bool, reply: String },
    /// No reply: the connection failed, broke or timed out. `transmitted`: the final
    /// dot may have reached the server.
    Broken { transmitted: bool, reason: String },
    /// The row cannot be made into an email (bad address…): permanent.
    Invalid(String),
    /// No session with the server (no connection, TLS or login failed): the message was
    /// never offered.
    Unreachable(String),
}

impl Worker {
    async fn run(&self) -> Result<Summary> {
        let mut s = Summary::default();
        let mut conn: Option<AsyncSmtpConnection> = None;
        while !self.stop.load(Ordering::SeqCst) {
            let Some(m) = self.outbox.claim(Utc::now())? else {
                break;
            };
            let attempt = self.attempt(&mut conn, &m).await?;
            let unreachable = match &attempt {
                Attempt::Unreachable(reason) => Some(reason.clone()),
                _ => None,
            };
            let outcome = self.classify(&m, attempt, Utc::now());
            match &outcome {
                Outcome::Sent { .. } => s.sent += 1,
                Outcome::RetryAt { .. } => s.retried += 1,
                Outcome::Failed { .. } => s.failed += 1,
                Outcome::Ambiguous { .. } => s.ambiguous += 1,
                Outcome::Postponed { .. } => s.postponed += 1,
            }
            self.outbox.finish(m.id, &outcome)?;
            if unreachable.is_some() {
                // No point offering more messages now; they stay pending.
                s.unreachable = unreachable;
                break;
            }
        }
        if let Some(mut c) = conn {
            let _ = tokio::time::timeout(self.smtp.timeout(), c.quit()).await;
        }
        Ok(s)
    }

    fn classify(&self, m: &Message, a: Attempt, now: DateTime<Utc>) -> Outcome {
        let transient = |reply: String| {
            if m.attempts >= self.smtp.attempts() {
                Outcome::Failed {
                    reply: format!("gave up after {} attempts: {reply}", m.attempts),
                }
            } else {
                let wait = chrono::Duration::from_std(self.smtp.backoff(m.attempts))
                    .unwrap_or(chrono::Duration::days(1));
                Outcome::RetryAt {
                    at: now + wait,
                    reply,
                }
            }
        };
        match a {
            Attempt::Accepted { reply, refused } => Outcome::Sent {
                reply: if refused.is_empty() {
                    reply_text(&reply)
                } else {
                    format!(
                        "{}; not delivered to {}",
                        reply_text(&reply),
                        refused.join("; ")
                    )
                },
            },
            Attempt::Rejected {
                permanent: true,
                reply,
            } => Outcome::Failed { reply },
            Attempt::Rejected {
                permanent: false,
                reply,
            } => transient(reply),
            Attempt::Broken {
                transmitted: true,
                reason,
            } => Outcome::Ambiguous {
                reply: format!("no reply after the message was transmitted ({reason}); it may have been delivered"),
            },
            Attempt::Broken {
                transmitted: false,
                reason,
            } => transient(reason),
            Attempt::Invalid(reason) => Outcome::Failed { reply: reason },
            Attempt::Unreachable(reason) => Outcome::Postponed {
                at: now
                    + chrono::Duration::from_std(self.smtp.backoff(1))
                        .unwrap_or(chrono::Duration::minutes(1)),
                reply: format!("the server could not be reached: {reason}"),
            },
        }
    }

    async fn attempt(
        &self,
        conn: &mut Option<AsyncSmtpConnection>,
        m: &Message,
    ) -> Result<Attempt> {
        let (envelope, email) = match self.build(m) {
            Ok(x) => x,
            Err(reason) => return Ok(Attempt::Invalid(reason)),
        };
        let t = self.smtp.timeout();
        // Reuse the open connection if it still answers.
        if let Some(c) = conn.as_mut() {
            let alive = matches!(tokio::time::timeout(t, c.test_connected()).await, Ok(true));
            if !alive {
                *conn = None;
            }
        }
        if conn.is_none() {
            match self.connect().await {
                Ok(c) => *conn = Some(c),
                Err(a) => return Ok(Attempt::Unreachable(describe(a))),
            }
        }
        let Some(c) = conn.as_mut() else {
            return Err(Error::Internal("no SMTP connection".into()));
        };
        let result = self.transaction(c, m, &envelope, &email).await?;
        if !matches!(result, Attempt::Accepted { .. }) {
            // Start the next message on a fresh connection.
            if let Some(mut c) = conn.take() {
                let _ = tokio::time::timeout(Duration::from_millis(200), c.abort()).await;
            }
        }
        Ok(result)
    }

    async fn connect(&self) -> std::result::Result<AsyncSmtpConnection, Attempt> {
        let t = self.smtp.timeout();
        let host = self.smtp.host.trim_start_matches('[').trim_end_matches(']');
        let tls = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| broken(false, "TLS setup", e))
        };
        let hello = ClientId::default();
        let wrapper = match self.smtp.tls {
            TlsMode::Tls => Some(tls(host)?),
            _ => None,
        };
        let mut c = match wrapper {
            Some(params) => {
                step(
                    t,
                    "connecting",
                    false,
                    AsyncSmtpConnection::connect_tokio1(
                        (host, self.smtp.port()),
                        Some(t),
                        &hello,
                        Some(params),
                        None,
                    ),
                )
                .await?
            }
            None => {
                // Our own socket, to turn off Nagle's algorithm: lettre writes the final
                // dot as a separate small segment, which otherwise waits for the
                // server's delayed ACK (about 40 ms per message).
                let tcp = match tokio::time::timeout(
                    t,
                    tokio::net::TcpStream::connect((host, self.smtp.port())),
                )
                .await
                {
                    Ok(Ok(tcp)) => tcp,
                    Ok(Err(e)) => return Err(broken(false, "connecting", e)),
                    Err(_) => return Err(broken(false, "connecting", "timed out")),
                };
                let _ = tcp.set_nodelay(true);
                step(
                    t,
                    "connecting",
                    false,
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello),
                )
                .await?
            }
        };
        if self.smtp.tls == TlsMode::Starttls {
            if !c.can_starttls() {
                return Err(Attempt::Broken {
                    transmitted: false,
                    reason: format!(
                        "{} does not offer STARTTLS, which [smtp] tls = \"starttls\" requires",
                        self.smtp.host
                    ),
                });
            }
            let params = tls(host)?;
            step(t, "STARTTLS", false, c.starttls(params, &hello)).await?;
        }
        if let Some(cred) = &self.credentials {
            step(
                t,
                "AUTH",
                false,
                c.auth(&[Mechanism::Plain, Mechanism::Login], cred),
            )
            .await?;
        }
        Ok(c)
    }

    /// MAIL, RCPT, DATA and the message text, each step bounded by the timeout.
    async fn transaction(
        &self,
        c: &mut AsyncSmtpConnection,
        m: &Message,
        envelope: &Envelope,
        email: &[u8],
    ) -> Result<Attempt> {
        let t = self.smtp.timeout();
        let mut options = vec![];
        if !email.is_ascii() {
            if !c.server_info().supports_feature(Extension::EightBitMime) {
                return Ok(Attempt::Invalid(
                    "the message is not ASCII and the server does not offer 8BITMIME".into(),
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let steps = async {
            step(
                t,
                "MAIL",
                false,
                c.command(Mail::new(envelope.from().cloned(), options)),
            )
            .await?;
            // A recipient refused permanently does not stop the others (as an MTA
            // does); a transient refusal postpones the whole message, so that nobody
            // gets it twice.
            let mut refused = vec![];
            for to in envelope.to() {
                match step(t, "RCPT", false, c.command(Rcpt::new(to.clone(), vec![]))).await {
                    Ok(_) => {}
                    Err(Attempt::Rejected {
                        permanent: true,
                        reply,
                    }) => refused.push(format!("{to} ({reply})")),
                    Err(other) => return Err(other),
                }
            }
            if refused.len() == envelope.to().len() {
                return Err(Attempt::Rejected {
                    permanent: true,
                    reply: format!("every recipient was refused: {}", refused.join("; ")),
                });
            }
            step(t, "DATA", false, c.command(Data)).await?;
            Ok::<Vec<String>, Attempt>(refused)
        };
        let refused = match steps.await {
            Ok(refused) => refused,
            Err(a) => return Ok(a),
        };
        // From here the server may accept the message: mark the row first.
        self.outbox.mark_transmitting(m.id)?;
        let exhausted = AtomicBool::new(false);
        let text = Once {
            item: Some(email),
            exhausted: &exhausted,
        };
        let r = tokio::time::timeout(t, c.message_iter(text)).await;
        let transmitted = exhausted.load(Ordering::SeqCst);
        Ok(match r {
            Ok(Ok(reply)) => Attempt::Accepted { reply, refused },
            Ok(Err(e)) => classify_error("message text", transmitted, e),
            Err(_) => broken(transmitted, "message text", "timed out"),
        })
    }

    fn build(&self, m: &Message) -> std::result::Result<(Envelope, Vec<u8>), String> {
        let attachment = match (&m.attachment_name, &m.attachment) {
            (Some(name), Some(bytes)) => Some((name.as_str(), bytes.as_slice())),
            _ => None,
        };
        compose(
            &self.from,
            &Draft {
                message_id: &m.message_id,
                subject: &m.subject,
                body: &m.body,
                to: &m.to,
                cc: &m.cc,
                attachment,
            },
        )
    }
}

/// The message text as one item; notes when lettre has taken all of it (it writes the
/// final dot right after).
struct Once<'a> {
    item: Option<&'a [u8]>,
    exhausted: &'a AtomicBool,
}

impl<'a> Iterator for Once<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let item = self.item.take();
        if item.is_none() {
            self.exhausted.store(true, Ordering::SeqCst);
        }
        item
    }
}

/// The reason inside an attempt that failed to open a session.
fn describe(a: Attempt) -> String {
    match a {
        Attempt::Broken { reason, .. } => reason,
        Attempt::Rejected { reply, .. } => reply,
        Attempt::Invalid(r) | Attempt::Unreachable(r) => r,
        Attempt::Accepted { reply, .. } => reply_text(&reply),
    }
}

fn reply_text(r: &Response) -> String {
    let text: Vec<&str> = r.message().collect();
    format!("{} {}", r.code(), text.join(" "))
}

fn broken(transmitted: bool, what: &str, e: impl std::fmt::Display) -> Attempt {
    Attempt::Broken {
        transmitted,
        reason: format!("{what}: {e}"),
    }
}

fn classify_error(what: &str, transmitted: bool, e: lettre::transport::smtp::Error) -> Attempt {
    if e.is_permanent() || e.is_transient() {
        Attempt::Rejected {
            permanent: e.is_permanent(),
            reply: e.to_string(),
        }
    } else {
        broken(transmitted, what, e)
    }
}

/// One step of the conversation, bounded by `t`.
async fn step<T>(
    t: Duration,
    what: &str,
    transmitted: bool,
    f: impl std::future::Future<Output = std::result::Result<T, lettre::transport::smtp::Error>>,
) -> std::result::Result<T, Attempt> {
    match tokio::time::timeout(t, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify_error(what, transmitted, e)),
        Err(_) => Err(broken(transmitted, what, "timed out")),
    }
}

/// The parts of one e-mail.
pub struct Draft<'a> {
    pub message_id: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub to: &'a [String],
    pub cc: &'a [String],
    /// File name and bytes.
    pub attachment: Option<(&'a str, &'a [u8])>,
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
    if let Some((name, bytes)) = m.attachment {
        let ct = if name.to_ascii_lowercase().ends_with(".pdf") {
            ContentType::parse("application/pdf")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "localhost",
            "LOCALHOST",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "10.0.0.1",
            "mail.example.org",
            "localhost.example.org",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn tls_parameters_can_be_built() {
        // rustls with the bundled web PKI roots: no system certificate store needed.
        assert!(TlsParameters::new("smtp.example.org".into()).is_ok());
    }

    #[test]
    fn backoff_doubles() {
        let mut c = SmtpConfig::new("127.0.0.1", 25, TlsMode::None, "a@b.cn");
        c.backoff_seconds = Some(2.0);
        assert_eq!(c.backoff(1), Duration::from_secs(2));
        assert_eq!(c.backoff(2), Duration::from_secs(4));
        assert_eq!(c.backoff(4), Duration::from_secs(16));
        assert_eq!(c.backoff(40), Duration::from_secs(86_400));
    }

    #[test]
    fn checks_are_sentences() {
        let c = SmtpConfig::new("mail.example.org", 25, TlsMode::None, "a@b.cn");
        assert!(c.check().unwrap_err().contains("not mail.example.org"));
        let mut c = SmtpConfig::new("127.0.0.1", 25, TlsMode::None, "a@b.cn");
        assert!(c.check().is_ok());
        c.password = Some(toml::Value::String("x".into()));
        assert!(c.check().unwrap_err().contains(PASSWORD_VAR));
    }
}
