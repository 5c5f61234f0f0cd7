//! The loader as a library: CSV and Parquet give the same tables, booleans in every
//! spelling, the validated cache, and registration in DataFusion.

mod common;

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch,
    StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use tempfile::TempDir;
use tiexin::ingest::{Archive, LoadOptions, Quiet};

fn load(dir: &Path, cache: Option<&Path>) -> Archive {
    let opts = LoadOptions {
        cache_dir: cache.map(Path::to_path_buf),
    };
    Archive::load(dir, &opts, &Quiet).unwrap()
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// A table written back as typed Parquet (dates as Date32, money as Decimal128, …)
/// loads to exactly the same rows, line numbers and rejects as the CSV it came from.
#[test]
fn csv_and_typed_parquet_load_identically() {
    let tmp = TempDir::new().unwrap();
    let csv_dir = common::fixture("rejects");
    let from_csv = load(&csv_dir, None);

    let pq_dir = tmp.path().join("pq");
    common::copy_dir(&csv_dir, &pq_dir);
    for name in ["households", "contacts", "disbursements", "assignments"] {
        let t = from_csv.table(name).unwrap();
        let batch = datafusion::arrow::compute::concat_batches(&t.table.arrow_schema(), &t.batches)
            .unwrap();
        std::fs::remove_file(pq_dir.join(format!("{name}.csv"))).unwrap();
        write_parquet(&pq_dir.join(format!("{name}.parquet")), &batch);
    }
    let from_pq = load(&pq_dir, None);
    for name in ["households", "contacts", "disbursements", "assignments"] {
        let (a, b) = (from_csv.table(name).unwrap(), from_pq.table(name).unwrap());
        assert_eq!(a.batches, b.batches, "{name}");
        assert_eq!(b.rejects, vec![], "{name}: only accepted rows were written");
        assert_eq!(b.read, a.accepted());
    }
}

/// Parquet rows go through the same checks as CSV cells: a float amount with three
/// decimals and a zero amount are rejected at the line the row would have in CSV.
#[test]
fn parquet_values_are_validated_like_csv_cells() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    common::copy_dir(&common::fixture("rejects"), &dir);
    std::fs::remove_file(dir.join("disbursements.csv")).unwrap();
    let s = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let schema = Schema::new(vec![
        Field::new("payment_id", DataType::Utf8, true),
        Field::new("union_id", DataType::Utf8, true),
        Field::new("household_id", DataType::Utf8, true),
        Field::new("category", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("paid_on", DataType::Date32, true),
        Field::new("approved_on", DataType::Date32, true),
        Field::new("source", DataType::Utf8, true),
        Field::new("remark", DataType::Utf8, true),
    ]);
    let day = 20_148; // 2025-03-01
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            s(&[Some("P1"), Some("P2"), Some("P3")]),
            s(&[Some("U3"), Some("U3"), Some("U3")]),
            s(&[Some("H1"), None, Some("H1")]),
            s(&[Some("living"), Some("medical"), Some("living")]),
            Arc::new(Float64Array::from(vec![500.5, 100.123, 0.0])),
            Arc::new(Date32Array::from(vec![day, day, day])),
            Arc::new(Date32Array::from(vec![Some(day), None, None])),
            s(&[Some("fiscal"), Some("donation"), Some("fiscal")]),
            s(&[None, None, None]),
        ],
    )
    .unwrap();
    write_parquet(&dir.join("disbursements.parquet"), &batch);
    let a = load(&dir, None);
    let t = a.table("disbursements").unwrap();
    assert_eq!((t.read, t.accepted()), (3, 1));
    let r: Vec<_> = t
        .rejects
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        r,
        vec![
            (Some(3), "amount", "money with more than 2 decimals"),
            (Some(4), "amount", "amount must be greater than 0"),
        ]
    );
    assert_eq!(
        t.warnings[0].column, "remark",
        "extra Parquet columns are ignored with a warning"
    );
    let b = &t.batches[0];
    assert_eq!(
        b.column(4)
            .as_primitive::<datafusion::arrow::datatypes::Decimal128Type>()
            .value(0),
        50050
    );
}

