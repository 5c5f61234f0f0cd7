//! The Typst world of one document: a sandbox. It serves the embedded templates, the
//! document's data as `/data.json`, its charts as `/charts/*.svg` and the bundled
//! fonts, and nothing else: any other path is a Typst "file not found" error, never a
//! read of the machine's files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};

use super::fonts::Fonts;
use super::templates;
use crate::error::{Error, Result};

/// The Typst world of one document, serving only its templates, data, charts and fonts.
pub struct Sandbox {
    library: LazyHash<Library>,
    fonts: Arc<Fonts>,
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
    /// Every path Typst asked for, served or refused, for checks and tests.
    asked: Mutex<Vec<(String, bool)>>,
}

/// The id of a path of the virtual project (`/data.json`); None for a path Typst
/// would not accept (never one of ours).
pub fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl Sandbox {
    /// A world whose main file is the template `main` (`bulletin.typ`), with every
    /// template, `data` as `/data.json` and each `(name, svg)` as `/charts/<name>.svg`.
    pub fn new(
        fonts: Arc<Fonts>,
        main: &str,
        data: Vec<u8>,
        charts: &[(String, String)],
        today: (i32, u8, u8),
    ) -> Result<Sandbox> {
        let main_id = file_id(&format!("/{main}"))
            .ok_or_else(|| Error::Internal(format!("no template named {main}")))?;
        let mut sources = HashMap::new();
        for (name, text) in templates::ALL {
            if let Some(id) = file_id(&format!("/{name}")) {
                sources.insert(id, Source::new(id, text.to_string()));
            }
        }
        let mut files = HashMap::new();
        if let Some(id) = file_id("/data.json") {
            files.insert(id, Bytes::new(data));
        }
        for (name, svg) in charts {
            if let Some(id) = file_id(&format!("/charts/{name}.svg")) {
                files.insert(id, Bytes::new(svg.clone().into_bytes()));
            }
        }
        let today = Datetime::from_ymd(today.0, today.1, today.2).ok_or_else(|| {
            Error::Internal(format!("{}-{}-{} is not a date", today.0, today.1, today.2))
        })?;
        Ok(Sandbox {
            library: LazyHash::new(Library::builder().build()),
            fonts,
            main: main_id,
            sources,
            files,
            today,
            asked: Mutex::new(Vec::new()),
        })
    }

    /// The document's date, what Typst's `today()` returns.
    pub fn today(&self) -> Datetime {
        self.today
    }

    /// The paths Typst asked for, in order, each with whether it was served.
    pub fn asked(&self) -> Vec<(String, bool)> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }

    fn note(&self, id: FileId, served: bool) {
        if let Ok(mut a) = self.asked.lock() {
            a.push((id.get().vpath().get_with_slash().to_string(), served));
        }
    }

    /// A world whose main file is `text` instead of a template (for tests of the
    /// sandbox itself).
    #[doc(hidden)]
    pub fn with_main_text(mut self, text: &str) -> Sandbox {
        if let Some(id) = file_id("/test-main.typ") {
            self.sources.insert(id, Source::new(id, text.to_string()));
            self.main = id;
        }
        self
    }

    /// One sentence for a Typst diagnostic: the template file, line and column.
    pub fn describe(&self, diag: &SourceDiagnostic) -> String {
        let at = diag.span.id().and_then(|id| {
            let name = id.get().vpath().get_without_slash().to_string();
            let range = self.range(diag.span)?;
            let source = self.sources.get(&id)?;
            let (line, col) = source.lines().byte_to_line_column(range.start)?;
            Some(format!("report-templates/{name}:{}:{}", line + 1, col + 1))
        });
        match at {
            Some(at) => format!("{at}: {}", diag.message),
            None => format!(
                "report-templates/{}: {}",
                self.main.get().vpath().get_without_slash(),
                diag.message
            ),
        }
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.get().vpath().get_with_slash().to_string()))
}

impl World for Sandbox {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let found =
            matches!(id.get().root(), VirtualRoot::Project) && self.sources.contains_key(&id);
        self.note(id, found);
        if !matches!(id.get().root(), VirtualRoot::Project) {
            return Err(not_found(id));
        }
        self.sources.get(&id).cloned().ok_or_else(|| {
            if self.files.contains_key(&id) {
                FileError::NotSource
            } else {
                not_found(id)
            }
        })
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let project = matches!(id.get().root(), VirtualRoot::Project);
        self.note(
            id,
            project && (self.files.contains_key(&id) || self.sources.contains_key(&id)),
        );
        if !project {
            return Err(not_found(id));
        }
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        match self.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.text().to_string())),
            None => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst_layout::PagedDocument;

    fn world(main: &str) -> Sandbox {
        let fonts = crate::documents::fonts::shared().unwrap();
        Sandbox::new(
            fonts,
            "official.typ",
            b"{\"x\": 1}".to_vec(),
            &[],
            (2026, 11, 28),
        )
        .unwrap()
        .with_main_text(main)
    }

    fn error_of(main: &str) -> String {
        let w = world(main);
        match typst::compile::<PagedDocument>(&w).output {
            Ok(_) => String::new(),
            Err(e) => w.describe(&e[0]),
        }
    }

    #[test]
    fn files_outside_the_sandbox_are_not_found() {
        for path in [
            "/etc/passwd",
            "../../../../etc/passwd",
            "/root/.bashrc",
            "/Cargo.toml",
            "/report-templates/fonts/README.md",
        ] {
            let e = error_of(&format!("#read(\"{path}\")"));
            assert!(
                e.contains("not found") || e.contains("escape the project root"),
                "{path}: {e}"
            );
        }
        let e = error_of("#image(\"/etc/hostname\")");
        assert!(e.contains("not found"), "{e}");
        let e = error_of("#import \"@preview/cetz:0.3.0\": *");
        assert!(!e.is_empty());
    }

    #[test]
    fn data_templates_and_today_are_served() {
        assert_eq!(
            error_of("#json(\"/data.json\").x #read(\"/official.typ\").len()"),
            ""
        );
        let w = world("#datetime.today().display()");
        assert!(typst::compile::<PagedDocument>(&w).output.is_ok());
        assert_eq!(w.today(), Datetime::from_ymd(2026, 11, 28).unwrap());
    }

    #[test]
    fn a_template_error_names_the_file_and_line() {
        let e = error_of("ok\n\n#nosuchfunction()");
        assert!(e.starts_with("report-templates/test-main.typ:3:2: "), "{e}");
    }
}
