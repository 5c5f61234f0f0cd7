//! `tiexin circulars` on sample-data/ for 2026Q3: one PDF per union with major findings
//! (sample-data/README.md, findings of 2026Q3), kinds by the criticism threshold,
//! recipients, masking, and the index circulars.csv.

mod common;

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
    tiexin_in(tmp.path(), "tester", &args)
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
    // 2026Q3 major findings per union (README): 31 in all, over 8 unions; 5 or more
    // (the default threshold), or any correction overdue (K1, 历下区), make a criticism.
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
                "criticism",
                "3",
                "lxqzgh@example.cn",
                "bgs@jnzgh.example.cn"
            ),
            s("U370102001", "circular", "1", "", ""),
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
            s("U370202001G1", "criticism", "8", "hbsp@example.cn", ""),
            s("U370202G2", "criticism", "5", "", ""),
            s(
                "U370302",
                "circular",
                "1",
                "zdqzgh@example.cn",
                "bgs@zbzgh.example.cn"
            ),
        ]
    );
    let total: u32 = index[1..]
        .iter()
        .map(|r| r[3].parse::<u32>().unwrap())
        .sum();
    assert_eq!(
        total, 31,
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

    // The criticism of 青岛海滨食品 (8 findings: C1, F1×2, R2, S2, V2, V3×2).
    let t = pdf_text(&std::fs::read(out.join("U370202001G1-criticism.pdf")).unwrap());
    for expected in [
        "山东省总工会文件",
        "关于对青岛海滨食品有限公司工会2026年第3季度困难职工联系人制度落实问题的通报批评",
        "青岛海滨食品有限公司工会：",
        "存在以下8个重大问题",
        "部门比对反馈逾期未核实（规则C1，1个）",
        "资金发放对象不在档（规则F1，2个）",
        "连续两个季度未家访（规则V2，1个）",
        "家访日期不在建档期内（规则V3，2个）",
        "每季度对困难职工家庭调查家访一次",
        "家庭H46（户主魏*燕）",
        "需求转介超过90日未办结（规则S2，1个）",
        "2026年11月29日前",
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
    let t = pdf_text(&std::fs::read(out.join("U370202-circular.pdf")).unwrap());
    assert!(
        t.contains("督查提示") && t.contains("市南区总工会："),
        "{t}"
    );
    // 历下区: 3 findings, one of them a correction overdue (K1): criticised, and the
    // circular says what became of the correction (verified after its deadline).
    let t = pdf_text(&std::fs::read(out.join("U370102-criticism.pdf")).unwrap());
    for expected in [
        "存在以下3个重大问题，其中1个上季度重大问题逾期未整改",
        "重大问题逾期未整改（规则K1，1个）",
        "整改期限2026年8月29日，2026年9月2日才经县级以上工会核实",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
}

#[test]
fn the_threshold_comes_from_the_config_and_the_deadline_from_the_quarter() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(&cfg, "[circulars]\ncriticism-threshold = 7\n").unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = tmp.path().join("out");
    let index = csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    let kinds: Vec<&str> = index[1..].iter().map(|r| r[2].as_str()).collect();
    // 历下区 stays a criticism below the threshold: it has a correction overdue (K1).
    assert_eq!(
        kinds,
        [
            "criticism",
            "circular",
            "circular",
            "circular",
            "circular",
            "criticism",
            "circular",
            "circular"
        ]
    );
    // The deadline is d(f) = 2026-09-30 + 60 days, not the document's date plus days.
    let t = pdf_text(&std::fs::read(out.join("U370202-circular.pdf")).unwrap());
    assert!(t.contains("2026年11月29日前"), "{t}");
    // deadline-days is no longer read: a config that sets it is refused, naming it.
    std::fs::write(&cfg, "[circulars]\ndeadline-days = 10\n").unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("deadline-days is no longer read"),
        "{}",
        stderr(&o)
    );
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

/// `tiexin` with the test's cache, state folder and user.
fn tx(tmp: &TempDir, user: &str, args: &[&str]) -> std::process::Output {
    tiexin_in(tmp.path(), user, args)
}

#[test]
fn send_delivers_each_circular_once_and_holds_criticism_until_approved() {
    use common::smtp::{copies, free_port, SmtpServer};
    let tmp = TempDir::new().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let cfg = tmp.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"山东省总工会督查室 <ducha@example.cn>\"\ntimeout-seconds = 5\nbackoff-seconds = 0.2\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let args = [
        "circulars",
        "--period",
        "2026Q3",
        "--out",
        out.to_str().unwrap(),
        "--date",
        "2026-11-28",
        "--config",
        cfg.to_str().unwrap(),
        "--send",
    ];
    let o = tx(&tmp, "alice", &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("sent 2"), "{}", stdout(&o));
    assert!(stderr(&o).contains("4 criticisms held"), "{}", stderr(&o));
    // The two 督查提示 with an address arrive at once; the criticisms wait.
    let index = csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    let sha_of = |union: &str| index.iter().find(|r| r[0] == union).unwrap()[8].clone();
    let got = server.messages();
    assert_eq!(got.len(), 2, "{got:?}");
    let by_to = |to: &str| {
        got.iter()
            .find(|m| m["to"][0] == to)
            .unwrap_or_else(|| panic!("nothing to {to}: {got:?}"))
            .clone()
    };
    let m = by_to("zdqzgh@example.cn");
    assert_eq!(m["cc"], serde_json::json!(["bgs@zbzgh.example.cn"]));
    assert_eq!(m["attachments"][0]["sha256"], sha_of("U370302"));
    assert_eq!(m["attachments"][0]["content_type"], "application/pdf");
    assert_eq!(
        m["attachments"][0]["filename"],
        "张店区总工会整改通知（2026Q3）.pdf"
    );
    assert!(m["subject"].as_str().unwrap().contains("整改的通知"));
    let m = by_to("snqzgh@example.cn");
    assert_eq!(m["cc"], serde_json::json!(["bgs@qdzgh.example.cn"]));
    assert_eq!(m["attachments"][0]["sha256"], sha_of("U370202"));

    // The held criticisms: the person who queued them cannot approve them.
    let cfg_s = cfg.to_str().unwrap();
    let list = tx(
        &tmp,
        "alice",
        &[
            "outbox", "list", "--state", "held", "--format", "csv", "--config", cfg_s,
        ],
    );
    let held = csv_rows(&stdout(&list));
    assert_eq!(held.len() - 1, 4, "{}", stdout(&list));
    let ids: Vec<String> = held[1..].iter().map(|r| r[0].clone()).collect();
    let refused = tx(
        &tmp,
        "alice",
        &["outbox", "approve", &ids[0], "--config", cfg_s],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    // Nor by typing another name from the same OS account (issue 11.5).
    let refused = tx(
        &tmp,
        "alice",
        &[
            "outbox", "approve", &ids[0], "--by", "李明", "--config", cfg_s,
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("from this OS account"),
        "{}",
        stderr(&refused)
    );
    // 李明 approves them from her own account (another OS user id).
    let outbox =
        tiexin::delivery::outbox::Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let other = tiexin::dirs::uid().unwrap() + 1;
    // Issue 13.4: a held criticism is a draft (送审稿, no number) until approved; its
    // approval numbers it and renders the final from the data kept in the outbox.
    for id in &ids {
        let before = outbox.get(id.parse().unwrap()).unwrap();
        assert!(before.subject.ends_with("（送审稿）"), "{}", before.subject);
        let m = tiexin::delivery::messages::approve(
            &outbox,
            id.parse().unwrap(),
            ("李明", Some(other)),
            Some(&tmp.path().join("state")),
            (2026, 12, 1),
        )
        .unwrap();
        assert_eq!(m.created_uid, tiexin::dirs::uid());
        assert_eq!(m.created_by, "alice");
        assert!(m.subject.contains("鲁工督〔2026〕"), "{}", m.subject);
        assert_ne!(m.attachment_sha256, before.attachment_sha256);
        let pdf = std::fs::read(
            tmp.path()
                .join("state/attachments")
                .join(m.attachment_sha256.as_ref().unwrap()),
        )
        .unwrap();
        let t = pdf_text(&pdf);
        assert!(!t.contains("送审稿") && t.contains("2026年12月1日"), "{t}");
        assert!(t.contains(m.subject.split('（').last().unwrap().trim_end_matches('）')));
    }
    let sent = tx(&tmp, "alice", &["outbox", "send", "--config", cfg_s]);
    assert!(stdout(&sent).contains("sent 4"), "{}", stdout(&sent));
    let got = server.messages();
    assert_eq!(got.len(), 6);
    let m = got
        .iter()
        .find(|m| m["to"][0] == "hbsp@example.cn")
        .unwrap();
    assert_eq!(
        m["cc"],
        serde_json::json!([]),
        "the parent of U370202001G1 has no address"
    );
    // The final, not the draft of circulars.csv, went out.
    assert_ne!(m["attachments"][0]["sha256"], sha_of("U370202001G1"));
    assert!(m["subject"].as_str().unwrap().contains("通报"));

    // Running again sends nothing new: the same keys are already in the outbox.
    let again = tx(&tmp, "alice", &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("0 circulars queued, 6 already queued"),
        "{}",
        stderr(&again)
    );
    assert_eq!(server.messages().len(), 6);
    assert!(copies(&server.messages()).values().all(|n| *n == 1));
}

#[test]
fn send_without_smtp_config_is_refused_before_any_work() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let o = tx(
        &tmp,
        "alice",
        &[
            "circulars",
            "--period",
            "2026Q3",
            "--out",
            out.to_str().unwrap(),
            "--send",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[smtp]"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// Issue 11.8: a circular whose union's address is refused fails, and `--send` exits 1;
/// its copy is not sent alone.
#[test]
fn send_exits_1_when_a_circular_is_refused() {
    use common::smtp::{free_port, SmtpServer};
    let tmp = TempDir::new().unwrap();
    let port = free_port();
    let server = SmtpServer::start(
        port,
        &tmp.path().join("mail"),
        &["--reject", "zdqzgh@example.cn"],
    );
    let cfg = tmp.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"ducha@example.cn\"\ntimeout-seconds = 5\n"
        ),
    )
    .unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap(), "--send"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("sent 1, failed 1"), "{}", stdout(&o));
    let got = server.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["to"][0], "snqzgh@example.cn");
}

