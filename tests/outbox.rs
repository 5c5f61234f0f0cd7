//! The outbox and SMTP delivery, against a real SMTP server on 127.0.0.1
//! (tests/smtp/server.py).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::smtp::{copies, free_port, received, SmtpServer};
use common::{stderr, stdout};
use sha2::{Digest, Sha256};
use tiexin::delivery::outbox::{Attachment, Kind, NewMessage, Outbox, State};
use tiexin::delivery::smtp::{deliver, SmtpConfig, Summary, TlsMode};

/// Deterministic PDF-like bytes, different for each seed.
fn pdf(seed: u32, len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push((x & 0xff) as u8);
    }
    v
}

fn hex_sha256(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The OS user id of this process.
fn own_uid() -> u32 {
    tiexin::dirs::uid().expect("/proc/self is readable")
}

/// A circular queued by alice from another OS account than the test's (so that the
/// test, as a second person, may approve it).
fn circular(union: &str, to: &str, cc: &[&str], seed: u32) -> NewMessage {
    NewMessage {
        job: "circulars".into(),
        period: "2026Q2".into(),
        union_id: union.into(),
        kind: Kind::Circular,
        subject: format!("关于{union}工会困难职工联系人制度落实情况的督查提示"),
        body: format!(
            "{union}工会：\n\n现将2026年第二季度督查发现的问题通报如下，请于30日内整改。\n"
        ),
        to: vec![to.into()],
        cc: cc.iter().map(|s| s.to_string()).collect(),
        attachment: Some(Attachment {
            name: format!("督查提示-{union}.pdf"),
            bytes: pdf(seed, 40_000),
        }),
        extra_attachments: Vec::new(),
        held: false,
        document: None,
        created_by: "alice".into(),
        created_uid: Some(own_uid() + 1),
    }
}

fn smtp(port: u16) -> SmtpConfig {
    let mut c = SmtpConfig::new(
        "127.0.0.1",
        port,
        TlsMode::None,
        "督查室 <duchashi@example.org>",
    );
    c.timeout_seconds = Some(5.0);
    c.backoff_seconds = Some(0.2);
    c.max_concurrency = Some(2);
    c
}

async fn send(outbox: &Outbox, port: u16) -> Summary {
    deliver(outbox, &smtp(port), Arc::new(AtomicBool::new(false)))
        .await
        .unwrap()
}

/// The configuration file of the CLI tests.
fn config_file(dir: &Path, port: u16) -> std::path::PathBuf {
    let path = dir.join("tiexin.toml");
    let state = dir.join("state");
    std::fs::write(
        &path,
        format!(
            "state-dir = {:?}\n\n{smtp}backoff-seconds = 0.2\nmax-concurrency = 2\n",
            state.to_str().unwrap(),
            smtp = common::smtp::section(port, "duchashi@example.org"),
        ),
    )
    .unwrap();
    path
}

fn tiexin(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(args)
        .env("TIEXIN_CACHE_DIR", dir.join("cache"))
        .env_remove("TIEXIN_SMTP_PASSWORD")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_per_item_right_recipients_intact_attachment_and_no_resend() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let items = [
        circular("U0101", "u0101@example.org", &["u01@example.org"], 1),
        circular("U0102", "u0102@example.org", &["u01@example.org"], 2),
        circular("U0201", "u0201@example.org", &[], 3),
    ];
    let mut ids = vec![];
    for m in &items {
        let (id, created) = outbox.enqueue(m.clone()).unwrap();
        assert!(created);
        ids.push(id);
    }
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed, s.ambiguous, s.pending), (3, 0, 0, 0));

    let got = server.messages();
    assert_eq!(got.len(), 3);
    for (m, id) in items.iter().zip(&ids) {
        let row = outbox.get(*id).unwrap();
        assert_eq!(row.state, State::Sent);
        assert_eq!(row.attempts, 1);
        assert!(row.last_reply.as_deref().unwrap().starts_with("250"));
        let mail: Vec<_> = got
            .iter()
            .filter(|v| v["message_id"] == row.message_id.as_str())
            .collect();
        assert_eq!(mail.len(), 1, "{}", row.message_id);
        let mail = mail[0];
        assert_eq!(mail["to"], serde_json::json!(m.to));
        assert_eq!(mail["cc"], serde_json::json!(m.cc));
        let mut rcpt = m.to.clone();
        rcpt.extend(m.cc.clone());
        assert_eq!(mail["rcpt"], serde_json::json!(rcpt));
        assert_eq!(mail["mail_from"], "duchashi@example.org");
        assert_eq!(mail["subject"], m.subject.as_str());
        assert_eq!(mail["body"].as_str().unwrap().replace("\r\n", "\n"), m.body);
        let att = &mail["attachments"][0];
        let bytes = &m.attachment.as_ref().unwrap().bytes;
        assert_eq!(
            att["filename"],
            m.attachment.as_ref().unwrap().name.as_str()
        );
        assert_eq!(att["content_type"], "application/pdf");
        assert_eq!(att["sha256"], hex_sha256(bytes).as_str());
        assert_eq!(
            row.attachment_sha256.as_deref(),
            Some(hex_sha256(bytes).as_str())
        );
        assert_eq!(att["size"], bytes.len());
    }

    // A second run sends nothing new.
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed, s.ambiguous), (0, 0, 0));
    assert_eq!(server.messages().len(), 3);

    // Queueing the same key again is a no-op, even with other content.
    let mut again = items[0].clone();
    again.subject = "另一个标题".into();
    let (id, created) = outbox.enqueue(again).unwrap();
    assert_eq!((id, created), (ids[0], false));
    assert_eq!(outbox.list(None).unwrap().len(), 3);
    assert_eq!(outbox.get(id).unwrap().subject, items[0].subject);
    assert_eq!(send(&outbox, port).await.sent, 0);
    assert_eq!(server.messages().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_replies_are_retried_then_delivered() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &["--tempfail-first", "2"]);
    let outbox = Outbox::open(&tmp.path().join("tiexin.sqlite")).unwrap();
    let (id, _) = outbox
        .enqueue(circular("U0101", "u0101@example.org", &[], 1))
        .unwrap();

    let first = send(&outbox, port).await;
    assert_eq!((first.sent, first.retried, first.pending), (0, 1, 1));
    let row = outbox.get(id).unwrap();
    assert_eq!((row.state, row.attempts), (State::Pending, 1));
    assert!(
        row.last_reply.as_deref().unwrap().contains("451"),
        "{:?}",
        row.last_reply
    );
    // Not due before its backoff.
    assert_eq!(send(&outbox, port).await.retried, 0);

    let deadline = Instant::now() + Duration::from_secs(20);
    while outbox.get(id).unwrap().state != State::Sent {
        assert!(
            Instant::now() < deadline,
            "not delivered: {:?}",
            outbox.get(id).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        send(&outbox, port).await;
    }
    let row = outbox.get(id).unwrap();
    assert_eq!(row.attempts, 3);
    assert_eq!(server.messages().len(), 1);
    assert_eq!(server.messages()[0]["message_id"], row.message_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn permanent_reply_fails_at_once_and_keeps_the_reply() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(
        port,
        &tmp.path().join("mail"),
        &["--reject", "gone@example.org"],
    );
    let outbox = Outbox::open(&tmp.path().join("tiexin.sqlite")).unwrap();
    let (bad, _) = outbox
        .enqueue(circular("U0101", "gone@example.org", &[], 1))
        .unwrap();
    let (good, _) = outbox
        .enqueue(circular("U0102", "u0102@example.org", &[], 2))
        .unwrap();
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed, s.retried), (1, 1, 0));
    let row = outbox.get(bad).unwrap();
    assert_eq!((row.state, row.attempts), (State::Failed, 1));
    let reply = row.last_reply.unwrap();
    assert!(
        reply.contains("550") && reply.contains("mailbox unavailable"),
        "{reply}"
    );
    assert_eq!(outbox.get(good).unwrap().state, State::Sent);
    assert_eq!(
        server.messages()[0]["rcpt"],
        serde_json::json!(["u0102@example.org"])
    );

    // A copy address refused: the main recipient still gets it, the refusal is kept.
    let (partly, _) = outbox
        .enqueue(circular(
            "U0103",
            "u0103@example.org",
            &["gone@example.org"],
            3,
        ))
        .unwrap();
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed), (1, 0));
    let row = outbox.get(partly).unwrap();
    assert_eq!((row.state, row.attempts), (State::Sent, 1));
    let reply = row.last_reply.unwrap();
    assert!(
        reply.starts_with("250")
            && reply.contains("not delivered to gone@example.org (permanent error (550)"),
        "{reply}"
    );
    let got = server.messages();
    assert_eq!(got[1]["rcpt"], serde_json::json!(["u0103@example.org"]));
    assert_eq!(got[1]["cc"], serde_json::json!(["gone@example.org"]));

    // Not retried by later runs.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(send(&outbox, port).await.failed, 0);
    assert_eq!(outbox.get(bad).unwrap().attempts, 1);
    assert_eq!(server.messages().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_down_messages_stay_pending_and_go_out_when_it_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let outbox = Outbox::open(&tmp.path().join("tiexin.sqlite")).unwrap();
    for i in 0..3 {
        outbox
            .enqueue(circular(
                &format!("U01{i}"),
                &format!("u{i}@example.org"),
                &[],
                i,
            ))
            .unwrap();
    }
    // Down for longer than max-attempts runs: nothing fails, nothing is counted.
    let mut config = smtp(port);
    config.max_attempts = Some(2);
    for _ in 0..4 {
        let s = deliver(&outbox, &config, Arc::new(AtomicBool::new(false)))
            .await
            .unwrap();
        assert_eq!((s.sent, s.failed, s.ambiguous, s.retried), (0, 0, 0, 0));
        assert_eq!(s.pending, 3);
        let why = s.unreachable.clone().expect("the server is down");
        assert!(why.starts_with("connecting: "), "{why}");
        assert!(
            s.line().starts_with(
                "sent 0, failed 0, ambiguous 0, still pending 3; the server could not be reached (connecting: "
            ),
            "{}",
            s.line()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let rows = outbox.list(None).unwrap();
    assert!(rows
        .iter()
        .all(|m| (m.state, m.attempts) == (State::Pending, 0)));
    assert!(rows.iter().any(|m| m
        .last_reply
        .as_deref()
        .is_some_and(|r| r.starts_with("the server could not be reached: connecting: "))));

    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while outbox.counts().unwrap().sent < 3 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
        send(&outbox, port).await;
    }
    assert_eq!(outbox.counts().unwrap().pending, 0);
    assert_eq!(server.messages().len(), 3);
    assert!(copies(&server.messages()).values().all(|n| *n == 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_lost_after_the_final_dot_is_ambiguous_and_resent_only_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &["--drop-after-dot", "1"]);
    let outbox = Outbox::open(&tmp.path().join("tiexin.sqlite")).unwrap();
    let mut cfg = smtp(port);
    cfg.max_concurrency = Some(1);
    let (first, _) = outbox
        .enqueue(circular("U0101", "u0101@example.org", &[], 1))
        .unwrap();
    let (second, _) = outbox
        .enqueue(circular("U0102", "u0102@example.org", &[], 2))
        .unwrap();
    let s = deliver(&outbox, &cfg, Arc::new(AtomicBool::new(false)))
        .await
        .unwrap();
    assert_eq!((s.sent, s.ambiguous, s.retried), (1, 1, 0));
    let row = outbox.get(first).unwrap();
    assert_eq!(row.state, State::Ambiguous);
    assert!(row.last_reply.unwrap().contains("may have been delivered"));
    assert_eq!(outbox.get(second).unwrap().state, State::Sent);
    // The server did receive it: the ambiguity is real.
    assert_eq!(server.messages().len(), 2);

    // Not resent by itself …
    assert_eq!(send(&outbox, port).await.sent, 0);
    assert_eq!(server.messages().len(), 2);
    // … only when a person asks; the copy carries the same Message-ID.
    let retried = outbox.retry(first).unwrap();
    assert_eq!((retried.state, retried.attempts), (State::Pending, 0));
    assert_eq!(send(&outbox, port).await.sent, 1);
    let c = copies(&server.messages());
    assert_eq!(c[&row.message_id], 2);
    assert_eq!(c[&outbox.get(second).unwrap().message_id], 1);
    // A sent message cannot be retried.
    let e = outbox.retry(second).unwrap_err().to_string();
    assert!(e.contains("is sent"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_in_the_middle_of_a_batch_then_restart_delivers_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mail = tmp.path().join("mail");
    let slow = SmtpServer::start(port, &mail, &["--sleep", "0.4"]);
    let config = config_file(tmp.path(), port);
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let n = 12;
    for i in 0..n {
        outbox
            .enqueue(circular(
                &format!("U{i:04}"),
                &format!("u{i}@example.org"),
                &[],
                i,
            ))
            .unwrap();
    }
    let mut sender = Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(["outbox", "send", "--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while received(&mail).len() < 4 {
        assert!(Instant::now() < deadline, "the sender does not send");
        std::thread::sleep(Duration::from_millis(20));
    }
    sender.kill().unwrap(); // SIGKILL
    sender.wait().unwrap();
    slow.stop();
    let at_kill = outbox.counts().unwrap();
    assert!(
        at_kill.sent < n as u64,
        "the batch was over before the kill"
    );
    assert!(at_kill.sending >= 1, "nothing was in flight: {at_kill:?}");

    // Restart: rows left `sending` become pending (never transmitted) or ambiguous.
    let server = SmtpServer::start(port, &mail, &[]);
    let out = tiexin(
        tmp.path(),
        &["outbox", "send", "--config", config.to_str().unwrap()],
    );
    let ambiguous: Vec<_> = outbox.list(Some(State::Ambiguous)).unwrap();
    // Messages left ambiguous are a failure to report: exit 1 (issue 11.8).
    let expected = if ambiguous.is_empty() { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(expected), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(
        line.trim_end()
            .ends_with(&format!("ambiguous {}, still pending 0", ambiguous.len())),
        "{line}"
    );
    assert_eq!(
        outbox.counts().unwrap().sent as usize + ambiguous.len(),
        n as usize
    );

    // A person checks and retries the ambiguous ones; then everything has arrived.
    for m in &ambiguous {
        let out = tiexin(
            tmp.path(),
            &[
                "outbox",
                "retry",
                &m.id.to_string(),
                "--config",
                config.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = tiexin(
        tmp.path(),
        &["outbox", "send", "--config", config.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(outbox.counts().unwrap().sent, n as u64);

    let c = copies(&server.messages());
    let all = outbox.list(None).unwrap();
    for m in &all {
        let k = c.get(&m.message_id).copied().unwrap_or(0);
        assert!(k >= 1, "message {} never arrived", m.id);
        if k > 1 {
            assert!(
                ambiguous.iter().any(|a| a.id == m.id),
                "message {} arrived {k} times but was never ambiguous",
                m.id
            );
            assert_eq!(k, 2);
        }
    }
    assert_eq!(c.len(), n as usize);
}

#[tokio::test(flavor = "multi_thread")]
async fn held_message_waits_for_a_second_person() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let config = config_file(tmp.path(), port);
    let cfg = config.to_str().unwrap();
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let mut m = circular("U0101", "u0101@example.org", &["u01@example.org"], 1);
    m.kind = Kind::Criticism;
    m.held = true;
    let (id, _) = outbox.enqueue(m).unwrap();
    let sid = id.to_string();

    let out = tiexin(tmp.path(), &["outbox", "send", "--config", cfg]);
    assert_eq!(
        stdout(&out).trim(),
        "sent 0, failed 0, ambiguous 0, still pending 0, held for approval 1"
    );
    assert!(server.messages().is_empty());

    // The creator cannot approve it, named or as the OS user.
    let out = tiexin(
        tmp.path(),
        &["outbox", "approve", &sid, "--by", "alice", "--config", cfg],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("queued by alice") && err.contains("second person"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(["outbox", "approve", &sid, "--config", cfg])
        .env("USER", "alice")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(outbox.get(id).unwrap().state, State::Held);

    let out = tiexin(
        tmp.path(),
        &["outbox", "approve", &sid, "--by", "bob", "--config", cfg],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let row = outbox.get(id).unwrap();
    assert_eq!(
        (row.state, row.approved_by.as_deref(), row.approved_uid),
        (State::Pending, Some("bob"), Some(own_uid()))
    );
    assert_eq!(row.created_uid, Some(own_uid() + 1));
    // Approving twice is refused.
    let out = tiexin(
        tmp.path(),
        &["outbox", "approve", &sid, "--by", "carol", "--config", cfg],
    );
    assert_eq!(out.status.code(), Some(2));

    let out = tiexin(tmp.path(), &["outbox", "send", "--config", cfg]);
    assert_eq!(
        stdout(&out).trim(),
        "sent 1, failed 0, ambiguous 0, still pending 0"
    );
    assert_eq!(server.messages().len(), 1);
    assert_eq!(
        server.messages()[0]["cc"],
        serde_json::json!(["u01@example.org"])
    );
}

#[test]
fn list_and_show_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_file(tmp.path(), free_port());
    let cfg = config.to_str().unwrap();
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let (a, _) = outbox
        .enqueue(circular(
            "U0101",
            "u0101@example.org",
            &["u01@example.org"],
            1,
        ))
        .unwrap();
    let mut held = circular("U0102", "u0102@example.org", &[], 2);
    held.held = true;
    held.kind = Kind::Criticism;
    let (b, _) = outbox.enqueue(held).unwrap();

    let out = tiexin(
        tmp.path(),
        &["outbox", "list", "--format", "json", "--config", cfg],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["id"], a);
    assert_eq!(rows[0]["state"], "pending");
    assert_eq!(rows[0]["cc"], "u01@example.org");
    assert_eq!(rows[1]["id"], b);
    assert_eq!(
        (&rows[1]["state"], &rows[1]["kind"]),
        (&"held".into(), &"criticism".into())
    );

    let out = tiexin(
        tmp.path(),
        &[
            "outbox", "list", "--state", "held", "--format", "csv", "--config", cfg,
        ],
    );
    let rows = common::csv_rows(&stdout(&out));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][..3], ["id", "state", "kind"]);
    assert_eq!(
        rows[1][..3],
        [b.to_string(), "held".into(), "criticism".into()]
    );

    let out = tiexin(
        tmp.path(),
        &["outbox", "show", &a.to_string(), "--config", cfg],
    );
    let text = stdout(&out);
    let sha = hex_sha256(&pdf(1, 40_000));
    assert!(
        text.contains(&format!("督查提示-U0101.pdf (40000 bytes, SHA-256 {sha})")),
        "{text}"
    );
    assert!(text.contains(&outbox.get(a).unwrap().message_id));

    let out = tiexin(tmp.path(), &["outbox", "show", "999", "--config", cfg]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "error: there is no message 999 in the outbox"
    );
}

#[test]
fn smtp_settings_are_checked_with_one_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.toml");
    let run = |text: &str| {
        std::fs::write(&path, text).unwrap();
        tiexin(
            tmp.path(),
            &["outbox", "list", "--config", path.to_str().unwrap()],
        )
    };
    let out =
        run("[smtp]\nhost = \"mail.example.org\"\ntls = \"none\"\nfrom = \"a@example.org\"\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tls = \"none\" is allowed only for a server on this machine")
            && err.contains("not mail.example.org"),
        "{err}"
    );

    let out = run("[smtp]\nhost = \"mail.example.org\"\nuser = \"u\"\npassword = \"secret\"\nfrom = \"a@example.org\"\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("TIEXIN_SMTP_PASSWORD") && !err.contains("secret"),
        "{err}"
    );

    let out =
        run("[smtp]\nhost = \"mail.example.org\"\ntls = \"sometimes\"\nfrom = \"a@example.org\"\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));

    // Loopback without TLS is fine.
    let out = run(&format!(
        "state-dir = {:?}\n[smtp]\nhost = \"::1\"\ntls = \"none\"\nfrom = \"a@example.org\"\n",
        tmp.path().join("state").to_str().unwrap()
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_left_sending_by_a_killed_sender_are_requeued_or_ambiguous() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let outbox = Outbox::open(&tmp.path().join("tiexin.sqlite")).unwrap();
    let (a, _) = outbox
        .enqueue(circular("U0101", "u0101@example.org", &[], 1))
        .unwrap();
    let (b, _) = outbox
        .enqueue(circular("U0102", "u0102@example.org", &[], 2))
        .unwrap();
    // A sender claimed both, began transmitting `b`, and was killed.
    let now = chrono::Utc::now();
    assert_eq!(outbox.claim(now).unwrap().unwrap().id, a);
    assert_eq!(outbox.claim(now).unwrap().unwrap().id, b);
    assert!(outbox.claim(now).unwrap().is_none());
    outbox.mark_transmitting(b).unwrap();
    assert_eq!(outbox.counts().unwrap().sending, 2);

    let s = send(&outbox, port).await;
    assert_eq!((s.requeued, s.recovered_ambiguous, s.sent), (1, 1, 1));
    let row = outbox.get(a).unwrap();
    assert_eq!((row.state, row.attempts), (State::Sent, 2));
    let row = outbox.get(b).unwrap();
    assert_eq!(row.state, State::Ambiguous);
    assert!(row.last_reply.unwrap().contains("may have been delivered"));
    assert_eq!(server.messages().len(), 1);
    assert_eq!(s.line(), "sent 1, failed 0, ambiguous 1, still pending 0");
}

#[test]
fn sigterm_lets_the_messages_in_flight_finish_then_stops() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mail = tmp.path().join("mail");
    let server = SmtpServer::start(port, &mail, &["--sleep", "1.0"]);
    let config = config_file(tmp.path(), port);
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let n = 8;
    for i in 0..n {
        outbox
            .enqueue(circular(
                &format!("U{i:04}"),
                &format!("u{i}@example.org"),
                &[],
                i,
            ))
            .unwrap();
    }
    let sender = Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(["outbox", "send", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while received(&mail).is_empty() {
        assert!(Instant::now() < deadline, "the sender does not send");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-TERM", &sender.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = sender.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let c = outbox.counts().unwrap();
    assert_eq!((c.sending, c.ambiguous, c.failed), (0, 0, 0), "{c:?}");
    assert!(c.sent >= 1 && c.pending >= 1, "{c:?}");
    assert_eq!(c.sent + c.pending, n as u64);
    // Every message the server stored was recorded sent: none was cut off.
    assert_eq!(server.messages().len() as u64, c.sent);
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "sent {}, failed 0, ambiguous 0, still pending {}",
            c.sent, c.pending
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_before_the_data_is_retried_and_one_after_the_final_dot_is_ambiguous() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = smtp(0);
    cfg.timeout_seconds = Some(0.5);
    cfg.max_concurrency = Some(1);

    // The server stalls at RCPT: nothing was transmitted, so the message is due again.
    let port = free_port();
    cfg.port = Some(port);
    let stalled = SmtpServer::start(port, &tmp.path().join("mail1"), &["--sleep-rcpt", "2"]);
    let outbox = Outbox::open(&tmp.path().join("a.sqlite")).unwrap();
    let (id, _) = outbox
        .enqueue(circular("U0101", "u0101@example.org", &[], 1))
        .unwrap();
    let s = deliver(&outbox, &cfg, Arc::new(AtomicBool::new(false)))
        .await
        .unwrap();
    assert_eq!((s.sent, s.retried, s.ambiguous), (0, 1, 0));
    let row = outbox.get(id).unwrap();
    assert_eq!((row.state, row.attempts), (State::Pending, 1));
    assert_eq!(row.last_reply.as_deref(), Some("RCPT: timed out"));
    stalled.stop();

    // The server stores the message, then is slow to answer: it may have arrived.
    let port = free_port();
    cfg.port = Some(port);
    let slow = SmtpServer::start(port, &tmp.path().join("mail2"), &["--sleep", "2"]);
    let outbox = Outbox::open(&tmp.path().join("b.sqlite")).unwrap();
    let (id, _) = outbox
        .enqueue(circular("U0101", "u0101@example.org", &[], 1))
        .unwrap();
    let s = deliver(&outbox, &cfg, Arc::new(AtomicBool::new(false)))
        .await
        .unwrap();
    assert_eq!((s.sent, s.retried, s.ambiguous), (0, 0, 1));
    let row = outbox.get(id).unwrap();
    assert_eq!(row.state, State::Ambiguous);
    assert!(row.last_reply.unwrap().contains("message text: timed out"));
    assert_eq!(slow.messages().len(), 1);
}

/// Issue 11.5: the queuer's name, typed with other case or spaces, is still the queuer.
#[test]
fn approval_is_refused_to_the_queuer_whatever_the_case_or_spaces() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_file(tmp.path(), free_port());
    let cfg = config.to_str().unwrap();
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    let mut m = circular("U0101", "u0101@example.org", &[], 1);
    m.kind = Kind::Criticism;
    m.held = true;
    m.created_by = "unknown".into();
    let (id, _) = outbox.enqueue(m).unwrap();
    let sid = id.to_string();
    for by in ["Unknown ", " UNKNOWN", "unknown\t"] {
        let out = tiexin(
            tmp.path(),
            &["outbox", "approve", &sid, "--by", by, "--config", cfg],
        );
        assert_eq!(out.status.code(), Some(2), "{by:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("queued by unknown") && err.contains("second person"),
            "{err}"
        );
    }
    assert_eq!(outbox.get(id).unwrap().state, State::Held);
}

/// Issue 11.5: whatever name is typed after --by, the OS account that queued a message
/// cannot approve it.
#[test]
fn approval_is_refused_from_the_queuers_os_account_whatever_name_is_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_file(tmp.path(), free_port());
    let cfg = config.to_str().unwrap();
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    // Queued by alice from this OS account: bob, typed here, is not a second person.
    let mut m = circular("U0101", "u0101@example.org", &[], 1);
    m.kind = Kind::Criticism;
    m.held = true;
    m.created_uid = Some(own_uid());
    let (id, _) = outbox.enqueue(m).unwrap();
    for by in ["bob", "Carol Chen", "李明"] {
        let out = tiexin(
            tmp.path(),
            &[
                "outbox",
                "approve",
                &id.to_string(),
                "--by",
                by,
                "--config",
                cfg,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("queued from this OS account (uid {})", own_uid()))
                && err.contains("their own account"),
            "{err}"
        );
    }
    assert_eq!(outbox.get(id).unwrap().state, State::Held);

    // The OS account is recorded with the name, and shown.
    let show = tiexin(
        tmp.path(),
        &["outbox", "show", &id.to_string(), "--config", cfg],
    );
    assert!(
        stdout(&show).contains(&format!("by alice (uid {})", own_uid())),
        "{}",
        stdout(&show)
    );
    let list = tiexin(
        tmp.path(),
        &["outbox", "list", "--format", "json", "--config", cfg],
    );
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows[0]["created_uid"], own_uid());
    assert_eq!(rows[0]["approved_uid"], serde_json::Value::Null);

    // In the library too, whatever the name.
    let e = outbox.approve(id, "bob", Some(own_uid())).unwrap_err();
    assert!(e.to_string().contains("own account"), "{e}");
    let e = outbox.approve(id, "bob", None).unwrap_err();
    assert!(e.to_string().contains("OS user id cannot be read"), "{e}");
    let row = outbox.approve(id, "bob", Some(own_uid() + 7)).unwrap();
    assert_eq!(
        (row.state, row.approved_uid),
        (State::Pending, Some(own_uid() + 7))
    );
}

/// Issue 11.8: `outbox send` exits 1 when a message failed, is ambiguous, or the server
/// could not be reached; 0 when everything due went out.
#[test]
fn send_exits_1_when_a_message_failed_or_is_ambiguous() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config_file(tmp.path(), port);
    let cfg = config.to_str().unwrap();
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    outbox
        .enqueue(circular("U0101", "gone@example.org", &[], 1))
        .unwrap();
    outbox
        .enqueue(circular("U0102", "u0102@example.org", &[], 2))
        .unwrap();

    // No server: nothing could be offered.
    let out = tiexin(tmp.path(), &["outbox", "send", "--config", cfg]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("the server could not be reached"),
        "{}",
        stdout(&out)
    );

    let server = SmtpServer::start(
        port,
        &tmp.path().join("mail"),
        &["--reject", "gone@example.org"],
    );
    std::thread::sleep(Duration::from_millis(300)); // past the backoff of the postponed rows
    let out = tiexin(tmp.path(), &["outbox", "send", "--config", cfg]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "sent 1, failed 1, ambiguous 0, still pending 0"
    );
    assert_eq!(server.messages().len(), 1);
    server.stop();

    // Cut off after the final dot: ambiguous.
    let server = SmtpServer::start(port, &tmp.path().join("mail2"), &["--drop-after-dot", "1"]);
    outbox
        .enqueue(circular("U0103", "u0103@example.org", &[], 3))
        .unwrap();
    let out = tiexin(tmp.path(), &["outbox", "send", "--config", cfg]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "sent 0, failed 0, ambiguous 1, still pending 0"
    );
    server.stop();

    // Everything due went out: 0.
    let _server = SmtpServer::start(port, &tmp.path().join("mail3"), &[]);
    outbox
        .enqueue(circular("U0104", "u0104@example.org", &[], 4))
        .unwrap();
    let out = tiexin(tmp.path(), &["outbox", "send", "--config", cfg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "sent 1, failed 0, ambiguous 0, still pending 0"
    );
}

/// Issue 11.8: a message whose main recipient is refused is `failed`, and its copy is
/// not sent alone.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_main_recipient_fails_the_message_and_no_copy_goes_out() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(
        port,
        &tmp.path().join("mail"),
        &["--reject", "gone@example.org"],
    );
    let outbox = Outbox::open(&tmp.path().join("tiexin.sqlite")).unwrap();
    let (id, _) = outbox
        .enqueue(circular(
            "U0101",
            "gone@example.org",
            &["u01@example.org"],
            1,
        ))
        .unwrap();
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed), (0, 1));
    let row = outbox.get(id).unwrap();
    assert_eq!(row.state, State::Failed);
    let reply = row.last_reply.unwrap();
    assert!(
        reply.contains("gone@example.org") && reply.contains("550"),
        "{reply}"
    );
    assert!(server.messages().is_empty(), "{:?}", server.messages());
}

/// Issue 11.12: an attachment changed after it was queued is not sent.
#[tokio::test(flavor = "multi_thread")]
async fn an_attachment_changed_after_queueing_fails_its_message() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(port, &tmp.path().join("mail"), &[]);
    let db = tmp.path().join("state/tiexin.sqlite");
    let outbox = Outbox::open(&db).unwrap();
    let (id, _) = outbox
        .enqueue(circular("U0101", "u0101@example.org", &[], 1))
        .unwrap();
    let (good, _) = outbox
        .enqueue(circular("U0102", "u0102@example.org", &[], 2))
        .unwrap();
    // Another process replaces the stored PDF.
    let sha = outbox.get(id).unwrap().attachment_sha256.unwrap();
    let stored = tmp.path().join("state/attachments").join(&sha);
    assert_eq!(std::fs::read(&stored).unwrap(), pdf(1, 40_000));
    std::fs::write(&stored, pdf(99, 40_000)).unwrap();
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed), (1, 1));
    let row = outbox.get(id).unwrap();
    assert_eq!(row.state, State::Failed);
    let reply = row.last_reply.unwrap();
    assert!(
        reply.starts_with("not sent: the attachment 督查提示-U0101.pdf")
            && reply.contains(&format!(
                "does not match the SHA-256 recorded when it was queued: {}, not {sha}",
                hex_sha256(&pdf(99, 40_000))
            )),
        "{reply}"
    );
    assert_eq!(outbox.get(good).unwrap().state, State::Sent);
    assert_eq!(server.messages().len(), 1);
    assert_eq!(server.messages()[0]["to"][0], "u0102@example.org");

    // A missing file fails its message too.
    let (gone, _) = outbox
        .enqueue(circular("U0103", "u0103@example.org", &[], 3))
        .unwrap();
    let sha = outbox.get(gone).unwrap().attachment_sha256.unwrap();
    std::fs::remove_file(tmp.path().join("state/attachments").join(&sha)).unwrap();
    let s = send(&outbox, port).await;
    assert_eq!((s.sent, s.failed), (0, 1));
    let reply = outbox.get(gone).unwrap().last_reply.unwrap();
    assert!(
        reply.contains("is missing from the state folder"),
        "{reply}"
    );
    assert_eq!(server.messages().len(), 1);
}

/// Issue 11.19: a state database made by tiexin 0.1.0 (no schema version) is migrated
/// when opened, after a backup copy, and keeps its rows.
#[test]
fn a_state_database_of_the_first_release_is_migrated_with_a_backup_and_keeps_its_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("state/tiexin.sqlite");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(include_str!("fixtures/state-v0/schema.sql"))
            .unwrap();
        conn.execute_batch(include_str!("fixtures/state-v0/rows.sql"))
            .unwrap();
    }
    let outbox = Outbox::open(&db).unwrap();
    let version: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 1, "no schema version after opening");
    let backups: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tiexin.sqlite.v0") && n.ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(version, tiexin::delivery::outbox::SCHEMA_VERSION);
    let rows = outbox.list(None).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.iter().map(|m| (m.id, m.state)).collect::<Vec<_>>(),
        [(1, State::Sent), (2, State::Held), (3, State::Failed)]
    );
    let held = &rows[1];
    assert_eq!(held.key, "circulars|2026Q2|U0102|u0102@example.org");
    assert_eq!(held.message_id, "<5238ad2471efb47d1b17e9ed764d2e8c@tiexin>");
    assert_eq!(held.to, ["u0102@example.org"]);
    assert_eq!(held.created_by, "alice");
    assert_eq!((held.created_uid, held.approved_uid), (None, None));
    assert_eq!(rows[0].sent_at.as_deref(), Some("2026-07-05T01:00:01.000Z"));
    assert_eq!(rows[2].attempts, 5);
    // The attachments kept in the database are files of the state folder now, intact.
    let circular = b"%PDF-1.7\n% circular of U0101 queued by tiexin 0.1.0\n".to_vec();
    let criticism = b"%PDF-1.7\n% criticism of U0102 queued by tiexin 0.1.0\n".to_vec();
    assert_eq!(outbox.attachment(&rows[0]).unwrap(), Some(circular.clone()));
    assert_eq!(outbox.attachment(&rows[1]).unwrap(), Some(criticism));
    assert_eq!(outbox.attachment(&rows[2]).unwrap(), None);
    assert_eq!(
        std::fs::read(
            db.with_file_name("attachments")
                .join(rows[0].attachment_sha256.as_deref().unwrap())
        )
        .unwrap(),
        circular
    );
    // The run ledger: the slot closed as interrupted is claimed again, to be run.
    let runs = tiexin::delivery::schedule::Ledger::new(&outbox)
        .list(None)
        .unwrap();
    assert_eq!(
        runs.iter()
            .map(|r| (r.job.as_str(), r.state.as_str()))
            .collect::<Vec<_>>(),
        [("quarterly-circulars", "claimed"), ("weekly", "done")]
    );
    // The held criticism is approved as before, and the backup is the old database.
    outbox.approve(2, "bob", Some(own_uid())).unwrap();
    let old = rusqlite::Connection::open(db.with_file_name(&backups[0])).unwrap();
    let v: i64 = old
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let n: i64 = old
        .query_row(
            "SELECT count(*) FROM messages WHERE attachment IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((v, n), (0, 2));
    drop(outbox);

    // Opened again: nothing to migrate, no second backup.
    let again = Outbox::open(&db).unwrap();
    assert_eq!(again.get(2).unwrap().state, State::Pending);
    let count = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bak")
        })
        .count();
    assert_eq!(count, 1);
}

/// Issue 11.19: a database of a newer schema version than this tiexin knows is refused,
/// and a new database gets the current version without a backup.
#[test]
fn a_state_database_of_a_newer_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("tiexin.sqlite");
    drop(Outbox::open(&db).unwrap());
    assert!(std::fs::read_dir(tmp.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".bak")));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, tiexin::delivery::outbox::SCHEMA_VERSION);
    conn.pragma_update(None, "user_version", v + 1).unwrap();
    drop(conn);
    let e = Outbox::open(&db).err().unwrap().to_string();
    assert!(
        e.contains(&format!(
            "has schema version {}, newer than this tiexin knows ({v})",
            v + 1
        )),
        "{e}"
    );
}
