//! Audits (`/audits`): the ready audits of `queries/audits/` with their descriptions,
//! run for a union of the user's subtree (and a period), shown as a table or
//! downloaded as CSV or xlsx; and free SQL for inspectors and offices. Both run through
//! `tiexin query --scope` itself: one read-only statement over tables cut to the union's
//! subtree and masked, within the query limits, written to `audit.jsonl` before and after.

use std::io::Write;
use std::process::{Command, Stdio};

use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::union::period;
use crate::error::Error;
use crate::sql::catalog::{self, Query as SqlFile};
use crate::sql::xlsx::column_label;
use crate::web::layout::{link, pager, window};
use crate::web::routes::{bad_request, failed, not_found, Page, Viewer};

/// The leading comment lines of an audit, without their `--`.
fn comments(sql: &str) -> impl Iterator<Item = &str> {
    sql.lines()
        .take_while(|l| l.trim_start().starts_with("--"))
        .map(|l| l.trim_start().trim_start_matches('-').trim())
}

/// The value of the leading comment line `-- {key}：…` of an audit, if it has one.
fn header<'a>(sql: &'a str, key: &str) -> Option<&'a str> {
    comments(sql)
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('：'))
        .map(str::trim)
}

/// The Chinese title of an audit (`-- 审计：…`), else its file's name.
pub fn title(q: &SqlFile) -> &str {
    header(q.sql, "审计").unwrap_or(q.name)
}

/// The description of an audit: its Chinese one (`-- 说明：…`), else its leading comment
/// lines (queries/README.md, "Audits").
pub fn description(sql: &str) -> String {
    match header(sql, "说明") {
        Some(d) => d.to_string(),
        None => comments(sql).collect::<Vec<_>>().join(" "),
    }
}

fn allowed(v: &Viewer) -> Result<(), Response> {
    if v.user.role.audits() {
        Ok(())
    } else {
        Err(v.forbidden(
            None,
            None,
            "专项审计和自定义查询只对督查人员和工会办公室开放。",
        ))
    }
}

/// `/audits`: the ready audits and the free SQL form.
pub async fn list(v: Viewer) -> Page {
    allowed(&v)?;
    let scope = &v.user.scope;
    let body = html! {
        h1 { "专项审计" }
        p.note { "查询在" (v.loaded.name(scope)) "及其下级工会的数据范围内运行，身份证号和电话已脱敏，每次查询记入审计日志。" }
        div.scroll { table #audits {
            thead { tr { th { "审计" } th { "说明" } th { "下载" } } }
            tbody { @for q in catalog::AUDITS { tr {
                td { a href=(link(&format!("/audits/{}", q.name), &[("union", scope)])) { (title(q)) } br; code.note { (q.name) } }
                td.wrap { (description(q.sql)) }
                td {
                    a href=(link(&format!("/audits/{}", q.name), &[("union", scope), ("format", "csv")])) { "CSV" } " "
                    a href=(link(&format!("/audits/{}", q.name), &[("union", scope), ("format", "xlsx")])) { "xlsx" }
                }
            } } }
        } }
        h2 { "自定义查询" }
        form method="post" action="/sql" {
            input type="hidden" name="csrf" value=(v.csrf);
            p { textarea name="sql" placeholder="SELECT cause, count(*) AS n FROM households GROUP BY cause" {} }
            p {
                label { "工会 " input name="union" value=(scope) size="10"; } " "
                label { "期间（可选，提供 metrics 与 findings 表） " input name="period" size="7"; } " "
                button type="submit" { "运行" }
            }
        }
    };
    Ok(v.page("audits", "专项审计", body))
}

/// The parameters of a ready audit.
#[derive(Deserialize, Default)]
pub struct Run {
    #[serde(default)]
    union: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    page: Option<usize>,
}

/// What `tiexin query` gave: the file it wrote, or its one-sentence error.
enum Outcome {
    Rows(Vec<u8>),
    Refused(String),
}