#[test]
fn booleans_in_every_spelling() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    common::copy_dir(&common::fixture("rejects"), &dir);
    std::fs::write(
        dir.join("contacts.csv"),
        "contact_id,name,union_id,role,civil_servant,appointed_on\n\
         C1,甲,U3,full_time,TRUE,2020-01-01\nC2,乙,U3,full_time,False,2020-01-01\n\
         C3,丙,U3,part_time,1,2020-01-01\nC4,丁,U3,part_time,0,2020-01-01\n\
         C5,戊,U3,part_time, true ,2020-01-01\nC6,己,U3,part_time,fAlSe,2020-01-01\n",
    )
    .unwrap();
    let a = load(&dir, None);
    let t = a.table("contacts").unwrap();
    let b: &BooleanArray = t.batches[0].column(4).as_boolean();
    let got: Vec<bool> = (0..b.len()).map(|i| b.value(i)).collect();
    assert_eq!(got, [true, false, true, false, true, false]);
}

#[test]
fn second_load_comes_from_the_validated_cache_and_a_change_misses_it() {
    let tmp = TempDir::new().unwrap();
    let cache = tmp.path().join("cache");
    let dir = tmp.path().join("a");
    common::copy_dir(&common::fixture("rejects"), &dir);
    let first = load(&dir, Some(&cache));
    assert!(first.tables.iter().all(|t| !t.cached));
    let second = load(&dir, Some(&cache));
    for (a, b) in first.tables.iter().zip(&second.tables) {
        assert_eq!(b.cached, a.source.is_some(), "{}", a.table.name);
        assert_eq!(a.batches, b.batches, "{}", a.table.name);
        assert_eq!(a.lines, b.lines, "{}", a.table.name);
        assert_eq!(
            (a.read, &a.rejects, &a.warnings),
            (b.read, &b.rejects, &b.warnings),
            "{}",
            a.table.name
        );
    }
    // The cross-row warnings of the second load come from the cache too.
    assert!(!first.warnings.is_empty());
    assert_eq!(first.warnings, second.warnings);
    let kept = std::fs::read_dir(&cache)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("checks-")
        })
        .count();
    assert_eq!(kept, 1);

    // A damaged entry (an Arrow file cut short) is a miss: validated again, same rows.
    // (Cut in place here, so the load that has it mapped goes first.)
    drop(second);
    let entry = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("households-") && name.ends_with(".arrow")
        })
        .unwrap();
    let bytes = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &bytes[..bytes.len() / 2]).unwrap();
    let again = load(&dir, Some(&cache));
    let h = again.table("households").unwrap();
    assert!(!h.cached);
    assert_eq!(h.batches, first.table("households").unwrap().batches);
    assert!(load(&dir, Some(&cache)).table("households").unwrap().cached);

    let mut visits = std::fs::read_to_string(dir.join("visits.csv")).unwrap();
    visits.push_str("V9,H1,C1,2025-12-01,1,0,2025-12-01,\n");
    std::fs::write(dir.join("visits.csv"), visits).unwrap();
    let third = load(&dir, Some(&cache));
    let v = third.table("visits").unwrap();
    assert!(!v.cached);
    assert_eq!(v.accepted(), 3);
    assert!(third.table("unions").unwrap().cached);
}

#[tokio::test]
async fn tables_are_registered_for_sql_with_their_types() {
    let a = load(&common::fixture("rejects"), None);
    let s = tiexin::sql::Session::from_archive(a, tiexin::sql::Catalog::builtin())
        .await
        .unwrap();
    let batches = s
        .ctx
        .sql("SELECT household_id, members, income_per_capita, filed_on FROM households ORDER BY household_id")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let b = &batches[0];
    assert_eq!(
        b.schema().field(2).data_type(),
        &DataType::Decimal128(18, 2)
    );
    assert_eq!(b.schema().field(3).data_type(), &DataType::Date32);
    let ids: &StringArray = b.column(0).as_string();
    assert_eq!(ids.iter().collect::<Vec<_>>(), [Some("H1"), Some("H2")]);
    let members: &Int64Array = b.column(1).as_primitive();
    assert_eq!(members.values().to_vec(), [3, 2]);
}

