//! The overview (`/`, the user's own union) and the union page (`/u/U3701/2026Q3`):
//! headline figures with the change from the previous period, the eight-quarter chart
//! and the unions directly below, sortable, each linking down.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use maud::{html, Markup};
use serde::Deserialize;

use super::within;
use crate::analysis::metrics::{Earlier, Row};
use crate::documents::charts;
use crate::documents::text::{count_change, percent, rate_change, yuan_figure};
use crate::sql::Period;
use crate::web::layout::{link, pager, svg, window};
use crate::web::routes::{bad_request, failed, Page, Viewer};

/// `/`: the overview, the union page of the user's union for the default quarter.
pub async fn home(v: Viewer) -> Page {
    let to = format!("/u/{}/{}", v.user.scope, v.loaded.default_period);
    Ok(Redirect::to(&to).into_response())
}

/// Reads a period (`2026Q3` or `2026`) of a URL.
pub fn period(text: &str) -> std::result::Result<Period, axum::response::Response> {
    text.parse::<Period>().map_err(|_| {
        bad_request(&format!(
            "“{text}”不是一个期间：应为季度（如 2026Q3）或年度（如 2026）。"
        ))
    })
}

/// The sort of the child table.
#[derive(Deserialize, Default)]
pub struct Sort {
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    #[serde(default)]
    page: Option<usize>,
}

/// The sortable columns of the child table: key, header, value of a row.
type Column = (
    &'static str,
    &'static str,
    fn(&Row) -> f64,
    fn(&Row) -> String,
);

fn rate(r: Option<f64>) -> f64 {
    r.unwrap_or(-1.0)
}

const COLUMNS: &[Column] = &[
    ("due", "应访户数", |r| r.due as f64, |r| r.due.to_string()),
    (
        "visit",
        "家访率",
        |r| rate(r.visit_compliance),
        |r| percent(r.visit_compliance),
    ),
    (
        "exit",
        "脱困率",
        |r| rate(r.exit_rate),
        |r| percent(r.exit_rate),
    ),
    (
        "procedure",
        "脱困程序合规率",
        |r| rate(r.exit_procedure_rate),
        |r| percent(r.exit_procedure_rate),
    ),
    (
        "on_target",
        "资金精准率",
        |r| rate(r.on_target_share),
        |r| percent(r.on_target_share),
    ),
    (
        "budget",
        "预算执行率",
        |r| rate(r.budget_execution),
        |r| percent(r.budget_execution),
    ),
    (
        "major",
        "重大问题",
        |r| r.findings_major as f64,
        |r| r.findings_major.to_string(),
    ),
    (
        "minor",
        "一般问题",
        |r| r.findings_minor as f64,
        |r| r.findings_minor.to_string(),
    ),
];

