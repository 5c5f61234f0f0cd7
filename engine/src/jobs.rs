//! What each kind of scheduled job produces (bulletin, circulars, shortlist): the
//! production [`JobRunner`] that `tiexin schedule` uses. Each run loads the archive
//! afresh, so a slot reports on the archive as it is when the slot runs.

use std::path::PathBuf;

use chrono::{DateTime, Datelike, Utc};

use crate::bulletin;
use crate::circulars::{self, Settings};
use crate::cli::ArchiveArgs;
use crate::committee;
use crate::config::{Config, DocumentConfig};
use crate::error::{Error, Result};
use crate::outbox::{Attachment, Kind, NewMessage};
use crate::period::Period;
use crate::schedule::{Job, JobKind, JobRunner};
use crate::session::Session;
use crate::shortlist::{self, Params};

/// The runner of the configured jobs, on the archive of `tiexin schedule --archive …`.
/// The scheduler queues each message it returns under a key of the slot (bulletin,
/// shortlist) or of the quarter (circulars), so nothing is queued twice.
pub fn runner(config: &Config, archive: &ArchiveArgs) -> impl JobRunner {
    Production {
        archive: archive.archive.clone(),
        config: archive.config.clone(),
        no_cache: archive.no_cache,
        queries: archive.queries.clone(),
        state_dir: crate::audit::state_dir(config.state_dir.as_deref()),
    }
}

struct Production {
    archive: Option<PathBuf>,
    config: Option<PathBuf>,
    no_cache: bool,
    queries: Option<PathBuf>,
    state_dir: Option<PathBuf>,
}

impl Production {
    fn archive_args(&self) -> ArchiveArgs {
        ArchiveArgs {
            archive: self.archive.clone(),
            config: self.config.clone(),
            no_cache: self.no_cache,
            queries: self.queries.clone(),
        }
    }

    fn doc_config(&self, given: Option<&DocumentConfig>) -> DocumentConfig {
        let mut cfg = given.cloned().unwrap_or_default();
        cfg.state_dir = self.state_dir.clone();
        cfg
    }
}

/// The slot's date in the job's timezone: the documents' date.
fn local_date(job: &Job, slot: DateTime<Utc>) -> (i32, u8, u8) {
    let tz = job.tz().unwrap_or(chrono_tz::Asia::Shanghai);
    let d = slot.with_timezone(&tz).date_naive();
    (d.year(), d.month() as u8, d.day() as u8)
}

fn needs_recipients(job: &Job) -> Result<()> {
    if job.recipients.is_empty() {
        return Err(Error::Config(format!(
            "job {:?}: a {} job needs recipients = [\"…\"] in the configuration",
            job.name, job.kind
        )));
    }
    Ok(())
}

fn created_by(job: &Job) -> String {
    format!("tiexin schedule (job {})", job.name)
}

impl JobRunner for Production {
    async fn run(&self, job: &Job, slot: DateTime<Utc>) -> Result<Vec<NewMessage>> {
        let date = local_date(job, slot);
        let period: Period = job.period(slot).parse()?;
        let s = Session::open(&self.archive_args()).await?;
        match job.kind {
            JobKind::Bulletin => {
                needs_recipients(job)?;
                let cfg = self.doc_config(s.config.bulletin.as_ref());
                let b = bulletin::build(
                    &s,
                    &cfg,
                    &bulletin::Options {
                        period,
                        union: job.options.union.clone(),
                        date,
                        number: None,
                    },
                )
                .await?;
                let r = bulletin::render(&b)?;
                let m = &b.data.meta;
                Ok(vec![NewMessage {
                    job: job.name.clone(),
                    period: period.to_string(),
                    union_id: job.options.union.clone().unwrap_or_default(),
                    kind: Kind::Bulletin,
                    subject: format!("{}（{}）", m.title, m.number),
                    body: format!(
                        "{}：\n\n现将《{}》（{}）发给你们，请查收附件。\n\n{}\n{}\n",
                        m.addressee, m.title, m.number, m.office, m.date
                    ),
                    to: job.recipients.clone(),
                    cc: job.cc.clone(),
                    attachment: Some(Attachment {
                        name: format!("{}工作通报（{period}）.pdf", m.office),
                        bytes: r.pdf,
                    }),
                    held: false,
                    created_by: created_by(job),
                }])
            }
            JobKind::Circulars => {
                let doc = self.doc_config(s.config.circulars.as_ref());
                let set = Settings::from_doc(&doc)?;
                let keep = match &job.options.union {
                    Some(u) => Some(crate::commands::subtree::members(&s.archive, u, None)?),
                    None => None,
                };
                let mut out = Vec::new();
                for c in circulars::build(&s, &set, &period, date).await? {
                    if keep.as_ref().is_some_and(|k| !k.contains(&c.union_id)) {
                        continue;
                    }
                    if c.to.is_none() {
                        eprintln!(
                            "job {}: {} {} has no e-mail address: undeliverable",
                            job.name, c.union_id, c.union_name
                        );
                        continue;
                    }
                    let r = circulars::render(&c)?;
                    out.extend(c.message(&job.name, &r.pdf, &created_by(job)));
                }
                Ok(out)
            }
            JobKind::Shortlist => {
                needs_recipients(job)?;
                let Period::Year(year) = period else {
                    return Err(Error::Config(format!(
                        "job {:?}: the shortlist is yearly: use period = \"previous-year\" or \"current-year\"",
                        job.name
                    )));
                };
                let mut params = Params::from_config(&s.config.shortlist, self.config.as_deref())?;
                if let Some(n) = job.options.size {
                    params.size = n.max(1) as usize;
                }
                let doc = shortlist::document(&s, year, &params).await?;
                let cfg = self.doc_config(None);
                let c = committee::build(&s, &cfg, &doc, date, None)?;
                let r = committee::render(&c)?;
                let m = &c.data.meta;
                Ok(vec![NewMessage {
                    job: job.name.clone(),
                    period: period.to_string(),
                    union_id: String::new(),
                    kind: Kind::Shortlist,
                    subject: format!("{}（{}）", m.title, m.number),
                    body: format!(
                        "{}：\n\n现将《{}》（{}）发给你们，请审定。\n\n{}\n{}\n",
                        m.addressee, m.title, m.number, m.office, m.date
                    ),
                    to: job.recipients.clone(),
                    cc: job.cc.clone(),
                    attachment: Some(Attachment {
                        name: format!("{year}年度困难职工贴心人推荐名单.pdf"),
                        bytes: r.pdf,
                    }),
                    held: false,
                    created_by: created_by(job),
                }])
            }
        }
    }
}
