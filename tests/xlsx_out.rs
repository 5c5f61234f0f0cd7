//! Workbooks for people (`--format xlsx`, issue 12): read back with calamine, each cell
//! equals the CSV output's (numbers as numbers, rates unrounded), the header is the
//! Chinese label of the CSV's column, and the sheet 说明 names the period, the archive's
//! SHA-256 and the query files; text that looks like a formula stays text; a scheduled
//! bulletin and circulars attach the workbook of their figures beside the PDF.

mod common;

use std::path::Path;
use std::process::Command;

use calamine::{Data, Range, Reader, Xlsx};
use common::smtp::{free_port, SmtpServer};
use common::*;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tiexin::sql::xlsx::column_label;

fn sheets(path: &Path) -> Vec<(String, Range<Data>)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    wb.worksheets()
}

/// Every cell of `sheet` against the CSV `csv`: the header is the Chinese label (or
/// `labels`' one), numbers are the CSV's numbers, text is the CSV's text, empty is empty.
fn assert_cells(what: &str, csv: &str, sheet: &Range<Data>, labels: &[(&str, &str)]) {
    let rows = csv_rows(csv);
    assert!(rows.len() > 1, "{what}: the CSV has rows");
    assert_eq!(sheet.height(), rows.len(), "{what}: rows");
    assert_eq!(sheet.width(), rows[0].len(), "{what}: columns");
    for (c, name) in rows[0].iter().enumerate() {
        let want = labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, l)| *l)
            .or_else(|| column_label(name))
            .unwrap_or(name);
        assert_eq!(
            sheet.get((0, c)).unwrap().to_string(),
            want,
            "{what}: header of {name}"
        );
    }
    for (r, row) in rows.iter().enumerate().skip(1) {
        for (c, v) in row.iter().enumerate() {
            let cell = sheet.get((r, c)).unwrap();
            let at = format!("{what}: row {r} column {}", rows[0][c]);
            match cell {
                Data::Empty => assert_eq!(v, "", "{at}"),
                Data::Float(f) => assert_eq!(*f, v.parse::<f64>().unwrap(), "{at}: {v}"),
                Data::Int(i) => assert_eq!(*i, v.parse::<i64>().unwrap(), "{at}"),
                Data::String(s) => assert_eq!(s, v, "{at}"),
                other => panic!("{at}: unexpected cell {other:?}"),
            }
        }
    }
}

