//! `tiexin generate`: deterministic, valid, and the same archive in CSV and Parquet.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tiexin::ingest::{Archive, LoadOptions, Quiet};

const HOUSEHOLDS: &str = "3000";

fn generate(cache: &Path, out: &Path, seed: &str, format: &str) {
    let o = tiexin(
        cache,
        &[
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--households",
            HOUSEHOLDS,
            "--seed",
            seed,
            "--format",
            format,
            "--force",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn hashes(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let digest = Sha256::digest(std::fs::read(e.path()).unwrap());
            (
                e.file_name().to_string_lossy().into_owned(),
                format!("{digest:x}"),
            )
        })
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let tmp = TempDir::new().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    generate(tmp.path(), &a, "7", "csv");
    generate(tmp.path(), &b, "7", "csv");
    generate(tmp.path(), &c, "8", "csv");
    let (ha, hb, hc) = (hashes(&a), hashes(&b), hashes(&c));
    assert_eq!(ha.len(), 16, "one file per table: {:?}", ha.keys());
    assert_eq!(ha, hb);
    assert_ne!(ha.get("visits.csv"), hc.get("visits.csv"));

    // Parquet is as deterministic; and regenerating a folder in the other format
    // leaves no CSV file behind (the generator reads the folder back, which must be
    // unambiguous).
    let p1 = tmp.path().join("p1");
    generate(tmp.path(), &p1, "7", "parquet");
    generate(tmp.path(), &c, "7", "parquet");
    assert_eq!(hashes(&p1).len(), 16);
    assert_eq!(hashes(&p1), hashes(&c));
}

#[test]
fn generated_archive_validates_with_no_rejects_in_both_formats() {
    let tmp = TempDir::new().unwrap();
    let (csv_dir, pq_dir) = (tmp.path().join("csv"), tmp.path().join("pq"));
    generate(tmp.path(), &csv_dir, "11", "csv");
    generate(tmp.path(), &pq_dir, "11", "parquet");

    for dir in [&csv_dir, &pq_dir] {
        let o = tiexin(
            tmp.path(),
            &[
                "validate",
                "--archive",
                dir.to_str().unwrap(),
                "--format",
                "csv",
                "--no-cache",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let rows = csv_rows(&stdout(&o));
        for r in &rows[1..] {
            assert_eq!(r[4], "0", "no rejects in {}", r[0]);
            assert_ne!(r[3], "0", "{} has rows", r[0]);
        }
    }

    // The CSV and Parquet writers carry the same rows.
    let load = |d: &Path| Archive::load(d, &LoadOptions::default(), &Quiet).unwrap();
    let (a, b) = (load(&csv_dir), load(&pq_dir));
    for (x, y) in a.tables.iter().zip(&b.tables) {
        let cat = |t: &tiexin::ingest::LoadedTable| {
            datafusion::arrow::compute::concat_batches(&t.table.arrow_schema(), &t.batches).unwrap()
        };
        assert_eq!(cat(x), cat(y), "{}", x.table.name);
    }
    assert_eq!(a.warnings, b.warnings);
}

/// `generate` refuses a folder that is not empty unless `--force`; with it, the tables of
/// the other format are removed, so no stale table (budgets.csv next to
/// budgets.parquet) is left behind.
#[test]
fn a_non_empty_folder_needs_force_and_leaves_no_stale_tables() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("a");
    let run = |format: &str, force: bool| {
        let mut args = vec![
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--households",
            "200",
            "--format",
            format,
        ];
        if force {
            args.push("--force");
        }
        tiexin(tmp.path(), &args)
    };
    assert_eq!(run("csv", false).status.code(), Some(0));
    let before = hashes(&out);
    let o = run("parquet", false);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(hashes(&out), before, "nothing was written");

    let o = run("parquet", true);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let names: Vec<String> = hashes(&out).into_keys().collect();
    assert_eq!(names.len(), 16, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".parquet")), "{names:?}");
    let o = tiexin(
        tmp.path(),
        &["validate", "--archive", out.to_str().unwrap(), "--no-cache"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
