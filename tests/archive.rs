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
            (
                Some(3),
                "amount",
                "money with more than 2 decimals: 100.123"
            ),
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
    assert_eq!(first.warnings, second.warnings);

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