/// The SHA-256 of the sample archive as `sha256sum` lists its files.
fn archive_sha256() -> String {
    let dir = repo().join("sample-data");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".csv") || n.ends_with(".parquet"))
        .collect();
    names.sort();
    let manifest: String = names
        .iter()
        .map(|n| {
            let sha = Sha256::digest(std::fs::read(dir.join(n)).unwrap());
            let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}  {n}\n")
        })
        .collect();
    Sha256::digest(manifest.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn about_text(sheet: &Range<Data>) -> String {
    sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `args` as CSV and as a workbook; returns the CSV and the workbook's sheets.
fn both(tmp: &Path, args: &[&str]) -> (String, Vec<(String, Range<Data>)>) {
    let mut csv = args.to_vec();
    csv.extend(["--format", "csv"]);
    let o = tiexin(tmp, &csv);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let out = tmp.join(format!("{}.xlsx", args[0]));
    let mut x = args.to_vec();
    x.extend(["--format", "xlsx", "--out", out.to_str().unwrap()]);
    let o = tiexin(tmp, &x);
    assert_eq!(o.status.code(), Some(0), "{args:?} xlsx: {}", stderr(&o));
    (stdout(&tiexin(tmp, &csv)), sheets(&out))
}

/// A command, its sheet, its column labels that differ, and the query files it names.
type Case<'a> = (
    &'a [&'a str],
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a [&'a str],
);

#[test]
#[allow(clippy::type_complexity)] // clippy 1.95; main names the tuple `Case`
fn metrics_findings_shortlist_and_warnings_workbooks_hold_the_csv_values() {
    let tmp = TempDir::new().unwrap();
    let sha = archive_sha256();
    let cases: [Case; 4] = [
        (
            &["metrics", "--period", "2026Q3"],
            "各级工会指标",
            &[],
            &[
                "queries/metrics/visit_compliance.sql",
                "queries/findings/V1_missed_visit.sql",
            ],
        ),
        (
            &["findings", "--period", "2026Q3"],
            "问题清单",
            &[],
            &["queries/findings/A1_no_contact.sql"],
        ),
        (
            &["shortlist", "--year", "2026"],
            "推荐名单",
            &[("name", "姓名")],
            &["queries/shortlist/ranking.sql"],
        ),
        (
            &["warnings", "--as-of", "2026-08-01"],
            "预警",
            &[],
            &["queries/accountability/warnings.sql"],
        ),
    ];
    for (args, name, labels, queries) in cases {
        let (csv, book) = both(tmp.path(), args);
        assert_eq!(book.len(), 2, "{args:?}: the table and 说明");
        assert_eq!(book[0].0, name);
        assert_cells(&format!("{args:?}"), &csv, &book[0].1, labels);
        assert_eq!(book[1].0, "说明");
        let about = about_text(&book[1].1);
        assert!(
            about.contains(&format!("档案 SHA-256\t{sha}")),
            "{args:?}: {about}"
        );
        if args[0] != "warnings" {
            assert!(about.contains(&format!("期间\t{}", args[2])), "{about}");
        }
        for q in queries {
            assert!(
                about.contains(&format!("查询文件\t{q}")),
                "{args:?} names {q}: {about}"
            );
        }
    }
}

/// The workbook's formats: rates as percentages, money with two decimals, a frozen
/// header and an autofilter.
#[test]
fn rates_are_percentages_and_money_has_two_decimals() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("m.xlsx");
    let o = tiexin(
        tmp.path(),
        &[
            "metrics",
            "--period",
            "2026Q3",
            "--format",
            "xlsx",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let styles = read(&mut zip, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.0%\""), "{styles}");
    assert!(styles.contains("formatCode=\"#,##0.00\""), "{styles}");
    let sheet = read(&mut zip, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\""),
        "frozen header"
    );
    assert!(sheet.contains("<autoFilter ref=\"A1:"), "autofilter");
}

/// validate's workbook: the counts, the rejects and the warnings, cell by cell as the
/// CSV files hold them.
#[test]
fn validate_workbook_holds_counts_rejects_and_warnings() {
    let tmp = TempDir::new().unwrap();
    let archive = fixture("rejects");
    let a = archive.to_str().unwrap();
    let rejects = tmp.path().join("r.csv");
    let warnings = tmp.path().join("w.csv");
    let o = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            a,
            "--format",
            "csv",
            "--rejects",
            rejects.to_str().unwrap(),
            "--warnings",
            warnings.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = tmp.path().join("v.xlsx");
    let x = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            a,
            "--format",
            "xlsx",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(x.status.code(), Some(1), "{}", stderr(&x));
    let book = sheets(&out);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["各表读取情况", "拒收行", "警告", "说明"]);
    assert_cells("counts", &stdout(&o), &book[0].1, &[]);
    assert_cells(
        "rejects",
        &std::fs::read_to_string(&rejects).unwrap(),
        &book[1].1,
        &[],
    );
    assert_cells(
        "warnings",
        &std::fs::read_to_string(&warnings).unwrap(),
        &book[2].1,
        &[],
    );
}

