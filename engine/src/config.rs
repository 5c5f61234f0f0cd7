//! The configuration file (TOML). Every field is optional; the defaults are built in.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Where validated tables are cached [default: $TIEXIN_CACHE_DIR, $XDG_CACHE_HOME/tiexin or ~/.cache/tiexin].
    pub cache_dir: Option<PathBuf>,
    /// Whether the validated cache is used at all [default: true].
    pub cache: Option<bool>,
    /// Where `tiexin query` keeps its audit log `audit.jsonl` [default: $TIEXIN_STATE_DIR, $XDG_STATE_HOME/tiexin or ~/.local/state/tiexin].
    pub state_dir: Option<PathBuf>,
    /// Whether `tiexin query` shows ID numbers and phone numbers in full [default: false, masked].
    pub full_access: Option<bool>,
    /// Memory one `tiexin query` may use, in bytes [default: 2 GiB].
    pub query_memory_limit: Option<u64>,
    /// Time one `tiexin query` may run, in seconds [default: 120].
    pub query_time_limit: Option<f64>,
    /// The mail server of the outbox (`tiexin outbox send`, `tiexin schedule`).
    pub smtp: Option<crate::mail::SmtpConfig>,
    /// The scheduled jobs of `tiexin schedule`.
    #[serde(default)]
    pub jobs: Vec<crate::schedule::Job>,
    /// After downtime, a job's most recent missed slot still runs if it is at most this
    /// many hours old [default: 24].
    pub grace_hours: Option<f64>,
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            let msg = e.message().trim_end_matches('.');
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            Error::Config(format!("{}{at}: {msg}", path.display()))
        })?;
        config
            .check()
            .map_err(|msg| Error::Config(format!("{}: {msg}", path.display())))?;
        Ok(config)
    }

    /// The checks serde cannot make: the `[smtp]` section and the jobs.
    fn check(&self) -> std::result::Result<(), String> {
        if let Some(smtp) = &self.smtp {
            smtp.check()?;
        }
        crate::schedule::check_jobs(&self.jobs, self.grace_hours)
    }
}