/// Issue 11.12: two `circulars --send` runs into the same folder at the same time: each
/// queued message carries the PDF its own run made, never the other run's file.
#[test]
fn concurrent_sends_into_one_folder_do_not_mix_attachments() {
    use std::process::{Command, Stdio};
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("c.toml");
    // No server listens: the messages stay queued, which is all this test reads.
    std::fs::write(
        &cfg,
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"ducha@example.cn\"\ntimeout-seconds = 5\n",
            common::smtp::free_port()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let spawn = |user: &str, date: &str| {
        Command::new(env!("CARGO_BIN_EXE_tiexin"))
            .args(["circulars", "--period", "2026Q3", "--out"])
            .arg(&out)
            .args(["--date", date, "--config"])
            .arg(&cfg)
            .arg("--send")
            .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
            .env("TIEXIN_STATE_DIR", tmp.path().join("state"))
            .env("USER", user)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Dates that no circular prints otherwise (their deadline is 2026-11-29).
    let a = spawn("alice", "2026-12-01");
    let b = spawn("bob", "2026-12-02");
    for (who, child) in [("alice", a), ("bob", b)] {
        let o = child.wait_with_output().unwrap();
        assert_ne!(o.status.code(), Some(2), "{who}: {}", stderr(&o));
    }
    let outbox =
        tiexin::delivery::outbox::Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let rows = outbox.list(None).unwrap();
    assert_eq!(rows.len(), 6);
    for m in rows {
        let m = outbox.get(m.id).unwrap();
        let pdf = outbox.attachment(&m).unwrap().unwrap();
        let text = pdf_text(&pdf);
        let (own, other) = match m.created_by.as_str() {
            "alice" => ("2026年12月1日", "2026年12月2日"),
            "bob" => ("2026年12月2日", "2026年12月1日"),
            who => panic!("queued by {who}"),
        };
        // A held criticism is a draft (送审稿): undated, the same bytes from either run.
        if m.subject.ends_with("（送审稿）") {
            assert!(text.contains("送审稿") && !text.contains(own) && !text.contains(other));
            continue;
        }
        assert!(
            text.contains(own) && !text.contains(other),
            "message {} queued by {} carries the other run's PDF",
            m.id,
            m.created_by
        );
    }
}

/// A character no bundled font has (𠀀 in a union's name) is reported for the circular
/// it prints in, naming the text.
#[test]
fn characters_no_font_has_are_reported_per_circular() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    let unions = std::fs::read_to_string(archive.join("unions.csv"))
        .unwrap()
        .replace("U370102,历下区总工会,", "U370102,历下区𠀀总工会,");
    std::fs::write(archive.join("unions.csv"), unions).unwrap();
    let o = run(&tmp, &["--archive", archive.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("'𠀀'")).collect();
    assert!(!warnings.is_empty(), "{err}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("U370102-criticism.pdf") && w.contains("\"历下区𠀀总工会\"")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().all(|w| w.contains("empty boxes")),
        "{warnings:?}"
    );
}