/// A query result: unknown columns keep their names, and text that a spreadsheet would
/// run as a formula is written as text.
#[test]
fn query_workbook_writes_formula_like_text_as_text() {
    let tmp = TempDir::new().unwrap();
    let sql = "SELECT '=1+1' AS a, '+SUM(A1)' AS b, '-2' AS c, '@x' AS d, 3 AS n, household_id FROM households ORDER BY household_id LIMIT 2";
    let (csv, book) = both(tmp.path(), &["query", sql]);
    assert_cells("query", &csv, &book[0].1, &[]);
    assert_eq!(book[0].1.get((1, 0)), Some(&Data::String("=1+1".into())));
    let mut wb: Xlsx<_> = calamine::open_workbook(tmp.path().join("query.xlsx")).unwrap();
    let formulas = wb.worksheet_formula("查询结果").unwrap();
    assert!(formulas.cells().all(|(_, _, f)| f.is_empty()), "no formula");
    let about = about_text(&book[1].1);
    assert!(about.contains(sql), "{about}");

    let o = tiexin(
        tmp.path(),
        &["metrics", "--period", "2026Q3", "--format", "xlsx"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--format xlsx needs --out FILE.xlsx"),
        "{}",
        stderr(&o)
    );
}

/// A configuration in `dir` (state folder `dir/state`) with the SMTP server on `port`
/// and `jobs`.
fn smtp_config(dir: &Path, port: u16, jobs: &str) -> std::path::PathBuf {
    let config = dir.join("tiexin.toml");
    std::fs::write(
        &config,
        format!(
            "state-dir = {:?}\n\n{smtp}\n{jobs}",
            dir.join("state").to_str().unwrap(),
            smtp = common::smtp::section(port, "ducha@example.cn"),
        ),
    )
    .unwrap();
    config
}

/// A bulletin job and a circulars job with `xlsx = true` attach the workbook of their
/// figures beside each PDF; the bulletin's metrics are those of `tiexin metrics`.
#[test]
fn scheduled_bulletin_and_circulars_attach_their_workbook() {
    let tmp = TempDir::new().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let config = smtp_config(
        tmp.path(),
        port,
        "[[jobs]]\nname = \"bulletin\"\ncron = \"0 0 8 1 Jan,Apr,Jul,Oct *\"\nkind = \"bulletin\"\nrecipients = [\"leaders@example.cn\"]\noptions = { xlsx = true }\n\n\
             [[jobs]]\nname = \"circulars\"\ncron = \"0 0 8 1 Jan,Apr,Jul,Oct *\"\nkind = \"circulars\"\noptions = { xlsx = true }\n",
    );
    let o = Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args([
            "schedule",
            "--once",
            "--config",
            config.to_str().unwrap(),
            "--now",
            "2026-07-01T08:30:00+08:00",
        ])
        .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = server.messages();
    // The bulletin of 2026Q2 and the one circular of 2026Q2 with an address.
    assert_eq!(got.len(), 2, "{got:?}");
    let attached = |m: &serde_json::Value| -> std::path::PathBuf {
        let a = m["attachments"].as_array().unwrap();
        assert_eq!(a[0]["content_type"], "application/pdf", "{m}");
        let pdf = a[0]["filename"].as_str().unwrap();
        // Beside the document: its figures' workbook, named after it, and (issue 13)
        // the bulletin's 数据来源与复核说明 or the circular's 整改台账.
        let stem = pdf.trim_end_matches(".pdf");
        assert!(
            a.iter().any(|x| {
                let f = x["filename"].as_str().unwrap();
                f == format!("{stem}-数据来源与复核说明.pdf") || f.contains("整改台账")
            }),
            "{m}"
        );
        let figures = a
            .iter()
            .find(|x| x["filename"].as_str() == Some(&format!("{stem}.xlsx")))
            .unwrap_or_else(|| panic!("no figures workbook: {m}"));
        assert_eq!(
            figures["content_type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "{m}"
        );
        tmp.path()
            .join("state/attachments")
            .join(figures["sha256"].as_str().unwrap())
    };
    for m in &got {
        let path = attached(m);
        let bytes = std::fs::read(&path).unwrap();
        let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let names = wb.sheet_names();
        if m["to"][0] == "leaders@example.cn" {
            assert_eq!(names, ["各级工会指标", "问题清单", "说明"]);
            let metrics = wb.worksheet_range("各级工会指标").unwrap();
            let csv = stdout(&tiexin(
                tmp.path(),
                &[
                    "metrics", "--period", "2026Q2", "--union", "U37", "--depth", "1", "--format",
                    "csv",
                ],
            ));
            assert_cells("bulletin figures", &csv, &metrics, &[]);
        } else {
            assert_eq!(names, ["重大问题", "说明"], "{m}");
            let majors = wb.worksheet_range("重大问题").unwrap();
            assert!(majors.height() > 1, "the circular's major findings");
            for r in 1..majors.height() {
                assert_eq!(majors.get((r, 1)).unwrap().to_string(), "major");
            }
        }
    }
}

/// A scheduled `warnings` job (issue 15): as of the slot's date in the job's timezone
/// (2026-12-01), the one union with warnings and an address (历下区环境卫生服务中心工会:
/// W5 T09 due 12-10, W1 H21 due 12-31; sample-data/README.md) gets one e-mail listing
/// them, with the workbook of its rows, equal to `tiexin warnings`; the union with a
/// warning but no address is reported undeliverable. A second slot of the same day
/// queues nothing; the next day's slot sends again.
#[test]
fn scheduled_warnings_one_mail_per_union_per_day_with_its_workbook() {
    let tmp = TempDir::new().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let config = smtp_config(
        tmp.path(),
        port,
        "[[jobs]]\nname = \"warnings\"\ncron = \"0 0 8,14 * * *\"\nkind = \"warnings\"\ncc = [\"ducha@example.cn\"]\n",
    );
    let run = |now: &str| {
        Command::new(env!("CARGO_BIN_EXE_tiexin"))
            .args(["schedule", "--once", "--config"])
            .arg(&config)
            .args(["--now", now])
            .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
            .output()
            .unwrap()
    };
    // 2026-12-01 00:30 UTC is 08:30 in Shanghai: the 08:00 slot of 2026-12-01.
    let o = run("2026-12-01T00:30:00Z");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("U370202G2 青岛港湾物流有限公司工会 has warnings but no e-mail address"),
        "{}",
        stderr(&o)
    );
    let got = server.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m["to"][0], "lxhw@example.cn");
    assert_eq!(m["cc"][0], "ducha@example.cn");
    assert_eq!(
        m["subject"],
        "关于历下区环境卫生服务中心工会困难职工帮扶工作预警事项的提示（截至2026年12月1日）"
    );
    let body = m["body"].as_str().unwrap();
    assert!(
        body.contains("1. 本季度尚未完成入户走访的困难职工家庭1户，最早于2026年12月31日到期。")
            && body.contains("2. 尚未转交的转办事项1件，最早于2026年12月10日到期。"),
        "{body}"
    );
    let a = &m["attachments"][0];
    assert_eq!(
        a["content_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        a["filename"],
        "历下区环境卫生服务中心工会预警事项（截至2026年12月1日）.xlsx"
    );
    let bytes = std::fs::read(
        tmp.path()
            .join("state/attachments")
            .join(a["sha256"].as_str().unwrap()),
    )
    .unwrap();
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["预警", "说明"]);
    let sheet = wb.worksheet_range("预警").unwrap();
    let csv = stdout(&tiexin(
        tmp.path(),
        &[
            "warnings",
            "--as-of",
            "2026-12-01",
            "--union",
            "U370102G2",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(csv_rows(&csv).len(), 3, "{csv}");
    assert_cells("warnings of U370102G2", &csv, &sheet, &[]);

    // The 14:00 slot of the same day: nothing new.
    let o = run("2026-12-01T06:30:00Z");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(server.messages().len(), 1);
    // The next day: its own warnings e-mail.
    let o = run("2026-12-02T00:30:00Z");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = server.messages();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1]["subject"]
        .as_str()
        .unwrap()
        .contains("截至2026年12月2日"));
}
