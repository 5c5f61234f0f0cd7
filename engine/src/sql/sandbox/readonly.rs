//! The read-only check of `tiexin query`: one statement, a query (or an `EXPLAIN` of
//! one), whose whole logical plan holds no write, definition or session statement.

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::{DFParser, Statement};
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;

use crate::error::{Error, Result};

/// The options every inspector query is planned with.
pub fn options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

fn refuse(what: &str) -> Error {
    Error::Query(format!(
        "query refused: tiexin query is read-only and runs a single SELECT ({what} is not allowed)"
    ))
}

/// Parses `sql` and accepts exactly one query statement.
pub fn check_text(sql: &str) -> Result<()> {
    let statements = DFParser::parse_sql(sql).map_err(|e| {
        Error::Query(format!(
            "the SQL cannot be parsed: {}",
            e.to_string().lines().next().unwrap_or("")
        ))
    })?;
    match statements.len() {
        0 => return Err(Error::Query("the SQL holds no statement".into())),
        1 => {}
        n => return Err(refuse(&format!("{n} statements in one run"))),
    }
    statement(&statements[0])
}

fn statement(s: &Statement) -> Result<()> {
    match s {
        Statement::Statement(inner) => match inner.as_ref() {
            SqlStatement::Query(_) => Ok(()),
            other => Err(refuse(&keyword(other))),
        },
        Statement::Explain(e) => statement(&e.statement),
        Statement::CreateExternalTable(_) => Err(refuse("CREATE EXTERNAL TABLE")),
        Statement::CopyTo(_) => Err(refuse("COPY")),
        Statement::Reset(_) => Err(refuse("RESET")),
    }
}

/// The first word of a statement, for the message (`INSERT`, `CREATE`, …).
fn keyword(s: &SqlStatement) -> String {
    s.to_string()
        .split_whitespace()
        .next()
        .unwrap_or("other")
        .to_uppercase()
}

/// Refuses a plan that holds, anywhere (subqueries included), a write, a definition, a
/// `COPY` or a session statement.
pub fn check_plan(plan: &LogicalPlan) -> Result<()> {
    let mut bad: Option<&'static str> = None;
    plan.apply_with_subqueries(|node| {
        let what = match node {
            LogicalPlan::Dml(_) => Some("a write (INSERT, UPDATE, DELETE)"),
            LogicalPlan::Ddl(_) => Some("a definition (CREATE, DROP, ALTER)"),
            LogicalPlan::Copy(_) => Some("COPY"),
            LogicalPlan::Statement(_) => Some("a session statement (SET, transactions, …)"),
            LogicalPlan::Extension(_) => Some("an extension plan"),
            _ => None,
        };
        if what.is_some() {
            bad = what;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    match bad {
        Some(what) => Err(refuse(what)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_query_only() {
        assert!(check_text("SELECT 1").is_ok());
        assert!(check_text("EXPLAIN SELECT 1").is_ok());
        assert!(check_text("SELECT 1; SELECT 2").is_err());
        assert!(check_text("DROP TABLE households").is_err());
        assert!(check_text("EXPLAIN ANALYZE INSERT INTO t VALUES (1)").is_err());
        assert!(check_text("COPY households TO 'x.csv'").is_err());
        assert!(check_text("SET datafusion.execution.batch_size = 1").is_err());
    }
}
