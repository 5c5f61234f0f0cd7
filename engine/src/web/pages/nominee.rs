//! One nominee (or reserve) of the award shortlist (`/shortlist/2026/C0001`): the score
//! breakdown, each component with the counts behind it and the figure of
//! `tiexin shortlist`, then the records counted (`queries/nominee/`): the
//! household-quarters behind `visit_score` with their valid visits, the compliant exits,
//! the requests and the ratings, and the contact's assignments. Each table pages at 100
//! rows; nothing here carries an ID number or a phone but the contact's masked phone.

use axum::extract::{Path, Query};
use maud::{html, Markup};
use serde::Deserialize;

use super::records;
use super::shortlist::{allowed, year};
use super::within;
use crate::analysis::shortlist::nominee::{Counts, Records};
use crate::analysis::shortlist::{micros_text, Components, Entry, Ratio, Weights};
use crate::calendar::iso;
use crate::error::Error;
use crate::web::layout::{link, pager, window};
use crate::web::routes::{failed, not_found, Page, Viewer};

/// The page of each table of the nominee page (1-based; the first when absent).
#[derive(Deserialize, Default, Clone)]
pub struct Pages {
    #[serde(default)]
    hq: Option<usize>,
    #[serde(default)]
    exits: Option<usize>,
    #[serde(default)]
    requests: Option<usize>,
    #[serde(default)]
    ratings: Option<usize>,
    #[serde(default)]
    assignments: Option<usize>,
}

impl Pages {
    /// The link to this page with table `key` at page `n`, the others kept.
    fn href(&self, path: &str, key: &str, n: usize) -> String {
        let keep = |k: &str, v: Option<usize>| {
            if k == key {
                n.to_string()
            } else {
                v.map(|v| v.to_string()).unwrap_or_default()
            }
        };
        link(
            path,
            &[
                ("hq", &keep("hq", self.hq)),
                ("exits", &keep("exits", self.exits)),
                ("requests", &keep("requests", self.requests)),
                ("ratings", &keep("ratings", self.ratings)),
                ("assignments", &keep("assignments", self.assignments)),
            ],
        )
    }
}

/// A table of `rows` under heading `label` (id `id`), paged by the parameter `id`.
fn paged<T>(
    (id, label, empty): (&str, &str, &str),
    rows: &[T],
    page: Option<usize>,
    href: impl Fn(usize) -> String,
    head: Markup,
    row: impl Fn(&T) -> Markup,
) -> Markup {
    let page = page.unwrap_or(1);
    let (start, end, _) = window(rows.len(), page);
    html! {
        h2 { (label) }
        @if rows.is_empty() {
            p.note { (empty) }
        } @else {
            div.scroll { table id=(id) {
                thead { (head) }
                tbody { @for r in &rows[start..end] { (row(r)) } }
            } }
            (pager(rows.len(), page, href))
        }
    }
}

/// 100 × weight × component, rounded to 6 decimals, as text.
fn points(w: Ratio, c: Ratio) -> String {
    Ratio::int(100)
        .checked_mul(w)
        .and_then(|x| x.checked_mul(c))
        .and_then(Ratio::micros)
        .map_or_else(|| "—".to_string(), micros_text)
}

