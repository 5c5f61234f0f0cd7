//! `tiexin serve` over HTTP on 127.0.0.1: a real server (the binary) and a real client.
//! Log-in and log-out, throttled wrong passwords, scope escapes (URL, query parameter,
//! audit SQL) refused and logged, CSRF refused, no unmasked ID number or phone on any
//! page reached from the overview, and the overview's figures equal `tiexin metrics`.

mod common;
mod console;

use std::collections::{BTreeSet, VecDeque};

use console::{by_id, hidden, links, Client, Server, PASSWORD};

fn events<'a>(log: &'a [serde_json::Value], event: &str) -> Vec<&'a serde_json::Value> {
    log.iter().filter(|l| l["event"] == event).collect()
}

#[test]
fn login_logout_and_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    // Not logged in: every page leads to the log-in form, remembering where to go.
    let r = c.get("/u/U3701/2026Q3");
    assert_eq!(r.status, 200);
    assert!(
        r.url.contains("/login?next=%2Fu%2FU3701%2F2026Q3"),
        "{}",
        r.url
    );
    assert!(r.text.contains("登录"));

    // The session cookie: HttpOnly, SameSite=Strict, expiring, not Secure on loopback.
    let raw = Client::with_redirects(&s, false);
    let form = raw.get("/login");
    let csrf = hidden(&form.text, "csrf");
    let r = raw.post(
        "/login",
        &[
            ("name", "jinan"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("tiexin_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains("Max-Age=28800"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");

    // Log-in lands on the user's own union for the archive's last quarter.
    let r = c.login("jinan", PASSWORD);
    assert_eq!(r.status, 200);
    assert!(r.url.ends_with("/u/U3701/2026Q3"), "{}", r.url);
    assert!(
        r.text.contains("济南市总工会 · 2026年第3季度"),
        "{}",
        r.text
    );
    assert!(r.text.contains("jinan（督查人员）"));

    // Log-out ends the session: the same cookie no longer opens a page.
    let csrf = hidden(&r.text, "csrf");
    let r = c.post("/logout", &[("csrf", &csrf)]);
    assert!(r.url.ends_with("/login"), "{}", r.url);
    let r = c.get("/u/U3701/2026Q3");
    assert!(r.url.contains("/login?next="), "{}", r.url);

    // A disabled user cannot log in, even with the right password.
    let r = c.login("gone", PASSWORD);
    assert_eq!(r.status, 401);
    assert!(r.text.contains("用户名或密码不正确"));
    let log = s.audit();
    assert!(events(&log, "login").len() >= 2);
    assert!(events(&log, "logout").iter().any(|l| l["user"] == "jinan"));
}

#[test]
fn wrong_passwords_are_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    for i in 1..=4 {
        let r = c.login("lixia", "wrong");
        assert_eq!(r.status, 401, "attempt {i}");
        assert!(r.text.contains("用户名或密码不正确"));
    }
    let r = c.login("lixia", "wrong");
    assert_eq!(r.status, 429);
    assert!(
        r.text.contains("登录失败次数过多，请 15 分钟后再试"),
        "{}",
        r.text
    );
    // Locked: the right password is refused too, for this name from this address.
    let r = c.login("lixia", PASSWORD);
    assert_eq!(r.status, 429);
    assert!(!r.url.contains("/u/"));
    // Another user from the same address is not locked.
    let r = c.login("jinan", PASSWORD);
    assert_eq!(r.status, 200);
    assert!(r.url.ends_with("/u/U3701/2026Q3"), "{}", r.url);
    let log = s.audit();
    assert_eq!(
        events(&log, "login-failed")
            .iter()
            .filter(|l| l["user"] == "lixia")
            .count(),
        5
    );
    assert_eq!(
        events(&log, "login-throttled")
            .iter()
            .filter(|l| l["user"] == "lixia")
            .count(),
        1
    );
}

#[test]
fn scope_escapes_are_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    assert_eq!(c.login("jinan", PASSWORD).status, 200);
    // Inside the subtree: fine.
    assert_eq!(c.get("/u/U370102/2026Q3").status, 200);
    assert_eq!(c.get("/findings?union=U370102&period=2026Q3").status, 200);
    // By URL: another city, the province above, an unknown union.
    for path in [
        "/u/U3702/2026Q3",
        "/u/U37/2026Q3",
        "/u/U9999/2026Q3",
        "/u/U3702/2026Q3/bulletin.pdf",
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 403, "{path}");
        assert!(r.text.contains("不在您的权限范围"), "{path}");
    }
    // By query parameter.
    for path in [
        "/findings?union=U3702&period=2026Q3",
        "/audits/subsidies_by_contact?union=U3702",
        "/audits/subsidies_by_contact?union=U37&format=csv",
    ] {
        assert_eq!(c.get(path).status, 403, "{path}");
    }
    // A finding of another city, by its detail URL.
    let office = Client::new(&s);
    office.login("office", PASSWORD);
    let all = office.get("/findings?union=U3702&period=2026Q3");
    let other = links(&all.text)
        .into_iter()
        .find(|l| l.starts_with("/finding/2026Q3/"))
        .expect("a finding in Qingdao");
    assert_eq!(c.get(&other).status, 403, "{other}");
    // Free SQL with a union parameter outside the subtree.
    let csrf = c.csrf();
    let r = c.post(
        "/sql",
        &[
            ("csrf", &csrf),
            ("sql", "SELECT 1 AS x"),
            ("union", "U3702"),
        ],
    );
    assert_eq!(r.status, 403);

    let log = s.audit();
    let forbidden: Vec<_> = events(&log, "forbidden")
        .into_iter()
        .filter(|l| l["user"] == "jinan")
        .collect();
    assert_eq!(forbidden.len(), 9, "{forbidden:?}");
    assert!(forbidden.iter().any(|l| l["path"] == "/u/U3702/2026Q3"
        && l["union"] == "U3702"
        && l["period"] == "2026Q3"));
    assert!(forbidden
        .iter()
        .any(|l| l["path"] == "/findings?union=U3702&period=2026Q3"));

    // Audit SQL asking for every union sees only the user's subtree: the tables are
    // cut before the statement reads them, and the query is in the log under the user.
    let r = c.post(
        "/sql",
        &[
            ("csrf", &csrf),
            (
                "sql",
                "SELECT DISTINCT union_id FROM households ORDER BY union_id",
            ),
            ("union", ""),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let table = r
        .text
        .split("id=\"result\"")
        .nth(1)
        .expect("a result table");
    assert!(table.contains("U370102001G1"), "{table}");
    for other in ["U3702", "U3703", "U37HY"] {
        assert!(!table.contains(other), "{other} in {table}");
    }
    let log = s.audit();
    let q = log
        .iter()
        .find(|l| {
            l["outcome"] == "ok"
                && l["sql"]
                    .as_str()
                    .is_some_and(|s| s.contains("DISTINCT union_id"))
        })
        .expect("the query in audit.jsonl");
    assert_eq!(q["user"], "jinan");
    assert_eq!(q["scope"], "U3701");
    // A statement that writes is refused by the sandbox, and logged as refused.
    let r = c.post(
        "/sql",
        &[
            ("csrf", &csrf),
            ("sql", "COPY households TO '/tmp/x.csv'"),
            ("union", ""),
        ],
    );
    assert!(r.text.contains("id=\"refused\""), "{}", r.text);
    assert!(s
        .audit()
        .iter()
        .any(|l| l["outcome"] == "refused" && l["user"] == "jinan"));
    // A committee member runs no SQL at all.
    let m = Client::new(&s);
    m.login("committee", PASSWORD);
    let csrf = m.csrf();
    assert_eq!(
        m.post(
            "/sql",
            &[("csrf", &csrf), ("sql", "SELECT 1"), ("union", "")]
        )
        .status,
        403
    );
}

#[test]
fn csrf_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    // Log-out without the token, or with another one: refused, still logged in.
    assert_eq!(c.post("/logout", &[]).status, 403);
    assert_eq!(c.post("/logout", &[("csrf", "0000")]).status, 403);
    assert_eq!(c.get("/u/U37/2026Q3").status, 200);
    // Free SQL and reload with a wrong token: refused, nothing ran.
    assert_eq!(
        c.post("/sql", &[("csrf", "x"), ("sql", "SELECT 1 AS x")])
            .status,
        403
    );
    assert_eq!(c.post("/reload", &[("csrf", "x")]).status, 403);
    assert!(!s.audit().iter().any(|l| l["sql"] == "SELECT 1 AS x"));
    // The token of another session is refused too.
    let other = Client::new(&s);
    other.login("full", PASSWORD);
    let theirs = other.csrf();
    assert_eq!(c.post("/logout", &[("csrf", &theirs)]).status, 403);
    // Log-in without the log-in form's cookie token (a form posted from another site).
    let fresh = Client::new(&s);
    let r = fresh.post(
        "/login",
        &[
            ("name", "office"),
            ("password", PASSWORD),
            ("csrf", "forged"),
            ("next", "/"),
        ],
    );
    assert_eq!(r.status, 403);
    let forbidden = events(&s.audit(), "forbidden").len();
    assert_eq!(forbidden, 6);
}