/// Runs `sql` through `tiexin query --scope union` as `user`; the output file's bytes.
async fn query(
    v: &Viewer,
    sql: &str,
    union: &str,
    period: &str,
    format: &str,
) -> Result<Outcome, Response> {
    let settings = v.app().settings.load();
    let Some((program, first)) = settings.query_command.split_first() else {
        return Err(failed(Error::Internal(
            "no command to run queries with".into(),
        )));
    };
    let dir = tempfile::tempdir().map_err(|e| failed(Error::io("a temporary folder", e)))?;
    let out = dir.path().join(format!("result.{format}"));
    let mut cmd = Command::new(program);
    cmd.args(first)
        .args([
            "--scope",
            union,
            "--as",
            &v.user.name,
            "--format",
            format,
            "--out",
        ])
        .arg(&out);
    if !period.is_empty() {
        cmd.args(["--period", period]);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let sql = sql.to_string();
    let done = tokio::task::spawn_blocking(
        move || -> std::io::Result<(bool, String, Option<Vec<u8>>)> {
            let mut child = cmd.spawn()?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(sql.as_bytes())?;
            }
            let o = child.wait_with_output()?;
            let err = String::from_utf8_lossy(&o.stderr)
                .lines()
                .filter(|l| l.starts_with("error:"))
                .collect::<Vec<_>>()
                .join(" ");
            let bytes = std::fs::read(&out).ok();
            drop(dir);
            Ok((o.status.success(), err, bytes))
        },
    )
    .await
    .map_err(|e| failed(Error::Internal(format!("the query stopped: {e}"))))?
    .map_err(|e| failed(Error::Internal(format!("cannot run tiexin query: {e}"))))?;
    match done {
        (true, _, Some(bytes)) => Ok(Outcome::Rows(bytes)),
        (_, err, _) => Ok(Outcome::Refused(
            err.trim_start_matches("error:").trim().to_string(),
        )),
    }
}

/// CSV text as a table, page `page`.
fn csv_table(bytes: &[u8], page: usize, href: impl Fn(usize) -> String) -> Markup {
    let mut r = csv::Reader::from_reader(bytes);
    let head: Vec<String> = r
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = r
        .records()
        .flatten()
        .map(|x| x.iter().map(str::to_string).collect())
        .collect();
    let (start, end, _) = window(rows.len(), page);
    html! {
        div.scroll { table #result {
            // the Chinese label over the column's name, which free SQL uses
            thead { tr { @for h in &head { th { @if let Some(l) = column_label(h) { (l) br; code.note { (h) } } @else { (h) } } } } }
            tbody { @for row in &rows[start..end] { tr { @for c in row { td { (yes_no(c)) } } } } }
        } }
        @if rows.is_empty() { p #no-rows { "没有符合条件的记录。" } }
        (pager(rows.len(), page, href))
    }
}

/// A cell as the page shows it: a boolean as 是 or 否, anything else as it is.
fn yes_no(cell: &str) -> &str {
    match cell {
        "true" => "是",
        "false" => "否",
        c => c,
    }
}

