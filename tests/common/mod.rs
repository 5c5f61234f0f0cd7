//! Helpers shared by the integration tests: the real binary, temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod layout;
pub mod sample;
pub mod smtp;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// Runs the real `tiexin` binary with a private cache folder.
pub fn tiexin(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(args)
        .env("TIEXIN_CACHE_DIR", cache)
        .env_remove("XDG_CACHE_HOME")
        .output()
        .expect("the tiexin binary runs")
}

/// Runs `tiexin` in a test's folder `dir`: cache `dir/cache`, state folder `dir/state`
/// (outbox, document numbers, audit log) and `user` as the OS user.
pub fn tiexin_in(dir: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(args)
        .env("TIEXIN_CACHE_DIR", dir.join("cache"))
        .env("TIEXIN_STATE_DIR", dir.join("state"))
        .env_remove("XDG_CACHE_HOME")
        .env("USER", user)
        .output()
        .expect("the tiexin binary runs")
}

/// The text of a PDF, without any white space (poppler's `pdftotext` spaces CJK and
/// digits apart and wraps table cells).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("read.pdf");
    std::fs::write(&path, pdf).unwrap();
    let o = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is needed (apt-get install poppler-utils)");
    assert!(o.status.success(), "pdftotext: {}", stderr(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The lines of a PDF as poppler lays them out (`pdftotext -layout`: a table row is one
/// line), each without white space, empty lines left out.
pub fn pdf_layout_lines(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("read.pdf");
    std::fs::write(&path, pdf).unwrap();
    let o = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is needed (apt-get install poppler-utils)");
    assert!(o.status.success(), "pdftotext: {}", stderr(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies every file of `from` into a new folder `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Parses CSV text into rows of strings (header included).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// A session over the archive in `dir`, read afresh (no cache), showing no progress.
pub async fn open_session(dir: &Path) -> tiexin::sql::Session {
    let settings = tiexin::sql::session::Settings {
        archive: dir.to_path_buf(),
        cache_dir: None,
        ..Default::default()
    };
    tiexin::sql::Session::open(&settings, &tiexin::ingest::Quiet)
        .await
        .expect("the archive loads")
}

/// Runs the independent Python oracle (tests/oracle/oracle.py) with `args` and returns
/// its standard output. A missing python3 or pyarrow fails the test (`.ci/run`
/// installs them): a comparison that cannot run is not a comparison that passed.
pub fn oracle(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new("python3")
        .arg(repo().join("tests/oracle/oracle.py"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("the oracle needs python3 (.ci/run installs it): {e}"));
    assert!(
        out.status.success(),
        "the oracle failed (it needs python3 with pyarrow; .ci/run installs them): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the oracle prints UTF-8")
}
