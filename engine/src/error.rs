//! Errors, grouped by who is at fault. Every message is one sentence naming the file,
//! line, column or option involved; `exit_code` maps them to the CLI's exit codes.

use std::path::PathBuf;

use thiserror::Error;

/// A result whose error is tiexin's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error of tiexin, by who is at fault; the message is one sentence.
#[derive(Debug, Error)]
pub enum Error {
    /// The archive (or one of its required files) cannot be read at all.
    #[error("{0}")]
    Unreadable(String),
    /// A command-line option or argument is wrong.
    #[error("{0}")]
    Usage(String),
    /// The configuration file is wrong.
    #[error("{0}")]
    Config(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A query failed or was refused.
    #[error("{0}")]
    Query(String),
    /// A document could not be typeset (names the template file and line).
    #[error("{0}")]
    Render(String),
    /// The state database (outbox, run ledger) or a delivery failed.
    #[error("{0}")]
    State(String),
    /// A bug in tiexin itself.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An [`Error::Io`] naming `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// 2: could not run. (1 is reserved for "finished, but rows were rejected".)
    pub fn exit_code(&self) -> i32 {
        2
    }
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Query(e.to_string())
    }
}

impl From<datafusion::arrow::error::ArrowError> for Error {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        Error::Internal(e.to_string())
    }
}
