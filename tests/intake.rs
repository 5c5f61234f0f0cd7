//! Archives as union offices hold them (intake.md, issue 12): the sample archive written
//! as GB18030 CSV with Chinese names, as one workbook, and through the template gives
//! byte for byte the figures of the canonical sample; rejects name the physical line or
//! the sheet's row; what cannot be read is refused in one sentence.

mod common;

use std::path::Path;

use common::sample::{self, *};
use common::*;
use tempfile::TempDir;

/// The outputs compared between forms: metrics of a quarter and a year, findings of two
/// quarters, the shortlist.
const OUTPUTS: &[&[&str]] = &[
    &["metrics", "--period", "2026Q3"],
    &["metrics", "--period", "2026"],
    &["findings", "--period", "2026Q2"],
    &["findings", "--period", "2026Q3"],
    &["shortlist", "--year", "2026"],
];

/// The CSV of each output, and validate's warnings as (table, line, column, reason).
fn figures(dir: &Path, tmp: &Path) -> (Vec<String>, Vec<Vec<String>>, Vec<Vec<String>>) {
    let archive = dir.to_str().unwrap();
    let outs = OUTPUTS
        .iter()
        .map(|args| {
            let mut a = args.to_vec();
            a.extend(["--archive", archive, "--format", "csv", "--no-cache"]);
            let o = tiexin(tmp, &a);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{args:?} on {archive}: {}",
                stderr(&o)
            );
            stdout(&o)
        })
        .collect();
    let rejects = tmp.join("rejects.csv");
    let warnings = tmp.join("warnings.csv");
    let o = tiexin(
        tmp,
        &[
            "validate",
            "--archive",
            archive,
            "--no-cache",
            "--format",
            "csv",
            "--rejects",
            rejects.to_str().unwrap(),
            "--warnings",
            warnings.to_str().unwrap(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "validate {archive}: {}",
        stderr(&o)
    );
    let counts: Vec<Vec<String>> = csv_rows(&stdout(&o))
        .into_iter()
        .map(|r| {
            vec![
                r[0].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
                r[5].clone(),
            ]
        })
        .collect();
    let w = csv_rows(&std::fs::read_to_string(&warnings).unwrap())
        .into_iter()
        .map(|r| vec![r[0].clone(), r[1].clone(), r[2].clone(), r[4].clone()])
        .collect();
    (outs, counts, w)
}

fn assert_same_figures(form: &str, dir: &Path) {
    let tmp = TempDir::new().unwrap();
    let (want, want_counts, want_warnings) = figures(&repo().join("sample-data"), tmp.path());
    let (got, counts, warnings) = figures(dir, tmp.path());
    for ((args, w), g) in OUTPUTS.iter().zip(&want).zip(&got) {
        assert!(w.lines().count() > 1, "{args:?} gives rows");
        assert_eq!(g, w, "{form}: {args:?} differs from the canonical sample");
    }
    assert_eq!(
        counts, want_counts,
        "{form}: rows read, accepted, rejected, warned"
    );
    assert_eq!(warnings, want_warnings, "{form}: the same warnings");
}

#[test]
fn gb18030_csv_with_chinese_names_and_typed_values_gives_the_same_figures() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("档案");
    let s = sample::sample();
    write_gb18030(&s, &dir);
    // The files really are GB18030 with CRLF, Chinese names and typed values.
    let bytes = std::fs::read(dir.join("困难职工家庭档案.csv")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
    assert!(
        text.starts_with("*档案编号,户主姓名（必填）,身份证号码"),
        "{text}"
    );
    assert!(text.contains("\r\n"));
    assert!(text.contains("年") && text.contains("/"), "typed dates");
    let pay = std::fs::read(dir.join("帮扶资金发放.csv")).unwrap();
    let (pay, _, _) = encoding_rs::GB18030.decode(&pay);
    assert!(
        pay.contains("¥") && pay.contains("元") && pay.contains("￥"),
        "typed money"
    );
    assert_same_figures("GB18030 CSV", &dir);
}

#[test]
fn one_workbook_with_date_cells_gives_the_same_figures() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("archive");
    std::fs::create_dir_all(&dir).unwrap();
    let s = sample::sample();
    write_workbook(&s, &dir.join("困难职工帮扶档案2026.xlsx"));
    // A lock file of Excel beside it is not a workbook of the archive.
    std::fs::write(dir.join("~$困难职工帮扶档案2026.xlsx"), b"lock").unwrap();
    assert_same_figures("workbook", &dir);
    let out = tiexin(
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
    let counts = csv_rows(&stdout(&out));
    let households = counts.iter().find(|r| r[0] == "households").unwrap();
    assert_eq!(households[1], "困难职工帮扶档案2026.xlsx#困难职工家庭档案");
    let contacts = counts.iter().find(|r| r[0] == "contacts").unwrap();
    assert_eq!(contacts[1], "困难职工帮扶档案2026.xlsx#contacts");
}

#[test]
fn the_sample_written_into_the_template_gives_the_same_figures() {
    let tmp = TempDir::new().unwrap();
    let template = tmp.path().join("档案模板.xlsx");
    let o = tiexin(
        tmp.path(),
        &["template", "--out", template.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dir = tmp.path().join("archive");
    std::fs::create_dir_all(&dir).unwrap();
    fill_template(&template, &sample::sample(), &dir.join("档案.xlsx"));
    assert_same_figures("template", &dir);
}

/// The template: 填表说明 first, then a sheet per table with Chinese headers (required
/// ones marked), drop-down lists of the Chinese labels, and formats by type.
#[test]
fn the_template_has_a_sheet_per_table_headers_lists_and_formats() {
    use calamine::{Reader, Xlsx};
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("t.xlsx");
    let o = tiexin(tmp.path(), &["template", "--out", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let names = wb.sheet_names();
    let mut want = vec!["填表说明".to_string()];
    want.extend(
        tiexin::ingest::schema::TABLES
            .iter()
            .map(|t| t.label.to_string()),
    );
    assert_eq!(names, want);
    let h = wb.worksheet_range("困难职工家庭档案").unwrap();
    let header: Vec<String> = h
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "*档案编号",
            "*户主姓名",
            "*身份证号码",
            "联系电话",
            "*所在单位工会编号",
            "*致困原因",
            "*家庭人口",
            "家庭人均月收入",
            "*建档日期",
            "建档审批工会编号"
        ]
    );
    let notes = wb.worksheet_range("填表说明").unwrap();
    let text: String = notes.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        text.contains("致困原因")
            && text.contains("从下拉列表中选择：因病、因残、失业、因学、因灾、其他")
    );
    assert!(text.contains("households.cause"));
    // The sheet XML: the list of causes, and the formats of dates and ids.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet4.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(
        xml.contains("<formula1>\"因病,因残,失业,因学,因灾,其他\"</formula1>"),
        "{xml}"
    );
    assert!(xml.contains("sqref=\"F2:F1048576\""), "{xml}");
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("formatCode=\"yyyy-mm-dd\""));
    assert!(
        styles.contains("formatCode=\"@\""),
        "text format for ids: {styles}"
    );
    // Two runs give the same bytes.
    let again = tmp.path().join("t2.xlsx");
    tiexin(tmp.path(), &["template", "--out", again.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

/// A minimal archive of unions, contacts and households, canonical CSV.
fn minimal(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("unions.csv"),
        "union_id,name,level,parent_id,email\nU1,省总工会,province,,\nU2,基层工会,grassroots,U1,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("contacts.csv"),
        "contact_id,name,union_id,role,civil_servant,phone,appointed_on,left_on\nC1,王,U2,full_time,false,,2024-01-01,\n",
    )
    .unwrap();
}

fn rejects_of(tmp: &Path, dir: &Path) -> (i32, String, Vec<Vec<String>>) {
    let rejects = tmp.join("rejects.csv");
    let o = tiexin(
        tmp,
        &[
            "validate",
            "--archive",
            dir.to_str().unwrap(),
            "--no-cache",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    let rows = std::fs::read_to_string(&rejects)
        .map(|t| csv_rows(&t))
        .unwrap_or_default();
    (o.status.code().unwrap_or(-1), stderr(&o), rows)
}

/// A reject in a GB18030 file with CRLF line endings, a blank line and a quoted line
/// break names the physical line, and the value as the file holds it.
#[test]
fn a_reject_in_a_crlf_gb18030_file_names_its_physical_line() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    minimal(&dir);
    let text = "档案编号,户主姓名,身份证号码,联系电话,所在单位工会编号,致困原因,家庭人口,家庭人均月收入,建档日期,建档审批工会编号\r\n\
                H1,李秀兰,11010519491231002X,,U2,因病,3,\"¥1,200.50\",2024/6/12,U1\r\n\
                \r\n\
                H2,\"张\r\n桂英\",11010519491231002X,,U2,失业,2,800元,2024年6月12日,U1\r\n\
                H3,王芳,11010519491231002X,,U2,因学,2,800,2026年2月30日,U1\r\n\
                H4,赵强,11010519491231002X,,U2,因灾,0,800,2024-06-12,U1\r\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(text);
    std::fs::write(dir.join("困难职工家庭档案.csv"), &gbk).unwrap();
    let (code, err, rows) = rejects_of(tmp.path(), &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rows[1..],
        [
            vec![
                "households",
                "6",
                "filed_on",
                "2026年2月30日",
                "no such day: 2026-02-30"
            ],
            vec![
                "households",
                "7",
                "members",
                "0",
                "members must be at least 1"
            ],
        ]
    );
}

/// A reject in a workbook names the sheet's row (empty rows count, and are not rows):
/// an ID number turned into a number by Excel, an error cell, a formula without a
/// value.
#[test]
fn a_reject_in_a_workbook_names_its_row() {
    let tmp = TempDir::new().unwrap();
    let template = tmp.path().join("t.xlsx");
    tiexin(
        tmp.path(),
        &["template", "--out", template.to_str().unwrap()],
    );
    let dir = tmp.path().join("a");
    std::fs::create_dir_all(&dir).unwrap();
    let t = |at: &str, v: &str| text_cell(at, "", v);
    let n = |at: &str, v: f64| number_cell(at, "", v);
    let row = |r: usize, id: &str, idn: String, filed: String, members: f64| {
        (
            r,
            vec![
                t(&format!("A{r}"), id),
                t(&format!("B{r}"), "李秀兰"),
                idn,
                t(&format!("E{r}"), "U2"),
                t(&format!("F{r}"), "因病"),
                n(&format!("G{r}"), members),
                filed,
            ],
        )
    };
    let good = |r: usize| t(&format!("C{r}"), "11010519491231002X");
    let date = |r: usize| n(&format!("I{r}"), 46208.0);
    let rows = vec![
        row(2, "H1", good(2), date(2), 3.0),
        // Row 3 is empty.
        // Excel keeps 15 digits of 370102196906121132 typed as a number.
        row(4, "H2", n("C4", 370102196906121000.0), date(4), 3.0),
        row(
            5,
            "H3",
            good(5),
            "<c r=\"I5\" t=\"e\"><v>#N/A</v></c>".into(),
            3.0,
        ),
        row(
            6,
            "H4",
            good(6),
            "<c r=\"I6\"><f>TODAY()</f></c>".into(),
            3.0,
        ),
        row(7, "H5", good(7), n("I7", 60.0), 3.0),
        row(8, "H6", good(8), date(8), 0.0),
        row(9, "H7", good(9), date(9), 2.0),
    ];
    // The template's other sheets hold the unions and contacts (a table in a CSV
    // beside it would be a second source).
    let unions = vec![
        (2, vec![t("A2", "U1"), t("B2", "省总工会"), t("C2", "省")]),
        (
            3,
            vec![
                t("A3", "U2"),
                t("B3", "基层工会"),
                t("C3", "基层"),
                t("D3", "U1"),
            ],
        ),
    ];
    let contacts = vec![(
        2,
        vec![
            t("A2", "C1"),
            t("B2", "王"),
            t("C2", "U2"),
            t("D2", "专职"),
            t("E2", "否"),
            n("G2", 45292.0),
        ],
    )];
    edit_sheets(&template, &dir.join("档案.xlsx"), |n, xml| match n {
        1 => Some(add_rows(xml, &unions)),
        2 => Some(add_rows(xml, &contacts)),
        3 => Some(add_rows(xml, &rows)),
        _ => None,
    });
    let (code, err, got) = rejects_of(tmp.path(), &dir);
    assert_eq!(code, 1, "{err}");
    let got: Vec<Vec<&str>> = got[1..]
        .iter()
        .map(|r| {
            vec![
                r[1].as_str(),
                r[2].as_str(),
                r[3].as_str(),
                &r[4][..r[4].len().min(40)],
            ]
        })
        .collect();
    assert_eq!(
        got,
        [
            vec![
                "4",
                "id_number",
                "370102196906121000",
                "a number of more than 15 digits: Excel h"
            ],
            vec![
                "5",
                "filed_on",
                "#N/A",
                "the cell holds the spreadsheet error #N/"
            ],
            vec![
                "6",
                "filed_on",
                "",
                "the cell holds a formula without a compu"
            ],
            vec!["7", "filed_on", "60", "no such day: 1900-02-29"],
            vec!["8", "members", "0", "members must be at least 1"],
        ]
    );
    let rejects = std::fs::read_to_string(tmp.path().join("rejects.csv")).unwrap();
    assert!(rejects.contains("format the column as text"), "{rejects}");
}

fn run_validate(tmp: &Path, dir: &Path) -> (i32, String, String) {
    let warnings = tmp.join("w.csv");
    let o = tiexin(
        tmp,
        &[
            "validate",
            "--archive",
            dir.to_str().unwrap(),
            "--no-cache",
            "--warnings",
            warnings.to_str().unwrap(),
        ],
    );
    let w = std::fs::read_to_string(&warnings).unwrap_or_default();
    (o.status.code().unwrap_or(-1), stderr(&o), w)
}

const HOUSEHOLDS: &str = "household_id,head_name,id_number,phone,union_id,cause,members,income_per_capita,filed_on,filing_approved_by\nH1,李,11010519491231002X,,U2,illness,3,,2024-06-12,U1\n";

/// What cannot be read is refused in one sentence naming the file (and sheet) and
/// what to do, with exit code 2.
#[test]
fn unreadable_forms_are_refused_in_one_sentence() {
    let tmp = TempDir::new().unwrap();
    let refused = |name: &str, make: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        minimal(&dir);
        make(&dir);
        let (code, err, _) = run_validate(tmp.path(), &dir);
        assert_eq!(code, 2, "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: one sentence: {err}");
        err
    };
    let err = refused("neither", &|d| {
        std::fs::write(d.join("households.csv"), HOUSEHOLDS).unwrap();
        let mut v = b"visit_id,household_id,contact_id,visited_on,photos,videos\nV1,H1,C1,2026-07-01,1,0\nV2,H1,C1,".to_vec();
        v.extend_from_slice(b"\x80\xff,1,0\n");
        std::fs::write(d.join("visits.csv"), v).unwrap();
    });
    assert!(
        err.contains("visits.csv is neither UTF-8 nor GB18030 (GBK)"),
        "{err}"
    );
    assert!(err.contains("line 3") && err.contains("CSV UTF-8"), "{err}");

    let err = refused("ambiguous", &|d| {
        let text = HOUSEHOLDS
            .replacen("household_id,", "household_id,档案编号,", 1)
            .replacen("H1,", "H1,H1,", 1);
        std::fs::write(d.join("households.csv"), text).unwrap();
    });
    assert!(
        err.contains("\"household_id\" and \"档案编号\" both name column household_id"),
        "{err}"
    );

    let err = refused("two", &|d| {
        std::fs::write(d.join("households.csv"), HOUSEHOLDS).unwrap();
        std::fs::write(d.join("困难职工家庭档案.CSV"), HOUSEHOLDS).unwrap();
    });
    assert!(
        err.contains("both households.csv and 困难职工家庭档案.CSV for table households"),
        "{err}"
    );

    let err = refused("et", &|d| {
        std::fs::write(d.join("households.csv"), HOUSEHOLDS).unwrap();
        std::fs::write(d.join("走访.et"), b"not a workbook at all").unwrap();
    });
    assert!(
        err.contains("走访.et is a WPS .et workbook that tiexin cannot read"),
        "{err}"
    );
    assert!(err.contains("save it as .xlsx"), "{err}");
}

/// Sheets that hold no table: 填表说明 and hidden sheets silently, others with a
/// warning naming the workbook and sheet.
#[test]
fn a_sheet_that_names_no_table_is_ignored_with_a_warning() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    minimal(&dir);
    std::fs::write(dir.join("households.csv"), HOUSEHOLDS).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .set_name("填表说明")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("调查家访").unwrap();
    for (i, h) in [
        "家访编号",
        "档案编号",
        "联系人编号",
        "家访日期",
        "照片数",
        "视频数",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    for (i, v) in ["V1", "H1", "C1"].iter().enumerate() {
        ws.write_string(1, i as u16, *v).unwrap();
    }
    ws.write_string(1, 3, "2026年7月5日").unwrap();
    ws.write_number(1, 4, 2).unwrap();
    ws.write_number(1, 5, 0).unwrap();
    wb.add_worksheet()
        .set_name("家访记录")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    let hidden = wb.add_worksheet();
    hidden
        .set_name("旧表")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    hidden.set_hidden(true);
    wb.save(dir.join("走访.xlsx")).unwrap();
    let (code, err, w) = run_validate(tmp.path(), &dir);
    assert_eq!(code, 0, "{err}");
    let ignored: Vec<_> = csv_rows(&w)
        .into_iter()
        .filter(|r| r[0].is_empty())
        .collect();
    assert_eq!(ignored.len(), 1, "{w}");
    assert_eq!(ignored[0][3], "走访.xlsx#家访记录");
    assert!(ignored[0][4].contains("named after no table"), "{w}");
    assert!(
        err.contains("走访.xlsx#家访记录"),
        "the warning is shown: {err}"
    );
    assert!(!w.contains("填表说明") && !w.contains("旧表"), "{w}");
}

/// A long sheet is read ahead on a second thread in batches of rows: every row arrives,
/// in order, and a reject far down names its sheet row (an empty row in between
/// counts). A workbook whose sheet is cut off in the middle is refused in one sentence
/// naming the workbook and sheet, not loaded up to the cut.
#[test]
fn a_long_sheet_keeps_every_row_and_a_cut_one_is_refused() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("long");
    minimal(&dir);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("households").unwrap();
    let header = HOUSEHOLDS.lines().next().unwrap();
    for (c, h) in header.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    // Sheet rows 2 ..= 10,001, except row 5,001, which stays empty; row 9,002 has no
    // member.
    for r in (1u32..=10_000).filter(|&r| r != 5_000) {
        let members = if r == 9_001 { 0.0 } else { 3.0 };
        let cells = [format!("H{r}"), "李秀兰".into(), format!("{:017}X", r)];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v).unwrap();
        }
        ws.write_string(r, 4, "U2").unwrap();
        ws.write_string(r, 5, "illness").unwrap();
        ws.write_number(r, 6, members).unwrap();
        ws.write_string(r, 8, "2024-06-12").unwrap();
        ws.write_string(r, 9, "U1").unwrap();
    }
    let book = dir.join("档案.xlsx");
    wb.save(&book).unwrap();
    let (code, err, rejects) = rejects_of(tmp.path(), &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rejects[1..],
        [vec![
            "households",
            "9002",
            "members",
            "0",
            "members must be at least 1"
        ]]
    );
    let o = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            dir.to_str().unwrap(),
            "--no-cache",
            "--format",
            "csv",
        ],
    );
    let counts = String::from_utf8_lossy(&o.stdout).into_owned();
    let households: Vec<&str> = counts
        .lines()
        .find(|l| l.starts_with("households,"))
        .unwrap_or_else(|| panic!("{counts}"))
        .split(',')
        .collect();
    // 9,999 rows read, 9,998 accepted, 1 rejected.
    assert_eq!(households[2..5], ["9999", "9998", "1"], "{counts}");

    // The same workbook with its sheet cut off after row 7,000.
    let cut_dir = tmp.path().join("cut");
    minimal(&cut_dir);
    edit_sheets(&book, &cut_dir.join("档案.xlsx"), |_, xml| {
        Some(xml[..xml.find("<row r=\"7001\"").unwrap() + 20].to_string())
    });
    let (code, err, _) = run_validate(tmp.path(), &cut_dir);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    assert!(
        err.contains("档案.xlsx") && err.contains("households") && err.contains("cannot be read"),
        "{err}"
    );
}
