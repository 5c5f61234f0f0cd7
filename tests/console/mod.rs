//! A real `tiexin serve` on 127.0.0.1 for the console's tests: users with known
//! passwords in a config file, the server started on a free port and stopped (by its
//! process id) when dropped, and a client with a cookie store that logs in as a person
//! would, through the log-in form.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The password every test user has.
pub const PASSWORD: &str = "贴心-test-密码";

/// The argon2 hash of [`PASSWORD`], made once with `tiexin passwd`.
pub fn hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use std::io::Write;
        let mut c = Command::new(env!("CARGO_BIN_EXE_tiexin"))
            .arg("passwd")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin
            .take()
            .unwrap()
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .unwrap();
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success());
        let h = String::from_utf8(o.stdout).unwrap().trim().to_string();
        assert!(h.starts_with("$argon2id$"), "{h}");
        h
    })
}

/// A user of the test config: name, role, scope, full access, disabled.
pub struct User(
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub bool,
    pub bool,
);

/// The usual users: the province office, a city inspector (济南), a county inspector
/// (历下区), the award committee, a full-access office, a disabled inspector.
pub const USERS: &[User] = &[
    User("office", "office", "U37", false, false),
    User("jinan", "inspector", "U3701", false, false),
    User("lixia", "inspector", "U370102", false, false),
    User("committee", "committee", "U37", false, false),
    User("full", "office", "U37", true, false),
    User("gone", "inspector", "U3701", false, true),
];

/// A running server.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The test's folder (config, state, cache).
    pub dir: PathBuf,
    /// What the server has written to its standard error so far, line by line.
    messages: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The config file with `users`.
pub fn config(dir: &Path, users: &[User]) -> PathBuf {
    let mut text = format!(
        "state-dir = {:?}\n",
        dir.join("state").display().to_string()
    );
    for u in users {
        text.push_str(&format!(
            "\n[[users]]\nname = {:?}\npassword-hash = {:?}\nrole = {:?}\nscope = {:?}\nfull-access = {}\ndisabled = {}\n",
            u.0, hash(), u.1, u.2, u.3, u.4
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

impl Server {
    /// Starts `tiexin serve` on the sample archive with [`USERS`] and waits until the
    /// archive is loaded.
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, USERS, &[])
    }

    /// Starts `tiexin serve` with `users` and extra arguments. Its pages wait for the
    /// figures they compute however long they take, so that a busy test machine never
    /// sees the page saying what is computed ([`Server::start_waiting`]).
    pub fn start_with(dir: &Path, users: &[User], extra: &[&str]) -> Server {
        Server::start_full(dir, users, extra, 600_000)
    }

    /// Starts `tiexin serve` with [`USERS`], whose pages wait `ms` milliseconds for the
    /// figures they compute before they say what is computed (`TIEXIN_SERVE_WAIT_MS`).
    pub fn start_waiting(dir: &Path, ms: u64) -> Server {
        Server::start_full(dir, USERS, &[], ms)
    }

    fn start_full(dir: &Path, users: &[User], extra: &[&str], wait_ms: u64) -> Server {
        let cfg = config(dir, users);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tiexin"))
            .args(["serve", "--bind", "127.0.0.1:0", "--config"])
            .arg(&cfg)
            .args(extra)
            .env("TIEXIN_CACHE_DIR", dir.join("cache"))
            .env("TIEXIN_SERVE_WAIT_MS", wait_ms.to_string())
            .env_remove("XDG_CACHE_HOME")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let mut base = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(i) = line.find("http://") {
                base = Some(line[i..].split('/').take(3).collect::<Vec<_>>().join("/"));
                break;
            }
        }
        let base = base.expect("tiexin serve printed no address");
        // Keep reading the server's messages so that it never blocks on a full pipe.
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        let server = Server {
            child,
            base,
            dir: dir.to_path_buf(),
            messages,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let c = Client::new(self);
        c.login("office", PASSWORD);
        let start = Instant::now();
        loop {
            let r = c.get("/u/U37/2026Q3");
            if r.status != 503 && r.status != 202 {
                assert_eq!(r.status, 200, "{}", r.text);
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the archive did not load"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The lines of the audit log.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.join("state").join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The lines the server has written to its standard error so far.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// The process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// An answer: status, final URL, headers, body.
pub struct Answer {
    pub status: u16,
    pub url: String,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

/// A browser-like client: cookies kept, redirects followed.
pub struct Client {
    http: reqwest::blocking::Client,
    pub base: String,
}

impl Client {
    /// A client of `server`, not logged in.
    pub fn new(server: &Server) -> Client {
        Client::with_redirects(server, true)
    }

    /// A client that follows redirects or not.
    pub fn with_redirects(server: &Server, follow: bool) -> Client {
        let policy = if follow {
            reqwest::redirect::Policy::limited(5)
        } else {
            reqwest::redirect::Policy::none()
        };
        Client {
            http: reqwest::blocking::Client::builder()
                .cookie_store(true)
                .redirect(policy)
                .timeout(Duration::from_secs(300))
                .build()
                .unwrap(),
            base: server.base.clone(),
        }
    }

    fn answer(r: reqwest::blocking::Response) -> Answer {
        let status = r.status().as_u16();
        let url = r.url().to_string();
        let headers = r.headers().clone();
        let bytes = r.bytes().unwrap().to_vec();
        Answer {
            status,
            url,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    /// GET a path of the site.
    pub fn get(&self, path: &str) -> Answer {
        Client::answer(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .unwrap(),
        )
    }

    /// POST a form to a path of the site.
    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Client::answer(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .unwrap(),
        )
    }

    /// Logs in through the form; the answer to the form.
    pub fn login(&self, name: &str, password: &str) -> Answer {
        let form = self.get("/login");
        let csrf = hidden(&form.text, "csrf");
        self.post(
            "/login",
            &[
                ("name", name),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ],
        )
    }

    /// The CSRF token of the forms on a page.
    pub fn csrf(&self) -> String {
        hidden(&self.get("/audits").text, "csrf")
    }
}

/// The value of the hidden input `name` of a page.
pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"));
    html[i + key.len()..].split('"').next().unwrap().to_string()
}

/// The links (`href`) of a page.
pub fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}

/// The text of the element with `id`.
pub fn by_id(html: &str, id: &str) -> Option<String> {
    let key = format!("id=\"{id}\">");
    let i = html.find(&key)?;
    Some(html[i + key.len()..].split('<').next()?.to_string())
}