/// `/u/{union}/{period}`: a union of the user's subtree for a period.
pub async fn union(
    v: Viewer,
    Path((union, p)): Path<(String, String)>,
    Query(q): Query<Sort>,
) -> Page {
    v.check_scope(&union, Some(&p))?;
    let period = period(&p)?;
    let l = &v.loaded;
    // The console shows the whole period, as `tiexin metrics` does.
    let what = format!("{}的各项指标", period.chinese());
    let prepared = within(l, what, move |l| async move {
        l.prepared(&period, period.last_day()).await
    })
    .await?;
    let Some(cur) = prepared.now.get(&union) else {
        return Err(bad_request(&format!("{union} 在 {p} 没有指标。")));
    };
    let old = prepared.before.get(&union);
    let prev = prepared.prev.chinese();
    let was = |f: fn(&Earlier) -> Option<f64>| old.and_then(f);
    let figures: Vec<(&str, &str, String, String, &str)> = vec![
        (
            "visit_compliance",
            "家访率",
            percent(cur.visit_compliance),
            rate_change(cur.visit_compliance, was(|r| r.visit_compliance), &prev),
            "queries/metrics/visit_compliance.sql",
        ),
        (
            "due",
            "应访户数",
            cur.due.to_string(),
            format!("已访 {} 户", cur.visited),
            "queries/metrics/visit_compliance.sql",
        ),
        (
            "base",
            "在档户数",
            cur.base.to_string(),
            String::new(),
            "queries/metrics/exit_rate.sql",
        ),
        (
            "exit_rate",
            "脱困率",
            percent(cur.exit_rate),
            rate_change(cur.exit_rate, was(|r| r.exit_rate), &prev),
            "queries/metrics/exit_rate.sql",
        ),
        (
            "exit_procedure_rate",
            "脱困程序合规率",
            percent(cur.exit_procedure_rate),
            format!("脱困 {} 户，合规 {} 户", cur.exits, cur.exits_compliant),
            "queries/metrics/exit_rate.sql",
        ),
        (
            "funds_paid",
            "帮扶资金（元）",
            // grouped as the documents print it (34,790), under the heading's 元
            yuan_figure(&cur.funds_paid),
            format!("{} 笔", cur.payments),
            "queries/metrics/fund_usage.sql",
        ),
        (
            "on_target_share",
            "资金精准率",
            percent(cur.on_target_share),
            rate_change(cur.on_target_share, was(|r| r.on_target_share), &prev),
            "queries/metrics/fund_usage.sql",
        ),
        (
            "budget_execution",
            "预算执行率",
            percent(cur.budget_execution),
            String::new(),
            "queries/metrics/budget.sql",
        ),
        (
            "findings_major",
            "重大问题",
            cur.findings_major.to_string(),
            count_change(
                Some(cur.findings_major),
                old.map(|r| r.findings_major),
                &prev,
            ),
            "queries/metrics/review_findings.sql",
        ),
        (
            "findings_minor",
            "一般问题",
            cur.findings_minor.to_string(),
            count_change(
                Some(cur.findings_minor),
                old.and_then(|r| r.findings_minor),
                &prev,
            ),
            "queries/metrics/review_findings.sql",
        ),
    ];
    let trend = prepared.trend(&union);
    let labels: Vec<String> = trend.iter().map(|(l, _)| l.clone()).collect();
    let values: Vec<Option<f64>> = trend.iter().map(|(_, x)| *x).collect();
    let chart = charts::line(&labels, &values, 100.0, "%").map_err(failed)?;

    // The unions directly below, sorted.
    let mut rows: Vec<&Row> = l
        .children
        .get(&union)
        .map(|c| c.iter().filter_map(|u| prepared.now.get(u)).collect())
        .unwrap_or_default();
    let col = COLUMNS.iter().find(|c| c.0 == q.sort);
    let desc = q.dir != "asc";
    if let Some(c) = col {
        rows.sort_by(|a, b| {
            let o = c.2(a).total_cmp(&c.2(b));
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    let page = q.page.unwrap_or(1);
    let (start, end, _) = window(rows.len(), page);
    let here = format!("/u/{union}/{p}");
    let sort_link = |key: &str| {
        let dir = if q.sort == key && desc { "asc" } else { "desc" };
        link(&here, &[("sort", key), ("dir", dir)])
    };
    let crumbs = l.path(&v.user.scope, &union);
    let body = html! {
        div.crumbs {
            @for (i, u) in crumbs.iter().enumerate() {
                @if i > 0 { " › " }
                a href=(format!("/u/{u}/{p}")) { (l.name(u)) }
            }
        }
        h1 { (l.name(&union)) " · " (period.chinese()) }
        (periods(&union, &period))
        p.note {
            a href=(link("/findings", &[("period", &quarter_of(&period)), ("union", &union)])) { "本单位问题清单" }
            " · "
            a href=(format!("/u/{union}/{p}/bulletin.pdf")) { "工作通报（送审稿，PDF）" }
        }
        h2 { "主要指标" }
        div.figures {
            @for (id, label, value, change, source) in &figures {
                div.figure {
                    div.label { (label) }
                    div.value id=(id) { (value) }
                    @if !change.is_empty() { div.change { (change) } }
                    div.change { "来源：" code { (source) } }
                }
            }
        }
        h2 { "近八个季度家访率" }
        div.chart { (svg(&chart)) }
        div.change { "来源：" code { "queries/bulletin/trend.sql" } }
        @if !rows.is_empty() {
            h2 { "下级工会" }
            div.scroll {
                table #children {
                    thead { tr {
                        th { "工会" }
                        @for c in COLUMNS {
                            th.num { a href=(sort_link(c.0)) { (c.1) @if q.sort == c.0 { @if desc { " ↓" } @else { " ↑" } } } }
                        }
                    } }
                    tbody {
                        @for r in &rows[start..end] {
                            tr {
                                td { a href=(format!("/u/{}/{p}", r.union_id)) { (r.name) } }
                                @for c in COLUMNS { td.num { (c.3(r)) } }
                            }
                        }
                    }
                }
            }
            (pager(rows.len(), page, |n| link(&here, &[("sort", &q.sort), ("dir", &q.dir), ("page", &n.to_string())])))
        }
        (reload_button(&v))
    };
    Ok(v.page("overview", &format!("{} {}", l.name(&union), p), body))
}

/// The quarter a findings link uses: the period, or the last quarter of a year.
pub fn quarter_of(p: &Period) -> String {
    match p {
        Period::Year(y) => Period::quarter(*y, 4).to_string(),
        q => q.to_string(),
    }
}

/// Links to the previous and next quarter and to the year.
fn periods(union: &str, p: &Period) -> Markup {
    let (prev, next, other) = match p {
        Period::Year(y) => (
            Period::Year(y - 1),
            Period::Year(y + 1),
            Period::quarter(*y, 4),
        ),
        q => (
            q.previous_quarter(),
            q.next_quarter(),
            Period::Year(q.year()),
        ),
    };
    html! {
        p.note {
            a href=(format!("/u/{union}/{prev}")) { "‹ " (prev.chinese()) }
            " · " a href=(format!("/u/{union}/{other}")) { (other.chinese()) }
            " · " a href=(format!("/u/{union}/{next}")) { (next.chinese()) " ›" }
        }
    }
}

/// The office's button that reloads the archive, with when it was loaded.
fn reload_button(v: &Viewer) -> Markup {
    html! {
        p.note {
            "档案载入于 " (v.loaded.loaded_at) "（SHA-256 " (&v.loaded.sha256[..12.min(v.loaded.sha256.len())]) "…）"
            @if v.user.role == crate::web::users::Role::Office {
                form.inline method="post" action="/reload" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    button type="submit" { "重新载入档案" }
                }
            }
        }
    }
}
