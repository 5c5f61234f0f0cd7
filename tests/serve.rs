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
        // Grouped as the documents print it (34,790), the same amount.
        let funds = by_id(&page, "funds_paid").unwrap();
        let yuan = |v: &str| v.replace(',', "").parse::<f64>().unwrap();
        assert_eq!(yuan(&funds), yuan(&col(row, "funds_paid")), "{union}");
        assert_eq!(
            yuan(&funds) >= 1000.0,
            funds.contains(','),
            "{union}: {funds}"
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
    // 34,790 yuan, as the bulletin prints it (tests/bulletin.rs).
    assert_eq!(by_id(&page, "funds_paid").unwrap(), "34,790");
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

/// A finding's detail page names the contact held responsible, or says that its rule
/// names none (A3: the household's contact has left; metrics.md, contact_id NULL),
/// never an empty line.
#[test]
fn a_findings_detail_names_its_contact_or_says_the_rule_names_none() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    let a3 = c.get("/finding/2026Q3/A3/H32");
    assert_eq!(a3.status, 200, "{}", a3.text);
    let contact = a3.text.split("责任联系人").nth(1).unwrap();
    assert!(
        contact.starts_with("</dt><dd><span class=\"note\">本规则不指定联系人</span></dd>"),
        "{}",
        &contact[..contact.len().min(120)]
    );
    // The list leaves such a contact's cell empty and says why under the table.
    let a3s = c.get("/findings?period=2026Q3&rule=A3").text;
    assert!(a3s.contains("联系人一栏空白的，是该规则不指定联系人"));
    let list = c.get("/findings?period=2026Q3&rule=V1").text;
    let v1 = links(&list)
        .into_iter()
        .find(|l| l.starts_with("/finding/2026Q3/V1/"))
        .expect("a V1 finding in 2026Q3");
    let page = c.get(&v1).text;
    let contact = page.split("责任联系人</dt><dd>").nth(1).unwrap();
    let id = &contact[..contact.find("</dd>").unwrap()];
    assert!(id.starts_with('C') && id.len() > 1, "{v1}: {id}");
}

/// The corrections page names unions, not ids (the id on hover), links each row's
/// union to its page and each finding to its detail: the sample's F5 on subsidy S044
/// of 历下区总工会 (U370102), verified by 济南市总工会 (U3701).
#[test]
fn corrections_name_the_unions_and_link_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    let page = c.get("/corrections?period=2026Q3&as_of=2026-12-02");
    assert_eq!(page.status, 200, "{}", page.text);
    let rows = table_rows(&page.text, "rectify");
    let f5 = rows
        .iter()
        .find(|r| r[0] == "F5" && r[3] == "S044")
        .unwrap_or_else(|| panic!("no F5 on S044: {rows:?}"));
    assert_eq!(f5[1], "历下区总工会", "{f5:?}");
    assert_eq!(f5[9], "济南市总工会", "{f5:?}");
    assert!(page
        .text
        .contains("<a href=\"/u/U370102/2026Q3\">历下区总工会</a>"));
    let detail = "/finding/2026Q3/F5/S044";
    assert!(page
        .text
        .contains(&format!("<a href=\"{detail}\">S044</a>")));
    assert_eq!(c.get(detail).status, 200);
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
    // In Chinese: each audit's title and description (its file's 审计 and 说明 lines).
    assert!(list.text.contains("分日拆分发放"));
    assert!(list.text.contains("同一工会7天之内向同一家庭的多笔发放"));
    let page = c.get("/audits/subsidies_by_contact");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"result\""), "{}", page.text);
    assert!(
        page.text.contains("<h1>联系人交通通讯补贴 · "),
        "{}",
        page.text
    );
    // The columns labelled in Chinese over their names (an archive column by its header
    // in the archive, intake.md), booleans as 是 or 否.
    let result = page.text.split("id=\"result\"").nth(1).unwrap();
    assert!(
        result.contains("是否在编公务人员<br><code class=\"note\">civil_servant</code>"),
        "{result}"
    );
    assert!(result.contains("<td>否</td>") && !result.contains("<td>false</td>"));
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
    // The sample's 9 eligible contacts are all nominated: the reserve says so in words
    // rather than as a table with no row.
    assert_eq!(
        by_id(&list.text, "no-reserve").as_deref(),
        Some("无备选人选：符合条件的 9 名联系人均已列入推荐名单。")
    );
    let nominee = links(&list.text)
        .into_iter()
        .find(|l| l.starts_with("/shortlist/2026/C"))
        .unwrap();
    let page = m.get(&nominee);
    assert_eq!(page.status, 200);
    assert!(page.text.contains("家访得分所依据的户季"), "{}", page.text);
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

