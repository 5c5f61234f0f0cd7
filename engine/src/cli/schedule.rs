//! `tiexin schedule [--once] [--now TIME]`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::args::ScheduleArgs;
use super::StderrProgress;
use crate::analysis::shortlist::Params;
use crate::delivery::outbox::Outbox;
use crate::delivery::schedule::{produce, stop_on_signals, ScheduleLock, Scheduler, Tick};
use crate::error::{Error, Result};

/// Runs `tiexin schedule`.
pub async fn run(args: ScheduleArgs) -> Result<i32> {
    let (config, session) = super::resolve(&args.archive)?;
    let now = args
        .now
        .as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    Error::Usage(format!(
                        "--now {s:?} is not an RFC 3339 time such as 2026-04-01T08:00:00+08:00 ({e})"
                    ))
                })
        })
        .transpose()?;
    let state_dir = config.state_folder().ok_or_else(|| {
        Error::Config(
            "no state directory for the scheduler (set state-dir in the config or $TIEXIN_STATE_DIR)"
                .into(),
        )
    })?;
    let _lock = ScheduleLock::acquire(&state_dir)?;
    let outbox = Outbox::open_in(Some(&state_dir))?;
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signals(stop.clone())?;
    let scheduler = Scheduler::new(
        &outbox,
        &config.jobs,
        config.grace_hours,
        produce::runner(produce::Settings {
            session,
            bulletin: config.document(config.bulletin.as_ref()),
            circulars: config.document(config.circulars.as_ref()),
            committee: config.document(None),
            shortlist: Params::from_config(&config.shortlist, args.archive.config.as_deref())?,
            progress: Arc::new(StderrProgress::new()),
        }),
        config.smtp.clone(),
        stop,
    )?;
    if args.once {
        let tick = scheduler.tick(now.unwrap_or_else(Utc::now)).await?;
        report(&tick);
        return Ok(if tick.ok() { 0 } else { 1 });
    }
    let offset = now.map_or(chrono::Duration::zero(), |n| n - Utc::now());
    say!(
        "tiexin schedule: {} jobs, state in {} (stop with Ctrl-C or SIGTERM)",
        config.jobs.len(),
        state_dir.display()
    );
    scheduler
        .run(offset, report, |e, pause| {
            say!(
                "tiexin schedule: {e}; trying again in {} s",
                pause.as_secs_f64()
            )
        })
        .await?;
    say!("tiexin schedule: stopped");
    Ok(0)
}

/// One line per slot resumed, run, failed or missed, and the delivery summary.
fn report(tick: &Tick) {
    for (job, slot, n) in &tick.resumed {
        println!(
            "{job} {}: resumed (interrupted before it finished), {n} messages queued",
            slot.to_rfc3339()
        );
    }
    for (job, slot, n) in &tick.ran {
        println!("{job} {}: ran, {n} messages queued", slot.to_rfc3339());
    }
    for (job, slot, e) in &tick.failed {
        println!("{job} {}: failed: {e}", slot.to_rfc3339());
    }
    for (job, slot) in &tick.missed {
        println!(
            "{job} {}: missed (outside the grace window)",
            slot.to_rfc3339()
        );
    }
    if let Some(d) = &tick.delivery {
        let ran = !tick.ran.is_empty() || !tick.resumed.is_empty();
        if ran || !d.ok() || d.sent + d.retried > 0 {
            println!("outbox: {}", d.line());
        }
    }
    if let Some(e) = &tick.delivery_error {
        println!("outbox: the delivery failed: {e}");
    }
}