/// Runs of digits (with a trailing X) of an ID number's or a phone's length.
fn unmasked(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == 'X') {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let phone = run.len() == 11 && run.starts_with('1');
            if (run.len() == 18 || phone) && (j == chars.len() || !chars[j].is_ascii_alphanumeric())
            {
                out.push(run);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Every page reached by following the links from the overview (downloads included).
fn crawl(c: &Client, limit: usize) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut pages = Vec::new();
    while let Some(p) = queue.pop_front() {
        if !seen.insert(p.clone()) || pages.len() >= limit {
            continue;
        }
        let r = c.get(&p);
        assert!(r.status == 200, "{p}: {}", r.status);
        let text = if p.ends_with(".pdf") {
            common::pdf_text(&r.bytes)
        } else {
            r.text.clone()
        };
        if r.headers
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap().starts_with("text/html"))
        {
            for l in links(&r.text) {
                let same_site = l.starts_with('/') && !l.starts_with("//");
                // Other years and quarters hold the same records: stay near 2026Q3. A
                // sorted table holds the rows of the unsorted one; a workbook is
                // compressed (its CSV twin is scanned); drafts of other periods are the
                // same document with other figures.
                let off_period = ["2024", "2025Q", "2027"].iter().any(|y| l.contains(y));
                let same_rows = l.contains("sort=") || l.contains("format=xlsx");
                let other_draft = l.ends_with(".pdf") && !l.ends_with("/2026Q3/bulletin.pdf");
                if same_site
                    && !off_period
                    && !same_rows
                    && !other_draft
                    && l != "/app.css"
                    && !seen.contains(&l)
                {
                    queue.push_back(l);
                }
            }
        }
        pages.push((p, text));
    }
    pages
}

