//! `tiexin circulars`: one supervisory circular (督查通报) PDF per union with major
//! findings in the quarter, an index `circulars.csv`, and with `--send` the e-mails.

use std::path::{Path, PathBuf};

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::args::CircularsArgs;
use crate::config::Config;
use crate::delivery::outbox::{Attachments, Outbox};
use crate::delivery::{messages, smtp};
use crate::documents::circulars::{self, Circular, Settings};
use crate::documents::document_date;
use crate::error::{Error, Result};
use crate::files::spreadsheet_cell;
use crate::sql::table::{Cell, Tabular};
use crate::sql::{Period, Session};

/// One circular written to disk.
pub struct Written {
    /// The circular.
    pub circular: Circular,
    /// Where its PDF is.
    pub path: PathBuf,
    /// The PDF's SHA-256.
    pub sha256: String,
}

impl Written {
    /// The PDF as written (read back when needed, so that thousands of circulars are
    /// not all held in memory), checked against the SHA-256 it was written with.
    pub fn pdf(&self) -> Result<Vec<u8>> {
        let pdf = std::fs::read(&self.path).map_err(|e| Error::io(&self.path, e))?;
        if crate::ingest::sha256_bytes(&pdf) != self.sha256 {
            return Err(Error::State(format!(
                "{} was changed after this run wrote it (another run writing into the same folder?), so it is not used",
                self.path.display()
            )));
        }
        Ok(pdf)
    }
}

/// Runs `tiexin circulars`.
pub async fn run(args: CircularsArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    let date = document_date(args.date.as_deref())?;
    super::check_outputs(&args.archive, &[Some(&args.out)])?;
    let (s, config) = super::open_session(&args.archive).await?;
    // Refuse --send before any work when there is nowhere to send.
    let smtp = if args.send {
        let smtp = config.smtp.clone().ok_or_else(|| {
            Error::Config(
                "--send needs an [smtp] section in the configuration (host, port, from, tls)"
                    .into(),
            )
        })?;
        smtp.check().map_err(Error::Config)?;
        Some(smtp)
    } else {
        None
    };
    // With --send, each PDF is also kept in the state folder as it is rendered, and
    // queued from there: never read back from --out, where another run may write.
    let outbox = match smtp {
        Some(_) => Some(Outbox::open_in(config.state_folder().as_deref())?),
        None => None,
    };
    let keep = outbox.as_ref().map(Outbox::attachments);
    let written = write_all(&s, &config, &period, date, &args.out, keep).await?;
    for w in &written {
        println!("{}", w.path.display());
    }
    let (Some(smtp), Some(outbox)) = (smtp, outbox) else {
        return Ok(0);
    };
    let user = crate::dirs::user(None);
    let (mut queued, mut again, mut held) = (0, 0, Vec::new());
    for w in &written {
        if w.circular.to.is_none() {
            continue;
        }
        let pdf = outbox
            .attachments()
            .get(&w.sha256, &w.circular.attachment_name())
            .map_err(Error::State)?;
        let Some(m) = messages::circular(&w.circular, "circulars", &pdf, &user)? else {
            continue;
        };
        let is_held = m.held;
        let (id, created) = outbox.enqueue(m)?;
        if created {
            queued += 1;
        } else {
            again += 1;
        }
        if is_held {
            held.push(id);
        }
    }
    say!(
        "outbox: {queued} circulars queued, {again} already queued before (not sent twice), {} criticisms held until a second person approves them",
        held.len()
    );
    let stop = Arc::new(AtomicBool::new(false));
    crate::delivery::schedule::stop_on_signals(stop.clone())?;
    let summary = smtp::deliver(&outbox, &smtp, stop).await?;
    println!("{}", summary.line());
    if !held.is_empty() {
        let ids: Vec<String> = held.iter().map(|i| i.to_string()).collect();
        say!(
            "held: outbox messages {}; send each with `tiexin outbox approve ID --by NAME` (not the person who queued it), then `tiexin outbox send`",
            ids.join(", ")
        );
    }
    Ok(if summary.ok() { 0 } else { 1 })
}

/// Builds, renders and writes every circular of `period` into `out`, with the index
/// `circulars.csv`; reports undeliverable ones on standard error. With `keep`, each PDF
/// is also stored there (the outbox's attachments) as it is rendered.
pub async fn write_all(
    s: &Session,
    config: &Config,
    period: &Period,
    date: (i32, u8, u8),
    out: &Path,
    keep: Option<&Attachments>,
) -> Result<Vec<Written>> {
    let doc = config.document(config.circulars.as_ref());
    let set = Settings::from_doc(&doc)?;
    super::status(&format!("computing the findings of {period}…"));
    let list = circulars::build(s, &set, period, date).await?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written = Vec::new();
    for (i, c) in list.into_iter().enumerate() {
        super::status(&format!("  [{}] {} {}", i + 1, c.union_id, c.kind.label()));
        let r = circulars::render(&c)?;
        let path = out.join(c.file_name());
        super::output::write_file(&path, &r.pdf)?;
        super::warn_rendering(&path, &r);
        // The 整改台账 beside it: the record keys of its findings, for the office to fill.
        super::output::write_file(&out.join(c.ledger_file_name()), &c.ledger()?)?;
        let sha256 = crate::ingest::sha256_bytes(&r.pdf);
        if let Some(keep) = keep {
            keep.put(&r.pdf)?;
        }
        written.push(Written {
            circular: c,
            path,
            sha256,
        });
    }
    let index = index(&written);
    let index_path = out.join("circulars.csv");
    super::output::write_file(&index_path, &index.to_csv()?)?;
    let undeliverable: Vec<&str> = written
        .iter()
        .filter(|w| w.circular.to.is_none())
        .map(|w| w.circular.union_id.as_str())
        .collect();
    let criticism = written
        .iter()
        .filter(|w| w.circular.kind == circulars::Kind::Criticism)
        .count();
    say!(
        "wrote {} circulars ({} 督查提示, {criticism} 通报批评) and circulars.csv into {}",
        written.len(),
        written.len() - criticism,
        out.display()
    );
    if !undeliverable.is_empty() {
        say!(
            "undeliverable (no e-mail address in unions.csv): {}",
            undeliverable.join(", ")
        );
    }
    Ok(written)
}

/// The index of the circulars written: one row per union. It is a file for people
/// (opened in a spreadsheet), so text that would run as a formula is escaped.
pub fn index(written: &[Written]) -> Tabular {
    let columns = [
        "union_id",
        "name",
        "kind",
        "major_findings",
        "number",
        "to",
        "cc",
        "file",
        "sha256",
        "delivery",
    ];
    let rows = written
        .iter()
        .map(|w| {
            let c = &w.circular;
            let text = |v: &str| Cell::Text(spreadsheet_cell(v).into_owned());
            let opt = |v: &Option<String>| v.as_deref().map(text).unwrap_or(Cell::Null);
            vec![
                text(&c.union_id),
                text(&c.union_name),
                Cell::Text(c.kind.code().to_string()),
                Cell::Int(c.majors as i64),
                text(&c.data.meta.number),
                opt(&c.to),
                opt(&c.cc),
                text(&c.file_name()),
                Cell::Text(w.sha256.clone()),
                Cell::Text(
                    match (&c.to, c.kind) {
                        (None, _) => "undeliverable: no e-mail address",
                        (Some(_), circulars::Kind::Criticism) => "held until approved",
                        (Some(_), circulars::Kind::Prompt) => "to send",
                    }
                    .to_string(),
                ),
            ]
        })
        .collect();
    Tabular {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    }
}
