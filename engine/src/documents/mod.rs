//! PDF documents: Typst compiled inside the process, in a sandboxed world
//! ([`world::Sandbox`]), with the bundled fonts ([`fonts`]) and plotters charts
//! ([`charts`]). Templates receive their data as JSON (`/data.json`), never as markup.
//!
//! Each document gathers its data from queries decoded into typed structs, then
//! renders a template: [`bulletin`] (工作通报), [`circulars`] (督查通报) and
//! [`committee`] (the award committee's document).

pub mod appendix;
pub mod bulletin;
pub mod charts;
pub mod circulars;
pub mod committee;
pub mod fonts;
pub mod ledger;
pub mod numbering;
pub mod settings;
pub mod templates;
pub mod text;
pub mod world;

use serde::Serialize;
use typst::diag::Warned;
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::error::{Error, Result};
use world::Sandbox;

/// The header and closing block of an official document (GB/T 9704).
#[derive(Debug, Serialize)]
pub struct Meta {
    /// The red issuing-body mark (发文机关标志).
    pub issuer: String,
    /// The document number (鲁工发〔2026〕3号); empty on a draft (送审稿), which is
    /// numbered when it is approved or issued.
    pub number: String,
    /// The title.
    pub title: String,
    /// The title's lines, broken between phrases ([`text::title_lines`]).
    pub title_lines: Vec<String>,
    /// The addressees (主送机关).
    pub addressee: String,
    /// The issuing office of the 落款.
    pub office: String,
    /// The date of the 落款 (2026年11月28日); empty on a draft.
    pub date: String,
    /// 抄送.
    pub cc: Vec<String>,
    /// 印发机关.
    pub printer: String,
    /// 印发日期; empty on a draft.
    pub print_date: String,
    /// A draft (送审稿): no number and no date until it is approved or issued.
    pub draft: bool,
    /// With the red issuing-body mark and the number (版头); a plain internal
    /// document has neither.
    pub red_header: bool,
    /// The PDF's keywords (its metadata): what the document was made from, for a
    /// reviewer (program version, archive files and their SHA-256).
    pub keywords: Vec<String>,
}

impl Meta {
    /// Turns the document into its numbered final of `date`.
    pub fn issue(&mut self, number: String, date: (i32, u8, u8)) {
        let d = text::chinese_date(date.0, date.1, date.2);
        self.number = number;
        self.date = d.clone();
        self.print_date = d;
        self.draft = false;
    }

    /// Turns the document into a draft (送审稿): no number, no date.
    pub fn make_draft(&mut self) {
        self.number.clear();
        self.date.clear();
        self.print_date.clear();
        self.draft = true;
    }
}

/// One document to render.
pub struct Document<'a, T: Serialize> {
    /// The template's file name under `report-templates/` (`bulletin.typ`).
    pub template: &'static str,
    /// The data, serialized to JSON and served to the template as `/data.json`.
    pub data: &'a T,
    /// `(name, svg)`: served as `/charts/<name>.svg`.
    pub charts: Vec<(String, String)>,
    /// The document's date: Typst's `today()` and the PDF's creation date.
    pub date: (i32, u8, u8),
    /// A stable identifier of the document (kind, period, union), for the PDF's ID.
    pub ident: String,
}

/// A rendered PDF, with Typst's warnings and any characters no bundled font has.
pub struct Rendered {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// The number of pages.
    pub pages: usize,
    /// Typst's warnings, each described with its place in the template.
    pub warnings: Vec<String>,
    /// The texts of the data holding characters that no bundled font can print.
    pub missing_glyphs: Vec<MissingGlyphs>,
    /// Every path Typst asked the sandbox for, with whether it was served.
    pub asked: Vec<(String, bool)>,
}

/// A text of a document's data holding characters that no bundled font has: they print
/// as empty boxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyphs {
    /// The characters no bundled font has, sorted and unique.
    pub chars: Vec<char>,
    /// The text they are in, as the data gives it (a name, a union's name, …).
    pub text: String,
    /// Where the text is in the document's data (`nominees[1].name`), in order.
    pub fields: Vec<String>,
}

