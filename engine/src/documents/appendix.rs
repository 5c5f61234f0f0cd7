//! The appendix every document ends with (附件 数据来源与复核说明): the query behind each
//! figure, the SHA-256 of each archive file read, and the command that reproduces the
//! PDF byte for byte. Typeset by `appendix()` of `report-templates/official.typ`.

use serde::Serialize;

use crate::ingest::Archive;
use crate::sql::catalog::Catalog;

/// One row of the appendix's query table: a figure and the query file behind it.
#[derive(Debug, Serialize)]
pub struct QueryRef {
    /// The figure or step, as the document names it (重大问题…).
    pub figure: String,
    /// The query file's path (`queries/findings/*.sql`…), the 查询文件 column.
    pub file: String,
}

/// One row of the appendix's file table: an archive file read.
#[derive(Debug, Serialize)]
pub struct FileRef {
    /// The archive file's name (档案文件).
    pub file: String,
    /// The rows read from it, as text (行数).
    pub rows: String,
    /// The SHA-256 of the file, as hex.
    pub sha256: String,
}

/// The appendix (附件 数据来源与复核说明) as the template's `appendix()` reads it.
#[derive(Debug, Serialize)]
pub struct Appendix {
    /// The opening sentence.
    pub text: String,
    /// The command that reproduces the PDF byte for byte.
    pub command: String,
    /// The header of the first column of the query table (数字, 步骤…).
    pub figure_header: String,
    /// The rows of the query table.
    pub queries: Vec<QueryRef>,
    /// The rows of the archive file table.
    pub files: Vec<FileRef>,
}

impl Appendix {
    /// The appendix of a document of kind `what` (本通报, 本名单…) computed from
    /// `archive`.
    pub fn new(
        archive: &Archive,
        catalog: &Catalog,
        what: &str,
        command: String,
        figure_header: &str,
        mut queries: Vec<QueryRef>,
    ) -> Appendix {
        let replaced = catalog.replaced();
        let note = if replaced.is_empty() {
            String::new()
        } else {
            format!(
                "其中{}个查询文件已由检查人员替换（表中“已替换”各行），数字与内置查询的结果可能不同。",
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
        Appendix {
            text: format!(
                "{what}全部数字由“贴心”（tiexin {}）根据下列档案文件计算，每项数字对应的查询文件列于下表。{note}用同一档案执行以下命令可得到逐字节相同的本文件：",
                env!("CARGO_PKG_VERSION")
            ),
            command,
            figure_header: figure_header.to_string(),
            queries,
            files: archive_files(archive),
        }
    }
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
