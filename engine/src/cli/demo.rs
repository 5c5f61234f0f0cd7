//! `tiexin demo`: the main job end to end on the bundled sample archive — validation,
//! metrics, findings, a bulletin, the shortlist and the circulars (written as PDF and
//! `.eml` files, not sent) — into one folder, ending with a list of every file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::args::{ArchiveArgs, DemoArgs};
use crate::analysis::{findings, metrics, shortlist};
use crate::config::Config;
use crate::delivery::messages;
use crate::delivery::outbox::message_id;
use crate::delivery::smtp::{compose, Draft};
use crate::documents::bulletin::{self, Options};
use crate::documents::{appendix, committee, today_in_china};
use crate::error::{Error, Result};
use crate::ingest::Issue;
use crate::sql::table::Tabular;
use crate::sql::{Period, Session};

/// The quarter and year the demo reports on: the sample archive's latest full quarter.
const QUARTER: &str = "2026Q3";
const YEAR: i32 = 2026;

struct Demo {
    out: PathBuf,
    files: Vec<(PathBuf, String)>,
    step: usize,
    steps: usize,
    started: Instant,
}

impl Demo {
    fn step(&mut self, what: &str) {
        self.step += 1;
        super::terminal::step(&format!(
            "[{}/{}] {what} ({:.1} s)",
            self.step,
            self.steps,
            self.started.elapsed().as_secs_f64()
        ));
    }

    fn file(&mut self, name: &str, description: String) -> PathBuf {
        let path = self.out.join(name);
        self.files.push((path.clone(), description));
        path
    }

    fn write(&mut self, name: &str, bytes: &[u8], description: String) -> Result<()> {
        let path = self.file(name, description);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        super::output::write_file(&path, bytes)
    }
}

/// Runs `tiexin demo`.
pub async fn run(args: DemoArgs) -> Result<i32> {
    let out = args.out.clone();
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    // Document numbers of the demo are counted in its own folder, not the user's.
    let state = out.join("state");
    let mut d = Demo {
        out: out.clone(),
        files: Vec::new(),
        step: 0,
        steps: 7,
        started: Instant::now(),
    };
    let quarter: Period = QUARTER.parse()?;
    let date = today_in_china();

    d.step("validating the bundled sample archive");
    let archive_args = ArchiveArgs {
        archive: Some(args.archive.clone().unwrap_or_else(super::bundled_archive)),
        config: args.config.clone(),
        no_cache: false,
        queries: None,
        engine: None,
    };
    let (s, mut config) = super::open_session(&archive_args).await?;
    config.state_dir = Some(state.clone());
    let counts = super::validate::counts(&s.archive);
    let rows: u64 = s.archive.tables.iter().map(|t| t.read).sum();
    let rejects: Vec<&Issue> = s.archive.tables.iter().flat_map(|t| &t.rejects).collect();
    let warnings: Vec<&Issue> = s
        .archive
        .tables
        .iter()
        .flat_map(|t| s.archive.warnings_of(t.table.name))
        .collect();
    d.write(
        "validation.csv",
        &counts.to_csv()?,
        format!("rows read, accepted, rejected and warnings per table ({rows} rows)"),
    )?;
    let p = d.file(
        "warnings.csv",
        format!(
            "the {} validation warnings (table,line,column,value,reason)",
            warnings.len()
        ),
    );
    super::validate::write_file(&p, &warnings)?;
    let p = d.file(
        "rejects.csv",
        format!("the {} rejected rows", rejects.len()),
    );
    super::validate::write_file(&p, &rejects)?;

    d.step(&format!("computing the metrics of {QUARTER} and {YEAR}"));
    for period in [QUARTER.to_string(), YEAR.to_string()] {
        let p: Period = period.parse()?;
        let batch = metrics::metrics(&s, &p).await?;
        d.write(
            &format!("metrics-{period}.csv"),
            &Tabular::from_batch(&batch)?.to_csv()?,
            format!(
                "visit compliance, exits, funds and findings of every union for {}",
                p.chinese()
            ),
        )?;
    }

    d.step(&format!("checking the 21 finding rules for {QUARTER}"));
    let found = findings::findings(&s, &quarter).await?;
    d.write(
        &format!("findings-{QUARTER}.csv"),
        &Tabular::from_batch(&found)?.to_csv()?,
        format!(
            "the {} findings of {} (rule, union, subject, contact, date, detail)",
            found.num_rows(),
            quarter.chinese()
        ),
    )?;

    d.step("typesetting the province's bulletins (工作通报)");
    let cfg = config.document(config.bulletin.as_ref());
    for period in [quarter, Period::Year(YEAR)] {
        let b = bulletin::build(
            &s,
            &cfg,
            &Options {
                period,
                union: None,
                date,
                number: None,
            },
        )
        .await?;
        let r = bulletin::render(&b)?;
        super::warn_rendering(Path::new(&format!("bulletin-{period}.pdf")), &r);
        d.write(
            &format!("bulletin-{period}.pdf"),
            &r.pdf,
            format!(
                "{}, {} pages: {}",
                b.data.meta.number, r.pages, b.data.meta.title
            ),
        )?;
        let a = b.appendix.render(b.date, &b.ident)?;
        d.write(
            &format!("bulletin-{period}-{}.pdf", appendix::NAME),
            &a.pdf,
            format!("its attachment {}, for a reviewer", appendix::NAME),
        )?;
    }

    d.step(&format!(
        "ranking the contacts for the {YEAR} award (困难职工贴心人)"
    ));
    shortlist_step(&mut d, &s, &config, args.config.as_deref(), YEAR, date).await?;

    d.step(&format!(
        "writing the supervisory circulars (督查通报) of {QUARTER}"
    ));
    let dir = out.join("circulars");
    let written = super::circulars::write_all(&s, &config, &quarter, date, &dir, None).await?;
    d.files.push((
        dir.join("circulars.csv"),
        "index of the circulars: union, kind, recipients, file, SHA-256, delivery".into(),
    ));
    for w in &written {
        let c = &w.circular;
        let to =
            c.to.clone()
                .unwrap_or_else(|| "no address: undeliverable".into());
        d.files.push((
            w.path.clone(),
            format!(
                "{} to {} ({} major findings; to {to})",
                c.kind.label(),
                c.union_name,
                c.majors
            ),
        ));
        d.files.push((
            dir.join(c.ledger_file_name()),
            "its 整改台账: one row per finding with its record keys, to fill in and load as rectifications"
                .to_string(),
        ));
    }

    d.step("writing the e-mails of the circulars (not sent)");
    eml_step(&mut d, &config, &written)?;

    d.files.push((
        state.join("doc-numbers.json"),
        "the demo's document-number counter (鲁工帮〔2026〕N号 …; criticisms stay unnumbered drafts until approved), kept apart from yours".into(),
    ));
    super::terminal::clear();
    println!("tiexin demo: every file written into {}", out.display());
    let width = d
        .files
        .iter()
        .map(|(p, _)| rel(&out, p).chars().count())
        .max()
        .unwrap_or(0);
    for (path, what) in &d.files {
        println!("  {:<width$}  {what}", rel(&out, path));
    }
    println!(
        "finished in {:.1} s. Next: open bulletin-{QUARTER}.pdf; `tiexin --help` lists every command.",
        d.started.elapsed().as_secs_f64()
    );
    Ok(0)
}

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