/// The breakdown table: each component, its counts, its figure, weight and points.
fn breakdown(e: &Entry, n: &Counts, c: &Components, w: &Weights) -> Markup {
    let rows = [
        (
            "visit",
            "家访",
            format!("{} / {} 户季有有效家访", n.visited_pairs, n.pairs),
            &e.visit_score,
            w.visit,
            c.visit,
        ),
        (
            "exit",
            "脱困",
            format!(
                "{} 户合规脱困 / {} 户（最高为 1）",
                n.compliant_exits, n.households
            ),
            &e.exit_score,
            w.exit,
            c.exit,
        ),
        (
            "request",
            "诉求",
            if n.requests == 0 {
                "本年无临时诉求，记为 1".to_string()
            } else {
                format!("{} / {} 件 7 日内解决", n.requests_in_time, n.requests)
            },
            &e.request_score,
            w.request,
            c.request,
        ),
        (
            "satisfaction",
            "满意度",
            if n.ratings == 0 {
                "本年无评价，记为 0.5".to_string()
            } else {
                format!("（{} 分 ÷ {} 次 − 1）÷ 4", n.rating_sum, n.ratings)
            },
            &e.satisfaction_score,
            w.satisfaction,
            c.satisfaction,
        ),
    ];
    html! {
        div.scroll { table #breakdown {
            thead { tr { th { "项目" } th { "计数" } th.num { "得分" } th.num { "权重" } th.num { "折合分" } } }
            tbody {
                @for (key, label, count, figure, weight, value) in rows { tr {
                    td { (label) } td id=(format!("{key}_count")) { (count) } td.num id=(format!("{key}_score")) { (figure) }
                    td.num { (weight.to_string()) } td.num { (points(weight, value)) }
                } }
                tr { td { "总分" } td { "各项折合分之和（精确计算后保留 6 位小数）" } td.num #score { (e.score) } td {} td {} }
            }
        } }
    }
}

/// The records' components, which must be the shortlist's figures for this contact.
fn checked(e: &Entry, r: &Records) -> Result<Components, Error> {
    let c = r.counts.components().ok_or_else(|| {
        Error::Internal(format!(
            "{} has no household-quarters in {}, yet is listed",
            e.contact_id, r.year
        ))
    })?;
    let figures = [
        (c.visit, &e.visit_score),
        (c.exit, &e.exit_score),
        (c.request, &e.request_score),
        (c.satisfaction, &e.satisfaction_score),
    ];
    if figures.iter().any(|(x, f)| x.to_string() != **f) {
        return Err(Error::Internal(format!(
            "the records behind {} in {} give the components {}, {}, {}, {}; the shortlist has {}, {}, {}, {}",
            e.contact_id, r.year, c.visit, c.exit, c.request, c.satisfaction,
            e.visit_score, e.exit_score, e.request_score, e.satisfaction_score
        )));
    }
    Ok(c)
}

