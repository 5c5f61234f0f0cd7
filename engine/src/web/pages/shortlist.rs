//! The award shortlist for the committee (`/shortlist/2026`): nominees sortable by each
//! component, the reserve, the exclusions with the findings behind them, the weight
//! sensitivity. One nominee's page (`/shortlist/2026/C0001`) is [`super::nominee`].

use std::sync::Arc;

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::within;
use crate::analysis::shortlist::{self as committee, Entry, Params};
use crate::sql::Period;
use crate::web::layout::{link, pager, window};
use crate::web::routes::{bad_request, Page, Viewer};
use crate::web::state::Loaded;
use crate::web::users::Role;

/// Refuses the shortlist pages to roles other than committee and office.
pub(super) fn allowed(v: &Viewer) -> Result<(), axum::response::Response> {
    if matches!(v.user.role, Role::Committee | Role::Office) {
        Ok(())
    } else {
        Err(v.forbidden(None, None, "推荐名单只对评选委员会和工会办公室开放。"))
    }
}

/// The year of a URL (`2026`).
pub(super) fn year(text: &str) -> Result<i32, axum::response::Response> {
    text.parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| bad_request(&format!("“{text}”不是年份。")))
}

/// `/shortlist`: the year of the default quarter.
pub async fn home(v: Viewer) -> Page {
    allowed(&v)?;
    Ok(Redirect::to(&format!("/shortlist/{}", v.loaded.default_period.year())).into_response())
}

/// The sort and page of the nominee table.
#[derive(Deserialize, Default)]
pub struct Sort {
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
}

type Key = (&'static str, &'static str, fn(&Entry) -> &str);
const KEYS: &[Key] = &[
    ("score", "总分", |e| &e.score),
    ("visit", "家访", |e| &e.visit_score),
    ("exit", "脱困", |e| &e.exit_score),
    ("request", "诉求", |e| &e.request_score),
    ("satisfaction", "满意度", |e| &e.satisfaction_score),
];

fn entries(year: i32, rows: &[&Entry], keys: bool) -> Markup {
    html! {
        div.scroll { table {
            thead { tr {
                th.num { "名次" } th { "联系人" } th { "工会" }
                @for k in KEYS {
                    th.num { @if keys { a href=(link(&format!("/shortlist/{year}"), &[("sort", k.0)])) { (k.1) } } @else { (k.1) } }
                }
                th.num { "联系户数" } th { "入选方式" }
            } }
            tbody { @for e in rows { tr {
                td.num { (e.rank) }
                td { a href=(format!("/shortlist/{year}/{}", e.contact_id)) { (e.name) } " " (e.contact_id) }
                td { (e.union_name.clone().unwrap_or_else(|| e.union_id.clone())) }
                @for k in KEYS { td.num { (k.2(e)) } }
                td.num { (e.households) }
                td { (e.via.map_or("", |v| if v.as_str() == "quota" { "城市名额" } else { "按名次" })) }
            } } }
        } }
    }
}

