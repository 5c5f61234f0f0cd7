//! The scheduled `warnings` job: the early warnings (预警, accountability.md) as of the
//! slot's date in the job's timezone, one e-mail to each union that has any, listing its
//! own in a short Chinese body with the workbook of its rows attached. The message is
//! keyed by union and as-of date, so a second slot of the same day queues nothing.

use std::collections::BTreeMap;

use crate::analysis::accountability;
use crate::calendar;
use crate::delivery::outbox::{Attachment, Kind, NewMessage};
use crate::documents::text::chinese_date;
use crate::error::{Error, Result};
use crate::sql::table::{Cell, Tabular};
use crate::sql::tree::{self, Unions};
use crate::sql::xlsx::{self, About, Sheet};
use crate::sql::Session;

/// The query folders behind the warnings.
const QUERIES: &[&str] = &["views", "quarter", "findings", "accountability"];

/// One warning code in a sentence: what is pending, its unit, and what must be done.
fn describe(code: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match code {
        "W1" => (
            "本季度尚未完成入户走访的困难职工家庭",
            "户",
            "请在季度结束前入户走访并上传照片或视频",
        ),
        "W2" => ("尚未办结的帮扶诉求", "件", "请在诉求提出后7日内办结"),
        "W3" => (
            "尚未核实的部门比对异常",
            "条",
            "请在收到比对数据后30日内核实",
        ),
        "W4" => (
            "尚未整改到位的上季度重大问题",
            "个",
            "请在整改期限前完成整改，并由县级以上工会核查",
        ),
        "W5" => ("尚未转交的转办事项", "件", "请在转来后15日内转交"),
        _ => return None,
    })
}

/// What a warnings run needs besides the archive.
pub struct Run<'a> {
    /// The as-of day, local to the job's timezone.
    pub date: (i32, u8, u8),
    /// Only warnings due in at most this many days.
    pub within: Option<i64>,
    /// Only this union and its subtree.
    pub union: Option<&'a str>,
    /// The sender's name in the body (the circulars' office).
    pub office: Option<&'a str>,
    /// Copies of every message.
    pub cc: &'a [String],
    /// Who queues the messages.
    pub created_by: &'a str,
}

/// The union's e-mail address, by union_id.
fn addresses(s: &Session) -> Result<BTreeMap<String, String>> {
    let t = s
        .archive
        .table("unions")
        .ok_or_else(|| Error::Internal("the archive has no unions table".into()))?;
    Ok(t.strings("union_id")
        .zip(t.strings("email"))
        .filter_map(|((_, id), (_, mail))| Some((id?.to_string(), mail?.trim().to_string())))
        .filter(|(_, mail)| !mail.is_empty())
        .collect())
}

/// The messages of one run, and the unions with warnings but no address (undeliverable).
pub async fn messages(s: &Session, run: &Run<'_>) -> Result<(Vec<NewMessage>, Vec<String>)> {
    let (y, m, d) = run.date;
    let day = calendar::day(y, m as u32, d as u32);
    let mut batch = accountability::warnings(s, day, run.within).await?;
    if let Some(root) = run.union {
        let keep = tree::members(&s.archive, root, None)?;
        batch = tree::filter_rows(&batch, "union_id", |u| keep.contains(u))?;
    }
    let unions = Unions::of(&s.archive)?;
    let office = match run.office.or(unions.root_name()) {
        Some(o) => o.to_string(),
        None => return Err(Error::Unreadable("the union tree has no root".into())),
    };
    let mail = addresses(s)?;
    let iso = calendar::iso(day);
    let when = chinese_date(y, m, d);
    // The rows of each union, in one pass over the warnings.
    let table = Tabular::from_batch(&batch)?;
    let mut by_union: BTreeMap<String, Vec<Vec<Cell>>> = BTreeMap::new();
    for (union, row) in column(&table, "union_id")?.into_iter().zip(table.rows) {
        by_union.entry(union).or_default().push(row);
    }
    let (mut out, mut undeliverable) = (Vec::new(), Vec::new());
    for (union, mine) in by_union {
        let name = unions
            .names
            .get(&union)
            .cloned()
            .unwrap_or_else(|| union.clone());
        let Some(to) = mail.get(&union) else {
            undeliverable.push(format!("{union} {name}"));
            continue;
        };
        let rows = Tabular {
            columns: table.columns.clone(),
            rows: mine,
        };
        let title = format!("{name}预警事项（截至{when}）");
        let about = About::new(&title, None, &s.archive, &s.catalog, QUERIES);
        let sheet = Sheet {
            name: "预警",
            table: &rows,
            labels: &[],
        };
        out.push(NewMessage {
            job: "warnings".to_string(),
            period: iso.clone(),
            union_id: union,
            kind: Kind::Warning,
            subject: format!("关于{name}困难职工帮扶工作预警事项的提示（截至{when}）"),
            body: body(&name, &when, &office, &rows)?,
            to: vec![to.clone()],
            cc: run.cc.to_vec(),
            attachment: Some(Attachment {
                name: format!("{title}.xlsx"),
                bytes: xlsx::workbook(&[sheet], &about)?,
            }),
            extra_attachments: Vec::new(),
            document: None,
            held: false,
            created_by: run.created_by.to_string(),
            created_uid: crate::dirs::uid(),
        });
    }
    Ok((out, undeliverable))
}

/// The short body: one line per kind of warning, with its count and nearest due date.
fn body(name: &str, when: &str, office: &str, rows: &Tabular) -> Result<String> {
    let mut kinds: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (code, due) in column(rows, "warning")?
        .into_iter()
        .zip(column(rows, "due_on")?)
    {
        let e = kinds.entry(code).or_insert((0, due.clone()));
        e.0 += 1;
        if due < e.1 {
            e.1 = due;
        }
    }
    let mut lines = Vec::new();
    for (i, (code, (n, due))) in kinds.iter().enumerate() {
        let (what, unit, ask) = describe(code)
            .ok_or_else(|| Error::Internal(format!("warnings: unknown warning code {code:?}")))?;
        lines.push(format!(
            "{}. {what}{n}{unit}，最早于{}到期。{ask}。",
            i + 1,
            iso_to_chinese(due)?
        ));
    }
    Ok(format!(
        "{name}：\n\n截至{when}，你单位有以下事项即将到期，请抓紧办理：\n\n{}\n\n明细见附件。\n\n{office}\n{when}\n",
        lines.join("\n")
    ))
}

/// The values of column `name` as text (the columns were checked by the analysis).
fn column(t: &Tabular, name: &str) -> Result<Vec<String>> {
    let i = t
        .columns
        .iter()
        .position(|c| c == name)
        .ok_or_else(|| Error::Internal(format!("warnings: no column {name}")))?;
    Ok(t.rows.iter().map(|r| r[i].plain()).collect())
}

/// `2026-12-31` → `2026年12月31日`.
fn iso_to_chinese(iso: &str) -> Result<String> {
    let bad = || Error::Internal(format!("warnings: due_on {iso:?} is not a date"));
    let mut it = iso.split('-').map(|p| p.parse::<i32>().map_err(|_| bad()));
    let (Some(y), Some(m), Some(d)) = (it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    Ok(chinese_date(y?, m? as u8, d? as u8))
}
