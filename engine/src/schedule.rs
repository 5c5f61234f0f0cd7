//! The scheduler: runs the `[[jobs]]` of the configuration on their cron slots.
//!
//! - **Ledger.** Each slot (job, scheduled time in UTC) is inserted into the `runs` table
//!   of the state database *before* it runs (`claimed`), and is never run again: not
//!   after a restart, not by a second `--once` at the same time.
//! - **One scheduler.** `schedule.lock` in the state directory is locked (an OS file
//!   lock) for as long as a scheduler runs; a second one refuses to start.
//! - **Downtime.** For each job, only the most recent slot since its newest ledger slot
//!   runs, and only if it is at most `grace-hours` old; every older slot is recorded
//!   `missed` and never replayed.
//! - **First start.** A job with nothing in the ledger runs its most recent slot if it
//!   is within the grace window (the same rule as after downtime).
//! - **Clock set back.** Only slots later than the newest ledger slot of a job are ever
//!   considered, so nothing already run runs again.
//! - A slot left `claimed` by a scheduler that was killed is recorded `failed`
//!   (interrupted) at the next start; the messages it had queued are in the outbox and
//!   are delivered from there.
//!
//! `--now` (a clock offset) moves the scheduler's clock only: slots and the ledger
//! follow it, while the outbox's timestamps and retry times stay on the real clock.
//!
//! Cron expressions are those of the `cron` crate: six or seven fields, **seconds
//! first** (`sec min hour day-of-month month day-of-week [year]`), day-of-week 1–7 with
//! 1 = Sunday (prefer names: `Mon-Fri`).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::params;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::mail::{self, SmtpConfig, Summary};
use crate::outbox::{stamp, NewMessage, Outbox};

const RUN_CLAIM: &str = include_str!("../../queries/state/run_claim.sql");
const RUN_FINISH: &str = include_str!("../../queries/state/run_finish.sql");
const RUN_LAST: &str = include_str!("../../queries/state/run_last_slot.sql");
const RUN_INTERRUPTED: &str = include_str!("../../queries/state/run_interrupted.sql");
const RUN_LIST: &str = include_str!("../../queries/state/run_list.sql");

/// The default timezone of a job.
pub const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";

/// The default grace window after downtime, in hours.
pub const DEFAULT_GRACE_HOURS: f64 = 24.0;

/// Missed slots recorded per job and start; older ones are not written one by one.
const MAX_MISSED_RECORDED: usize = 1000;

/// What a job produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    Bulletin,
    Circulars,
    Shortlist,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Bulletin => "bulletin",
            JobKind::Circulars => "circulars",
            JobKind::Shortlist => "shortlist",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which period a run covers, relative to the local date of its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeriodRule {
    PreviousQuarter,
    PreviousYear,
    CurrentYear,
}

impl PeriodRule {
    /// The period (`2026Q3`, `2026`) for a run on `date`.
    pub fn period(self, date: NaiveDate) -> String {
        let (y, q) = (date.year(), (date.month0() / 3) as i32 + 1);
        match self {
            PeriodRule::PreviousQuarter if q == 1 => format!("{}Q4", y - 1),
            PeriodRule::PreviousQuarter => format!("{y}Q{}", q - 1),
            PeriodRule::PreviousYear => format!("{}", y - 1),
            PeriodRule::CurrentYear => format!("{y}"),
        }
    }
}

/// The options of a job (what the job's command takes).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct JobOptions {
    /// The period the run covers [default: previous-quarter for bulletin and circulars,
    /// previous-year for the shortlist].
    pub period: Option<PeriodRule>,
    /// Only this union and its subtree.
    pub union: Option<String>,
    /// The shortlist's size.
    pub size: Option<u32>,
}

/// One `[[jobs]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Job {
    pub name: String,
    /// Six or seven fields, seconds first: `"0 0 8 * * Mon"`.
    pub cron: String,
    /// An IANA timezone [default: Asia/Shanghai].
    pub timezone: Option<String>,
    pub kind: JobKind,
    #[serde(default)]
    pub options: JobOptions,
    /// Where a bulletin or shortlist goes (circulars go to each union's address).
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
}

impl Job {
    /// The parsed cron expression; the error is one sentence naming the job.
    pub fn schedule(&self) -> std::result::Result<cron::Schedule, String> {
        cron::Schedule::from_str(&self.cron).map_err(|e| {
            // The parser's message may quote the expression over several lines: keep a
            // first line that says something more.
            let detail = e.to_string();
            let first = detail.lines().next().unwrap_or("").trim();
            let detail = if first.is_empty() || first == self.cron.trim() {
                String::new()
            } else {
                format!(" ({first})")
            };
            format!(
                "job {:?}: cron {:?} is not a valid expression of six or seven fields, seconds first, such as \"0 0 8 * * Mon\"{detail}",
                self.name, self.cron
            )
        })
    }

