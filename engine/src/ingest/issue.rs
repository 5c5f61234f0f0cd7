//! What validation reports (archive format, section "Validation"): rejected rows and
//! warnings, each an [`Issue`] naming table, line, column, value and reason.

use serde::{Deserialize, Serialize};

/// One rejected row or one warning, as written to the rejects/warnings CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// The table's name (`households`).
    pub table: String,
    /// 1-based line of the record's first line (header = 1); `None` for a whole table.
    pub line: Option<u64>,
    /// The column at fault; empty when the issue is not about one column.
    pub column: String,
    /// The offending value as read; empty when there is none.
    pub value: String,
    /// Why the row was rejected or warned about, in one sentence.
    pub reason: String,
}

impl Issue {
    /// An issue of `table` at `line` about `column` and `value`, for `reason`.
    pub fn new(
        table: &str,
        line: Option<u64>,
        column: &str,
        value: &str,
        reason: impl Into<String>,
    ) -> Self {
        Issue {
            table: table.to_string(),
            line,
            column: column.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Header of the rejects and warnings files.
pub const ISSUE_HEADER: [&str; 5] = ["table", "line", "column", "value", "reason"];

/// Writes issues as CSV (`table,line,column,value,reason`).
pub fn write_issues<W: std::io::Write>(out: W, issues: &[&Issue]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ISSUE_HEADER)?;
    for i in issues {
        let line = i.line.map(|l| l.to_string()).unwrap_or_default();
        w.write_record([i.table.as_str(), &line, &i.column, &i.value, &i.reason])?;
    }
    w.flush()?;
    Ok(())
}
