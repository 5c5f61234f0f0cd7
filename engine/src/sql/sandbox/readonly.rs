//! The read-only check of `tiexin query`: one statement, a query (or an `EXPLAIN` of
//! one), whose whole logical plan holds no write, definition or session statement.

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::{DFParser, Statement};
use datafusion::sql::sqlparser::ast::{SetExpr, Statement as SqlStatement};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

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

/// The largest statement accepted, in bytes.
pub const MAX_BYTES: usize = 1 << 20;
/// Binary operators and set operations a statement may chain: each one deepens the tree
/// that planning walks recursively, so this bounds the depth before planning.
pub const MAX_OPERATORS: usize = 1_000;
/// Nesting of parentheses a statement may have.
pub const MAX_NESTING: usize = 64;

fn too_large(what: String) -> Error {
    Error::Query(format!(
        "query refused: the statement is too large to plan safely ({what})"
    ))
}

/// Bounds a statement's size and depth from its tokens, without building a tree:
/// at most [`MAX_BYTES`], [`MAX_OPERATORS`] chained operators and [`MAX_NESTING`]
/// levels of parentheses.
pub fn check_size(sql: &str) -> Result<()> {
    if sql.len() > MAX_BYTES {
        return Err(too_large(format!(
            "{} bytes; at most {MAX_BYTES}",
            sql.len()
        )));
    }
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize()
        .map_err(|e| Error::Query(format!("the SQL cannot be parsed: {e}")))?;
    let (mut operators, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    for t in &tokens {
        match t {
            Token::LParen => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::Mod
            | Token::StringConcat
            | Token::Eq
            | Token::DoubleEq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq => operators += 1,
            Token::Word(w)
                if matches!(
                    w.keyword,
                    Keyword::AND
                        | Keyword::OR
                        | Keyword::UNION
                        | Keyword::INTERSECT
                        | Keyword::EXCEPT
                ) =>
            {
                operators += 1
            }
            _ => {}
        }
    }
    if operators > MAX_OPERATORS {
        return Err(too_large(format!(
            "{operators} operators; at most {MAX_OPERATORS}"
        )));
    }
    if deepest > MAX_NESTING {
        return Err(too_large(format!(
            "{deepest} levels of parentheses; at most {MAX_NESTING}"
        )));
    }
    check_paths(&tokens)
}

/// Parses `sql` and accepts exactly one query statement of a bounded size.
pub fn check_text(sql: &str) -> Result<()> {
    check_size(sql)?;
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
            SqlStatement::Query(q) => query_body(&q.body),
            other => Err(refuse(&keyword(other))),
        },
        Statement::Explain(e) => statement(&e.statement),
        Statement::CreateExternalTable(_) => Err(refuse("CREATE EXTERNAL TABLE")),
        Statement::CopyTo(_) => Err(refuse("COPY")),
        Statement::Reset(_) => Err(refuse("RESET")),
    }
}

/// Refuses a query whose body (or a part of a set operation) is a write: `WITH … INSERT`.
fn query_body(body: &SetExpr) -> Result<()> {
    let mut stack = vec![body];
    while let Some(b) = stack.pop() {
        match b {
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
                return Err(refuse(&keyword(s)))
            }
            SetExpr::SetOperation { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            SetExpr::Query(q) => stack.push(&q.body),
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a file path given as a table (`FROM '/etc/passwd'`): a quoted string where a
/// table of the FROM clause is named.
fn check_paths(tokens: &[Token]) -> Result<()> {
    let mut in_from = false;
    let mut previous: Option<&Token> = None;
    // For each open parenthesis: whether it is a function's (`extract(year FROM …)`).
    let mut calls: Vec<bool> = Vec::new();
    for t in tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_))) {
        let in_call = calls.last().copied().unwrap_or(false);
        match t {
            Token::LParen => {
                calls.push(matches!(previous, Some(Token::Word(w))
                if !matches!(w.keyword, Keyword::FROM | Keyword::JOIN | Keyword::IN | Keyword::AS)))
            }
            Token::RParen => {
                calls.pop();
                in_from = false;
            }
            Token::Word(w) => match w.keyword {
                Keyword::FROM | Keyword::JOIN if !in_call => in_from = true,
                Keyword::WHERE
                | Keyword::GROUP
                | Keyword::HAVING
                | Keyword::ORDER
                | Keyword::LIMIT
                | Keyword::UNION
                | Keyword::INTERSECT
                | Keyword::EXCEPT
                | Keyword::ON
                | Keyword::USING
                | Keyword::SELECT => in_from = false,
                _ => {}
            },
            Token::SingleQuotedString(path) => {
                let after_from = matches!(previous, Some(Token::Word(w))
                    if matches!(w.keyword, Keyword::FROM | Keyword::JOIN));
                let after_comma = matches!(previous, Some(Token::Comma));
                if in_from && (after_from || after_comma) {
                    return Err(refuse(&format!("reading the file '{path}'")));
                }
            }
            _ => {}
        }
        previous = Some(t);
    }
    Ok(())
}

/// The first word of a statement, for the message (`INSERT`, `CREATE`, …).
fn keyword(s: &SqlStatement) -> String {
    s.to_string()
        .split_whitespace()
        .next()
        .unwrap_or("other")
        .to_uppercase()
}

/// The depth of logical plan a statement may have.
pub const MAX_PLAN_DEPTH: usize = 256;

/// Refuses a logical plan deeper than [`MAX_PLAN_DEPTH`] nodes, measured without
/// recursion, before it is optimised and executed.
pub fn check_depth(plan: &LogicalPlan) -> Result<()> {
    let mut stack = vec![(plan, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_PLAN_DEPTH {
            return Err(too_large(format!(
                "a plan more than {MAX_PLAN_DEPTH} steps deep"
            )));
        }
        stack.extend(node.inputs().into_iter().map(|c| (c, depth + 1)));
    }
    Ok(())
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
        assert!(check_text("WITH w AS (SELECT 1) INSERT INTO t SELECT 1").is_err());
        let e = check_text("SELECT * FROM h, '/etc/passwd'")
            .unwrap_err()
            .to_string();
        assert!(e.contains("reading the file '/etc/passwd'"), "{e}");
        assert!(check_text("SELECT 'a,b' FROM h WHERE x IN ('/', 'b')").is_ok());
        assert!(check_text("SELECT extract(year FROM '2026-01-01') FROM h").is_ok());
    }

    #[test]
    fn size_and_depth_are_bounded_before_parsing() {
        let chain = |n: usize| format!("SELECT {}", vec!["1"; n].join("+"));
        assert!(check_text(&chain(MAX_OPERATORS + 1)).is_ok());
        let e = check_text(&chain(MAX_OPERATORS + 2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("1001 operators; at most 1000"), "{e}");
        let nested = format!("SELECT {}1{}", "(".repeat(70), ")".repeat(70));
        assert!(check_size(&nested)
            .unwrap_err()
            .to_string()
            .contains("70 levels"));
    }
}