    pub fn tz(&self) -> std::result::Result<Tz, String> {
        let name = self.timezone.as_deref().unwrap_or(DEFAULT_TIMEZONE);
        name.parse::<Tz>().map_err(|_| {
            format!(
                "job {:?}: timezone {name:?} is not an IANA timezone (e.g. Asia/Shanghai)",
                self.name
            )
        })
    }

    /// The period a run at `slot` covers (by the local date of the slot).
    pub fn period(&self, slot: DateTime<Utc>) -> String {
        let rule = self.options.period.unwrap_or(match self.kind {
            JobKind::Shortlist => PeriodRule::PreviousYear,
            _ => PeriodRule::PreviousQuarter,
        });
        let tz = self.tz().unwrap_or(chrono_tz::Asia::Shanghai);
        rule.period(slot.with_timezone(&tz).date_naive())
    }

    pub fn check(&self) -> std::result::Result<(), String> {
        if self.name.trim().is_empty() {
            return Err(format!("a job (cron {:?}) has an empty name", self.cron));
        }
        self.schedule()?;
        self.tz()?;
        if matches!(self.kind, JobKind::Bulletin | JobKind::Shortlist) && self.recipients.is_empty()
        {
            return Err(format!(
                "job {:?}: a {} job needs recipients",
                self.name, self.kind
            ));
        }
        Ok(())
    }
}

/// Checks the jobs of a configuration: each valid, names unique, grace positive.
pub fn check_jobs(jobs: &[Job], grace_hours: Option<f64>) -> std::result::Result<(), String> {
    for (i, j) in jobs.iter().enumerate() {
        j.check()?;
        if jobs[..i].iter().any(|k| k.name == j.name) {
            return Err(format!("job {:?} is defined twice", j.name));
        }
    }
    if grace_hours.is_some_and(|g| !(g.is_finite() && g >= 0.0)) {
        return Err("grace-hours must be a number of hours, zero or more".into());
    }
    Ok(())
}

/// What a scheduled job does: the messages of one run. The scheduler calls it after
/// claiming the slot, queues the messages (their key made unique to the slot) and
/// delivers them.
pub trait JobRunner: Send + Sync {
    fn run(
        &self,
        job: &Job,
        slot: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<NewMessage>>> + Send;
}

/// The state of a slot in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Claimed,
    Done,
    Failed,
    Missed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Claimed => "claimed",
            RunState::Done => "done",
            RunState::Failed => "failed",
            RunState::Missed => "missed",
        }
    }
}

/// A row of the run ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub job: String,
    /// UTC RFC 3339.
    pub slot: String,
    pub state: String,
    pub claimed_at: String,
    pub finished_at: Option<String>,
    pub detail: Option<String>,
}

/// The run ledger, in the outbox's database.
pub struct Ledger {
    outbox: Outbox,
}

impl Ledger {
    pub fn new(outbox: &Outbox) -> Ledger {
        Ledger {
            outbox: outbox.clone(),
        }
    }

    /// Inserts the slot; `false` if it is already in the ledger.
    pub fn claim(&self, job: &str, slot: DateTime<Utc>, state: RunState) -> Result<bool> {
        let conn = self.outbox.lock()?;
        let n = conn
            .execute(
                RUN_CLAIM,
                params![job, stamp(slot), state.as_str(), stamp(Utc::now())],
            )
            .map_err(|e| self.outbox.db_error(e))?;
        Ok(n == 1)
    }

    pub fn finish(
        &self,
        job: &str,
        slot: DateTime<Utc>,
        state: RunState,
        detail: Option<&str>,
    ) -> Result<()> {
        let conn = self.outbox.lock()?;
        conn.execute(
            RUN_FINISH,
            params![job, stamp(slot), state.as_str(), stamp(Utc::now()), detail],
        )
        .map_err(|e| self.outbox.db_error(e))?;
        Ok(())
    }

