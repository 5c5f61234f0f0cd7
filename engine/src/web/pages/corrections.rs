//! Corrections and warnings (`/corrections?period=2026Q3&as_of=2026-11-30`): the major
//! findings of a quarter with their deadline and correction status, and the early
//! warnings as of a day, both cut to the user's subtree (`tiexin rectify`, `tiexin
//! warnings`).

use axum::extract::Query;
use datafusion::arrow::array::RecordBatch;
use maud::{html, Markup};
use serde::Deserialize;

use super::union::period;
use crate::analysis::accountability;
use crate::documents::document_date;
use crate::sql::table::Tabular;
use crate::sql::tree::filter_rows;
use crate::web::layout::{link, pager, window};
use crate::web::routes::{bad_request, failed, Page, Viewer};
use crate::web::state::Loaded;

/// The page's parameters.
#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    period: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    page: Option<usize>,
}

/// The Chinese headers of the columns of `tiexin rectify` and `tiexin warnings`.
const HEADERS: &[(&str, &str)] = &[
    ("rule", "规则"),
    ("warning", "预警"),
    ("union_id", "工会"),
    ("subject_type", "对象类型"),
    ("subject_id", "对象"),
    ("contact_id", "联系人"),
    ("occurred_on", "发生日期"),
    ("deadline", "整改期限"),
    ("reported_on", "报告整改日期"),
    ("verified_on", "核实日期"),
    ("verified_by", "核实单位"),
    ("status", "状态"),
    ("due_on", "到期日"),
    ("days_left", "剩余天数"),
];

/// The Chinese of the codes in those columns.
const CODES: &[(&str, &str)] = &[
    ("on_time", "按期整改"),
    ("late", "逾期整改"),
    ("pending", "整改期限未到"),
    ("unverified", "已报告未核实"),
    ("not_reported", "逾期未报告"),
    ("household", "家庭"),
    ("visit", "家访"),
    ("payment", "资金发放"),
    ("exit", "脱困申请"),
    ("contact", "联系人"),
    ("crosscheck", "部门比对"),
    ("inspection", "督查检查"),
    ("referral", "需求转介"),
    ("request", "临时诉求"),
    ("subsidy", "联系人补贴"),
    ("union", "工会"),
    ("finding", "问题"),
];

fn chinese<'a>(table: &[(&str, &'a str)], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

/// A result as a table, page `page` of it. A union (`union_id`, `verified_by`) is shown
/// by its name in `l` (the id on hover), the row's own union linking to its page of
/// `period`; in the table of a quarter's findings (`rule` and `subject_id` both there),
/// the subject links to the finding's page.
fn tabular(
    id: &str,
    batch: &RecordBatch,
    page: usize,
    href: impl Fn(usize) -> String,
    l: &Loaded,
    period: &str,
) -> Result<Markup, crate::error::Error> {
    let t = Tabular::from_batch(batch)?;
    let (start, end, _) = window(t.rows.len(), page);
    let rule = t.columns.iter().position(|c| c == "rule");
    Ok(html! {
        div.scroll { table id=(id) {
            thead { tr { @for c in &t.columns { th title=(c) { (chinese(HEADERS, c)) } } } }
            tbody { @for r in &t.rows[start..end] { tr { @for (c, col) in r.iter().zip(&t.columns) {
                @let text = c.human();
                @if c.right_aligned() { td.num { (text) } }
                @else if col == "status" || col == "subject_type" { td { (chinese(CODES, &text)) } }
                @else if col == "union_id" && !text.is_empty() { td title=(text) { a href=(format!("/u/{text}/{period}")) { (l.name(&text)) } } }
                @else if col == "verified_by" && !text.is_empty() { td title=(text) { (l.name(&text)) } }
                @else if let Some(i) = rule.filter(|_| col == "subject_id" && !text.is_empty()) {
                    td { a href=(format!("/finding/{period}/{}/{text}", r[i].human())) { (text) } }
                }
                @else { td { (text) } }
            } } } }
        } }
        (pager(t.rows.len(), page, href))
    })
}

/// `/corrections`.
pub async fn page(v: Viewer, Query(q): Query<Params>) -> Page {
    let l = &v.loaded;
    let p = if q.period.is_empty() {
        l.default_period.to_string()
    } else {
        q.period.clone()
    };
    let quarter = period(&p)?;
    if !quarter.is_quarter() {
        return Err(bad_request("整改按季度统计：请给出季度，如 2026Q3。"));
    }
    let (y, m, d) = document_date((!q.as_of.is_empty()).then_some(q.as_of.as_str()))
        .map_err(|_| bad_request(&format!("“{}”不是日期（YYYY-MM-DD）。", q.as_of)))?;
    let day = crate::calendar::day(y, m as u32, d as u32);
    let as_of = crate::calendar::iso(day);
    let scope = v.user.scope.clone();
    let keep = |b: RecordBatch| filter_rows(&b, "union_id", |u| l.in_scope(&scope, u));
    let rect = accountability::rectify(&l.session, &quarter, day)
        .await
        .and_then(keep)
        .map_err(failed)?;
    let warn = accountability::warnings(&l.session, day, None)
        .await
        .and_then(keep)
        .map_err(failed)?;
    v.viewed(Some(&scope), Some(&p));
    let page = q.page.unwrap_or(1);
    let here = |n: usize| {
        link(
            "/corrections",
            &[("period", &p), ("as_of", &as_of), ("page", &n.to_string())],
        )
    };
    let body = html! {
        h1 { "整改与预警 · " (l.name(&scope)) }
        form.filters method="get" action="/corrections" {
            label { "季度" input name="period" value=(p) size="7"; }
            label { "截至" input name="as_of" value=(as_of) size="10"; }
            button type="submit" { "查看" }
        }
        h2 { (quarter.chinese()) "重大问题整改情况" }
        (tabular("rectify", &rect, page, here, l, &p).map_err(failed)?)
        h2 { "截至 " (as_of) " 的预警" }
        (tabular("warnings", &warn, page, here, l, &p).map_err(failed)?)
    };
    Ok(v.page("corrections", "整改与预警", body))
}