/// `/shortlist/{year}/{contact}`: one nominee (or reserve) with the records behind the score.
pub async fn nominee(
    v: Viewer,
    Path((y, contact)): Path<(String, String)>,
    Query(pages): Query<Pages>,
) -> Page {
    allowed(&v)?;
    let year = year(&y)?;
    let l = &v.loaded;
    let params = v.app().settings.load().shortlist;
    let doc = super::shortlist::of_year(l, year, params).await?;
    let Some(e) = doc
        .nominees
        .iter()
        .chain(&doc.reserve)
        .find(|e| e.contact_id == contact)
    else {
        return Err(not_found(&format!(
            "{contact} 不在 {year} 年的推荐或备选名单中。"
        )));
    };
    v.check_scope(&e.union_id, Some(&y))?;
    let what = format!("{contact} 的得分明细");
    let c = contact.clone();
    let r = within(l, what, move |l| async move { l.nominee(year, &c).await }).await?;
    let c = checked(e, &r).map_err(failed)?;
    let assignments = records::rows(
        &l.session.archive,
        "assignments",
        "contact_id",
        &contact,
        None,
        v.user.full_access,
    )
    .map_err(failed)?;
    let path = format!("/shortlist/{year}/{contact}");
    let href = |key: &'static str| {
        let (pages, path) = (pages.clone(), path.clone());
        move |n: usize| pages.href(&path, key, n)
    };
    let assigned = match assignments {
        Some(b) => {
            let page = pages.assignments.unwrap_or(1);
            let (start, end, _) = window(b.num_rows(), page);
            let label = "联系的家庭（分配记录）";
            let t = records::table("assignments", label, &b.slice(start, end - start))
                .map_err(failed)?;
            html! { (t) (pager(b.num_rows(), page, href("assignments"))) }
        }
        None => html! { h2 { "联系的家庭（分配记录）" } p.note { "无。" } },
    };
    v.viewed(Some(&e.union_id), Some(&y));
    let yes = |b: bool| if b { "是" } else { "否" };
    let body = html! {
        div.crumbs { a href=(format!("/shortlist/{year}")) { (year) "年度推荐名单" } " › " (e.name) }
        h1 { (e.name) " " (e.contact_id) }
        dl.record {
            dt { "名次" } dd { (e.rank) }
            dt { "工会" } dd { (e.union_name.clone().unwrap_or_else(|| e.union_id.clone())) }
            dt { "电话" } dd { (e.phone.clone().unwrap_or_default()) }
            dt { "联系户数" } dd #households { (e.households) }
            dt { "总分" } dd { (e.score) }
        }
        h2 { "得分构成" }
        (breakdown(e, &r.counts, &c, &params.weights))
        p.note { "以下各表列出计入各项得分的全部记录，数据来自 " code { "queries/nominee/" } "，与 " code { "queries/shortlist/" } " 的计数逐项核对一致。" }
        (paged(("household-quarters", "家访得分所依据的户季", "本年没有应家访的户季。"), &r.quarters, pages.hq, href("hq"),
            html! { tr { th { "季度" } th { "家庭" } th { "所属工会" } th { "有有效家访" } th { "有效家访记录（任一联系人）" } } },
            |q| html! { tr {
                td { (q.quarter.to_string()) } td { (q.household_id) } td { (l.name(&q.union_id)) }
                td { (yes(q.visited)) } td { (q.valid_visits.clone().unwrap_or_else(|| "—".into())) }
            } }))
        (paged(("exits", "计入脱困得分的合规脱困", "本年没有计入的合规脱困。"), &r.exits, pages.exits, href("exits"),
            html! { tr { th { "家庭" } th { "所属工会" } th { "脱困记录" } th { "脱困日期" } th { "批准单位" } } },
            |x| html! { tr {
                td { (x.household_id) } td { (l.name(&x.union_id)) } td { (x.exit_id) }
                td { (iso(x.exit_on)) } td { (l.name(&x.approved_by)) }
            } }))
        (paged(("requests", "计入诉求得分的临时诉求", "本年没有计入的临时诉求。"), &r.requests, pages.requests, href("requests"),
            html! { tr { th { "诉求" } th { "家庭" } th { "所属工会" } th { "内容" } th { "提出日期" } th { "解决日期" } th.num { "用时（天）" } th { "7 日内解决" } } },
            |q| html! { tr {
                td { (q.request_id) } td { (q.household_id) } td { (l.name(&q.union_id)) }
                td.wrap { (q.kind.clone().unwrap_or_default()) } td { (iso(q.raised_on)) }
                td { (q.resolved_on.map(iso).unwrap_or_else(|| "未解决".into())) }
                td.num { (q.resolved_on.map(|d| (d - q.raised_on).to_string()).unwrap_or_else(|| "—".into())) }
                td { (yes(q.in_time)) }
            } }))
        (paged(("ratings", "计入满意度得分的评价", "本年没有计入的满意度评价。"), &r.ratings, pages.ratings, href("ratings"),
            html! { tr { th { "家庭" } th { "所属工会" } th { "评价日期" } th.num { "评分" } } },
            |x| html! { tr {
                td { (x.household_id) } td { (l.name(&x.union_id)) } td { (iso(x.rated_on)) } td.num { (x.score) }
            } }))
        (assigned)
        p.note { "户季：应家访的家庭（季度开始前建档、季度末仍在档）且该联系人在季度末日负责联系；有效家访的条件见 " code { "queries/views/valid_visit.sql" } "。" }
    };
    Ok(v.page("shortlist", &e.name, body))
}
