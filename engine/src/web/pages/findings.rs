//! The findings of a quarter (`/findings?period=2026Q3&union=U3701&rule=V1&severity=major&contact=C0001`)
//! and the detail page of one (`/finding/2026Q3/V1/H0012`): the rule's name, the duty
//! of the policy it enforces, its query file, and the subject's masked record.

use std::sync::Arc;

use axum::extract::{Path, Query};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::records;
use super::union::period;
use super::within;
use crate::analysis::rules;
use crate::sql::catalog;
use crate::sql::Period;
use crate::web::layout::{link, pager, window};
use crate::web::routes::{bad_request, failed, not_found, Page, Viewer};
use crate::web::state::{Finding, Loaded};

/// The filters of the findings list.
#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    period: String,
    #[serde(default)]
    union: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    page: Option<usize>,
}

fn severity(s: &str) -> &str {
    match s {
        "major" => "重大",
        "minor" => "一般",
        x => x,
    }
}

/// `/findings`: the quarter's findings of a union's subtree, filtered.
pub async fn list(v: Viewer, Query(f): Query<Filters>) -> Page {
    let l = &v.loaded;
    let p = if f.period.is_empty() {
        l.default_period.to_string()
    } else {
        f.period.clone()
    };
    let union = if f.union.is_empty() {
        v.user.scope.clone()
    } else {
        f.union.clone()
    };
    v.check_scope(&union, Some(&p))?;
    let quarter = period(&p)?;
    if !quarter.is_quarter() {
        return Err(bad_request(&format!(
            "问题按季度统计：请给出季度，如 {}Q4。",
            quarter.year()
        )));
    }
    if !f.rule.is_empty() && rules::get(&f.rule).is_none() {
        return Err(bad_request(&format!("没有规则 {}。", f.rule)));
    }
    let all = quarter_findings(l, quarter).await?;
    let members = l.subtree(&union).map_err(failed)?;
    let shown: Vec<&Finding> = all
        .iter()
        .filter(|x| members.contains(x.union_id.as_str()))
        .filter(|x| f.rule.is_empty() || x.rule == f.rule)
        .filter(|x| f.severity.is_empty() || x.severity == f.severity)
        .filter(|x| f.contact.is_empty() || x.contact_id == f.contact)
        .collect();
    let page = f.page.unwrap_or(1);
    let (start, end, _) = window(shown.len(), page);
    v.viewed(Some(&union), Some(&p));
    let params = |page: &str| {
        link(
            "/findings",
            &[
                ("period", &p),
                ("union", &union),
                ("rule", &f.rule),
                ("severity", &f.severity),
                ("contact", &f.contact),
                ("page", page),
            ],
        )
    };
    let body = html! {
        h1 { "问题清单 · " (l.name(&union)) " · " (quarter.chinese()) }
        form.filters method="get" action="/findings" {
            label { "季度" input name="period" value=(p) size="7"; }
            label { "工会" input name="union" value=(union) size="10"; }
            label { "规则" select name="rule" {
                option value="" { "全部" }
                @for r in rules::RULES {
                    option value=(r.code) selected[r.code == f.rule] { (r.code) " " (r.name) }
                }
            } }
            label { "性质" select name="severity" {
                option value="" { "全部" }
                option value="major" selected[f.severity == "major"] { "重大" }
                option value="minor" selected[f.severity == "minor"] { "一般" }
            } }
            label { "联系人" input name="contact" value=(f.contact) size="8"; }
            button type="submit" { "筛选" }
        }
        div.scroll { table #findings {
            thead { tr { th { "规则" } th { "性质" } th { "工会" } th { "对象" } th { "联系人" } th { "日期" } th { "情况" } } }
            tbody {
                @for x in &shown[start..end] {
                    tr {
                        td { a href=(format!("/finding/{p}/{}/{}", x.rule, x.subject_id)) { (x.rule) " " (rules::get(&x.rule).map_or("", |r| r.name)) } }
                        td { (severity(&x.severity)) }
                        td { a href=(format!("/u/{}/{p}", x.union_id)) { (l.name(&x.union_id)) } }
                        td { a href=(format!("/finding/{p}/{}/{}", x.rule, x.subject_id)) { (x.subject_id) } }
                        td { @if !x.contact_id.is_empty() { a href=(link("/findings", &[("period", &p), ("union", &union), ("contact", &x.contact_id)])) { (x.contact_id) } } }
                        td { (x.occurred_on) }
                        td.wrap { (x.detail) }
                    }
                }
            }
        } }
        (pager(shown.len(), page, |n| params(&n.to_string())))
        p.note { "联系人一栏空白的，是该规则不指定联系人（如联系人离任未调整）。每条规则的查询语句见问题详情页；数据来源 queries/findings/。" }
    };
    Ok(v.page("findings", "问题清单", body))
}