#[test]
fn no_unmasked_personal_data_on_any_page() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    let pages = crawl(&c, 2000);
    let kinds = [
        "/u/",
        "/findings",
        "/finding/",
        "/shortlist/2026/",
        "/audits/",
        "/corrections",
        "/documents",
        "bulletin.pdf",
    ];
    for k in kinds {
        assert!(
            pages.iter().any(|(p, _)| p.contains(k)),
            "no page {k} reached"
        );
    }
    let mut masked = 0;
    for (p, text) in &pages {
        let found = unmasked(text);
        assert!(found.is_empty(), "{p} shows {found:?}");
        masked += text.matches("********").count();
    }
    assert!(pages.len() > 100, "{} pages", pages.len());
    // The scan reached household records: their masked ID numbers are shown.
    assert!(masked > 0);
    // Household-level pages were written to the audit log.
    let log = s.audit();
    assert!(events(&log, "page")
        .iter()
        .any(|l| l["path"].as_str().unwrap().starts_with("/finding/")));

    // The same page for a user with full access shows the ID number (the scan can fail).
    let f = Client::new(&s);
    f.login("full", PASSWORD);
    let detail = pages
        .iter()
        .find(|(p, t)| p.starts_with("/finding/") && t.contains("370102********"))
        .unwrap();
    let full = f.get(&detail.0);
    assert!(!unmasked(&full.text).is_empty(), "{}", detail.0);
}

