//! `tiexin circulars` on sample-data/ for 2026Q3: one PDF per union with major findings
//! (sample-data/README.md, findings of 2026Q3), kinds by the criticism threshold,
//! recipients, masking, and the index circulars.csv.

mod common;

use std::process::Command;

use common::*;
use tempfile::TempDir;

fn run(tmp: &TempDir, extra: &[&str]) -> std::process::Output {
    let out = tmp.path().join("out");
    let mut args = vec![
        "circulars",
        "--period",
        "2026Q3",
        "--out",
        out.to_str().unwrap(),
        "--date",
        "2026-11-28",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(&args)
        .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
        .env("TIEXIN_STATE_DIR", tmp.path().join("state"))
        .output()
        .unwrap()
}

fn pdf_text(path: &std::path::Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8(o.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn one_circular_per_union_with_major_findings() {
    let tmp = TempDir::new().unwrap();
    let o = run(&tmp, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = tmp.path().join("out");
    let index = csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    assert_eq!(
        index[0].join(","),
        "union_id,name,kind,major_findings,number,to,cc,file,sha256,delivery"
    );
    // 2026Q3 major findings per union (README): 28 in all, over 7 unions; 5 or more
    // (the default threshold) make a criticism.
    let rows: Vec<(String, String, String, String, String)> = index[1..]
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                r[2].clone(),
                r[3].clone(),
                r[5].clone(),
                r[6].clone(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str, d: &str, e: &str| {
        (
            a.to_string(),
            b.to_string(),
            c.to_string(),
            d.to_string(),
            e.to_string(),
        )
    };
    assert_eq!(
        rows,
        [
            s(
                "U370102",
                "circular",
                "2",
                "lxqzgh@example.cn",
                "bgs@jnzgh.example.cn"
            ),
            s("U370102001", "circular", "1", "", "lxqzgh@example.cn"),
            s("U370102001G1", "criticism", "6", "qcfz@example.cn", ""),
            s(
                "U370102G2",
                "criticism",
                "5",
                "lxhw@example.cn",
                "lxqzgh@example.cn"
            ),
            s(
                "U370202",
                "circular",
                "2",
                "snqzgh@example.cn",
                "bgs@qdzgh.example.cn"
            ),
            s("U370202001G1", "criticism", "7", "hbsp@example.cn", ""),
            s("U370202G2", "criticism", "5", "", "snqzgh@example.cn"),
        ]
    );
    let total: u32 = index[1..]
        .iter()
        .map(|r| r[3].parse::<u32>().unwrap())
        .sum();
    assert_eq!(
        total, 28,
        "every major finding of 2026Q3 is in exactly one circular"
    );
    assert!(
        stderr(&o)
            .contains("undeliverable (no e-mail address in unions.csv): U370102001, U370202G2"),
        "{}",
        stderr(&o)
    );
    for r in &index[1..] {
        let path = out.join(&r[7]);
        let bytes = std::fs::read(&path).unwrap();
        use sha2::{Digest, Sha256};
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, r[8]);
    }

    // The criticism of 青岛海滨食品 (7 findings: C1, F1×2, R2, V2, V3×2).
    let t = pdf_text(&out.join("U370202001G1-criticism.pdf"));
    for expected in [
        "山东省总工会文件",
        "关于对青岛海滨食品有限公司工会2026年第3季度困难职工联系人制度落实问题的通报批评",
        "青岛海滨食品有限公司工会：",
        "存在以下7个重大问题",
        "部门比对反馈逾期未核实（规则C1，1个）",
        "资金发放对象不在档（规则F1，2个）",
        "连续两个季度未家访（规则V2，1个）",
        "家访日期不在建档期内（规则V3，2个）",
        "每季度对困难职工家庭调查家访一次",
        "家庭H46（户主魏*燕）",
        "2026年12月28日前",
        "抄送：八大关街道总工会。",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
    assert!(
        !t.contains("魏春燕"),
        "household head's name must be masked"
    );
    assert!(!t.contains("370202198403035624") && !t.contains("13737046598"));
    // A 督查提示 below the threshold.
    let t = pdf_text(&out.join("U370102-circular.pdf"));
    assert!(
        t.contains("督查提示") && t.contains("历下区总工会："),
        "{t}"
    );
}

#[test]
fn threshold_and_deadline_come_from_the_config() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[circulars]\ncriticism-threshold = 7\ndeadline-days = 10\n",
    )
    .unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = tmp.path().join("out");
    let index = csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    let kinds: Vec<&str> = index[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "circular",
            "circular",
            "circular",
            "circular",
            "circular",
            "criticism",
            "circular"
        ]
    );
    let t = pdf_text(&out.join("U370102-circular.pdf"));
    assert!(t.contains("2026年12月8日前"), "{t}");
}

#[test]
fn a_year_is_refused_with_one_sentence() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("o");
    let o = tiexin(
        tmp.path(),
        &[
            "circulars",
            "--period",
            "2026",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("per quarter"), "{}", stderr(&o));
}