    /// The newest slot of `job` in the ledger.
    pub fn last_slot(&self, job: &str) -> Result<Option<DateTime<Utc>>> {
        let conn = self.outbox.lock()?;
        let s: Option<String> = conn
            .query_row(RUN_LAST, [job], |r| r.get(0))
            .map_err(|e| self.outbox.db_error(e))?;
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| Error::State(format!("the run ledger holds a bad slot {s:?}: {e}")))
        })
        .transpose()
    }

    /// Slots left `claimed` by a scheduler that stopped: recorded failed.
    pub fn close_interrupted(&self) -> Result<usize> {
        let conn = self.outbox.lock()?;
        conn.execute(RUN_INTERRUPTED, [stamp(Utc::now())])
            .map_err(|e| self.outbox.db_error(e))
    }

    /// The ledger, optionally of one job, by job and slot.
    pub fn list(&self, job: Option<&str>) -> Result<Vec<Run>> {
        let conn = self.outbox.lock()?;
        let mut stmt = conn
            .prepare_cached(RUN_LIST)
            .map_err(|e| self.outbox.db_error(e))?;
        let rows = stmt
            .query_map([job], |r| {
                Ok(Run {
                    job: r.get(0)?,
                    slot: r.get(1)?,
                    state: r.get(2)?,
                    claimed_at: r.get(3)?,
                    finished_at: r.get(4)?,
                    detail: r.get(5)?,
                })
            })
            .map_err(|e| self.outbox.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.outbox.db_error(e))
    }
}

/// The lock that keeps a second scheduler from starting; released when dropped.
#[derive(Debug)]
pub struct ScheduleLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl ScheduleLock {
    /// The file name of the lock inside the state directory.
    pub const FILE: &'static str = "schedule.lock";