#[test]
fn overview_figures_equal_tiexin_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    let out = common::tiexin(
        &dir.path().join("cache"),
        &["metrics", "--period", "2026Q3", "--format", "csv"],
    );
    assert!(out.status.success());
    let rows = common::csv_rows(&common::stdout(&out));
    let head = &rows[0];
    let col = |r: &Vec<String>, name: &str| r[head.iter().position(|h| h == name).unwrap()].clone();
    let pct = |v: String| {
        if v.is_empty() {
            "—".to_string()
        } else {
            format!("{:.1}%", v.parse::<f64>().unwrap() * 100.0)
        }
    };
    for union in ["U37", "U3701", "U370102"] {
        let row = rows.iter().find(|r| col(r, "union_id") == union).unwrap();
        let page = c.get(&format!("/u/{union}/2026Q3")).text;
        assert_eq!(by_id(&page, "due").unwrap(), col(row, "due"), "{union}");
        assert_eq!(by_id(&page, "base").unwrap(), col(row, "base"), "{union}");
        assert_eq!(
            by_id(&page, "funds_paid").unwrap(),
            col(row, "funds_paid"),
            "{union}"
        );
        assert_eq!(
            by_id(&page, "findings_major").unwrap(),
            col(row, "findings_major"),
            "{union}"
        );
        assert_eq!(
            by_id(&page, "findings_minor").unwrap(),
            col(row, "findings_minor"),
            "{union}"
        );
        for k in [
            "visit_compliance",
            "exit_rate",
            "exit_procedure_rate",
            "on_target_share",
            "budget_execution",
        ] {
            assert_eq!(by_id(&page, k).unwrap(), pct(col(row, k)), "{union} {k}");
        }
    }
    // The province's page: the sample's 87.5% (42 of 48), its chart, its child table.
    let page = c.get("/u/U37/2026Q3").text;
    assert_eq!(by_id(&page, "visit_compliance").unwrap(), "87.5%");
    assert!(page.contains("<svg"));
    let children = page.split("id=\"children\"").nth(1).unwrap();
    for city in [
        "/u/U3701/2026Q3",
        "/u/U3702/2026Q3",
        "/u/U3703/2026Q3",
        "/u/U37HY/2026Q3",
    ] {
        assert!(children.contains(city), "{city}");
    }
    // Sorting by visit compliance, ascending then descending, reverses the order.
    let order = |html: &str| -> Vec<String> {
        let t = html.split("id=\"children\"").nth(1).unwrap();
        links(t)
            .into_iter()
            .filter(|l| l.starts_with("/u/") && !l.contains('?'))
            .collect()
    };
    let cities = ["U3701", "U3702", "U3703", "U37HY"];
    let rate = |u: &str| {
        let r = rows.iter().find(|r| col(r, "union_id") == u).unwrap();
        col(r, "visit_compliance").parse::<f64>().unwrap_or(-1.0)
    };
    let mut asc: Vec<&str> = cities.to_vec();
    asc.sort_by(|a, b| rate(a).total_cmp(&rate(b)));
    let mut desc: Vec<&str> = cities.to_vec();
    desc.sort_by(|a, b| rate(b).total_cmp(&rate(a)));
    let expect = |v: Vec<&str>| {
        v.iter()
            .map(|u| format!("/u/{u}/2026Q3"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&c.get("/u/U37/2026Q3?sort=visit&dir=asc").text),
        expect(asc)
    );
    assert_eq!(
        order(&c.get("/u/U37/2026Q3?sort=visit&dir=desc").text),
        expect(desc)
    );
}

