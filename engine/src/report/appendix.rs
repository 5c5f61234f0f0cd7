//! The appendix every document ends with (附件 数据来源与复核说明): the query behind each
//! figure, the SHA-256 of each archive file read, and the command that reproduces the
//! PDF byte for byte. Typeset by `appendix()` of `report-templates/official.typ`.

use serde::Serialize;

use crate::session::Session;

#[derive(Debug, Serialize)]
pub struct QueryRef {
    pub figure: String,
    pub file: String,
}

#[derive(Debug, Serialize)]
pub struct FileRef {
    pub file: String,
    pub rows: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct Appendix {
    /// The opening sentence.
    pub text: String,
    pub command: String,
    /// The header of the first column of the query table (数字, 步骤…).
    pub figure_header: String,
    pub queries: Vec<QueryRef>,
    pub files: Vec<FileRef>,
}

impl Appendix {
    /// The appendix of a document of kind `what` (本通报, 本名单…) computed from the
    /// session's archive.
    pub fn new(
        s: &Session,
        what: &str,
        command: String,
        figure_header: &str,
        queries: Vec<QueryRef>,
    ) -> Appendix {
        Appendix {
            text: format!(
                "{what}全部数字由“贴心”（tiexin {}）根据下列档案文件计算，每项数字对应的查询文件列于下表。用同一档案执行以下命令可得到逐字节相同的本文件：",
                env!("CARGO_PKG_VERSION")
            ),
            command,
            figure_header: figure_header.to_string(),
            queries,
            files: archive_files(s),
        }
    }
}

/// Every archive file read, with its rows and SHA-256.
pub fn archive_files(s: &Session) -> Vec<FileRef> {
    s.archive
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