impl Rendered {
    /// Typst's warnings and, for each set of characters no bundled font has, one
    /// sentence naming them and the texts they are in (with where each text is), for the
    /// user to see.
    pub fn notices(&self) -> Vec<String> {
        const SHOWN: usize = 3;
        let mut out = self.warnings.clone();
        let mut done: Vec<&[char]> = Vec::new();
        for m in &self.missing_glyphs {
            if done.contains(&m.chars.as_slice()) {
                continue;
            }
            done.push(&m.chars);
            let texts: Vec<&MissingGlyphs> = self
                .missing_glyphs
                .iter()
                .filter(|t| t.chars == m.chars)
                .collect();
            let mut named: Vec<String> = texts
                .iter()
                .take(SHOWN)
                .map(|t| {
                    let more = match t.fields.len() {
                        1 => String::new(),
                        n => format!(" and {} more places", n - 1),
                    };
                    format!("{:?} ({}{more})", t.text, t.fields[0])
                })
                .collect();
            if texts.len() > SHOWN {
                named.push(format!("{} more texts", texts.len() - SHOWN));
            }
            let chars: Vec<String> = m.chars.iter().map(|c| format!("{c:?}")).collect();
            out.push(format!(
                "no bundled font has the characters {} of {}: they print as empty boxes",
                chars.join(" "),
                named.join(", ")
            ));
        }
        out
    }
}

/// Compiles the template with the data and writes the PDF (bytes depend only on the
/// template, the data, the charts, the date and the identifier).
pub fn render<T: Serialize>(doc: &Document<'_, T>) -> Result<Rendered> {
    let fonts = fonts::shared()?;
    let json =
        serde_json::to_vec(doc.data).map_err(|e| Error::Internal(format!("document data: {e}")))?;
    let value: serde_json::Value = serde_json::from_slice(&json)
        .map_err(|e| Error::Internal(format!("document data: {e}")))?;
    let mut missing_glyphs = Vec::new();
    missing_in(&fonts, &value, &mut String::new(), &mut missing_glyphs);
    let world = Sandbox::new(fonts, doc.template, json, &doc.charts, doc.date)?;
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    let warnings: Vec<String> = warnings.iter().map(|w| world.describe(w)).collect();
    let document = output.map_err(|errors| {
        Error::Render(
            errors
                .first()
                .map(|e| world.describe(e))
                .unwrap_or_else(|| format!("report-templates/{}: Typst failed", doc.template)),
        )
    })?;
    let (y, m, d) = doc.date;
    let stamp = Datetime::from_ymd_hms(y, m, d, 0, 0, 0)
        .ok_or_else(|| Error::Internal(format!("{y}-{m}-{d} is not a date")))?;
    let options = PdfOptions {
        ident: Smart::Custom(doc.ident.clone()),
        timestamp: Some(Timestamp::new_utc(stamp)),
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
        Error::Render(
            errors
                .first()
                .map(|e| world.describe(e))
                .unwrap_or_else(|| "the PDF could not be written".into()),
        )
    })?;
    // Keep memory bounded when many documents are rendered in one process, while the
    // fonts' parsed tables stay cached for the next ones.
    comemo::evict(10);
    Ok(Rendered {
        pdf,
        pages: document.pages().len(),
        warnings,
        missing_glyphs,
        asked: world.asked(),
    })
}

/// Every string of the data `v` (at `path`) with characters no bundled font has, one
/// entry per distinct text.
fn missing_in(
    fonts: &fonts::Fonts,
    v: &serde_json::Value,
    path: &mut String,
    out: &mut Vec<MissingGlyphs>,
) {
    let len = path.len();
    match v {
        serde_json::Value::String(s) => {
            let chars = fonts.missing(s);
            if chars.is_empty() {
                return;
            }
            match out.iter_mut().find(|m| m.text == *s) {
                Some(m) => m.fields.push(path.clone()),
                None => out.push(MissingGlyphs {
                    chars,
                    text: s.clone(),
                    fields: vec![path.clone()],
                }),
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                missing_in(fonts, v, path, out);
                path.truncate(len);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                missing_in(fonts, v, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A document's date: `given` (`--date YYYY-MM-DD`, a usage error naming --date if it is
/// not a date), else today in China (Asia/Shanghai).
pub fn document_date(given: Option<&str>) -> Result<(i32, u8, u8)> {
    match given {
        Some(s) => {
            let z = crate::ingest::values::date(s)
                .map_err(|e| Error::Usage(format!("--date {s:?}: {e}")))?;
            let (y, m, d) = crate::calendar::civil(z);
            Ok((y, m as u8, d as u8))
        }
        None => Ok(today_in_china()),
    }
}

/// Today's date in China.
pub fn today_in_china() -> (i32, u8, u8) {
    use chrono::Datelike;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    (today.year(), today.month() as u8, today.day() as u8)
}
