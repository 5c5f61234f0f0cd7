//! The supervisor of user-supplied SQL. `tiexin query`, and any command given
//! `--queries DIR`, runs this same command again as a worker child
//! (`sql::sandbox::guard`) and watches it: the child caps its own memory once it has
//! loaded the archive, and the supervisor stops it when the time limit passes (planning
//! included). Whatever way the child ends, the supervisor knows why (its marked lines,
//! its exit status) and says it in one sentence, so the audit log always gets an outcome.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::sql::sandbox::audit::Outcome;
use crate::sql::sandbox::guard::{self, MARK};
use crate::sql::sandbox::{over_memory, over_time, Limits};

/// How a worker ended.
pub struct Finished {
    /// Its exit code (2 when it was stopped).
    pub code: i32,
    /// The outcome for the audit log.
    pub outcome: Outcome,
    /// Its error sentence, if it failed or was refused.
    pub message: Option<String>,
    /// The rows its statement returned, as it said.
    pub rows: Option<usize>,
    /// The error to report when the worker could not say it itself (it was stopped).
    pub error: Option<Error>,
}

/// What the supervisor has seen of the worker so far.
#[derive(Default)]
struct Watch {
    deadline: Option<Instant>,
    said: Option<Outcome>,
    rows: Option<usize>,
    message: Option<String>,
    out_of_memory: bool,
    overflow: bool,
    timed_out: bool,
}

impl Watch {
    /// One line of the worker's standard error: protocol, a runtime's last words, or a
    /// line for the user (forwarded).
    fn handle(&mut self, line: String, limits: &Limits) {
        if let Some(word) = line.strip_prefix(MARK) {
            let (w, rest) = word.split_once(' ').unwrap_or((word, ""));
            match w {
                guard::BEGIN => {
                    let limit = Duration::try_from_secs_f64(limits.seconds.max(0.0))
                        .unwrap_or(Duration::MAX / 2);
                    self.deadline = Some(Instant::now() + limit);
                }
                guard::ROWS => self.rows = rest.parse().ok(),
                guard::REFUSED => self.said = Some(Outcome::Refused),
                guard::FAILED => self.said = Some(Outcome::Failed),
                _ => {}
            }
        } else if line.starts_with(MEMORY_FAILED) {
            self.out_of_memory = true;
        } else if line.contains(STACK_OVERFLOW) || line.starts_with(FATAL) {
            self.overflow = true;
        } else if self.out_of_memory || self.overflow {
            // What a stopped runtime prints after its last words (a backtrace).
        } else {
            if let Some(m) = line.strip_prefix("error: ") {
                self.message = Some(m.to_string());
            }
            eprintln!("{line}");
        }
    }
}

/// Lines of the Rust runtime that a stopped worker prints, replaced by one sentence.
const MEMORY_FAILED: &str = "memory allocation of ";
const STACK_OVERFLOW: &str = "has overflowed its stack";
const FATAL: &str = "fatal runtime error";

/// Runs this command again as a worker within `limits`; `stdin` is written to its
/// standard input (the SQL read from ours), else it inherits ours. Its standard output
/// is ours; its standard error is forwarded line by line, less the protocol.
pub fn run(limits: &Limits, stdin: Option<&str>) -> Result<Finished> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::Internal(format!("cannot find the tiexin executable: {e}")))?;
    let mut child = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(guard::WORKER_VAR, guard::worker_value(limits))
        .env_remove("RUST_BACKTRACE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Internal(format!("cannot start the query worker: {e}")))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // The worker reads it all before anything else; a closed pipe means it ended.
        let _ = pipe.write_all(text.as_bytes());
    }
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| Error::Internal("the query worker has no standard error".into()))?;
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut w = Watch::default();
    let status = loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => w.handle(line, limits),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child
                    .wait()
                    .map_err(|e| Error::Internal(format!("waiting for the query worker: {e}")))?;
                break status;
            }
        }
        if w.deadline.is_some_and(|d| Instant::now() >= d) {
            w.timed_out = true;
            let _ = child.kill();
            let status = child
                .wait()
                .map_err(|e| Error::Internal(format!("waiting for the query worker: {e}")))?;
            break status;
        }
    };
    let _ = reader.join();
    for line in rx.try_iter() {
        w.handle(line, limits);
    }
    let Watch {
        said,
        rows,
        message,
        out_of_memory,
        overflow,
        timed_out,
        ..
    } = w;
    let stopped = |outcome: Outcome, e: Error| Finished {
        code: 2,
        outcome,
        message: Some(e.to_string()),
        rows: None,
        error: Some(e),
    };
    if timed_out {
        return Ok(stopped(Outcome::Timeout, over_time(limits.seconds)));
    }
    if out_of_memory {
        return Ok(stopped(Outcome::Refused, over_memory(limits.memory)));
    }
    if overflow {
        return Ok(stopped(
            Outcome::Refused,
            Error::Query("query refused: the statement is nested too deeply to plan safely".into()),
        ));
    }
    match status.code() {
        Some(code) => Ok(Finished {
            code,
            outcome: match (code, said) {
                (_, Some(o)) => o,
                (0, None) => Outcome::Ok,
                _ => Outcome::Failed,
            },
            message,
            rows,
            error: None,
        }),
        None => Ok(stopped(
            Outcome::Failed,
            Error::Internal(format!("the query worker stopped: {status}")),
        )),
    }
}
