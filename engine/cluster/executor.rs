//! `tiexin-executor`: a Ballista executor for `tiexin --engine ballista://HOST:PORT`,
//! built from the `ballista-executor` crate (cargo feature `ballista`).
//!
//! Usage: `tiexin-executor --scheduler HOST:PORT [--bind HOST] [--port P]
//! [--grpc-port G] [--work-dir DIR] [--cores N]`. It reads the archive's tables from
//! the shared folder the client names (`cluster-data`), at the same path.
//! It logs each task it runs, with its time, to standard error (level from
//! `TIEXIN_CLUSTER_LOG`, default `info`).

use std::process::ExitCode;
use std::sync::Arc;

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};

mod common;

const USAGE: &str = "usage: tiexin-executor --scheduler HOST:PORT [--bind HOST] [--port P] [--grpc-port G] [--work-dir DIR] [--cores N]";

fn parse(args: &[String]) -> Result<ExecutorProcessConfig, String> {
    let mut config = ExecutorProcessConfig {
        // Heartbeats every 5 s: the scheduler gives an executor up after 20.
        executor_heartbeat_interval_seconds: 5,
        print_thread_info: false,
        ..Default::default()
    };
    let mut scheduler = None;
    let mut pairs = args.chunks(2);
    for pair in pairs.by_ref() {
        let [flag, value] = pair else {
            return Err(USAGE.to_string());
        };
        let number = |what: &str| {
            value
                .parse::<u16>()
                .map_err(|_| format!("{flag} {value}: {what} expected"))
        };
        match flag.as_str() {
            "--scheduler" => scheduler = Some(value.clone()),
            "--bind" => config.bind_host = value.clone(),
            "--port" => config.port = number("a port number")?,
            "--grpc-port" => config.grpc_port = number("a port number")?,
            "--work-dir" => config.work_dir = Some(value.clone()),
            "--cores" => config.vcores = usize::from(number("a number of cores")?.max(1)),
            _ => return Err(USAGE.to_string()),
        }
    }
    let scheduler = scheduler.ok_or_else(|| USAGE.to_string())?;
    let (host, port) = scheduler
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
        .ok_or_else(|| format!("--scheduler {scheduler}: HOST:PORT expected"))?;
    config.scheduler_host = host;
    config.scheduler_port = port;
    config.external_host = Some(config.bind_host.clone());
    Ok(config)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    common::run("tiexin-executor", async {
        eprintln!(
            "tiexin-executor: flight on {}:{}, scheduler {}:{}",
            config.bind_host, config.port, config.scheduler_host, config.scheduler_port
        );
        start_executor_process(Arc::new(config)).await
    })
}
