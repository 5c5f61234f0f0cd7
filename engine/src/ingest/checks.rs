//! Checks that warn but keep the row: references that name no row, the shape of the
//! union tree, and resident-ID checksums.

use std::collections::{HashMap, HashSet};

use foldhash::fast::FixedState;

use super::values;
use super::Issue;
use crate::ingest::schema::{self, LEVELS};
use crate::ingest::LoadedTable;

/// Resident-ID numbers of households whose ISO 7064 MOD 11-2 check fails.
pub fn resident_ids(households: &LoadedTable) -> Vec<Issue> {
    households
        .strings("id_number")
        .filter_map(|(line, v)| {
            let v = v?;
            values::resident_id(v)
                .err()
                .map(|reason| Issue::new("households", Some(line.into()), "id_number", v, reason))
        })
        .collect()
}

/// Every foreign key of the archive format whose value names no row of its table.
/// Tables are checked in parallel; the result is in table order.
pub fn references(tables: &[LoadedTable]) -> Vec<Issue> {
    let mut keys: HashMap<&str, HashSet<&str, FixedState>> = HashMap::new();
    for t in tables {
        for r in t.table.references {
            keys.entry(r.target).or_insert_with(|| {
                let target = tables.iter().find(|x| x.table.name == r.target);
                target
                    .map(|x| {
                        x.strings(schema::key_column(r.target))
                            .filter_map(|(_, v)| v)
                            .collect()
                    })
                    .unwrap_or_default()
            });
        }
    }
    let keys = &keys;
    std::thread::scope(|s| {
        let workers: Vec<_> = tables
            .iter()
            .map(|t| s.spawn(move || dangling(t, keys)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

fn dangling(t: &LoadedTable, keys: &HashMap<&str, HashSet<&str, FixedState>>) -> Vec<Issue> {
    let mut issues = Vec::new();
    for r in t.table.references {
        let Some(known) = keys.get(r.target) else {
            continue;
        };
        let what = r.target.trim_end_matches('s');
        for (line, v) in t.strings(r.column) {
            match v {
                Some(v) if !known.contains(v) => issues.push(Issue::new(
                    t.table.name,
                    Some(line.into()),
                    r.column,
                    v,
                    format!(
                        "unknown {what}: no such {} in {}",
                        schema::key_column(r.target),
                        r.target
                    ),
                )),
                _ => {}
            }
        }
    }
    issues
}

fn rank(level: &str) -> usize {
    LEVELS
        .iter()
        .position(|l| *l == level)
        .unwrap_or(LEVELS.len())
}

/// The union tree: a second root, an unknown parent, a cycle, a parent that is not of a
/// higher level, and every union that therefore does not reach the root.
pub fn union_tree(unions: &LoadedTable) -> Vec<Issue> {
    let ids: Vec<(u32, &str)> = unions
        .strings("union_id")
        .filter_map(|(l, v)| Some((l, v?)))
        .collect();
    let levels: Vec<&str> = unions
        .strings("level")
        .map(|(_, v)| v.unwrap_or(""))
        .collect();
    let parents: Vec<Option<&str>> = unions.strings("parent_id").map(|(_, v)| v).collect();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    let root = parents.iter().position(Option::is_none);

    let mut issues = Vec::new();
    let warn = |issues: &mut Vec<Issue>, i: usize, column: &str, value: &str, reason: String| {
        issues.push(Issue::new(
            "unions",
            Some(ids[i].0.into()),
            column,
            value,
            reason,
        ));
    };
    // Whether each union reaches the root; None until known.
    let mut linked: Vec<Option<bool>> = vec![None; ids.len()];
    for i in 0..ids.len() {
        match parents[i] {
            None if Some(i) == root => linked[i] = Some(true),
            None => {
                let r = root.map(|r| ids[r].1).unwrap_or_default();
                warn(
                    &mut issues,
                    i,
                    "parent_id",
                    "",
                    format!("a second root union (the root is {r})"),
                );
                linked[i] = Some(false);
            }
            Some(p) => match index.get(p) {
                None => {
                    warn(
                        &mut issues,
                        i,
                        "parent_id",
                        p,
                        "unknown union: no such union_id in unions".into(),
                    );
                    linked[i] = Some(false);
                }
                Some(&pi) if rank(levels[pi]) >= rank(levels[i]) => {
                    let reason = format!(
                        "parent is a {} union, not of a higher level than {}",
                        levels[pi], levels[i]
                    );
                    warn(&mut issues, i, "parent_id", p, reason);
                }
                Some(_) => {}
            },
        }
    }
    // Every union still unknown has a known parent: walk up to a known one or a cycle.
    for start in 0..ids.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut cur = start;
        let reaches_root = loop {
            if let Some(known) = linked[cur] {
                break known;
            }
            if let Some(at) = path.iter().position(|&x| x == cur) {
                let cycle = &path[at..];
                let mut names: Vec<&str> = cycle.iter().map(|&x| ids[x].1).collect();
                names.push(ids[cur].1);
                let shown = names.join(" → ");
                for &c in cycle {
                    warn(
                        &mut issues,
                        c,
                        "parent_id",
                        parents[c].unwrap_or(""),
                        format!("in a cycle of parents: {shown}"),
                    );
                    linked[c] = Some(false);
                }
                break false;
            }
            path.push(cur);
            cur = parents[cur]
                .and_then(|p| index.get(p).copied())
                .unwrap_or(cur);
        };
        for &p in &path {
            if linked[p].is_none() {
                linked[p] = Some(reaches_root);
                if !reaches_root {
                    let parent = parents[p].unwrap_or("");
                    warn(
                        &mut issues,
                        p,
                        "parent_id",
                        parent,
                        "does not reach the root union through its parents".into(),
                    );
                }
            }
        }
    }
    issues.sort_by_key(|x| x.line);
    issues
}
