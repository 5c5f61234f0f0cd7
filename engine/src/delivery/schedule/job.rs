//! One `[[jobs]]` entry of the configuration: what it produces, on which cron
//! expression, in which timezone, for which period; checked when the configuration loads.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// The default timezone of a job.
pub const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";

/// The default grace window after downtime, in hours.
pub const DEFAULT_GRACE_HOURS: f64 = 24.0;

/// The largest `grace-hours`: a year.
pub const MAX_GRACE_HOURS: f64 = 8760.0;

/// Missed slots recorded per job and start; older ones are not written one by one.
pub(super) const MAX_MISSED_RECORDED: usize = 1000;

/// What a job produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    /// A union's bulletin (工作通报), sent to the job's recipients.
    Bulletin,
    /// The supervisory circulars, one to each union with a major finding.
    Circulars,
    /// The award committee's shortlist document, sent to the job's recipients.
    Shortlist,
}

impl JobKind {
    /// The kind as written in the configuration (`bulletin`, `circulars`, `shortlist`).
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
    /// The quarter before the slot's (`previous-quarter`).
    PreviousQuarter,
    /// The year before the slot's (`previous-year`).
    PreviousYear,
    /// The slot's own year (`current-year`).
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
    /// The shortlist's size (1 to 100000).
    pub size: Option<u32>,
    /// A bulletin or circulars job also attaches the workbook of its figures beside
    /// each PDF (`xlsx = true`).
    pub xlsx: Option<bool>,
}

/// One `[[jobs]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Job {
    /// The job's name, unique in the configuration (run ledger, idempotency keys).
    pub name: String,
    /// Six or seven fields, seconds first: `"0 0 8 * * Mon"`.
    pub cron: String,
    /// An IANA timezone [default: Asia/Shanghai].
    pub timezone: Option<String>,
    /// What the job produces.
    pub kind: JobKind,
    /// The options of the job's command (period, union, size).
    #[serde(default)]
    pub options: JobOptions,
    /// Where a bulletin or shortlist goes (circulars go to each union's address).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Addresses copied on every message of the job.
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

    /// The job's timezone [default: Asia/Shanghai]; the error is one sentence naming the job.
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

    /// Checks the job: a name, a valid cron and timezone, recipients where needed.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.name.trim().is_empty() {
            return Err(format!("a job (cron {:?}) has an empty name", self.cron));
        }
        self.schedule()?;
        self.tz()?;
        let max = crate::analysis::shortlist::MAX_SIZE;
        if let Some(n) = self
            .options
            .size
            .filter(|n| !(1..=max).contains(&i64::from(*n)))
        {
            return Err(format!(
                "job {:?}: options size must be from 1 to {max}, not {n}",
                self.name
            ));
        }
        if self.options.xlsx == Some(true) && self.kind == JobKind::Shortlist {
            return Err(format!(
                "job {:?}: options xlsx is for bulletin and circulars jobs (the shortlist's figures are its document)",
                self.name
            ));
        }
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

/// Checks the jobs of a configuration: each valid, names unique, grace from 0 to
/// [`MAX_GRACE_HOURS`].
pub fn check_jobs(jobs: &[Job], grace_hours: Option<f64>) -> std::result::Result<(), String> {
    for (i, j) in jobs.iter().enumerate() {
        j.check()?;
        if jobs[..i].iter().any(|k| k.name == j.name) {
            return Err(format!("job {:?} is defined twice", j.name));
        }
    }
    if let Some(g) = grace_hours.filter(|g| !(*g >= 0.0 && *g <= MAX_GRACE_HOURS)) {
        return Err(format!(
            "grace-hours must be a number of hours from 0 to {MAX_GRACE_HOURS} (a year), not {g}"
        ));
    }
    Ok(())
}

/// What a scheduled job does: the messages of one run. The scheduler calls it after
/// claiming the slot, queues the messages (their key made unique to the slot) and
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