fn download(bytes: Vec<u8>, name: &str, format: &str) -> Response {
    let mime = if format == "xlsx" {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{format}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn checks(v: &Viewer, union: &str, p: &str, format: &str) -> Result<(), Response> {
    v.check_scope(union, (!p.is_empty()).then_some(p))?;
    if !p.is_empty() {
        period(p)?;
    }
    if !["", "html", "csv", "xlsx"].contains(&format) {
        return Err(bad_request("格式应为 html、csv 或 xlsx。"));
    }
    Ok(())
}

/// `/audits/{name}?union=U3701&period=2026Q3&format=csv`: a ready audit.
pub async fn run(v: Viewer, Path(name): Path<String>, Query(q): Query<Run>) -> Page {
    allowed(&v)?;
    let Some(file) = catalog::AUDITS.iter().find(|a| a.name == name) else {
        return Err(not_found(&format!("没有审计 {name}。")));
    };
    let union = if q.union.is_empty() {
        v.user.scope.clone()
    } else {
        q.union.clone()
    };
    checks(&v, &union, &q.period, &q.format)?;
    let format = if q.format == "xlsx" { "xlsx" } else { "csv" };
    let outcome = query(&v, file.sql, &union, &q.period, format).await?;
    v.viewed(
        Some(&union),
        (!q.period.is_empty()).then_some(q.period.as_str()),
    );
    if let (Outcome::Rows(bytes), "csv" | "xlsx") = (&outcome, q.format.as_str()) {
        return Ok(download(bytes.clone(), &name, format));
    }
    let here = |n: usize| {
        link(
            &format!("/audits/{name}"),
            &[
                ("union", &union),
                ("period", &q.period),
                ("page", &n.to_string()),
            ],
        )
    };
    Ok(v.page(
        "audits",
        title(file),
        result(file, &outcome, &union, q.page.unwrap_or(1), here, &v),
    ))
}

fn result(
    file: &SqlFile,
    outcome: &Outcome,
    union: &str,
    page: usize,
    here: impl Fn(usize) -> String,
    v: &Viewer,
) -> Markup {
    html! {
        div.crumbs { a href="/audits" { "专项审计" } " › " (title(file)) }
        h1 { (title(file)) " · " (v.loaded.name(union)) }
        p { (description(file.sql)) }
        p.note {
            a href=(link(&format!("/audits/{}", file.name), &[("union", union), ("format", "csv")])) { "下载 CSV" } " · "
            a href=(link(&format!("/audits/{}", file.name), &[("union", union), ("format", "xlsx")])) { "下载 xlsx" }
        }
        (outcome_markup(outcome, page, here))
        h2 { "查询语句 " code { (file.path()) } }
        pre { code { (file.sql) } }
    }
}

fn outcome_markup(outcome: &Outcome, page: usize, here: impl Fn(usize) -> String) -> Markup {
    match outcome {
        Outcome::Rows(bytes) => csv_table(bytes, page, here),
        Outcome::Refused(why) => html! { p.error #refused { "查询未运行：" (why) } },
    }
}

/// The free SQL form.
#[derive(Deserialize)]
pub struct Sql {
    #[serde(default)]
    csrf: String,
    sql: String,
    #[serde(default)]
    union: String,
    #[serde(default)]
    period: String,
}

/// `POST /sql`: free SQL through the sandbox of `tiexin query`.
pub async fn sql(v: Viewer, Form(f): Form<Sql>) -> Page {
    v.check_csrf(&f.csrf)?;
    allowed(&v)?;
    let union = if f.union.is_empty() {
        v.user.scope.clone()
    } else {
        f.union.clone()
    };
    checks(&v, &union, &f.period, "")?;
    if f.sql.trim().is_empty() {
        return Err(bad_request("查询语句为空。"));
    }
    let outcome = query(&v, &f.sql, &union, &f.period, "csv").await?;
    v.viewed(
        Some(&union),
        (!f.period.is_empty()).then_some(f.period.as_str()),
    );
    let body = html! {
        div.crumbs { a href="/audits" { "专项审计" } " › 自定义查询" }
        h1 { "自定义查询 · " (v.loaded.name(&union)) }
        pre { code { (f.sql) } }
        (outcome_markup(&outcome, 1, |_| String::from("#")))
        p.note { "结果最多显示前 100 行；完整结果请用命令行 tiexin query --out。" }
    };
    Ok(v.page("audits", "自定义查询", body))
}

#[cfg(test)]
mod tests {
    use super::{description, header};
    use crate::sql::catalog;

    #[test]
    fn every_audit_has_a_chinese_title_and_description() {
        for q in catalog::AUDITS {
            let t = header(q.sql, "审计").unwrap_or_else(|| panic!("{}: no 审计 line", q.name));
            assert!(!t.is_empty() && !t.is_ascii(), "{}: {t}", q.name);
            let d = description(q.sql);
            assert!(d.ends_with('。') && !d.contains("--"), "{}: {d}", q.name);
        }
        // Without the Chinese lines, the leading comment as it stands.
        let sql = "-- First line\n-- second.\nSELECT 1";
        assert_eq!(header(sql, "审计"), None);
        assert_eq!(description(sql), "First line second.");
    }
}
