//! The configuration file (TOML). Every field is optional; the defaults are built in.
//! Each section's type belongs to the module it configures; this module only assembles
//! them from the file and resolves the settings that are passed down.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::shortlist::ShortlistConfig;
use crate::delivery::schedule::Job;
use crate::delivery::smtp::SmtpConfig;
use crate::documents::settings::DocumentConfig;
use crate::error::{Error, Result};
use crate::sql::sandbox::Limits;

/// The whole configuration file.
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
    /// The bulletin (工作通报): header, number, addressees, requirements.
    pub bulletin: Option<DocumentConfig>,
    /// The supervisory circulars (督查通报): header, number, deadline, criticism threshold.
    pub circulars: Option<DocumentConfig>,
    /// The award shortlist (`[shortlist]`), checked by [`crate::analysis::shortlist::Params::from_config`].
    #[serde(default)]
    pub shortlist: ShortlistConfig,
    /// The mail server of the outbox (`tiexin outbox send`, `tiexin schedule`).
    pub smtp: Option<SmtpConfig>,
    /// The scheduled jobs of `tiexin schedule`.
    #[serde(default)]
    pub jobs: Vec<Job>,
    /// After downtime, a job's most recent missed slot still runs if it is at most this
    /// many hours old [default: 24].
    pub grace_hours: Option<f64>,
}

impl Config {
    /// Reads and checks the file (the built-in defaults when `path` is `None`); an error
    /// names the file, the line and the key.
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
        crate::delivery::schedule::check_jobs(&self.jobs, self.grace_hours)
    }
}

impl Config {
    /// The state folder (outbox, ledger, audit log, document numbers).
    pub fn state_folder(&self) -> Option<PathBuf> {
        crate::dirs::state_dir(self.state_dir.as_deref())
    }

    /// The validated cache's folder, `None` when the cache is off (`--no-cache` or
    /// `cache = false`).
    pub fn cache_folder(&self, no_cache: bool) -> Option<PathBuf> {
        if no_cache || !self.cache.unwrap_or(true) {
            return None;
        }
        self.cache_dir.clone().or_else(crate::dirs::cache_dir)
    }

    /// The limits of an inspector's query.
    pub fn query_limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            memory: self.query_memory_limit.unwrap_or(d.memory),
            seconds: self.query_time_limit.unwrap_or(d.seconds),
        }
    }

    /// A document section (`[bulletin]`, `[circulars]` or none) with the state folder
    /// in which its numbers are counted.
    pub fn document(&self, section: Option<&DocumentConfig>) -> DocumentConfig {
        let mut cfg = section.cloned().unwrap_or_default();
        cfg.state_dir = self.state_folder();
        cfg
    }
}
