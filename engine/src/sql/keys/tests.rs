use std::collections::HashMap;

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::datatypes::Int32Type;

use super::*;
use crate::ingest::{LoadOptions, Quiet};

fn table(name: &'static str, columns: &[(&str, Vec<Option<&str>>)]) -> Table {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(c, _)| Field::new(*c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, v)| Arc::new(StringArray::from(v.clone())) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
    (name, schema, vec![batch])
}

fn keys(a: &ArrayRef) -> Vec<Option<i32>> {
    a.as_primitive::<Int32Type>().iter().collect()
}

/// The households are numbered in their table's order, the contacts in the byte order
/// of their ids; an id only a visit names gets the next number, the same at each
/// mention; a missing id has no key.
#[test]
fn ids_are_numbered_in_order_and_unknown_ids_after_them() {
    let tables = vec![
        table(
            "contacts",
            &[("contact_id", vec![Some("C2"), Some("C10"), Some("C1")])],
        ),
        table(
            "households",
            &[("household_id", vec![Some("H3"), Some("H1"), Some("H2")])],
        ),
        table(
            "visits",
            &[
                (
                    "household_id",
                    vec![Some("H2"), Some("H9"), None, Some("H1"), Some("H9")],
                ),
                (
                    "contact_id",
                    vec![Some("C2"), Some("C7"), Some("C1"), None, Some("C1")],
                ),
            ],
        ),
        table("unions", &[("union_id", vec![Some("U1")])]),
    ];
    let n = number(&tables).unwrap();
    // "C1" < "C10" < "C2" byte by byte
    assert_eq!(keys(&n[0][0][0]), [Some(2), Some(1), Some(0)]);
    assert_eq!(keys(&n[1][0][0]), [Some(0), Some(1), Some(2)]);
    assert_eq!(
        keys(&n[2][0][0]),
        [Some(2), Some(3), None, Some(1), Some(3)]
    );
    assert_eq!(
        keys(&n[2][0][1]),
        [Some(2), Some(3), Some(0), None, Some(0)]
    );
    assert!(n[3][0].is_empty());
}

/// On the sample archive: a second session reads the keys the first stored, and across
/// every table two rows share a key exactly when they share the id.
#[test]
fn the_sample_archives_keys_match_its_ids_and_come_back_from_the_cache() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let archive = Archive::load(&dir, &LoadOptions::default(), &Quiet).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let first = keyed(&archive, Some(cache.path())).unwrap();
    let stored = std::fs::read_dir(cache.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("keys-visits-")
        })
        .count();
    assert_eq!(stored, 1);
    let second = keyed(&archive, Some(cache.path())).unwrap();
    let uncached = keyed(&archive, None).unwrap();
    assert_eq!(first.len(), second.len());
    for ((a, b), c) in first.iter().zip(&second).zip(&uncached) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.2, b.2, "{}", a.0);
        assert_eq!(a.2, c.2, "{}", a.0);
    }
    for (id, key, _, _) in KEYED {
        let mut by_id: HashMap<String, i32> = HashMap::new();
        let mut by_key: HashMap<i32, String> = HashMap::new();
        let mut rows = 0;
        for (name, schema, batches) in &first {
            let (Ok(i), Ok(k)) = (schema.index_of(id), schema.index_of(key)) else {
                assert!(schema.index_of(key).is_err(), "{name}");
                continue;
            };
            for b in batches {
                let ids = b.column(i).as_string::<i32>();
                let ks = b.column(k).as_primitive::<Int32Type>();
                for r in 0..b.num_rows() {
                    assert_eq!(ids.is_null(r), ks.is_null(r), "{name} row {r}");
                    if ids.is_null(r) {
                        continue;
                    }
                    let (v, k) = (ids.value(r).to_string(), ks.value(r));
                    assert_eq!(*by_id.entry(v.clone()).or_insert(k), k, "{name} {v}");
                    assert_eq!(*by_key.entry(k).or_insert(v.clone()), v, "{name} {k}");
                    rows += 1;
                }
            }
        }
        assert!(rows > 400, "{id}: {rows} rows");
    }
}
