//! Documents: the unnumbered draft (送审稿) of a union's bulletin rendered on demand with
//! the code of `tiexin bulletin` (kept per archive hash; a page view never takes a
//! document number), and the documents already issued: the outbox's messages and the
//! numbers of the state folder's registry (`doc-numbers.json`), each with its number,
//! title, dates and recipients, its state for the office, which may download its file.

use std::sync::Arc;

use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use maud::html;
use serde::Deserialize;

use super::union::period;
use crate::delivery::messages::title_and_number;
use crate::delivery::outbox::{self, Kind, Message, Outbox, State};
use crate::documents::bulletin::{self, Options};
use crate::documents::numbering;
use crate::documents::today_in_china;
use crate::error::Error;
use crate::web::layout::{encode, link, pager, window};
use crate::web::routes::{failed, not_found, Page, Viewer};
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
            let prepared = l.prepared_whole(&period, cut).await.map_err(failed)?;
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

/// One document already issued (or on its way, for the office): an outbox message, a
/// number of the registry, or both.
struct Issued<'a> {
    number: Option<String>,
    title: String,
    kind: &'static str,
    period: String,
    union: String,
    message: Option<&'a Message>,
}

/// The Chinese name of a kind of document (outbox kind or registry key's first part).
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "circular" => "督查提示",
        "criticism" => "通报批评",
        "bulletin" => "工作通报",
        "shortlist" => "推荐名单",
        "warning" => "预警提示",
        _ => "文件",
    }
}

/// A stored stamp (UTC RFC 3339) as Beijing time, `2026-11-28 10:05`.
fn beijing(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_string(),
        |t| {
            let east8 = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is an offset");
            t.with_timezone(&east8).format("%Y-%m-%d %H:%M").to_string()
        },
    )
}

/// The state of a message in Chinese.
fn state_label(s: State) -> &'static str {
    match s {
        State::Held => "待审批",
        State::Pending => "待发送",
        State::Sending => "发送中",
        State::Sent => "已发送",
        State::Failed => "发送失败",
        State::Ambiguous => "可能已发送（待核实）",
    }
}

/// The union a message or number is about: the key's third part (`job|period|union|…`),
/// the root for a province-wide document (the shortlist).
fn union_of<'a>(key_union: &'a str, root: &'a str) -> &'a str {
    if key_union.is_empty() {
        root
    } else {
        key_union
    }
}

/// The outbox of the state folder, when there is one.
fn open_outbox(v: &Viewer) -> Result<Option<Outbox>, axum::response::Response> {
    let state_dir = v.app().settings.load().state_dir.clone();
    match state_dir
        .map(|d| d.join(outbox::FILE))
        .filter(|p| p.exists())
    {
        Some(p) => Outbox::open(&p).map(Some).map_err(failed),
        None => Ok(None),
    }
}

/// The page of the issued documents' table.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<usize>,
}

