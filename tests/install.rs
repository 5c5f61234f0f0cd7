//! An installed tiexin stands alone (issue 14): a copy of the executable, run from
//! another folder with no font folder named, renders documents with every font embedded
//! and no missing glyph, and runs the demo on the sample archive it carries.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use tempfile::TempDir;

/// The executable copied alone into `dir/bin`, run from `dir/elsewhere` with only the
/// environment it needs.
fn installed(dir: &Path, args: &[&str]) -> std::process::Output {
    let bin = dir.join("bin");
    let exe = bin.join("tiexin");
    if !exe.exists() {
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_tiexin"), &exe).unwrap();
    }
    let cwd = dir.join("elsewhere");
    std::fs::create_dir_all(&cwd).unwrap();
    // A file just written may be held open a moment by a child another test forked
    // meanwhile ("text file busy"): try again.
    let mut tries = 0;
    loop {
        let run = Command::new(&exe)
            .args(args)
            .current_dir(&cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.join("home"))
            .env("TIEXIN_STATE_DIR", dir.join("state"))
            .env("USER", "tester")
            .output();
        match run {
            Ok(o) => return o,
            Err(e) if tries < 50 && e.raw_os_error() == Some(26) => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("{}: {e}", exe.display()),
        }
    }
}

#[test]
fn version_names_the_commit() {
    let tmp = TempDir::new().unwrap();
    let o = installed(tmp.path(), &["--version"]);
    assert_eq!(o.status.code(), Some(0));
    let v = stdout(&o);
    let commit = v
        .split("(commit ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("no commit in {v:?}"));
    let hex = commit.trim_end_matches('+');
    assert!(
        hex.len() >= 7 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        "{v:?}"
    );
    assert!(v.starts_with(&format!("tiexin {}", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn a_copy_of_the_executable_alone_runs_the_demo_with_its_own_fonts() {
    let tmp = TempDir::new().unwrap();
    // Where the fonts and the sample archive come from: the executable itself, not the
    // source tree (which this machine still has: the fallback must not be what runs).
    let o = installed(tmp.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let check = stdout(&o);
    assert!(
        check.contains("fonts: 11 faces from (embedded in the tiexin executable)"),
        "{check}"
    );
    assert!(
        check.contains("sample archive: embedded in the executable"),
        "{check}"
    );
    assert!(!check.contains(env!("CARGO_MANIFEST_DIR")), "{check}");

    let out = tmp.path().join("demo");
    let o = installed(tmp.path(), &["demo", "--out", out.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("empty boxes"), "a glyph is missing: {err}");
    let mut pdfs = 0;
    for e in std::fs::read_dir(&out)
        .unwrap()
        .chain(std::fs::read_dir(out.join("circulars")).unwrap())
    {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "pdf") {
            continue;
        }
        pdfs += 1;
        let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
        assert!(fonts.status.success(), "pdffonts is installed (.ci/run)");
        let list = String::from_utf8_lossy(&fonts.stdout).to_string();
        let rows: Vec<&str> = list.lines().skip(2).collect();
        assert!(rows.len() >= 3, "{}: {list}", path.display());
        for f in rows {
            let cols: Vec<&str> = f.split_whitespace().collect();
            assert_eq!(
                cols[cols.len() - 5],
                "yes",
                "not embedded in {}: {f}",
                path.display()
            );
        }
    }
    assert!(pdfs >= 5, "{pdfs} PDFs");
    // The demo read the archive the executable carries, written out to its cache.
    let validation = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert!(
        validation.contains("households,households.csv,59,59,0"),
        "{validation}"
    );
}
