//! A real SMTP server for the tests (`tests/smtp/server.py`, aiosmtpd) on 127.0.0.1.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpServer {
    /// Starts the server on `port`, storing into `dir`, with extra flags
    /// (`--tempfail-first 2`, `--reject ADDR`, `--drop-after-dot 1`, `--sleep 0.5`), and
    /// waits until it accepts connections.
    pub fn start(port: u16, dir: &Path, flags: &[&str]) -> SmtpServer {
        let script = super::repo().join("tests/smtp/server.py");
        let child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir)
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs tests/smtp/server.py (pip install aiosmtpd)");
        let mut server = SmtpServer {
            child,
            port,
            dir: dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the SMTP server exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP server does not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The sidecars of every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        received(&self.dir)
    }

    /// CPU seconds the server has used (user + system; Linux).
    pub fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) / 100.0
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The sidecars (JSON) of the messages stored in `dir`, oldest first.
pub fn received(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// How many copies of each Message-ID were received.
pub fn copies(messages: &[Value]) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for v in messages {
        *m.entry(v["message_id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    m
}

/// The `[smtp]` section of a test's configuration: the test server on 127.0.0.1:`port`,
/// without TLS, sending as `from`, with a 5 s timeout.
pub fn section(port: u16, from: &str) -> String {
    format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"{from}\"\ntimeout-seconds = 5\n"
    )
}
