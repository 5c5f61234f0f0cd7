//! The terminal (issue 14.5): run under a real pseudo-terminal (util-linux `script`),
//! `tiexin metrics` shows one progress line that is cleared before the answer, a table
//! that fits `COLUMNS` with Chinese labels and the key columns first; `-v` and `-q`;
//! `NO_COLOR`; the pager for a table taller than the screen; `--columns`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use tempfile::TempDir;

/// Runs `tiexin ARGS` in a pseudo-terminal of `columns` × `lines`, with `env`; returns
/// everything the terminal received (standard output and error together) and the exit
/// code.
fn in_terminal(dir: &Path, args: &str, env: &[(&str, &str)]) -> (String, i32) {
    let bin = env!("CARGO_BIN_EXE_tiexin");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .current_dir(dir)
        .env("TIEXIN_CACHE_DIR", dir.join("cache"))
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("PAGER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd
        .output()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    (
        String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n"),
        o.status.code().unwrap_or(-1),
    )
}

/// What a person sees at the end: each rewritten progress line replaced by what came
/// after it.
fn visible(raw: &str) -> String {
    raw.lines()
        .map(|l| l.rsplit("\r\u{1b}[2K").next().unwrap_or(l))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

const METRICS: &str = "metrics --period 2026Q3 --union U370102 --depth 1";

#[test]
fn progress_is_one_line_cleared_before_a_table_that_fits() {
    let tmp = TempDir::new().unwrap();
    let (raw, code) = in_terminal(tmp.path(), METRICS, &[("COLUMNS", "100"), ("LINES", "50")]);
    assert_eq!(code, 0, "{raw}");
    // Progress was shown in place…
    assert!(
        raw.contains("\r\u{1b}[2Kcomputing the metrics of 2026Q3…"),
        "{raw:?}"
    );
    // …and no line of it is left: the screen starts with the table's header.
    let seen = visible(&raw);
    let lines: Vec<&str> = seen.lines().collect();
    assert!(lines[0].starts_with("工会编号    名称"), "{seen}");
    assert!(!seen.contains("rows read"), "{seen}");
    assert!(
        lines[2].starts_with("U370102 ") && lines[2].contains("95.0%"),
        "{seen}"
    );
    for l in &lines[..lines.len() - 1] {
        assert!(
            tiexin::cli::output::display_width(l) <= 100,
            "wider than the terminal: {l}"
        );
    }
    let note = lines.last().unwrap();
    assert!(
        note.starts_with("（另有") && note.contains("--columns"),
        "{note}"
    );
}

#[test]
fn verbose_names_each_table_and_quiet_says_nothing_but_the_answer() {
    let tmp = TempDir::new().unwrap();
    let (raw, code) = in_terminal(tmp.path(), &format!("-v {METRICS}"), &[("COLUMNS", "200")]);
    assert_eq!(code, 0, "{raw}");
    // Tables are read in parallel: the visits' line is anywhere, the first one too.
    assert!(
        raw.lines().any(|l| l
            .trim_end_matches('\r')
            .ends_with("  visits.csv: 427 rows read")),
        "{raw}"
    );
    let (raw, code) = in_terminal(tmp.path(), &format!("-q {METRICS}"), &[("COLUMNS", "200")]);
    assert_eq!(code, 0, "{raw}");
    assert!(
        !raw.contains('\u{1b}'),
        "no progress and no colour: {raw:?}"
    );
    assert!(raw.starts_with("工会编号"), "{raw}");
}

#[test]
fn errors_are_red_unless_no_color() {
    let tmp = TempDir::new().unwrap();
    let bad = "metrics --period 2026Q9";
    let (raw, code) = in_terminal(tmp.path(), bad, &[]);
    assert_eq!(code, 2, "{raw}");
    assert!(raw.contains("\u{1b}[31merror:\u{1b}[0m "), "{raw:?}");
    let (raw, code) = in_terminal(tmp.path(), bad, &[("NO_COLOR", "1")]);
    assert_eq!(code, 2, "{raw}");
    assert!(
        raw.starts_with("error: ") && !raw.contains('\u{1b}'),
        "{raw:?}"
    );
}

#[test]
fn a_table_taller_than_the_screen_goes_through_the_pager() {
    let tmp = TempDir::new().unwrap();
    let paged = tmp.path().join("paged.txt");
    let pager = format!("cat > {}", paged.display());
    let args = "findings --period 2026Q3 --union U370102";
    let (raw, code) = in_terminal(tmp.path(), args, &[("LINES", "10"), ("PAGER", &pager)]);
    assert_eq!(code, 0, "{raw}");
    let text = std::fs::read_to_string(&paged).expect("the pager got the table");
    assert!(text.starts_with("工会编号"), "{text}");
    assert!(text.lines().count() > 10, "{text}");
    assert!(
        !visible(&raw).contains("工会编号"),
        "not also on the screen: {raw}"
    );
    // --no-pager: on the screen.
    std::fs::remove_file(&paged).unwrap();
    let (raw, code) = in_terminal(
        tmp.path(),
        &format!("--no-pager {args}"),
        &[("LINES", "10"), ("PAGER", &pager)],
    );
    assert_eq!(code, 0, "{raw}");
    assert!(!paged.exists());
    assert!(visible(&raw).contains("工会编号"), "{raw}");
}

#[test]
fn columns_choose_and_order_the_columns_in_every_format() {
    let tmp = TempDir::new().unwrap();
    let o = tiexin(
        tmp.path(),
        &[
            "metrics",
            "--period",
            "2026Q3",
            "--union",
            "U370102",
            "--depth",
            "1",
            "--columns",
            "name,季度家访率,findings_major",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = csv_rows(&stdout(&o));
    assert_eq!(rows[0], ["name", "visit_compliance", "findings_major"]);
    assert_eq!(rows[1], ["历下区总工会", "0.95", "15"]);
    let o = tiexin(
        tmp.path(),
        &["metrics", "--period", "2026Q3", "--columns", "nope"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--columns: there is no column \"nope\""),
        "{err}"
    );
}