/// A row's line is the physical line where its record starts (header = 1), whatever the
/// line endings (archive.md, intake.md): blank lines and rows of empty cells count as
/// lines but are not rows, and a quoted field with line breaks counts from its record's
/// first line.
#[test]
fn line_numbers_are_physical_lines_with_lf_crlf_or_cr() {
    let lines = [
        "contact_id,name,union_id,role,civil_servant,appointed_on", // 1
        "C1,甲,U3,full_time,TRUE,2020-01-01",                       // 2
        "",                                                         // 3
        "C2,乙,U3,chief,TRUE,2020-01-01",                           // 4: rejected
        ",,,,,",                                                    // 5: not a row
        "C3,\"丙",                                                  // 6
        "丙\",U3,full_time,TRUE,2020-01-01",                        // 7
        "C4,丁,U3,part_time,TRUE,2020-13-01",                       // 8: rejected
        "",                                                         // 9
        "",                                                         // 10
        "C5,戊,U3,part_time,maybe,2020-01-01",                      // 11: rejected
        ",,",                                                       // 12: not a row
        "C6,己,U3,part_time,0,2020-01-01",                          // 13
    ];
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    common::copy_dir(&common::fixture("rejects"), &dir);
    for eol in ["\n", "\r\n", "\r"] {
        for last in [eol, ""] {
            let text = lines.join(eol) + last;
            std::fs::write(dir.join("contacts.csv"), &text).unwrap();
            let a = load(&dir, None);
            let t = a.table("contacts").unwrap();
            let rejects: Vec<_> = t
                .rejects
                .iter()
                .map(|r| (r.line, r.column.as_str()))
                .collect();
            assert_eq!(
                rejects,
                [
                    (Some(4), "role"),
                    (Some(8), "appointed_on"),
                    (Some(11), "civil_servant")
                ],
                "line ending {eol:?}, last line ending {last:?}"
            );
            assert_eq!(t.lines.to_vec(), [2, 6, 13], "line ending {eol:?}");
            assert_eq!(t.read, 6, "line ending {eol:?}: blank rows are not read");
            let names: Vec<_> = t.strings("name").map(|(_, v)| v.unwrap()).collect();
            assert_eq!(names, ["甲", &format!("丙{eol}丙"), "己"]);
        }
    }
}

/// A header of 100,000 extra columns is matched in linear time (a quadratic match took
/// 25 s): each extra column is one warning and the row is read.
#[test]
fn a_header_of_100000_extra_columns_gives_one_warning_each() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    common::copy_dir(&common::fixture("rejects"), &dir);
    const EXTRA: usize = 100_000;
    let mut header =
        String::from("contact_id,name,union_id,role,civil_servant,phone,appointed_on,left_on");
    let mut row = String::from("C1,甲,U3,full_time,TRUE,,2020-01-01,");
    for i in 0..EXTRA {
        header.push_str(&format!(",extra{i}"));
        row.push_str(",x");
    }
    std::fs::write(dir.join("contacts.csv"), format!("{header}\n{row}\n")).unwrap();
    let a = load(&dir, None);
    let t = a.table("contacts").unwrap();
    assert_eq!((t.read, t.accepted()), (1, 1));
    assert_eq!(t.warnings.len(), EXTRA);
    assert_eq!(t.warnings[EXTRA - 1].column, format!("extra{}", EXTRA - 1));
    assert_eq!(
        t.warnings[0].reason,
        "column is not part of the archive format; ignored"
    );
}

/// A Parquet column of bytes that are not UTF-8 is rejected as "not valid UTF-8" (it
/// was "required value is missing"), and a Parquet row of NULL cells is not a row.
#[test]
fn parquet_invalid_utf8_is_named_and_a_row_of_nulls_is_not_a_row() {
    use datafusion::arrow::array::BinaryArray;
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    common::copy_dir(&common::fixture("rejects"), &dir);
    std::fs::remove_file(dir.join("contacts.csv")).unwrap();
    let s = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let schema = Schema::new(vec![
        Field::new("contact_id", DataType::Utf8, true),
        Field::new("name", DataType::Binary, true),
        Field::new("union_id", DataType::Utf8, true),
        Field::new("role", DataType::Utf8, true),
        Field::new("civil_servant", DataType::Boolean, true),
        Field::new("appointed_on", DataType::Utf8, true),
    ]);
    let names: Vec<Option<&[u8]>> = vec![Some(b"\xff\xfe"), None, Some("乙".as_bytes())];
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            s(&[Some("C1"), None, Some("C2")]),
            Arc::new(BinaryArray::from(names)),
            s(&[Some("U3"), None, Some("U3")]),
            s(&[Some("full_time"), None, Some("part_time")]),
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            s(&[Some("2020-01-01"), None, Some("2021-01-01")]),
        ],
    )
    .unwrap();
    write_parquet(&dir.join("contacts.parquet"), &batch);
    let a = load(&dir, None);
    let t = a.table("contacts").unwrap();
    let r: Vec<_> = t
        .rejects
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(r, [(Some(2), "name", "not valid UTF-8")]);
    assert_eq!((t.read, t.accepted()), (2, 1));
    assert_eq!(t.lines.to_vec(), [4], "the row of NULLs still takes line 3");
    let names: Vec<_> = t.strings("name").map(|(_, v)| v).collect();
    assert_eq!(names, [Some("乙")]);
}
