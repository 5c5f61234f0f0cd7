//! `--scope`: every table cut to one union's subtree before the query sees it, and
//! personal data masked in the tables themselves.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::mask;
use crate::error::{Error, Result};
use crate::ingest::Archive;
use crate::sql::cluster::Remote;
use crate::sql::{session, tree};

/// How a table is cut to a scope.
enum By {
    /// Its union column names a union of the subtree.
    Union(&'static str),
    /// Its household is a household of the subtree.
    Household,
    /// Its contact is a contact of the subtree.
    Contact,
    /// The subject it names (a rectification's finding) is a row of the subtree.
    Subject,
}

fn scoped_by(table: &str) -> Option<By> {
    Some(match table {
        "unions" | "households" | "contacts" | "subsidies" | "disbursements" | "budgets"
        | "inspections" | "metrics" | "findings" | "union_root" => By::Union("union_id"),
        "visits" | "assignments" | "crosschecks" | "exits" | "requests" | "feedback"
        | "referrals" => By::Household,
        "trainings" => By::Contact,
        "rectifications" => By::Subject,
        _ => return None,
    })
}

fn ids(batches: &[RecordBatch], column: &str) -> Result<HashSet<String>> {
    let mut set = HashSet::new();
    for b in batches {
        let a = b.column(b.schema().index_of(column)?).as_string::<i32>();
        set.extend(a.iter().flatten().map(str::to_string));
    }
    Ok(set)
}

fn keep_rows(
    batches: &[RecordBatch],
    column: &str,
    set: &HashSet<String>,
) -> Result<Vec<RecordBatch>> {
    batches
        .iter()
        .map(|b| tree::filter_rows(b, column, |v| set.contains(v)))
        .collect()
}

/// A table to register: its name, schema and batches.
pub type Table = (&'static str, SchemaRef, Vec<RecordBatch>);

/// The archive's tables, `union_closure` and `union_root`.
pub fn archive_tables(archive: &Archive) -> Result<Vec<Table>> {
    let mut tables: Vec<Table> = archive
        .tables
        .iter()
        .map(|t| (t.table.name, t.table.arrow_schema(), t.batches.clone()))
        .collect();
    let closure = tree::union_closure(archive)?;
    tables.push(("union_closure", closure.schema(), vec![closure]));
    let root = tree::union_root(archive)?;
    tables.push(("union_root", root.schema(), vec![root]));
    Ok(tables)
}

/// The tables cut to the subtree `unions`: each table by its union, its household or
/// its contact; a table without a scope rule is left out.
pub fn cut(tables: Vec<Table>, unions: &HashSet<String>) -> Result<Vec<Table>> {
    let of = |name: &str, key: &str| -> Result<HashSet<String>> {
        let (_, _, b) = tables
            .iter()
            .find(|(t, _, _)| *t == name)
            .ok_or_else(|| Error::Internal(format!("no table {name}")))?;
        ids(&keep_rows(b, "union_id", unions)?, key)
    };
    let households = of("households", "household_id")?;
    let contacts = of("contacts", "contact_id")?;
    let mut out = Vec::with_capacity(tables.len());
    let mut subjects = Vec::new();
    for (name, schema, batches) in tables {
        let batches = if name == "union_closure" {
            let b = keep_rows(&batches, "ancestor_id", unions)?;
            keep_rows(&b, "union_id", unions)?
        } else {
            match scoped_by(name) {
                Some(By::Union(c)) => keep_rows(&batches, c, unions)?,
                Some(By::Household) => keep_rows(&batches, "household_id", &households)?,
                Some(By::Contact) => keep_rows(&batches, "contact_id", &contacts)?,
                Some(By::Subject) => {
                    subjects.push((name, schema, batches));
                    continue;
                }
                // A table without a scope rule is not offered under --scope.
                None => continue,
            }
        };
        out.push((name, schema, batches));
    }
    // A finding's subject is a row of one of the tables cut above (a household, visit,
    // payment, …, a contact or a union): its id is their key.
    let mut keys: HashSet<String> = HashSet::new();
    for (name, _, batches) in &out {
        if let Some(t) = crate::ingest::schema::table(name) {
            if t.key.len() == 1 {
                keys.extend(ids(batches, t.key[0])?);
            }
        }
    }
    for (name, schema, batches) in subjects {
        out.push((name, schema, keep_rows(&batches, "subject_id", &keys)?));
    }
    Ok(out)
}

/// The tables with their personal-data columns masked.
pub fn masked(tables: Vec<Table>) -> Result<Vec<Table>> {
    tables
        .into_iter()
        .map(|(name, schema, batches)| {
            let batches = batches
                .iter()
                .map(|b| mask::mask_batch(name, b))
                .collect::<Result<Vec<_>>>()?;
            Ok((name, schema, batches))
        })
        .collect()
}

/// A context holding only the archive tables (cut to `scope`, personal data masked when
/// `masked`), `union_closure`, and the `extra` tables.
pub fn context(
    archive: &Archive,
    extra: &[(&'static str, RecordBatch)],
    scope: Option<&HashSet<String>>,
    masked_data: bool,
    runtime: Arc<RuntimeEnv>,
    remote: Option<(&Remote, &str)>,
) -> Result<SessionContext> {
    let n = session::partitions();
    let config = SessionConfig::new().with_target_partitions(n);
    let ctx = match remote {
        Some((r, _)) => r.context(config, runtime)?,
        None => SessionContext::new_with_config_rt(config, runtime),
    };
    let mut tables = archive_tables(archive)?;
    for (name, b) in extra {
        tables.push((name, b.schema(), vec![b.clone()]));
    }
    if let Some(unions) = scope {
        tables = cut(tables, unions)?;
    }
    if masked_data {
        tables = masked(tables)?;
    }
    if let Some((r, key)) = remote {
        // On a cluster the archive's tables are the session's published ones (the same
        // cut and masking); the period's metrics and findings go to the run's scratch.
        let (own, given): (Vec<Table>, Vec<Table>) = tables
            .into_iter()
            .partition(|(name, _, _)| extra.iter().any(|(e, _)| e == name));
        for (name, t) in r.publish(key, &given)? {
            ctx.register_table(name.as_str(), t)?;
        }
        for (name, schema, batches) in own {
            ctx.register_table(name, r.scratch(name, schema, &[batches])?)?;
        }
        return Ok(ctx);
    }
    for (name, schema, batches) in tables {
        let parts = session::split(&batches, n);
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, parts)?))?;
    }
    Ok(ctx)
}
