//! `tiexin-scheduler`: a Ballista scheduler for `tiexin --engine ballista://HOST:PORT`,
//! built from the `ballista-scheduler` crate (cargo feature `ballista`).
//!
//! Usage: `tiexin-scheduler [--bind HOST:PORT]` (default `127.0.0.1:50050`). It keeps
//! its state in memory and runs until stopped.
//! It logs to standard error (level from `TIEXIN_CLUSTER_LOG`, default `info`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

mod common;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bind = match args.as_slice() {
        [] => "127.0.0.1:50050".to_string(),
        [flag, value] if flag == "--bind" => value.clone(),
        _ => {
            eprintln!("usage: tiexin-scheduler [--bind HOST:PORT]");
            return ExitCode::from(2);
        }
    };
    let addr: SocketAddr = match bind.parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("--bind {bind}: not an address HOST:PORT ({e})");
            return ExitCode::from(2);
        }
    };
    let mut config = SchedulerConfig::default()
        .with_hostname(addr.ip().to_string())
        .with_port(addr.port());
    config.bind_host = addr.ip().to_string();
    // An executor that stops answering is given up after 20 s (not 180), so a query
    // that lost one is re-planned or fails within a minute instead of hanging.
    config.executor_timeout_seconds = 20;
    config.expire_dead_executor_interval_seconds = 5;
    config.no_executors_grace_period_seconds = 20;
    common::run("tiexin-scheduler", async {
        eprintln!("tiexin-scheduler: listening on {addr}");
        let cluster = BallistaCluster::new_from_config(&config).await?;
        start_server(cluster, addr, Arc::new(config)).await
    })
}
