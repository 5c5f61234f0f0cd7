//! Documents: the unnumbered draft (送审稿) of a union's bulletin rendered on demand with
//! the code of `tiexin bulletin` (kept per archive hash; a page view never takes a
//! document number), and the documents issued through the outbox of the state folder.

use std::sync::Arc;

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use maud::html;

use super::union::period;
use crate::delivery::outbox::{self, Outbox};
use crate::documents::bulletin::{self, Options};
use crate::documents::today_in_china;
use crate::error::Error;
use crate::web::routes::{failed, Page, Viewer};
use crate::web::users::Role;

/// What an unnumbered draft shows in place of the document number.
pub const DRAFT: &str = "送审稿（未编号）";

/// `/u/{union}/{period}/bulletin.pdf`: the draft bulletin of a union as PDF.
pub async fn bulletin(v: Viewer, Path((union, p)): Path<(String, String)>) -> Page {
    v.check_scope(&union, Some(&p))?;
    let period = period(&p)?;
    let l = v.loaded.clone();
    // The draft is dated today: its figures run to today or the period's end.
    let date = today_in_china();
    let cut = period.cut(bulletin::date_day(date));
    let key = format!("{}|bulletin|{union}|{period}|{cut}", l.sha256);
    let cached = l
        .pdfs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let pdf = match cached {
        Some(pdf) => pdf,
        None => {
            let prepared = l.prepared(&period, cut).await.map_err(failed)?;
            // No state folder: nothing is counted, nothing written.
            let mut cfg = v.app().settings.load().bulletin.clone();
            cfg.state_dir = None;
            let opts = Options {
                period,
                union: Some(union.clone()),
                date,
                number: Some(0),
            };
            let mut b = bulletin::build_for(&l.session, &prepared, &cfg, &opts)
                .await
                .map_err(failed)?;
            b.data.meta.number = DRAFT.to_string();
            let rendered = tokio::task::spawn_blocking(move || bulletin::render(&b))
                .await
                .map_err(|e| failed(Error::Internal(format!("typesetting stopped: {e}"))))?
                .map_err(failed)?;
            let pdf = Arc::new(rendered.pdf);
            l.pdfs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, pdf.clone());
            pdf
        }
    };
    v.app()
        .audit("document", &v.user.name, &v.path, Some(&union), Some(&p));
    let name = format!("attachment; filename=\"bulletin-{union}-{p}-draft.pdf\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        pdf.as_ref().clone(),
    )
        .into_response())
}

/// `/documents`: drafts to render, and what the outbox has issued within the user's
/// subtree (with its state for the office).
pub async fn list(v: Viewer) -> Page {
    let l = &v.loaded;
    let state_dir = v.app().settings.load().state_dir.clone();
    let db = state_dir.as_ref().map(|d| d.join(outbox::FILE));
    let messages = match db.filter(|p| p.exists()) {
        Some(p) => Outbox::open(&p)
            .and_then(|o| o.list(None))
            .map_err(failed)?,
        None => Vec::new(),
    };
    let scope = &v.user.scope;
    let mine: Vec<_> = messages
        .iter()
        .filter(|m| {
            let union = m.key.split('|').nth(2).unwrap_or("");
            l.in_scope(scope, union)
        })
        .collect();
    let office = v.user.role == Role::Office;
    let p = l.default_period.to_string();
    let body = html! {
        h1 { "文件" }
        h2 { "工作通报送审稿" }
        p { "送审稿按需生成，与命令行 " code { "tiexin bulletin" } " 的版式和数据相同，不占用文号。" }
        ul {
            li { a href=(format!("/u/{scope}/{p}/bulletin.pdf")) { (l.name(scope)) " " (l.default_period.chinese()) "工作通报（送审稿）" } }
            li { a href=(format!("/u/{scope}/{}/bulletin.pdf", l.default_period.year())) { (l.name(scope)) " " (l.default_period.year()) "年度工作通报（送审稿）" } }
        }
        p.note { "其他单位和期间的送审稿：在各单位页面点击“工作通报（送审稿，PDF）”。" }
        h2 { "已发出的文件（发件箱）" }
        @if mine.is_empty() {
            p.note { "发件箱中没有本单位及下级单位的文件。" }
        } @else {
            div.scroll { table #outbox {
                thead { tr { th { "编号" } th { "主题" } th { "附件" } th { "生成时间" } @if office { th { "状态" } th { "发送时间" } } } }
                tbody { @for m in &mine { tr {
                    td { (m.id) }
                    td.wrap { (m.subject) }
                    td { (m.attachment_name.clone().unwrap_or_default()) }
                    td { (m.created_at) }
                    @if office { td { (m.state.to_string()) } td { (m.sent_at.clone().unwrap_or_default()) } }
                } } }
            } }
        }
    };
    Ok(v.page("documents", "文件", body))
}
