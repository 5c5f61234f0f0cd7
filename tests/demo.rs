//! `tiexin demo`: the whole job on the bundled sample archive into one folder, ending
//! with a list of every file (each listed file exists and is what it says).

mod common;

use common::*;
use tempfile::TempDir;

#[test]
fn demo_writes_and_lists_every_file() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("demo");
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &["demo", "--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    for step in 1..=7 {
        assert!(
            err.contains(&format!("[{step}/7] ")),
            "progress step {step} missing: {err}"
        );
    }
    let listed: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    for name in [
        "validation.csv",
        "warnings.csv",
        "rejects.csv",
        "metrics-2026Q3.csv",
        "metrics-2026.csv",
        "findings-2026Q3.csv",
        "bulletin-2026Q3.pdf",
        "bulletin-2026.pdf",
        "shortlist-2026.csv",
        "notice-2026.csv",
        "shortlist-2026.pdf",
        "circulars/circulars.csv",
        "circulars/U370202001G1-criticism.pdf",
        "circulars/U370102.eml",
    ] {
        assert!(
            listed.iter().any(|l| l == name),
            "{name} not listed:\n{}",
            stdout(&o)
        );
    }
    for name in &listed {
        let path = out.join(name);
        assert!(path.is_file(), "{name} is listed but missing");
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".pdf") {
            assert!(bytes.starts_with(b"%PDF-"), "{name}");
        }
    }
    // The figures are those of the sample (sample-data/README.md).
    let findings = std::fs::read_to_string(out.join("findings-2026Q3.csv")).unwrap();
    assert_eq!(findings.lines().count() - 1, 43);
    let shortlist = csv_rows(&std::fs::read_to_string(out.join("shortlist-2026.csv")).unwrap());
    let ranks: Vec<&str> = shortlist[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ranks, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    // Six e-mails (the circulars with an address), none for the two without; each
    // carries its PDF and a Message-ID derived from the outbox key; nothing was sent
    // and the user's state folder was not touched.
    let emls: Vec<&String> = listed.iter().filter(|l| l.ends_with(".eml")).collect();
    assert_eq!(emls.len(), 6, "{emls:?}");
    let eml = std::fs::read_to_string(out.join("circulars/U370102.eml")).unwrap();
    assert!(eml.contains("To: lxqzgh@example.cn"), "{eml}");
    assert!(eml.contains("Cc: bgs@jnzgh.example.cn"));
    assert!(eml.contains("@tiexin>"));
    assert!(eml.contains("Content-Type: application/pdf"));
    assert!(!out.join("circulars/U370102001.eml").exists());
    assert!(!tmp.path().join("state").exists());
}
