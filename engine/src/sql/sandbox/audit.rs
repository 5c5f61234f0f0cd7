//! The audit log of `tiexin query`: one JSON line per event in `audit.jsonl` of the state
//! directory, a `started` line before a query runs and a line with its outcome after.
//! A query whose `started` line cannot be written does not run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::calendar;
use crate::error::{Error, Result};
use crate::sql::catalog::Catalog;

/// The file name of the log inside the state directory.
pub const FILE: &str = "audit.jsonl";

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of a moment.
pub fn iso_utc(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let day = (secs / 86_400) as i32;
    let s = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        calendar::iso(day),
        s / 3600,
        s % 3600 / 60,
        s % 60,
        d.subsec_millis()
    )
}

/// What is known about a query before it runs.
pub struct Entry {
    /// The query's id (see [`new_id`]), shared by its two lines.
    pub id: String,
    /// Who ran it (`--as`, else the OS user).
    pub user: String,
    /// The union whose subtree the tables were restricted to (`--scope`).
    pub scope: Option<String>,
    /// The period whose `metrics` and `findings` tables were offered (`--period`).
    pub period: Option<String>,
    /// The SQL text as given (empty for a command run with replaced query files).
    pub sql: String,
    /// The command line, for a command other than `tiexin query`.
    pub command: Option<String>,
    /// The replaced query files it ran: `{replaces, path, sha256}` each.
    pub queries: Vec<serde_json::Value>,
}

/// The replaced query files of `catalog`, as the audit log records them.
pub fn replaced(catalog: &Catalog) -> Vec<serde_json::Value> {
    catalog
        .replaced()
        .iter()
        .map(|r| {
            json!({
                "replaces": r.replaces,
                "path": r.path.display().to_string(),
                "sha256": r.sha256,
            })
        })
        .collect()
}

/// How a query ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and returned its rows.
    Ok,
    /// It was refused before running (not read-only, out of scope, …).
    Refused,
    /// It failed while it ran.
    Failed,
    /// It ran out of time and was aborted.
    Timeout,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Timeout => "timeout",
        }
    }
}

/// The audit log file `audit.jsonl` of the state directory.
pub struct Log {
    path: PathBuf,
}

impl Log {
    /// The log in `dir` (created if missing).
    pub fn open(dir: Option<&Path>) -> Result<Log> {
        let dir = dir.ok_or_else(|| {
            Error::Query(
                "query refused: no state directory for the audit log (set state-dir in the config or $TIEXIN_STATE_DIR)".into(),
            )
        })?;
        std::fs::create_dir_all(dir).map_err(|e| unaudited(dir, e))?;
        Ok(Log {
            path: dir.join(FILE),
        })
    }

    /// The path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&self, line: serde_json::Value) -> Result<()> {
        let mut text = line.to_string();
        text.push('\n');
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.flush()))
            .map_err(|e| unaudited(&self.path, e))
    }

    /// Appends one line (an event of `tiexin serve`: a page viewed, a request refused).
    pub fn record(&self, line: &serde_json::Value) -> Result<()> {
        self.append(line.clone())
    }

    /// The line written before the query runs.
    pub fn started(&self, e: &Entry) -> Result<()> {
        self.append(json!({
            "id": e.id,
            "time": iso_utc(SystemTime::now()),
            "user": e.user,
            "uid": crate::dirs::uid(),
            "scope": e.scope,
            "period": e.period,
            "sql": e.sql,
            "command": e.command,
            "queries": (!e.queries.is_empty()).then_some(&e.queries),
            "outcome": "started",
        }))
    }

    /// The line written after the query, with its outcome.
    pub fn completed(
        &self,
        e: &Entry,
        outcome: Outcome,
        message: Option<&str>,
        rows: Option<usize>,
        duration_ms: u128,
    ) -> Result<()> {
        self.append(json!({
            "id": e.id,
            "time": iso_utc(SystemTime::now()),
            "user": e.user,
            "uid": crate::dirs::uid(),
            "scope": e.scope,
            "period": e.period,
            "sql": e.sql,
            "command": e.command,
            "queries": (!e.queries.is_empty()).then_some(&e.queries),
            "outcome": outcome.as_str(),
            "message": message,
            "rows": rows,
            "duration_ms": duration_ms as u64,
        }))
    }
}

fn unaudited(path: &Path, e: std::io::Error) -> Error {
    Error::Query(format!(
        "query refused: the audit log {} cannot be written ({e}), and no query runs unaudited",
        path.display()
    ))
}

/// A new id for one query: the moment in microseconds and the process id.
pub fn new_id() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    format!("{t:x}-{:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time() {
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_790_000_000_123);
        assert_eq!(iso_utc(t), "2026-09-21T14:13:20.123Z");
    }
}
