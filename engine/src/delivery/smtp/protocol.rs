//! One delivery worker: it claims messages from the outbox and drives each SMTP
//! transaction step by step on lettre's connection, so that a failure before the final
//! dot (retried) is told from one after it (ambiguous). See the module [`super`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::address::{Address, Envelope};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;

use super::compose::{compose, Draft};
use super::settings::{SmtpConfig, TlsMode};
use super::Summary;
use crate::delivery::outbox::{Message, Outbox, Outcome};
use crate::error::{Error, Result};

/// One sender: a connection kept open and reused, and the messages it claims.
pub(super) struct Worker {
    pub(super) outbox: Outbox,
    pub(super) smtp: SmtpConfig,
    pub(super) credentials: Option<Credentials>,
    pub(super) from: Mailbox,
    pub(super) stop: Arc<AtomicBool>,
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
    /// Claims and sends messages until none is due, the server is unreachable or `stop`.
    pub(super) async fn run(&self) -> Result<Summary> {
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
        // The main recipients' addresses (To), as the envelope holds them.
        let main: Vec<Address> =
            m.to.iter()
                .filter_map(|a| a.parse::<Mailbox>().ok())
                .map(|mb| mb.email)
                .collect();
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
            // A copy address refused permanently does not stop the others (as an MTA
            // does); a main (To) address refused permanently stops the message, so
            // that no copy goes out of a message its addressee never gets; a
            // transient refusal postpones the whole message, so that nobody gets it
            // twice.
            let mut refused = vec![];
            for to in envelope.to() {
                match step(t, "RCPT", false, c.command(Rcpt::new(to.clone(), vec![]))).await {
                    Ok(_) => {}
                    Err(Attempt::Rejected {
                        permanent: true,
                        reply,
                    }) if main.contains(to) => {
                        return Err(Attempt::Rejected {
                            permanent: true,
                            reply: format!(
                                "not sent: the main recipient {to} was refused ({reply}), so nobody got the message, not the copies either"
                            ),
                        })
                    }
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

    /// The envelope and the message text; the attachment is read from the state folder
    /// and checked against its SHA-256 (a mismatch makes the message fail, unsent).
    fn build(&self, m: &Message) -> std::result::Result<(Envelope, Vec<u8>), String> {
        let bytes = self
            .outbox
            .attachment(m)
            .map_err(|e| format!("not sent: {e}"))?;
        let attachment = match (&m.attachment_name, &bytes) {
            (Some(name), Some(bytes)) => Some((name.as_str(), bytes.as_slice())),
            _ => None,
        };
        let extras = self
            .outbox
            .extra_attachments(m)
            .map_err(|e| format!("not sent: {e}"))?;
        let extra: Vec<(&str, &[u8])> = extras
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        compose(
            &self.from,
            &Draft {
                message_id: &m.message_id,
                subject: &m.subject,
                body: &m.body,
                to: &m.to,
                cc: &m.cc,
                attachment,
                extra: &extra,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_can_be_built() {
        // rustls with the bundled web PKI roots: no system certificate store needed.
        assert!(TlsParameters::new("smtp.example.org".into()).is_ok());
    }
}