#[test]
fn serve_refuses_an_open_address_without_a_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = console::config(dir.path(), console::USERS);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(["serve", "--bind", "0.0.0.0:0", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--bind 0.0.0.0:0: not a loopback address"),
        "{err}"
    );
    assert!(err.contains("--behind-proxy"), "{err}");
}

#[test]
fn audits_shortlist_and_documents_by_role() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("jinan", PASSWORD);
    // A ready audit: its description, a table cut to the subtree, CSV and xlsx downloads.
    let list = c.get("/audits");
    assert!(list.text.contains("payments_split_across_days"));
    let page = c.get("/audits/subsidies_by_contact");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"result\""), "{}", page.text);
    let csv = c.get("/audits/subsidies_by_contact?union=U3701&format=csv");
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let rows = common::csv_rows(&csv.text);
    assert!(rows.len() > 1, "{}", csv.text);
    let xlsx = c.get("/audits/subsidies_by_contact?union=U3701&format=xlsx");
    assert_eq!(&xlsx.bytes[..2], b"PK");
    // The same audit from the command line over the same scope gives the same rows.
    let sql = common::repo().join("queries/audits/subsidies_by_contact.sql");
    let cli = common::tiexin_in(
        dir.path(),
        "test",
        &[
            "query",
            "--scope",
            "U3701",
            "--format",
            "csv",
            "-f",
            sql.to_str().unwrap(),
        ],
    );
    assert!(cli.status.success(), "{}", common::stderr(&cli));
    assert_eq!(common::csv_rows(&common::stdout(&cli)), rows);
    // An inspector has no shortlist; a committee member has, with each nominee's page.
    assert_eq!(c.get("/shortlist/2026").status, 403);
    let m = Client::new(&s);
    m.login("committee", PASSWORD);
    let list = m.get("/shortlist/2026");
    assert_eq!(list.status, 200);
    for part in ["推荐人选", "备选人选", "未列入的联系人", "权重敏感性"] {
        assert!(list.text.contains(part), "{part}");
    }
    let nominee = links(&list.text)
        .into_iter()
        .find(|l| l.starts_with("/shortlist/2026/C"))
        .unwrap();
    let page = m.get(&nominee);
    assert_eq!(page.status, 200);
    assert!(page.text.contains("本年家访记录"), "{}", page.text);
    // A committee member runs no audits.
    assert_eq!(m.get("/audits").status, 403);
    // The draft bulletin: no number taken, none written to the state folder.
    let pdf = c.get("/u/U3701/2026Q3/bulletin.pdf");
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let text = common::pdf_text(&pdf.bytes);
    assert!(
        text.contains("送审稿（未编号）") && text.contains("济南市总工会"),
        "{text}"
    );
    assert!(!dir.path().join("state").join("doc-numbers.json").exists());
    assert_eq!(c.get("/documents").status, 200);
}

#[test]
fn sighup_reloads_without_dropping_requests() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    let loaded_at = |html: &str| {
        html.split("档案载入于 ")
            .nth(1)
            .unwrap()
            .split('（')
            .next()
            .unwrap()
            .to_string()
    };
    let before = loaded_at(&c.get("/u/U37/2026Q3").text);
    let base = s.base.clone();
    let cookie_client = std::sync::Arc::new(c);
    let worker = {
        let c = cookie_client.clone();
        std::thread::spawn(move || {
            (0..40)
                .map(|_| c.get("/u/U3701/2026Q3").status)
                .collect::<Vec<_>>()
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let statuses = worker.join().unwrap();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?} ({base})");
    let start = std::time::Instant::now();
    loop {
        let now = loaded_at(&cookie_client.get("/u/U37/2026Q3").text);
        if now != before {
            break;
        }
        assert!(start.elapsed().as_secs() < 120, "never reloaded");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // The session survived the reload.
    assert_eq!(cookie_client.get("/findings").status, 200);
}
