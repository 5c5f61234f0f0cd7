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
use crate::sql::cluster::Engine;
use crate::sql::sandbox::Limits;
use crate::web::users::UserConfig;

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
    /// Memory one `tiexin query` may use, in bytes [default: 2 GiB; 1 MB to 1 TiB].
    pub query_memory_limit: Option<u64>,
    /// Time one `tiexin query` may run, in seconds [default: 120; more than 0, at most 86400].
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
    /// The users of `tiexin serve` (`[[users]]`), checked by [`crate::web::users::check`].
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// After downtime, a job's most recent missed slot still runs if it is at most this
    /// many hours old [default: 24; 0 to 8760].
    pub grace_hours: Option<f64>,
    /// Where the queries run: `local`, or `ballista://HOST:PORT` for a Ballista cluster
    /// (a tiexin built with the `ballista` feature) [default: local].
    pub engine: Option<String>,
    /// The folder the cluster's executors read the archive's tables from, at the same
    /// path on every machine [default: cluster/ in the cache folder].
    pub cluster_data: Option<PathBuf>,
    /// How many partitions a cluster's shuffles and the run's own tables are split
    /// into: the executors' cores in all [default: this machine's cores; 1 to 4096].
    pub cluster_partitions: Option<usize>,
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
            // serde names Rust types: say what they hold.
            let msg = [
                ("expected u16", "expected a whole number from 0 to 65535"),
                (
                    "expected u32",
                    "expected a whole number from 0 to 4294967295",
                ),
                ("expected u64", "expected a whole number, 0 or more"),
                ("expected usize", "expected a whole number, 0 or more"),
            ]
            .iter()
            .fold(msg.to_string(), |m, (rust, plain)| m.replace(rust, plain));
            let at = e
                .span()
                .map(|s| {
                    let start = s.start.min(text.len());
                    let line = text[..start].matches('\n').count() + 1;
                    format!(" at line {line}{}", key_at(&text, start))
                })
                .unwrap_or_default();
            Error::Config(format!("{}{at}: {msg}", path.display()))
        })?;
        config
            .check()
            .map_err(|msg| Error::Config(format!("{}: {msg}", path.display())))?;
        crate::analysis::shortlist::Params::from_config(&config.shortlist, Some(path))?;
        Ok(config)
    }

    /// The checks serde cannot make: every number in its range (README, configuration),
    /// the `[smtp]` section and the jobs.
    fn check(&self) -> std::result::Result<(), String> {
        if let Some(m) = self
            .query_memory_limit
            .filter(|m| !(MIN_QUERY_MEMORY..=MAX_QUERY_MEMORY).contains(m))
        {
            return Err(format!(
                "query-memory-limit must be from {MIN_QUERY_MEMORY} bytes (1 MB) to {MAX_QUERY_MEMORY} bytes (1 TiB), not {m}"
            ));
        }
        if let Some(t) = self
            .query_time_limit
            .filter(|t| !(*t > 0.0 && *t <= MAX_QUERY_SECONDS))
        {
            return Err(format!(
                "query-time-limit must be a number of seconds more than 0 and at most {MAX_QUERY_SECONDS} (a day), not {t}"
            ));
        }
        if let Some(n) = self
            .cluster_partitions
            .filter(|n| !(1..=MAX_CLUSTER_PARTITIONS).contains(n))
        {
            return Err(format!(
                "cluster-partitions must be from 1 to {MAX_CLUSTER_PARTITIONS}, not {n}"
            ));
        }
        for (name, section) in [("bulletin", &self.bulletin), ("circulars", &self.circulars)] {
            if let Some(d) = section {
                check_document(name, d)?;
            }
        }
        if let Some(smtp) = &self.smtp {
            smtp.check()?;
        }
        crate::web::users::check(&self.users)?;
        crate::delivery::schedule::check_jobs(&self.jobs, self.grace_hours)
    }
}

/// The smallest `query-memory-limit`, in bytes (1 MB).
pub const MIN_QUERY_MEMORY: u64 = 1_000_000;
/// The largest `query-memory-limit`, in bytes (1 TiB).
pub const MAX_QUERY_MEMORY: u64 = 1 << 40;
/// The largest `query-time-limit`, in seconds (a day).
pub const MAX_QUERY_SECONDS: f64 = 86_400.0;
/// The largest `cluster-partitions`.
pub const MAX_CLUSTER_PARTITIONS: usize = 4096;
/// The largest `criticism-threshold`.
pub const MAX_CRITICISM_THRESHOLD: usize = 1000;

/// The numbers of a document section: `criticism-threshold` from 1 to 1000;
/// `deadline-days` is no longer read (a finding's deadline is d(f), accountability.md).
fn check_document(section: &str, d: &DocumentConfig) -> std::result::Result<(), String> {
    if d.deadline_days.is_some() {
        return Err(format!(
            "[{section}] deadline-days is no longer read: each finding's deadline is the last day of its quarter plus 60 days (accountability.md); remove the key"
        ));
    }
    if let Some(r) = d
        .routing
        .as_deref()
        .filter(|r| !["direct", "city"].contains(r))
    {
        return Err(format!(
            "[{section}] routing must be \"direct\" or \"city\", not {r:?}"
        ));
    }
    if let Some(n) = d
        .criticism_threshold
        .filter(|n| !(1..=MAX_CRITICISM_THRESHOLD).contains(n))
    {
        return Err(format!(
            "[{section}] criticism-threshold must be from 1 to {MAX_CRITICISM_THRESHOLD} major findings, not {n}"
        ));
    }
    Ok(())
}

/// The key whose value starts at byte `at` of a TOML text, with its table, as `" (KEY)"`
/// or `" ([TABLE] KEY)"`; empty when `at` is not in a value.
fn key_at(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let Some(eq) = before.rfind('=') else {
        return String::new();
    };
    let key = before[..eq]
        .trim_end()
        .rsplit(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .next()
        .unwrap_or("");
    if key.is_empty() {
        return String::new();
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['));
    match table {
        Some(t) => format!(" ({t} {key})"),
        None => format!(" ({key})"),
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

    /// Where the queries run: `option` (`--engine`) over the `engine` key, else here.
    pub fn engine(&self, option: Option<&str>, no_cache: bool) -> Result<Engine> {
        let Some(text) = option.or(self.engine.as_deref()) else {
            return Ok(Engine::Local);
        };
        let data = match &self.cluster_data {
            Some(dir) => dir.clone(),
            None => crate::sql::cluster::default_data(self.cache_folder(no_cache).as_deref()),
        };
        Engine::parse(text, data, self.cluster_partitions)
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