/// `/documents`: drafts to render, and the documents issued within the user's subtree
/// (outbox messages and numbers of the registry; with their state, and the file to
/// download, for the office).
pub async fn list(v: Viewer, Query(q): Query<ListQuery>) -> Page {
    let l = &v.loaded;
    let root = l.unions.root.clone().unwrap_or_default();
    let messages = match open_outbox(&v)? {
        Some(o) => o.list(None).map_err(failed)?,
        None => Vec::new(),
    };
    let state_dir = v.app().settings.load().state_dir.clone();
    let given = match &state_dir {
        Some(d) => numbering::given(d).map_err(failed)?,
        None => Vec::new(),
    };
    let scope = &v.user.scope;
    let office = v.user.role == Role::Office;
    let mut docs: Vec<Issued> = Vec::new();
    for m in &messages {
        let mut parts = m.key.split('|');
        let (period, union) = (parts.nth(1).unwrap_or(""), parts.next().unwrap_or(""));
        let (title, number) = title_and_number(&m.subject);
        docs.push(Issued {
            number: number.map(str::to_string),
            title: title.to_string(),
            kind: kind_label(m.kind.as_str()),
            period: period.to_string(),
            union: union_of(union, &root).to_string(),
            message: Some(m),
        });
    }
    for g in &given {
        if docs.iter().any(|d| d.number.as_deref() == Some(&g.number)) {
            continue;
        }
        let mut parts = g.key.split('|');
        let kind = parts.next().unwrap_or("");
        let period = parts.next().unwrap_or("");
        let union = if kind == "shortlist" {
            ""
        } else {
            parts.next().unwrap_or("")
        };
        let union = union_of(union, &root).to_string();
        docs.push(Issued {
            number: Some(g.number.clone()),
            title: format!("{}{}", l.name(&union), kind_label(kind)),
            kind: kind_label(kind),
            period: period.to_string(),
            union,
            message: None,
        });
    }
    // Within the subtree; a draft or a message not yet sent is the office's business.
    docs.retain(|d| {
        l.in_scope(scope, &d.union)
            && (office || d.number.is_some() && d.message.is_none_or(|m| m.state == State::Sent))
    });
    let page = q.page.unwrap_or(1);
    let (start, end, _) = window(docs.len(), page);
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
        h2 { "已发出的文件" }
        p.note {
            "来自状态目录的发件箱和文号登记（" code { "doc-numbers.json" } "）。"
            @if office { "办公室可看到待审批、待发送的文件及其状态，并可下载发出的文件。" }
            @else { "仅列出已编号并已发送（或未经发件箱）的文件。" }
        }
        @if docs.is_empty() {
            p.note { "没有本单位及下级单位的已发文件。" }
        } @else {
            div.scroll { table #issued {
                thead { tr {
                    th { "文号" } th { "标题" } th { "类别" } th { "期间" } th { "单位" } th { "生成时间" } th { "发送时间" } th { "收件人" }
                    @if office { th { "状态" } th { "文件" } }
                } }
                tbody { @for d in &docs[start..end] { tr {
                    td { (d.number.clone().unwrap_or_else(|| "送审稿（未编号）".into())) }
                    td.wrap { (d.title) }
                    td { (d.kind) }
                    td { (d.period) }
                    td { (l.name(&d.union)) }
                    @match d.message {
                        Some(m) => {
                            td { (beijing(&m.created_at)) }
                            td { (m.sent_at.as_deref().map(beijing).unwrap_or_else(|| "—".into())) }
                            td.wrap {
                                (m.to.join("，"))
                                @if !m.cc.is_empty() { "；抄送 " (m.cc.join("，")) }
                            }
                            @if office {
                                td { (state_label(m.state)) @if let (false, Some(r)) = (m.state == State::Sent, &m.last_reply) { br; span.note { (r) } } }
                                td { @if let Some(name) = &m.attachment_name {
                                    a href=(format!("/documents/{}", m.id)) { (name) }
                                } }
                            }
                        }
                        None => {
                            td { "—" } td { "—" } td { "未经发件箱" }
                            @if office { td { "已编号" } td { "—" } }
                        }
                    }
                } } }
            } }
            (pager(docs.len(), page, |n| link("/documents", &[("page", &n.to_string())])))
        }
    };
    Ok(v.page("documents", "文件", body))
}

/// `/documents/{id}`: the file an outbox message carries (the office only, within its
/// subtree), read from the state folder and checked against its SHA-256; each download
/// is written to `audit.jsonl`.
pub async fn download(v: Viewer, Path(id): Path<String>) -> Page {
    if v.user.role != Role::Office {
        return Err(v.forbidden(None, None, "已发文件只由工会办公室下载。"));
    }
    let Ok(id) = id.parse::<i64>() else {
        return Err(not_found(&format!("没有编号为 {id} 的文件。")));
    };
    let outbox = open_outbox(&v)?.ok_or_else(|| not_found("状态目录中没有发件箱。"))?;
    let m = outbox
        .list(None)
        .map_err(failed)?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| not_found(&format!("发件箱中没有编号为 {id} 的文件。")))?;
    let mut parts = m.key.split('|');
    let (period, union) = (parts.nth(1).unwrap_or(""), parts.next().unwrap_or(""));
    let root = v.loaded.unions.root.clone().unwrap_or_default();
    let union = union_of(union, &root).to_string();
    v.check_scope(&union, Some(period))?;
    let bytes = outbox
        .attachment(&m)
        .map_err(|e| failed(Error::State(e)))?
        .ok_or_else(|| not_found(&format!("发件箱第 {id} 号邮件没有附件。")))?;
    let name = m.attachment_name.clone().unwrap_or_default();
    let kind = if m.kind == Kind::Warning || name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "application/pdf"
    };
    let ext = if kind == "application/pdf" {
        "pdf"
    } else {
        "xlsx"
    };
    v.app().audit(
        "document",
        &v.user.name,
        &v.path,
        Some(&union),
        Some(period),
    );
    let disposition = format!(
        "attachment; filename=\"document-{id}.{ext}\"; filename*=UTF-8''{}",
        encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