    /// Takes the lock in `state_dir`, or says in one sentence that another scheduler
    /// holds it.
    pub fn acquire(state_dir: &Path) -> Result<ScheduleLock> {
        std::fs::create_dir_all(state_dir).map_err(|e| Error::io(state_dir, e))?;
        let path = state_dir.join(Self::FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(ScheduleLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Usage(format!(
                "another tiexin schedule is already running (it holds the lock {}), so this one does not start",
                path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What one pass over the jobs did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Slots that ran: (job, slot, messages queued).
    pub ran: Vec<(String, DateTime<Utc>, usize)>,
    /// Slots that failed: (job, slot, the error sentence).
    pub failed: Vec<(String, DateTime<Utc>, String)>,
    /// Slots recorded missed.
    pub missed: Vec<(String, DateTime<Utc>)>,
    /// The delivery after the runs (none without `[smtp]`).
    pub delivery: Option<Summary>,
}

/// The scheduler. Create it while holding the [`ScheduleLock`].
pub struct Scheduler<R: JobRunner> {
    outbox: Outbox,
    ledger: Ledger,
    jobs: Vec<(Job, cron::Schedule, Tz)>,
    grace: chrono::Duration,
    runner: R,
    smtp: Option<SmtpConfig>,
    stop: Arc<AtomicBool>,
}

impl<R: JobRunner> Scheduler<R> {
    /// Checks the jobs and closes slots left `claimed` by a scheduler that was killed.
    pub fn new(
        outbox: &Outbox,
        jobs: &[Job],
        grace_hours: Option<f64>,
        runner: R,
        smtp: Option<SmtpConfig>,
        stop: Arc<AtomicBool>,
    ) -> Result<Scheduler<R>> {
        check_jobs(jobs, grace_hours).map_err(Error::Config)?;
        if let Some(smtp) = &smtp {
            smtp.check().map_err(Error::Config)?;
            smtp.credentials()?;
        }
        let jobs = jobs
            .iter()
            .map(|j| {
                let s = j.schedule().map_err(Error::Config)?;
                let tz = j.tz().map_err(Error::Config)?;
                Ok((j.clone(), s, tz))
            })
            .collect::<Result<Vec<_>>>()?;
        let grace_ms = (grace_hours.unwrap_or(DEFAULT_GRACE_HOURS) * 3_600_000.0) as i64;
        let ledger = Ledger::new(outbox);
        ledger.close_interrupted()?;
        Ok(Scheduler {
            outbox: outbox.clone(),
            ledger,
            jobs,
            grace: chrono::Duration::milliseconds(grace_ms),
            runner,
            smtp,
            stop,
        })
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Runs what is due at `now`: for each job, the most recent slot after its newest
    /// ledger slot, if within the grace window (older ones recorded missed); then
    /// delivers the outbox.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Tick> {
        let mut tick = Tick::default();
        for (job, schedule, tz) in &self.jobs {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let start = match self.ledger.last_slot(&job.name)? {
                Some(last) => last,
                // Never run: look back over the grace window only.
                None => now - self.grace - chrono::Duration::seconds(1),
            };
            let mut due: VecDeque<DateTime<Utc>> = VecDeque::new();
            for t in schedule.after(&start.with_timezone(tz)) {
                let t = t.with_timezone(&Utc);
                if t > now {
                    break;
                }
                if due.len() > MAX_MISSED_RECORDED {
                    due.pop_front();
                }
                due.push_back(t);
            }
            let Some(latest) = due.pop_back() else {
                continue;
            };
            for slot in due {
                if self.ledger.claim(&job.name, slot, RunState::Missed)? {
                    tick.missed.push((job.name.clone(), slot));
                }
            }
            if now - latest > self.grace {
                if self.ledger.claim(&job.name, latest, RunState::Missed)? {
                    tick.missed.push((job.name.clone(), latest));
                }
                continue;
            }
            if !self.ledger.claim(&job.name, latest, RunState::Claimed)? {
                continue;
            }
            match self.run_slot(job, latest).await {
                Ok(n) => {
                    self.ledger.finish(
                        &job.name,
                        latest,
                        RunState::Done,
                        Some(&format!("{n} messages queued")),
                    )?;
                    tick.ran.push((job.name.clone(), latest, n));
                }
                Err(e) => {
                    let msg = e.to_string();
                    self.ledger
                        .finish(&job.name, latest, RunState::Failed, Some(&msg))?;
                    tick.failed.push((job.name.clone(), latest, msg));
                }
            }
        }
        if let Some(smtp) = &self.smtp {
            tick.delivery = Some(mail::deliver(&self.outbox, smtp, self.stop.clone()).await?);
        }
        Ok(tick)
    }

    /// Runs the job's slot and queues its messages. A bulletin or shortlist is one
    /// report per slot: its key is made unique to the slot (`job` becomes
    /// `NAME@SLOT`). A circular is one per union and period, whichever slot or command
    /// made it: its key is that of `tiexin circulars --send` (`circulars|PERIOD|…`), so
    /// a union never gets the same quarter's circular twice.
    async fn run_slot(&self, job: &Job, slot: DateTime<Utc>) -> Result<usize> {
        let messages = self.runner.run(job, slot).await?;
        let n = messages.len();
        for mut m in messages {
            m.job = match job.kind {
                JobKind::Circulars => "circulars".to_string(),
                _ => format!("{}@{}", job.name, stamp(slot)),
            };
            self.outbox.enqueue(m)?;
        }
        Ok(n)
    }

    /// The next slot of any job strictly after `now`.
    pub fn next_slot(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.jobs
            .iter()
            .filter_map(|(_, s, tz)| s.after(&now.with_timezone(tz)).next())
            .map(|t| t.with_timezone(&Utc))
            .min()
    }

    /// Runs until `stop` is set: a pass at each slot, and deliveries when retries are
    /// due. `offset` shifts the clock (`--now`). `report` is told about every pass.
    pub async fn run(&self, offset: chrono::Duration, report: impl Fn(&Tick)) -> Result<()> {
        let clock = || Utc::now() + offset;
        while !self.stop.load(Ordering::SeqCst) {
            let tick = self.tick(clock()).await?;
            report(&tick);
            let now = clock();
            let mut wake = self
                .next_slot(now)
                .map(|t| t - now)
                .unwrap_or(chrono::Duration::hours(1));
            if self.smtp.is_some() {
                if let Some(due) = self.outbox.next_due()? {
                    wake = wake.min(due - Utc::now());
                }
            }
            let wake = wake
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(Duration::from_secs(60))
                .max(Duration::from_millis(50));
            let until = tokio::time::Instant::now() + wake;
            while tokio::time::Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
                tokio::time::sleep(
                    Duration::from_millis(100).min(until - tokio::time::Instant::now()),
                )
                .await;
            }
        }
        Ok(())
    }
}

/// Sets `stop` on SIGINT or SIGTERM.
pub fn stop_on_signals(stop: Arc<AtomicBool>) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| Error::Internal(format!("cannot listen for SIGTERM: {e}")))?;
    let mut int = signal(SignalKind::interrupt())
        .map_err(|e| Error::Internal(format!("cannot listen for SIGINT: {e}")))?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        stop.store(true, Ordering::SeqCst);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods() {
        assert_eq!(PeriodRule::PreviousQuarter.period(d(2026, 1, 5)), "2025Q4");
        assert_eq!(PeriodRule::PreviousQuarter.period(d(2026, 7, 1)), "2026Q2");
        assert_eq!(PeriodRule::PreviousYear.period(d(2026, 1, 5)), "2025");
        assert_eq!(PeriodRule::CurrentYear.period(d(2026, 12, 31)), "2026");
    }

    fn job(cron: &str) -> Job {
        Job {
            name: "daily".into(),
            cron: cron.into(),
            timezone: None,
            kind: JobKind::Circulars,
            options: JobOptions::default(),
            recipients: vec![],
            cc: vec![],
        }
    }

    #[test]
    fn five_field_cron_is_refused_naming_the_job() {
        let e = job("0 8 * * *").check().unwrap_err();
        assert!(e.starts_with("job \"daily\": cron \"0 8 * * *\""), "{e}");
        assert!(job("0 0 8 * * *").check().is_ok());
        let mut j = job("0 0 8 * * *");
        j.timezone = Some("Mars/Olympus".into());
        assert!(j.check().unwrap_err().contains("Mars/Olympus"));
    }
}
