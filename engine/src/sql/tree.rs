//! The union tree (metrics.md, "The union tree"): its closure, the subtree of a union,
//! and the names and root the documents need.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};

use crate::error::{Error, Result};
use crate::ingest::Archive;

/// The schema of `union_closure(ancestor_id, union_id, depth)`.
pub fn union_closure_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("ancestor_id", DataType::Utf8, false),
        Field::new("union_id", DataType::Utf8, false),
        Field::new("depth", DataType::Int64, false),
    ]))
}

/// The closure of the union tree (metrics.md, "The union tree"): `(u, u, 0)` for every
/// union, and `(a, u, k)` for every ancestor `a` reached after `k` linked steps. The
/// root is the first union in the file without a parent; a union whose chain of parents
/// does not reach it (unknown parent, cycle, second root) has no parent, and neither
/// has any union below it.
pub fn union_closure(archive: &Archive) -> Result<RecordBatch> {
    let unions = archive
        .table("unions")
        .ok_or_else(|| Error::Internal("the archive has no unions table".into()))?;
    let ids: Vec<&str> = unions.strings("union_id").filter_map(|(_, v)| v).collect();
    let parents: Vec<Option<&str>> = unions.strings("parent_id").map(|(_, v)| v).collect();
    let parent: HashMap<&str, Option<&str>> =
        ids.iter().copied().zip(parents.iter().copied()).collect();
    let root = ids
        .iter()
        .zip(&parents)
        .find(|(_, p)| p.is_none())
        .map(|(id, _)| *id);
    let (mut anc, mut desc, mut depth) = (Vec::new(), Vec::new(), Vec::new());
    for &u in &ids {
        anc.push(u);
        desc.push(u);
        depth.push(0i64);
        let mut chain = Vec::new();
        let mut seen = HashSet::from([u]);
        let mut cur = u;
        let linked = loop {
            if Some(cur) == root {
                break true;
            }
            match parent.get(cur).copied().flatten() {
                Some(p) if parent.contains_key(p) && seen.insert(p) => {
                    chain.push(p);
                    cur = p;
                }
                _ => break false,
            }
        };
        if linked {
            for (k, a) in chain.into_iter().enumerate() {
                anc.push(a);
                desc.push(u);
                depth.push(k as i64 + 1);
            }
        }
    }
    Ok(RecordBatch::try_new(
        union_closure_schema(),
        vec![
            Arc::new(StringArray::from(anc)) as ArrayRef,
            Arc::new(StringArray::from(desc)),
            Arc::new(Int64Array::from(depth)),
        ],
    )?)
}

/// The unions of `root`'s subtree at most `depth` levels below it (all levels when
/// `None`). An unknown union is a usage error naming it.
pub fn members(archive: &Archive, root: &str, depth: Option<u32>) -> Result<HashSet<String>> {
    let closure = union_closure(archive)?;
    let (anc, desc) = (
        closure.column(0).as_string::<i32>(),
        closure.column(1).as_string::<i32>(),
    );
    let d = closure.column(2).as_primitive::<Int64Type>();
    let set: HashSet<String> = (0..closure.num_rows())
        .filter(|&i| anc.value(i) == root && depth.is_none_or(|n| d.value(i) <= i64::from(n)))
        .map(|i| desc.value(i).to_string())
        .collect();
    if set.is_empty() {
        return Err(Error::Usage(format!(
            "--union {root}: no union with this union_id in the archive"
        )));
    }
    Ok(set)
}

/// The rows of `batch` whose text column `column` satisfies `keep`.
pub fn filter_rows(
    batch: &RecordBatch,
    column: &str,
    keep: impl Fn(&str) -> bool,
) -> Result<RecordBatch> {
    let idx = batch.schema().index_of(column)?;
    let values = batch.column(idx).as_string::<i32>();
    let mask: BooleanArray = values.iter().map(|v| Some(v.is_some_and(&keep))).collect();
    Ok(filter_record_batch(batch, &mask)?)
}

/// `union_root(union_id)`: the root of the union tree (the first union of the file
/// without a parent), one row, or none when there is no root.
pub fn union_root(archive: &Archive) -> Result<RecordBatch> {
    let root = Unions::of(archive)?.root;
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "union_id",
            DataType::Utf8,
            false,
        )])),
        vec![Arc::new(StringArray::from(root.into_iter().collect::<Vec<_>>())) as ArrayRef],
    )?)
}

/// The unions of the archive by union_id (the first row of an id wins), with the root.
pub struct Unions {
    /// The root of the tree: the first union without a parent.
    pub root: Option<String>,
    /// union_id → name.
    pub names: BTreeMap<String, String>,
}

impl Unions {
    /// The unions of `archive`.
    pub fn of(archive: &Archive) -> Result<Unions> {
        let t = archive
            .table("unions")
            .ok_or_else(|| Error::Internal("the archive has no unions table".into()))?;
        let ids: Vec<Option<&str>> = t.strings("union_id").map(|(_, v)| v).collect();
        let names: Vec<Option<&str>> = t.strings("name").map(|(_, v)| v).collect();
        let parents: Vec<Option<&str>> = t.strings("parent_id").map(|(_, v)| v).collect();
        let mut root = None;
        let mut out = BTreeMap::new();
        for ((id, name), parent) in ids.iter().zip(&names).zip(&parents) {
            let (Some(id), Some(name)) = (id, name) else {
                continue;
            };
            if parent.is_none() && root.is_none() {
                root = Some(id.to_string());
            }
            out.entry(id.to_string())
                .or_insert_with(|| name.to_string());
        }
        Ok(Unions { root, names: out })
    }

    /// The name of the root union.
    pub fn root_name(&self) -> Option<&str> {
        self.names.get(self.root.as_ref()?).map(String::as_str)
    }
}
