//! The schema version of the state database (`PRAGMA user_version`) and the forward
//! migrations applied when it is opened.
//!
//! Version 0 is a database without a version: a new, empty file, or one made by
//! tiexin 0.1.0 (whose tables are those of version 1). Before an existing database is
//! upgraded, a consistent copy of it is written next to it
//! (`tiexin.sqlite.v<old>-<UTC time>.bak`). The migrations run in one transaction: an
//! upgrade that fails leaves the database as it was. A database of a newer version than
//! this tiexin knows is refused.

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::attachments::Attachments;
use crate::error::{Error, Result};

/// The schema version this tiexin writes.
pub const SCHEMA_VERSION: i64 = 6;

/// One step up: an optional step in Rust first, then the SQL of the version.
struct Migration {
    version: i64,
    before: Option<fn(&Transaction, &Attachments) -> Result<()>>,
    sql: &'static str,
}

const MIGRATIONS: [Migration; 6] = [
    Migration {
        version: 1,
        before: None,
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/state/migrations/001_baseline.sql"
        )),
    },
    Migration {
        version: 2,
        before: None,
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/state/migrations/002_uids_and_resumable_runs.sql"
        )),
    },
    Migration {
        version: 3,
        before: Some(attachments_to_files),
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/state/migrations/003_attachments.sql"
        )),
    },
    Migration {
        version: 4,
        before: None,
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/state/migrations/004_extra_attachments.sql"
        )),
    },
    Migration {
        version: 5,
        before: None,
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/state/migrations/005_warning_messages.sql"
        )),
    },
    Migration {
        version: 6,
        before: None,
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/queries/state/migrations/006_documents.sql"
        )),
    },
];

const BLOBS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/migrations/003_attachments_blobs.sql"
));
const BACKUP: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/backup.sql"
));
const TABLE_COUNT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/table_count.sql"
));

/// Brings the database at `path` up to [`SCHEMA_VERSION`]; returns the backup copy made
/// first, if it was upgraded from an older version.
pub(super) fn upgrade(
    conn: &mut Connection,
    path: &Path,
    attachments: &Attachments,
) -> Result<Option<PathBuf>> {
    let db = |e: rusqlite::Error| {
        Error::State(format!(
            "the state database {} cannot be upgraded to schema version {SCHEMA_VERSION}: {e}",
            path.display()
        ))
    };
    let version = user_version(conn).map_err(db)?;
    if version > SCHEMA_VERSION {
        return Err(Error::State(format!(
            "the state database {} has schema version {version}, newer than this tiexin knows ({SCHEMA_VERSION}): use the tiexin that wrote it, or a newer one",
            path.display()
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(None);
    }
    let tables: i64 = conn.query_row(TABLE_COUNT, [], |r| r.get(0)).map_err(db)?;
    let backup = if tables > 0 {
        Some(backup(conn, path, version)?)
    } else {
        None
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    // Another process may have upgraded it meanwhile.
    let version = user_version(&tx).map_err(db)?;
    for m in MIGRATIONS.iter().filter(|m| m.version > version) {
        if let Some(step) = m.before {
            step(&tx, attachments)?;
        }
        tx.execute_batch(m.sql).map_err(db)?;
        tx.pragma_update(None, "user_version", m.version)
            .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok(backup)
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Writes a consistent copy of the database next to it, named by its version and the
/// time; never over an existing file.
fn backup(conn: &Connection, path: &Path, version: i64) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| super::FILE.to_string());
    let time = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut copy = path.with_file_name(format!("{name}.v{version}-{time}.bak"));
    if copy.exists() {
        copy = path.with_file_name(format!(
            "{name}.v{version}-{time}-{}.bak",
            std::process::id()
        ));
    }
    let target = copy.to_str().ok_or_else(|| {
        Error::State(format!(
            "the state database {} cannot be backed up before its upgrade: its path is not UTF-8",
            path.display()
        ))
    })?;
    conn.execute(BACKUP, [target]).map_err(|e| {
        Error::State(format!(
            "the state database {} was not upgraded: its backup copy {} could not be written ({e})",
            path.display(),
            copy.display()
        ))
    })?;
    Ok(copy)
}

/// Version 3: the attachments kept in the database become files of the state folder,
/// each under the SHA-256 recorded when it was queued (so that one damaged in the
/// database is refused when it is sent, as a file changed later would be).
fn attachments_to_files(tx: &Transaction, attachments: &Attachments) -> Result<()> {
    let db = |e: rusqlite::Error| {
        Error::State(format!(
            "the attachments of the state database cannot be moved to {}: {e}",
            attachments.dir().display()
        ))
    };
    let mut stmt = tx.prepare(BLOBS).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        let id: i64 = row.get(0).map_err(db)?;
        let sha: Option<String> = row.get(1).map_err(db)?;
        let bytes: Vec<u8> = row.get(2).map_err(db)?;
        let sha = sha.unwrap_or_else(|| super::sha256_hex(&bytes));
        attachments.write(&sha, &bytes).map_err(|e| {
            Error::State(format!(
                "the attachment of message {id} cannot be moved out of the state database: {e}"
            ))
        })?;
    }
    Ok(())
}
