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
    /// The award shortlist (`[shortlist]`), checked by [`crate::shortlist::Params::from_config`].
    #[serde(default)]
    pub shortlist: ShortlistConfig,
}

/// `[shortlist]`: size, city quota and the four weights of the score (metrics.md).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShortlistConfig {
    /// Number of nominees [default: 100, at least 1].
    pub size: Option<i64>,
    /// 1: each city with an eligible contact gets a place first; 0: merit only [default: 1].
    pub min_per_city: Option<i64>,
    /// Weight of visit_score [default: 0.50].
    pub visit: Option<f64>,
    /// Weight of exit_score [default: 0.20].
    pub exit: Option<f64>,
    /// Weight of request_score [default: 0.15].
    pub request: Option<f64>,
    /// Weight of satisfaction_score [default: 0.15].
    pub satisfaction: Option<f64>,
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| {
            let msg = e.message().trim_end_matches('.');
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            Error::Config(format!("{}{at}: {msg}", path.display()))
        })
    }
}
