//! The `[smtp]` section: the server, its protection, the login, the limits of
//! delivery; checked when the configuration loads.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The environment variable holding the SMTP password.
pub const PASSWORD_VAR: &str = "TIEXIN_SMTP_PASSWORD";

/// The largest `timeout-seconds`: an hour per step of the conversation.
pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;
/// The largest `backoff-seconds`: a day before the first retry.
pub const MAX_BACKOFF_SECONDS: f64 = 86_400.0;
/// The largest `max-concurrency`: connections to one server at once.
pub const MAX_CONCURRENCY: usize = 64;
/// The largest `max-attempts`.
pub const MAX_ATTEMPTS: u32 = 100;

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
    /// The server's host name or IP address.
    pub host: String,
    /// [default: 587 with starttls, 465 with tls, 25 with none; 1 to 65535]
    pub port: Option<u16>,
    /// The login; the password comes from `$TIEXIN_SMTP_PASSWORD`.
    pub user: Option<String>,
    /// How the connection is protected [default: starttls].
    #[serde(default)]
    pub tls: TlsMode,
    /// The sender address, e.g. `"省总工会督查室 <duchashi@example.org>"`.
    pub from: String,
    /// Time allowed for each step of the conversation, in seconds [default: 30; more
    /// than 0, at most 3600].
    pub timeout_seconds: Option<f64>,
    /// Messages sent at the same time (connections) [default: 4; 1 to 64].
    pub max_concurrency: Option<usize>,
    /// Attempts before a transient failure becomes `failed` [default: 5; 1 to 100].
    pub max_attempts: Option<u32>,
    /// The first retry waits this long, each further one twice as long [default: 30;
    /// more than 0, at most 86400].
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
        if self.port == Some(0) {
            return Err("[smtp] port must be from 1 to 65535, not 0".into());
        }
        for (key, v, max) in [
            ("timeout-seconds", self.timeout_seconds, MAX_TIMEOUT_SECONDS),
            ("backoff-seconds", self.backoff_seconds, MAX_BACKOFF_SECONDS),
        ] {
            if let Some(v) = v.filter(|v| !(*v > 0.0 && *v <= max)) {
                return Err(format!(
                    "[smtp] {key} must be a number of seconds more than 0 and at most {max}, not {v}"
                ));
            }
        }
        if let Some(n) = self
            .max_concurrency
            .filter(|n| !(1..=MAX_CONCURRENCY).contains(n))
        {
            return Err(format!(
                "[smtp] max-concurrency must be from 1 to {MAX_CONCURRENCY} (connections at once), not {n}"
            ));
        }
        if let Some(n) = self
            .max_attempts
            .filter(|n| !(1..=MAX_ATTEMPTS).contains(n))
        {
            return Err(format!(
                "[smtp] max-attempts must be from 1 to {MAX_ATTEMPTS}, not {n}"
            ));
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

    /// The port: the configured one, else 587, 465 or 25 by the TLS mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
            TlsMode::None => 25,
        })
    }

    /// Time allowed for each step of the conversation.
    pub fn timeout(&self) -> Duration {
        let s = self.timeout_seconds.unwrap_or(30.0);
        Duration::from_secs_f64(if s > 0.0 {
            s.min(MAX_TIMEOUT_SECONDS)
        } else {
            30.0
        })
    }

    /// Messages sent at the same time.
    pub fn concurrency(&self) -> usize {
        self.max_concurrency.unwrap_or(4).clamp(1, MAX_CONCURRENCY)
    }

    /// Attempts before a transient failure becomes `failed`.
    pub fn attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(5).max(1)
    }

    /// The wait before the attempt after `attempts` failed ones: base × 2^(attempts−1),
    /// at most a day.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let base = self
            .backoff_seconds
            .filter(|b| *b > 0.0)
            .unwrap_or(30.0)
            .min(MAX_BACKOFF_SECONDS);
        let factor = 2f64.powi(attempts.saturating_sub(1).min(30) as i32);
        Duration::from_secs_f64((base * factor).min(86_400.0))
    }
}

/// 127.0.0.1 (any 127/8), ::1 or localhost.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