/// The rows of the table with `id` of a page, each as its cells' text (tags stripped),
/// header row left out.
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let key = format!("id=\"{id}\"");
    let Some(i) = html.find(&key) else {
        return Vec::new();
    };
    let table = &html[i..];
    let table = &table[..table.find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').unwrap() + 1..];
                    let cell = &cell[..cell.find("</td>").unwrap()];
                    let mut text = String::new();
                    let mut in_tag = false;
                    for ch in cell.chars() {
                        match ch {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    text
                })
                .collect()
        })
        .collect()
}

/// The committee's nominee page: the score breakdown equals `tiexin shortlist --year
/// 2026`, and the household-quarters behind visit_score, the exits, requests and
/// ratings counted are listed record by record, as counted by hand from the sample's
/// CSV files (sample-data/README.md, "Contacts" and "Shortlist 2026").
#[test]
fn nominee_page_lists_the_records_behind_the_score() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let m = Client::new(&s);
    m.login("committee", PASSWORD);
    let out = common::tiexin(
        &dir.path().join("cache"),
        &["shortlist", "--year", "2026", "--format", "csv"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let rows = common::csv_rows(&common::stdout(&out));
    let head = rows[0].clone();
    let cli = |contact: &str, name: &str| {
        let r = rows.iter().find(|r| r[1] == contact).unwrap();
        r[head.iter().position(|h| h == name).unwrap()].clone()
    };
    let strs = |rows: &[&[&str]]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let g2 = "历下区环境卫生服务中心工会"; // U370102G2, the union of H18–H22
    let g1 = "淄博华光陶瓷厂工会"; // U370302001G1, the union of H26–H28

    // C06 陈桂兰 holds H18–H21 (assignments.csv, from 2024/2025, no end) and H22 (from
    // 2026-01-10). H18–H21 were filed before 2026 and have no exit, so each is due in
    // all four quarters: 16 household-quarters. H22 was filed on 2026-01-10 (not before
    // Q1) and exits on 03-20, so it is never due. The valid visits of 2026 (visits.csv;
    // all have a photo or video and were uploaded 3 days after, except V0375):
    //   H18: Q2 V0271, Q3 V0322, Q4 V0383            (none in Q1)
    //   H19: Q1 V0233, Q3 V0335, Q4 V0398            (none in Q2)
    //   H20: Q1 V0248, Q2 V0300, Q4 V0413            (Q3 V0375 uploaded 31 days after)
    //   H21: Q1 V0260, Q2 V0312, Q3 V0355            (none in Q4)
    // so 12 of 16 are visited. Exits: X02 (H22, signed, approved 2026-03-20 by the
    // county union U370102 历下区总工会) while C06 held H22: E = 1, exit_score =
    // min(1, 1/4). Requests of H18–H22 in 2026: none (requests.csv), so 1.
    // Ratings naming C06 in 2026 (feedback.csv): H18 05-20 5, H19 08-30 5, H21 11-02 5.
    let page = m.get("/shortlist/2026/C06");
    assert_eq!(page.status, 200, "{}", page.text);
    let hq = table_rows(&page.text, "household-quarters");
    let mut want: Vec<Vec<String>> = Vec::new();
    for (q, visits) in [
        ("2026Q1", ["", "V0233", "V0248", "V0260"]),
        ("2026Q2", ["V0271", "", "V0300", "V0312"]),
        ("2026Q3", ["V0322", "V0335", "", "V0355"]),
        ("2026Q4", ["V0383", "V0398", "V0413", ""]),
    ] {
        for (h, v) in ["H18", "H19", "H20", "H21"].iter().zip(visits) {
            let (seen, list) = if v.is_empty() {
                ("否", "—")
            } else {
                ("是", v)
            };
            want.push(strs(&[&[q, h, g2, seen, list]]).remove(0));
        }
    }
    assert_eq!(hq, want);
    assert_eq!(
        table_rows(&page.text, "exits"),
        strs(&[&["H22", g2, "X02", "2026-03-20", "历下区总工会"]])
    );
    assert_eq!(
        table_rows(&page.text, "requests"),
        Vec::<Vec<String>>::new()
    );
    assert!(page.text.contains("本年没有计入的临时诉求。"));
    assert_eq!(
        table_rows(&page.text, "ratings"),
        strs(&[
            &["H18", g2, "2026-05-20", "5"],
            &["H19", g2, "2026-08-30", "5"],
            &["H21", g2, "2026-11-02", "5"],
        ])
    );
    assert_eq!(
        by_id(&page.text, "visit_count").unwrap(),
        "12 / 16 户季有有效家访"
    );
    assert_eq!(
        by_id(&page.text, "exit_count").unwrap(),
        "1 户合规脱困 / 4 户（最高为 1）"
    );

    // C08 杨秀梅 holds H26–H28 from 2026-06-30 (C17 before): due in Q2 (C08 is assigned
    // on 06-30), Q3 and Q4, 9 household-quarters, all visited; the Q2 visits are C17's
    // (visit_score counts a valid visit by any contact). Requests raised while C08 held
    // them: R006 (H26, 09-23, resolved 10-05: 12 days, late) and R007 (H27, 09-24,
    // resolved 10-01: 7 days, in time), so 1/2. One rating: H26 2026-11-20, 2.
    let page = m.get("/shortlist/2026/C08");
    assert_eq!(page.status, 200, "{}", page.text);
    let mut want: Vec<Vec<String>> = Vec::new();
    for (q, visits) in [
        ("2026Q2", ["V0273", "V0287", "V0302"]),
        ("2026Q3", ["V0323", "V0336", "V0347"]),
        ("2026Q4", ["V0385", "V0400", "V0415"]),
    ] {
        for (h, v) in ["H26", "H27", "H28"].iter().zip(visits) {
            want.push(strs(&[&[q, h, g1, "是", v]]).remove(0));
        }
    }
    assert_eq!(table_rows(&page.text, "household-quarters"), want);
    assert_eq!(table_rows(&page.text, "exits"), Vec::<Vec<String>>::new());
    assert_eq!(
        table_rows(&page.text, "requests"),
        strs(&[
            &[
                "R006",
                "H26",
                g1,
                "住院押金",
                "2026-09-23",
                "2026-10-05",
                "12",
                "否"
            ],
            &[
                "R007",
                "H27",
                g1,
                "子女入学",
                "2026-09-24",
                "2026-10-01",
                "7",
                "是"
            ],
        ])
    );
    assert_eq!(
        table_rows(&page.text, "ratings"),
        strs(&[&["H26", g1, "2026-11-20", "2"]])
    );
    assert_eq!(
        by_id(&page.text, "request_count").unwrap(),
        "1 / 2 件 7 日内解决"
    );

    // The figures are those of `tiexin shortlist`: C06 72.5 (0.75, 0.25, 1, 1), C08
    // 61.25 (1, 0, 0.5, 0.25), as sample-data/README.md derives them.
    for (contact, figures) in [
        ("C06", ["72.5", "0.75", "0.25", "1", "1", "4"]),
        ("C08", ["61.25", "1", "0", "0.5", "0.25", "3"]),
    ] {
        let page = m.get(&format!("/shortlist/2026/{contact}")).text;
        let names = [
            "score",
            "visit_score",
            "exit_score",
            "request_score",
            "satisfaction_score",
            "households",
        ];
        for (name, want) in names.iter().zip(figures) {
            assert_eq!(cli(contact, name), want, "{contact} {name} (CLI)");
            assert_eq!(by_id(&page, name).unwrap(), want, "{contact} {name}");
        }
        assert!(
            unmasked(&page).is_empty(),
            "{contact}: {:?}",
            unmasked(&page)
        );
    }
    let log = s.audit();
    assert!(events(&log, "page")
        .iter()
        .any(|l| l["path"] == "/shortlist/2026/C08" && l["user"] == "committee"));
}

/// The Documents page lists what the state folder holds: the circulars of 2026Q3 queued
/// by `tiexin circulars --send` (the two 督查提示 with an address sent through a real
/// SMTP server on 127.0.0.1, the four 通报批评 held as unnumbered drafts) and a bulletin
/// numbered by `tiexin bulletin` outside the outbox; each with its number, title, dates
/// and recipients, its state for the office. The office downloads a sent PDF (the bytes
/// queued, written to audit.jsonl); another role, or an office outside the document's
/// subtree, is refused and logged.
#[test]
fn documents_page_lists_the_issued_documents_and_the_office_downloads_them() {
    use common::smtp::{free_port, SmtpServer};
    use console::User;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = SmtpServer::start(port, &dir.path().join("mail"), &[]);
    let cfg = dir.path().join("smtp.toml");
    std::fs::write(
        &cfg,
        format!(
            "{smtp}backoff-seconds = 0.2\n",
            smtp = common::smtp::section(port, "山东省总工会督查室 <ducha@example.cn>"),
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = common::tiexin_in(
        dir.path(),
        "alice",
        &[
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
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert_eq!(smtp.messages().len(), 2);
    let bulletin = dir.path().join("bulletin.pdf");
    let o = common::tiexin_in(
        dir.path(),
        "alice",
        &[
            "bulletin",
            "--period",
            "2026Q3",
            "--union",
            "U3701",
            "--out",
            bulletin.to_str().unwrap(),
            "--date",
            "2026-10-15",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let index = common::csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    let circular = |union: &str| index.iter().find(|r| r[0] == union).unwrap().clone();
    // circulars.csv: union_id,name,kind,major_findings,number,to,cc,file,sha256,delivery
    let (zhangdian, shinan) = (circular("U370302"), circular("U370202"));
    assert!(zhangdian[4].starts_with("鲁工督〔2026〕"), "{zhangdian:?}");
    let outbox =
        tiexin::delivery::outbox::Outbox::open(&dir.path().join("state/tiexin.sqlite")).unwrap();
    let messages = outbox.list(None).unwrap();
    assert_eq!(messages.len(), 6);
    let id_of = |union: &str| {
        messages
            .iter()
            .find(|m| m.key.split('|').nth(2) == Some(union))
            .unwrap()
            .id
    };

    let mut users: Vec<User> = console::USERS
        .iter()
        .map(|u| User(u.0, u.1, u.2, u.3, u.4))
        .collect();
    users.push(User("jinan-office", "office", "U3701", false, false));
    let s = Server::start_with(dir.path(), &users, &[]);
    let office = Client::new(&s);
    office.login("office", PASSWORD);
    let page = office.get("/documents");
    assert_eq!(page.status, 200);
    let rows = table_rows(&page.text, "issued");
    // 文号, 标题, 类别, 期间, 单位, 生成时间, 发送时间, 收件人, 状态, 文件
    let row = |number: &str| {
        rows.iter()
            .find(|r| r[0] == number)
            .unwrap_or_else(|| panic!("no {number} in {rows:?}"))
            .clone()
    };
    let z = row(&zhangdian[4]);
    assert_eq!(z[2], "督查提示");
    assert_eq!(z[3], "2026Q3");
    assert_eq!(z[4], "张店区总工会");
    assert!(z[1].contains("张店区总工会"), "{z:?}");
    assert!(z[5].starts_with("20") && z[6].starts_with("20"), "{z:?}");
    assert_eq!(z[7], "zdqzgh@example.cn；抄送 bgs@zbzgh.example.cn");
    assert_eq!(z[8], "已发送");
    assert_eq!(z[9], "张店区总工会整改通知（2026Q3）.pdf");
    let sn = row(&shinan[4]);
    assert_eq!(sn[7], "snqzgh@example.cn；抄送 bgs@qdzgh.example.cn");
    assert_eq!(sn[8], "已发送");
    // The held criticisms: drafts without a number, waiting for approval.
    let held: Vec<&Vec<String>> = rows.iter().filter(|r| r[8] == "待审批").collect();
    assert_eq!(held.len(), 4, "{rows:?}");
    assert!(held
        .iter()
        .all(|r| r[0] == "送审稿（未编号）" && r[2] == "通报批评" && r[6] == "—"));
    // The bulletin numbered outside the outbox: the first 鲁工帮 number of 2026.
    let b = row("鲁工帮〔2026〕1号");
    assert_eq!(
        b[1..5],
        ["济南市总工会工作通报", "工作通报", "2026Q3", "济南市总工会"]
    );
    assert_eq!(b[5..], ["—", "—", "未经发件箱", "已编号", "—"]);
    assert!(common::pdf_text(&std::fs::read(&bulletin).unwrap()).contains("鲁工帮〔2026〕1号"));
    assert!(unmasked(&page.text).is_empty());

    // The office downloads the sent PDF: the bytes queued, the circular's own PDF.
    let id = id_of("U370302");
    let pdf = office.get(&format!("/documents/{id}"));
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let sha = tiexin::delivery::outbox::sha256_hex(&pdf.bytes);
    assert_eq!(sha, zhangdian[8]);
    assert!(common::pdf_text(&pdf.bytes).contains(&zhangdian[4]));
    let log = s.audit();
    assert!(events(&log, "document")
        .iter()
        .any(|l| l["user"] == "office"
            && l["path"] == format!("/documents/{id}")
            && l["union"] == "U370302"));

    // An inspector of 济南 sees only what was issued within its subtree: the bulletin,
    // no draft, no state, no download.
    let jinan = Client::new(&s);
    jinan.login("jinan", PASSWORD);
    let page = jinan.get("/documents");
    let rows = table_rows(&page.text, "issued");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], "鲁工帮〔2026〕1号");
    assert!(!page.text.contains("待审批") && !page.text.contains(&zhangdian[4]));
    assert_eq!(jinan.get(&format!("/documents/{id}")).status, 403);
    // 济南's office may not download 张店区's circular, nor see it.
    let jo = Client::new(&s);
    jo.login("jinan-office", PASSWORD);
    let page = jo.get("/documents");
    assert!(!page.text.contains(&zhangdian[4]));
    assert!(
        page.text.contains("待审批"),
        "the drafts of 历下区 are in 济南's subtree"
    );
    assert_eq!(jo.get(&format!("/documents/{id}")).status, 403);
    assert_eq!(jo.get("/documents/999999").status, 404);
    let log = s.audit();
    for user in ["jinan", "jinan-office"] {
        assert!(
            events(&log, "forbidden")
                .iter()
                .any(|l| l["user"] == user && l["path"] == format!("/documents/{id}")),
            "{user}"
        );
    }
    assert!(events(&log, "forbidden")
        .iter()
        .any(|l| l["user"] == "jinan-office" && l["union"] == "U370302"));
}

/// After the load, the console computes in the background the figures of the default
/// period, then those of the quarter before it (the one an inspector compares with and
/// opens next), then the other quarters of the eight-quarter chart, newest first, then
/// the year; then the committee's shortlist of that year and its nominees' records;
/// then the other periods the archive's visits cover. It names the order first and
/// says when each is ready on its standard error.
#[test]
fn the_periods_of_the_archive_and_the_committees_figures_are_computed_after_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    let ready = || -> Vec<String> {
        s.messages()
            .iter()
            .filter_map(|l| l.split("the figures of ").nth(1))
            .filter_map(|r| r.split(" are ready").next())
            .map(str::to_string)
            .collect()
    };
    // The sample's visits run from 2025-02-04 to 2026-11-12: the default period is
    // 2026Q3 (the last quarter ended by the last visit); then the quarter before it, the
    // chart's other quarters back to 2024Q4, the year; the quarter after it (2026Q4,
    // which has visits), and the year before (2025, the first visit's). The chart
    // already reaches back beyond 2025Q1, so no older quarter follows.
    let expected = [
        "2026Q3", "2026Q2", "2026Q1", "2025Q4", "2025Q3", "2025Q2", "2025Q1", "2024Q4", "2026",
        "2026Q4", "2025",
    ];
    let start = std::time::Instant::now();
    while ready().len() < expected.len() && start.elapsed() < std::time::Duration::from_secs(300) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let got = ready();
    assert_eq!(got, expected, "{:?}", s.messages());
    let announced = format!(
        "tiexin serve: computing in the background, in this order: {}",
        expected.join(", ")
    );
    assert!(s.messages().contains(&announced), "{:?}", s.messages());
    let default: tiexin::sql::Period = got[0].parse().unwrap();
    // The committee's figures of the year come right after it (before 2026Q4): its
    // shortlist, then the records of the sample's nine eligible contacts (all nominees
    // at the default size of 100, so no reserve).
    let year = default.year();
    let committee = |what: &str| {
        s.messages()
            .iter()
            .position(|l| l.contains(&format!("the shortlist of {year} {what}")))
    };
    while committee("and the records").is_none()
        && start.elapsed() < std::time::Duration::from_secs(300)
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let list = committee("is ready").expect("the shortlist was not computed");
    let records = committee("and the records of its 9 nominees and reserves are ready")
        .unwrap_or_else(|| panic!("{:?}", s.messages()));
    let last_period = s
        .messages()
        .iter()
        .position(|l| l.contains(&format!("the figures of {year} are ready")))
        .unwrap();
    let after = s
        .messages()
        .iter()
        .position(|l| l.contains("the figures of 2026Q4 are ready"))
        .unwrap();
    assert!(
        last_period < list && list < records && records < after,
        "{:?}",
        s.messages()
    );
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    for p in &got {
        assert_eq!(c.get(&format!("/u/U37/{p}")).status, 200, "{p}");
    }
    let c01 = c.get(&format!("/shortlist/{year}/C01"));
    assert_eq!(c01.status, 200, "{}", c01.text);
}

/// A page whose figures are not ready within the wait (here none: 0 ms) answers at
/// once with 202 and a page saying what it computes, refreshed every 2 s
/// (`Refresh: 2`; with the default wait of 1.5 s the browser asks again at once, each
/// ask waiting for the figures), until the figures come; figures already computed come at once,
/// whatever the wait. 2024Q3 is outside the periods computed after the load (the
/// sample's first visit is in 2025), so its figures are computed on its view.
#[test]
fn a_page_says_what_it_computes_until_its_figures_come() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_waiting(dir.path(), 0);
    let c = Client::new(&s);
    c.login("office", PASSWORD);
    let first = c.get("/u/U37/2024Q3");
    assert_eq!(first.status, 202, "{}", first.text);
    assert_eq!(first.headers["refresh"], "2");
    assert!(
        first
            .text
            .contains("正在计算2024年第3季度的各项指标，已用 0 秒。"),
        "{}",
        first.text
    );
    let findings = c.get("/findings?period=2024Q3");
    assert_eq!(findings.status, 202, "{}", findings.text);
    assert!(findings.text.contains("正在计算2024年第3季度的问题清单"));
    // Asked again as the browser does, the page comes once the figures are computed.
    let start = std::time::Instant::now();
    let page = loop {
        let r = c.get("/u/U37/2024Q3");
        if r.status != 202 {
            break r;
        }
        assert!(start.elapsed().as_secs() < 120, "2024Q3 was never computed");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("家访率") && !page.text.contains("正在计算"));
    // Ready figures (the load computed 2026Q3 first, then the server said it was
    // ready) come at once.
    let ready = c.get("/u/U37/2026Q3");
    assert_eq!(ready.status, 200, "{}", ready.text);
}
