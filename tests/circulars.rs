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

    // The criticism of 青岛海滨食品 (8 findings: C1, F1×2, R2, S2, V2, V3×2): a 通报
    // (issue 13.3), held for approval, so a draft (送审稿) without number or date.
    let t = pdf_text(&std::fs::read(out.join("U370202001G1-criticism.pdf")).unwrap());
    for expected in [
        "送审稿",
        "山东省总工会文件",
        "关于对青岛海滨食品有限公司工会2026年第3季度困难职工联系人制度落实问题的通报",
        "青岛海滨食品有限公司工会：",
        // Basis and purpose first (issue 13.8).
        "为落实《关于建立健全困难职工联系人制度的意见》关于“完善纠错问责制度”的要求",
        "你单位存在重大问题8个",
        // Kinds by name with their count, never a rule code (issue 13.2).
        "（一）部门比对反馈逾期未核实（1个）",
        "资金发放对象不在档（2个）",
        "连续两个季度未家访（1个）",
        "家访日期不在建档期内（2个）",
        "需求转介超过90日未办结（1个）",
        // The clause whole and readable (issue 13.5).
        "不符合《关于建立健全困难职工联系人制度的意见》“调查真情实况”部分“每季度对困难职工家庭调查家访一次，通过视频、图片等形式上传至‘精准帮扶信息化平台’”的要求",
        // Plain subjects, Chinese dates, amounts in 元.
        "家庭（户主魏*燕）",
        "资金发放（户主薛*福）—2026年8月9日资金发放时受助家庭不在档，金额800元",
        "2026年11月29日前",
        "特此通报。",
        "附件：青岛海滨食品有限公司工会整改台账（电子表格）",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
    // Its e-mail has no copy (the parent has no address), so it prints no 抄送; no
    // number and no date until it is approved.
    assert!(!t.contains("抄送"), "{t}");
    assert!(
        !t.contains("〔2026〕") && !t.contains("2026年11月28日"),
        "{t}"
    );
    assert!(
        !t.contains("魏春燕"),
        "household head's name must be masked"
    );
    assert!(!t.contains("370202198403035624") && !t.contains("13737046598"));
    assert!(!t.contains("H46") && !t.contains("C1") && !t.contains("2026-"));
    // A 通知 below the threshold, numbered at once: it can be delivered.
    let t = pdf_text(&std::fs::read(out.join("U370202-circular.pdf")).unwrap());
    assert!(
        t.contains("落实问题整改的通知")
            && t.contains("市南区总工会：")
            && t.contains("鲁工督〔2026〕")
            && t.contains("特此通知。")
            && t.contains("抄送：青岛市总工会。"),
        "{t}"
    );
    assert!(!t.contains("督查提示") && !t.contains("送审稿"), "{t}");
    // An undeliverable circular keeps no number.
    let t = pdf_text(&std::fs::read(out.join("U370102001-circular.pdf")).unwrap());
    assert!(t.contains("送审稿") && !t.contains("〔2026〕"), "{t}");
    // 历下区: 3 findings, one of them a correction overdue (K1): criticised, and the
    // circular says what became of the correction (verified after its deadline).
    let t = pdf_text(&std::fs::read(out.join("U370102-criticism.pdf")).unwrap());
    for expected in [
        "存在重大问题3个，其中上季度重大问题逾期未整改1个",
        "重大问题逾期未整改（1个）",
        "上季度“向在编人员发放联系人补贴”问题（2026年6月1日）逾期未整改：整改期限2026年8月29日，2026年9月2日才经县级以上工会核实",
        // A payment with no household filled in lacks data: it asks for verification.
        "资金发放未填写受助家庭，金额450元，请核实",
        "请逐项核实",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
    // The 整改台账 beside it: one row per finding with its record keys, and the
    // columns the office fills in.
    let ledger = out.join("U370102-整改台账.xlsx");
    assert!(ledger.is_file());
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

/// 整改要求 names the deadline d(f) of the quarter (2026-09-30 + 60 days) and a real
/// receiving department: the configured `department`, by default the issuing office's
/// 困难职工帮扶中心 (issue 13.7, 13.8), never a fixed number of days.
#[test]
fn the_requirements_name_the_deadline_and_the_receiving_department() {
    let tmp = TempDir::new().unwrap();
    let o = run(&tmp, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = pdf_text(&std::fs::read(tmp.path().join("out/U370202-circular.pdf")).unwrap());
    assert!(
        t.contains("于2026年11月29日前在所附整改台账中逐条填写整改报告日期和整改措施，经县级以上工会核查后，连同书面整改报告一并报送山东省总工会困难职工帮扶中心。"),
        "{t}"
    );
    assert!(!t.contains("帮扶工作部门") && !t.contains("30日内"), "{t}");

    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[circulars]\ndepartment = \"山东省总工会保障工作部\"\n",
    )
    .unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = pdf_text(&std::fs::read(tmp.path().join("out/U370202-circular.pdf")).unwrap());
    assert!(
        t.contains("一并报送山东省总工会保障工作部。") && !t.contains("困难职工帮扶中心"),
        "{t}"
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
            "{smtp}backoff-seconds = 0.2\n",
            smtp = common::smtp::section(port, "山东省总工会督查室 <ducha@example.cn>"),
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
        assert!(t.contains(
            m.subject
                .split('（')
                .next_back()
                .unwrap()
                .trim_end_matches('）')
        ));
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
    std::fs::write(&cfg, common::smtp::section(port, "ducha@example.cn")).unwrap();
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
        common::smtp::section(common::smtp::free_port(), "ducha@example.cn"),
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

/// Issue 13.2: the 整改台账 beside each circular has one row per finding with its record
/// keys (rule, subject_id, occurred_on) and the finding in plain Chinese; filled in by
/// the office and put in the archive folder, its rows load as the `rectifications`
/// table, and `tiexin rectify` counts them.
#[test]
fn the_filled_ledger_loads_as_the_rectifications_table() {
    use calamine::{Reader, Xlsx};
    let tmp = TempDir::new().unwrap();
    let o = run(&tmp, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ledger = tmp.path().join("out/U370202001G1-整改台账.xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook(&ledger).unwrap();
    assert_eq!(wb.sheet_names(), ["填表说明", "整改报告"]);
    let sheet = wb.worksheet_range("整改报告").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0][..8],
        [
            "整改编号",
            "问题规则",
            "问题对象编号",
            "问题发生日期",
            "报告日期",
            "核查工会编号",
            "核查日期",
            "整改措施"
        ]
    );
    // Eight findings, one row each, with their keys and plain descriptions.
    assert_eq!(rows.len() - 1, 8, "{rows:?}");
    let rules: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(rules, ["C1", "F1", "F1", "R2", "S2", "V2", "V3", "V3"]);
    assert!(
        rows[1..].iter().any(|r| r[9] == "家庭（户主魏*燕）"),
        "{rows:?}"
    );
    assert!(rows[1..]
        .iter()
        .all(|r| r[4].is_empty() && r[12] == "2026年11月29日"));

    // The office fills in the first three rows (as Excel would save them: dates as
    // dates) and leaves the others; the ledger replaces the archive's rectifications.
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    std::fs::remove_file(archive.join("rectifications.csv")).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet().set_name("整改报告").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 10).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            ws.write_string(i as u32, j as u16, v).unwrap();
        }
        if (1..=3).contains(&i) {
            ws.write_datetime_with_format(i as u32, 4, &date, &fmt)
                .unwrap();
            ws.write_string(i as u32, 5, "U3702").unwrap();
            ws.write_datetime_with_format(i as u32, 6, &date, &fmt)
                .unwrap();
            ws.write_string(i as u32, 7, "已逐项整改").unwrap();
        }
    }
    book.save(archive.join("青岛海滨食品有限公司工会整改台账（2026Q3）.xlsx"))
        .unwrap();
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "rectify",
            "--archive",
            archive.to_str().unwrap(),
            "--period",
            "2026Q3",
            "--union",
            "U370202001G1",
            "--as-of",
            "2026-11-20",
            "--format",
            "csv",
        ],
    );
    // The five rows left empty are rejected (no report date), the three filled load.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = csv_rows(&stdout(&o));
    let status = out[0].iter().position(|c| c == "status").unwrap();
    let subject = out[0].iter().position(|c| c == "subject_id").unwrap();
    let on_time: Vec<&str> = out[1..]
        .iter()
        .filter(|r| r[status] == "on_time")
        .map(|r| r[subject].as_str())
        .collect();
    let filled: Vec<&str> = rows[1..=3].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(on_time.len(), 3, "{out:?}");
    for s in filled {
        assert!(on_time.contains(&s), "{s} not rectified: {out:?}");
    }
}

/// Issue 13.3: `routing = "city"` addresses a circular to the city union above the
/// unit (主送 the city, naming the unit), sent to the city's address without copy; the
/// default writes to the unit directly.
#[test]
fn routing_through_the_city_is_configurable() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(&cfg, "[circulars]\nrouting = \"city\"\n").unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = tmp.path().join("out");
    let index = csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    let row = index.iter().find(|r| r[0] == "U370202").unwrap();
    assert_eq!(
        (row[5].as_str(), row[6].as_str()),
        ("bgs@qdzgh.example.cn", "")
    );
    let t = pdf_text(&std::fs::read(out.join("U370202-circular.pdf")).unwrap());
    assert!(
        t.contains("青岛市总工会：") && t.contains("你市市南区总工会存在重大问题2个"),
        "{t}"
    );
    assert!(!t.contains("抄送"), "{t}");
    // Any other value is refused, naming the key.
    std::fs::write(&cfg, "[circulars]\nrouting = \"province\"\n").unwrap();
    let o = run(&tmp, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("routing"), "{}", stderr(&o));
}