/// `/shortlist/{year}`.
pub async fn list(v: Viewer, Path(y): Path<String>, Query(q): Query<Sort>) -> Page {
    allowed(&v)?;
    let year = year(&y)?;
    let l = &v.loaded;
    let params = v.app().settings.load().shortlist;
    let doc = of_year(l, year, params).await?;
    let scope = &v.user.scope;
    let mine = |e: &&Entry| l.in_scope(scope, &e.union_id);
    let mut nominees: Vec<&Entry> = doc.nominees.iter().filter(mine).collect();
    if let Some(k) = KEYS.iter().find(|k| k.0 == q.sort) {
        let num = |e: &Entry| k.2(e).parse::<f64>().unwrap_or(0.0);
        nominees.sort_by(|a, b| num(b).total_cmp(&num(a)).then(a.rank.cmp(&b.rank)));
    }
    let page = q.page.unwrap_or(1);
    let (start, end, _) = window(nominees.len(), page);
    let reserve: Vec<&Entry> = doc.reserve.iter().filter(mine).collect();
    v.viewed(Some(scope), Some(&y));
    let body = html! {
        h1 { (year) "年度“困难职工贴心人”推荐名单" }
        p.note {
            "推荐 " (doc.size) " 名；联系人 " (doc.contacts) " 名，符合条件 " (doc.eligible) " 名。权重：家访 "
            (doc.weights.visit) "，脱困 " (doc.weights.exit) "，诉求 " (doc.weights.request) "，满意度 " (doc.weights.satisfaction) "。"
            @if scope.as_str() != l.unions.root.as_deref().unwrap_or("") { "（仅显示" (l.name(scope)) "及其下级工会的联系人。）" }
        }
        h2 { "推荐人选" }
        @if nominees.is_empty() {
            p { "本单位及下级工会的联系人中没有推荐人选。" }
        } @else {
            (entries(year, &nominees[start..end], true))
            (pager(nominees.len(), page, |n| link(&format!("/shortlist/{year}"), &[("sort", &q.sort), ("page", &n.to_string())])))
        }
        h2 { "备选人选" }
        @if doc.reserve.is_empty() && doc.eligible <= doc.nominees.len() {
            p #no-reserve { "无备选人选：符合条件的 " (doc.eligible) " 名联系人均已列入推荐名单。" }
        } @else if doc.reserve.is_empty() {
            p #no-reserve { "无备选人选。" }
        } @else if reserve.is_empty() {
            p #no-reserve { "本单位及下级工会的联系人中没有备选人选。" }
        } @else {
            (entries(year, &reserve, false))
        }
        h2 { "未列入的联系人" }
        p { "不符合条件的联系人共 " (doc.excluded.contacts) " 名：" }
        ul { @for r in &doc.excluded.by_reason { li { (r.label) "：" (r.contacts) " 名" } } }
        @let high: Vec<_> = doc.excluded.high_scorers.iter().filter(|x| l.in_scope(scope, &x.entry.union_id)).collect();
        @if !high.is_empty() {
            div.scroll { table #excluded {
                thead { tr { th.num { "名次（不计资格）" } th { "联系人" } th { "工会" } th.num { "总分" } th { "原因" } th { "重大问题规则" } } }
                tbody { @for x in high { tr {
                    td.num { (x.entry.rank) } td { (x.entry.name) " " (x.entry.contact_id) }
                    td { (x.entry.union_name.clone().unwrap_or_default()) } td.num { (x.entry.score) }
                    td.wrap { (x.reasons_cn.join("；")) }
                    td { @for r in x.major_rules.as_deref().unwrap_or("").split(", ").filter(|r| !r.is_empty()) {
                        a href=(link("/findings", &[("period", &Period::quarter(year, 4).to_string()), ("rule", r), ("contact", &x.entry.contact_id)])) { (r) } " "
                    } }
                } } }
            } }
        }
        h2 { "权重敏感性" }
        div.scroll { table #sensitivity {
            thead { tr { th { "权重" } th { "调整" } th.num { "名单变化人数" } th { "说明" } } }
            tbody { @for s in &doc.sensitivity { tr {
                td { (s.weight) } td { (s.delta) }
                td.num { (s.changed.map(|c| c.to_string()).unwrap_or_else(|| "—".into())) }
                td.wrap { (s.note.clone().unwrap_or_default()) }
            } } }
        } }
    };
    Ok(v.page("shortlist", "推荐名单", body))
}

/// The committee's figures of `year`, or the page saying they are being computed
/// ([`within`]).
pub(super) async fn of_year(
    l: &Arc<Loaded>,
    year: i32,
    params: Params,
) -> std::result::Result<Arc<committee::Document>, Response> {
    let what = format!("{year} 年度的评选名单");
    within(
        l,
        what,
        move |l| async move { l.shortlist(year, &params).await },
    )
    .await
}