/// The shortlist as CSV, the public notice, and the committee's PDF.
async fn shortlist_step(
    d: &mut Demo,
    s: &Session,
    config: &Config,
    file: Option<&Path>,
    year: i32,
    date: (i32, u8, u8),
) -> Result<()> {
    let params = shortlist::Params::from_config(&config.shortlist, file)?;
    let doc = shortlist::document(s, year, &params).await?;
    d.write(
        &format!("shortlist-{year}.csv"),
        &shortlist::tabular(&doc.nominees).to_csv()?,
        format!(
            "the {} nominees of {year} in rank order with their scores ({} eligible of {} contacts)",
            doc.nominees.len(),
            doc.eligible,
            doc.contacts
        ),
    )?;
    d.write(
        &format!("notice-{year}.csv"),
        &shortlist::notice_csv(&doc.nominees)?,
        "the public notice (公示名单): rank, name, union".to_string(),
    )?;
    let cfg = config.document(None);
    let c = committee::build(s, &cfg, &doc, date, None)?;
    let r = committee::render(&c)?;
    super::warn_rendering(Path::new(&format!("shortlist-{year}.pdf")), &r);
    d.write(
        &format!("shortlist-{year}.pdf"),
        &r.pdf,
        format!(
            "{} pages: {} (the award committee's document: method, nominees, reserve, exclusions)",
            r.pages, c.data.meta.title
        ),
    )?;
    d.write(
        &format!("shortlist-{year}-{}.pdf", appendix::NAME),
        &c.appendix.render(c.date, &c.ident)?.pdf,
        format!("its attachment {}, for a reviewer", appendix::NAME),
    )
}

/// The e-mail each deliverable circular would be sent as (`circulars/<union>.eml`),
/// exactly as the outbox would send it; nothing is sent.
fn eml_step(d: &mut Demo, config: &Config, written: &[super::circulars::Written]) -> Result<()> {
    let from = config
        .smtp
        .as_ref()
        .map(|c| c.from.clone())
        .unwrap_or_else(|| "山东省总工会督查室 <ducha@example.cn>".to_string());
    let from: lettre::message::Mailbox = from.parse().map_err(|e| {
        Error::Config(format!(
            "[smtp] from = {from:?} is not an e-mail address: {e}"
        ))
    })?;
    let user = crate::dirs::user(None);
    for w in written {
        let c = &w.circular;
        if c.to.is_none() {
            continue;
        }
        let Some(m) = messages::circular(c, "circulars", &w.pdf()?, &user)? else {
            continue;
        };
        let id = message_id(&m.key());
        let attachment = m
            .attachment
            .as_ref()
            .map(|a| (a.name.as_str(), a.bytes.as_slice()));
        let extra: Vec<(&str, &[u8])> = m
            .extra_attachments
            .iter()
            .map(|a| (a.name.as_str(), a.bytes.as_slice()))
            .collect();
        let (_, bytes) = compose(
            &from,
            &Draft {
                message_id: &id,
                subject: &m.subject,
                body: &m.body,
                to: &m.to,
                cc: &m.cc,
                attachment,
                extra: &extra,
            },
        )
        .map_err(|e| Error::Internal(format!("the e-mail of {}: {e}", c.union_id)))?;
        let held = if m.held {
            "; held until a second person approves it"
        } else {
            ""
        };
        d.write(
            &format!("circulars/{}.eml", c.union_id),
            &bytes,
            format!(
                "the e-mail to {} (cc {}) with {} and its 整改台账 attached{held}",
                m.to.join(", "),
                if m.cc.is_empty() {
                    "nobody".to_string()
                } else {
                    m.cc.join(", ")
                },
                c.attachment_name()
            ),
        )?;
    }
    Ok(())
}
