//! What each kind of scheduled job produces (bulletin, circulars, shortlist): the
//! production [`JobRunner`] that `tiexin schedule` uses. Each run loads the archive
//! afresh, so a slot reports on the archive as it is when the slot runs.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};

use super::{figures, warn, Job, JobKind, JobRunner};
use crate::analysis::findings;
use crate::analysis::shortlist::{self, Params};
use crate::delivery::messages::{self, Report};
use crate::delivery::outbox::{Kind, NewMessage};
use crate::documents::settings::DocumentConfig;
use crate::documents::{bulletin, circulars, committee};
use crate::error::{Error, Result};
use crate::ingest::Progress;
use crate::sql::session::{self, Session};
use crate::sql::tree;
use crate::sql::Period;

/// What the production jobs are made from, resolved from the command line and the
/// configuration when the scheduler starts.
#[derive(Clone)]
pub struct Settings {
    /// The archive each run loads.
    pub session: session::Settings,
    /// `[bulletin]`, with the state folder for its numbers.
    pub bulletin: DocumentConfig,
    /// `[circulars]`, with the state folder for its numbers.
    pub circulars: DocumentConfig,
    /// The committee's document (the defaults), with the state folder for its numbers.
    pub committee: DocumentConfig,
    /// `[shortlist]`, checked.
    pub shortlist: Params,
    /// Where loading the archive reports its progress and warnings.
    pub progress: Arc<dyn Progress + Send>,
}

/// The runner of the configured jobs. The scheduler queues each message it returns
/// under a key of the slot (bulletin, shortlist) or of the quarter (circulars), so
/// nothing is queued twice.
pub fn runner(settings: Settings) -> impl JobRunner {
    Production(settings)
}

struct Production(Settings);

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

/// The texts of a rendered document with characters no bundled font has.
fn warn_notices(set: &Settings, job: &Job, r: &crate::documents::Rendered) {
    for n in r.notices() {
        set.progress.warn(&format!("job {}: {n}", job.name));
    }
}

fn created_by(job: &Job) -> String {
    format!("tiexin schedule (job {})", job.name)
}

impl JobRunner for Production {
    async fn run(&self, job: &Job, slot: DateTime<Utc>) -> Result<Vec<NewMessage>> {
        let set = &self.0;
        let date = local_date(job, slot);
        let period: Period = job.period(slot).parse()?;
        let s = Session::open(&set.session, set.progress.as_ref()).await?;
        let by = created_by(job);
        match job.kind {
            JobKind::Bulletin => {
                needs_recipients(job)?;
                let b = bulletin::build(
                    &s,
                    &set.bulletin,
                    &bulletin::Options {
                        period,
                        union: job.options.union.clone(),
                        date,
                        number: None,
                    },
                )
                .await?;
                let r = bulletin::render(&b)?;
                warn_notices(set, job, &r);
                let m = &b.data.meta;
                let file_name = format!("{}工作通报（{period}）.pdf", m.office);
                let mut message = messages::report(
                    Report {
                        job: &job.name,
                        period: period.to_string(),
                        union_id: job.options.union.clone().unwrap_or_default(),
                        kind: Kind::Bulletin,
                        meta: m,
                        ask: "请查收附件。",
                        to: &job.recipients,
                        cc: &job.cc,
                        file_name: file_name.clone(),
                        created_by: &by,
                    },
                    r.pdf,
                );
                // Its attachment 数据来源与复核说明, which the 附件说明 line names.
                message.extra_attachments.push(sources(
                    &b.appendix,
                    (b.date, &b.ident),
                    &file_name,
                )?);
                if job.options.xlsx == Some(true) {
                    let union = job.options.union.as_deref();
                    let cut = bulletin::date_day(date);
                    let book = figures::bulletin(&s, &period, cut, union, &file_name).await?;
                    message.extra_attachments.push(book);
                }
                Ok(vec![message])
            }
            JobKind::Circulars => {
                let cs = circulars::Settings::from_doc(&set.circulars)?;
                let keep = match &job.options.union {
                    Some(u) => Some(tree::members(&s.archive, u, None)?),
                    None => None,
                };
                let mut out = Vec::new();
                let quarter = match job.options.xlsx {
                    Some(true) => Some(findings::findings(&s, &period).await?),
                    _ => None,
                };
                for c in circulars::build(&s, &cs, &period, date).await? {
                    if keep.as_ref().is_some_and(|k| !k.contains(&c.union_id)) {
                        continue;
                    }
                    if c.to.is_none() {
                        set.progress.warn(&format!(
                            "job {}: {} {} has no e-mail address: undeliverable",
                            job.name, c.union_id, c.union_name
                        ));
                        continue;
                    }
                    let r = circulars::render(&c)?;
                    warn_notices(set, job, &r);
                    let Some(mut message) = messages::circular(&c, &job.name, &r.pdf, &by)? else {
                        continue;
                    };
                    if let Some(found) = &quarter {
                        message
                            .extra_attachments
                            .push(figures::circular(&s, found, &c)?);
                    }
                    out.push(message);
                }
                Ok(out)
            }
            JobKind::Warnings => {
                let run = warn::Run {
                    date,
                    within: job.options.within,
                    union: job.options.union.as_deref(),
                    office: set.circulars.office.as_deref(),
                    cc: &job.cc,
                    created_by: &by,
                };
                let (out, undeliverable) = warn::messages(&s, &run).await?;
                for u in undeliverable {
                    set.progress.warn(&format!(
                        "job {}: {u} has warnings but no e-mail address: undeliverable",
                        job.name
                    ));
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
                let mut params = set.shortlist;
                if let Some(n) = job.options.size {
                    params.size = n.max(1) as usize;
                }
                let doc = shortlist::document(&s, year, &params).await?;
                let c = committee::build(&s, &set.committee, &doc, date, None)?;
                let r = committee::render(&c)?;
                warn_notices(set, job, &r);
                let file_name = format!("{year}年度困难职工贴心人推荐名单.pdf");
                let mut message = messages::report(
                    Report {
                        job: &job.name,
                        period: period.to_string(),
                        union_id: String::new(),
                        kind: Kind::Shortlist,
                        meta: &c.data.meta,
                        ask: "请审定。",
                        to: &job.recipients,
                        cc: &job.cc,
                        file_name: file_name.clone(),
                        created_by: &by,
                    },
                    r.pdf,
                );
                message.extra_attachments.push(sources(
                    &c.appendix,
                    (c.date, &c.ident),
                    &file_name,
                )?);
                Ok(vec![message])
            }
        }
    }
}

/// The attachment 数据来源与复核说明 of the document sent as `file_name`.
fn sources(
    a: &crate::documents::appendix::Appendix,
    (date, ident): ((i32, u8, u8), &str),
    file_name: &str,
) -> Result<crate::delivery::outbox::Attachment> {
    let stem = file_name.trim_end_matches(".pdf");
    Ok(crate::delivery::outbox::Attachment {
        name: format!("{stem}-{}.pdf", crate::documents::appendix::NAME),
        bytes: a.render(date, ident)?.pdf,
    })
}
