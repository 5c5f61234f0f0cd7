//! The attachment 数据来源与复核说明 of a bulletin or of the committee's document, a PDF of
//! its own written for a reviewer (`report-templates/sources.typ`): the query behind each
//! figure, the SHA-256 of each archive file read, and the command that reproduces the
//! document byte for byte. The document itself names it in its 附件说明 line and carries
//! the program and the files' SHA-256 in its metadata ([`Appendix::keywords`]); no
//! program internals are printed in it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Rendered;
use crate::error::Result;
use crate::ingest::Archive;
use crate::sql::catalog::Catalog;

/// The attachment's name, as the 附件说明 line prints it.
pub const NAME: &str = "数据来源与复核说明";

/// One row of the appendix's query table: a figure and the query file behind it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryRef {
    /// The figure or step, as the document names it (重大问题…).
    pub figure: String,
    /// The query file's path (`queries/findings/*.sql`…), the 查询文件 column.
    pub file: String,
}

/// One row of the appendix's file table: an archive file read.
#[derive(Debug, Clone, Serialize)]
pub struct FileRef {
    /// The archive file's name (档案文件).
    pub file: String,
    /// The rows read from it, as text (行数).
    pub rows: String,
    /// The SHA-256 of the file, as hex.
    pub sha256: String,
}

/// The attachment 数据来源与复核说明, as `report-templates/sources.typ` reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Appendix {
    /// The title (数据来源与复核说明).
    pub title: String,
    /// The document it belongs to (《…》).
    pub of: String,
    /// The opening paragraph.
    pub text: String,
    /// The command that reproduces the document, one argument group per line.
    pub command: Vec<String>,
    /// The header of the first column of the query table (数字, 步骤…).
    pub figure_header: String,
    /// The rows of the query table.
    pub queries: Vec<QueryRef>,
    /// The rows of the archive file table.
    pub files: Vec<FileRef>,
}

impl Appendix {
    /// The attachment of the document titled `of` (a document of kind `what`: 本通报,
    /// 本材料…) computed from `archive`; `command` is the command line reproducing it.
    pub fn new(
        archive: &Archive,
        catalog: &Catalog,
        (what, of): (&str, &str),
        command: &[&str],
        figure_header: &str,
        mut queries: Vec<QueryRef>,
    ) -> Appendix {
        let replaced = catalog.replaced();
        let note = if replaced.is_empty() {
            String::new()
        } else {
            format!(
                "其中{}个查询文件已由检查人员替换（表1中“已替换”各行），数字与内置查询的结果可能不同。",
                replaced.len()
            )
        };
        for r in replaced {
            queries.push(QueryRef {
                figure: "已替换".to_string(),
                file: format!(
                    "{} 已替换为 {}（SHA-256 {}）",
                    r.replaces,
                    r.path.display(),
                    r.sha256
                ),
            });
        }
        // One option and its value per line, so that no line overruns the margin.
        let mut lines: Vec<String> = Vec::new();
        for part in command {
            match lines.last_mut() {
                Some(l) if !part.starts_with("--") && l.starts_with("--") && !l.contains(' ') => {
                    l.push(' ');
                    l.push_str(part);
                }
                _ => lines.push(part.to_string()),
            }
        }
        let n = lines.len();
        for (i, l) in lines.iter_mut().enumerate() {
            if i + 1 < n {
                l.push_str(" \\");
            }
        }
        Appendix {
            title: NAME.to_string(),
            of: format!("（《{of}》的附件）"),
            text: format!(
                "{what}全部数字由“贴心”（tiexin {}）根据表2所列档案文件计算，每项数字对应的查询文件列于表1。{note}用同一档案执行以下命令，可得到逐字节相同的文件：",
                env!("CARGO_PKG_VERSION")
            ),
            command: lines,
            figure_header: figure_header.to_string(),
            queries,
            files: archive_files(archive),
        }
    }

    /// The document's PDF keywords: the program and each archive file with its SHA-256,
    /// so that the PDF itself says what it was made from.
    pub fn keywords(&self) -> Vec<String> {
        let mut k = vec![format!("tiexin {}", env!("CARGO_PKG_VERSION"))];
        k.extend(
            self.files
                .iter()
                .map(|f| format!("{} sha256:{}", f.file, f.sha256)),
        );
        k
    }

    /// Typesets the attachment, dated `date`, with the PDF identifier `ident`.
    pub fn render(&self, date: (i32, u8, u8), ident: &str) -> Result<Rendered> {
        super::render(&super::Document {
            template: "sources.typ",
            data: self,
            charts: Vec::new(),
            date,
            ident: format!("{ident}-sources"),
        })
    }
}

/// Where the attachment of the document written to `out` goes: beside it, named
/// `<name>-数据来源与复核说明.pdf`.
pub fn companion_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!("{stem}-{NAME}.pdf"))
}

/// Every archive file read, with its rows and SHA-256.
pub fn archive_files(archive: &Archive) -> Vec<FileRef> {
    archive
        .tables
        .iter()
        .filter_map(|t| {
            let src = t.source.as_ref()?;
            Some(FileRef {
                file: src.file_name(),
                rows: t.read.to_string(),
                sha256: src.sha256.clone(),
            })
        })
        .collect()
}