/// `/finding/{period}/{rule}/{subject}`: one finding (every row of the rule on that
/// subject in the quarter) with its rule, duty, query and the subject's record.
pub async fn detail(v: Viewer, Path((p, rule, subject)): Path<(String, String, String)>) -> Page {
    let l = &v.loaded;
    let quarter = period(&p)?;
    if !quarter.is_quarter() {
        return Err(bad_request("问题按季度统计：请给出季度，如 2026Q3。"));
    }
    let Some(r) = rules::get(&rule) else {
        return Err(not_found(&format!("没有规则 {rule}。")));
    };
    let all = quarter_findings(l, quarter).await?;
    let rows: Vec<&Finding> = all
        .iter()
        .filter(|x| x.rule == rule && x.subject_id == subject)
        .collect();
    let Some(first) = rows.first() else {
        return Err(not_found(&format!(
            "{p} 没有规则 {rule} 对 {subject} 的问题。"
        )));
    };
    for x in &rows {
        v.check_scope(&x.union_id, Some(&p))?;
    }
    let sql = catalog::rule(&rule).map(|q| (q.path(), l.session.catalog.sql(q).to_string()));
    let full = v.user.full_access;
    let record = records::subject(
        &l.session.archive,
        &first.subject_type,
        &subject,
        &quarter,
        full,
        |u| l.in_scope(&v.user.scope, u),
    )
    .map_err(failed)?;
    v.viewed(Some(&first.union_id), Some(&p));
    let body = html! {
        div.crumbs { a href=(link("/findings", &[("period", &p), ("rule", &rule)])) { "问题清单" } " › " (rule) " · " (subject) }
        h1 { (r.code) " " (r.name) }
        dl.record {
            dt { "性质" } dd { (severity(&first.severity)) "问题" }
            dt { "所属工会" } dd { a href=(format!("/u/{}/{p}", first.union_id)) { (l.name(&first.union_id)) } }
            dt { "对象" } dd { (records::table_of(&first.subject_type).and_then(crate::ingest::labels::table_label).unwrap_or(&first.subject_type)) " " (subject) }
            dt { "责任联系人" } dd { @if first.contact_id.is_empty() { span.note { "本规则不指定联系人" } } @else { (first.contact_id) } }
            dt { "季度" } dd { (quarter.chinese()) }
            dt { "违反的制度要求" } dd { (r.duty) }
        }
        h2 { "问题情况" }
        div.scroll { table {
            thead { tr { th { "日期" } th { "情况" } } }
            tbody { @for x in &rows { tr { td { (x.occurred_on) } td.wrap { (x.detail) } } } }
        } }
        (record)
        @if let Some((path, text)) = sql {
            h2 { "查询语句 " code { (path) } }
            pre { code { (text) } }
        }
    };
    Ok(v.page("findings", &format!("{rule} {subject}"), body))
}

/// The findings of `quarter`, or the page saying they are being computed ([`within`]).
async fn quarter_findings(
    l: &Arc<Loaded>,
    quarter: Period,
) -> std::result::Result<Arc<Vec<Finding>>, Response> {
    let what = format!("{}的问题清单", quarter.chinese());
    within(l, what, move |l| async move { l.findings(&quarter).await }).await
}
