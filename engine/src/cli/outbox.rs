//! `tiexin outbox list|show|retry|approve|send`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::args::{OutboxAction, OutboxArgs};
use super::output;
use crate::config::Config;
use crate::delivery::outbox::{Message, Outbox, State};
use crate::delivery::{schedule, smtp};
use crate::documents::today_in_china;
use crate::error::{Error, Result};
use crate::sql::table::{Cell, Tabular};

/// Runs `tiexin outbox`.
pub async fn run(args: OutboxArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let outbox = Outbox::open_in(config.state_folder().as_deref())?;
    match args.action {
        OutboxAction::List { output, state } => {
            let state = state.as_deref().map(str::parse::<State>).transpose()?;
            output::emit(&table(&outbox.list(state)?), output.target())?;
        }
        OutboxAction::Show { id } => {
            let m = outbox.get(id)?;
            print!("{}", show(&m, outbox.attachment(&m)));
        }
        OutboxAction::Retry { id } => {
            let m = outbox.retry(id)?;
            println!("message {} is pending again: {}", m.id, m.subject);
        }
        OutboxAction::Approve { id, by } => {
            let by = crate::dirs::user(by.as_deref());
            // A draft (送审稿) is numbered and rendered as its final now, from the data
            // kept with it, and the final is what will be sent.
            let state = config.state_folder();
            let m = crate::delivery::messages::approve(
                &outbox,
                id,
                (&by, crate::dirs::uid()),
                state.as_deref(),
                today_in_china(),
            )?;
            println!(
                "message {} approved by {by}, now pending: {} (attachment SHA-256 {})",
                m.id,
                m.subject,
                m.attachment_sha256.as_deref().unwrap_or("none")
            );
        }
        OutboxAction::Send => {
            let smtp = config.smtp.as_ref().ok_or_else(|| {
                Error::Config(
                    "there is no [smtp] section in the configuration, so nothing can be sent"
                        .into(),
                )
            })?;
            let stop = Arc::new(AtomicBool::new(false));
            schedule::stop_on_signals(stop.clone())?;
            let summary = smtp::deliver(&outbox, smtp, stop).await?;
            println!("{}", summary.line());
            if !summary.ok() {
                return Ok(1);
            }
        }
    }
    Ok(0)
}

fn table(messages: &[Message]) -> Tabular {
    let text = |s: &str| Cell::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map_or(Cell::Null, text);
    let uid = |u: Option<u32>| u.map_or(Cell::Null, |u| Cell::Int(u.into()));
    Tabular {
        columns: [
            "id",
            "state",
            "kind",
            "to",
            "cc",
            "subject",
            "attachment",
            "attempts",
            "next_attempt_at",
            "last_reply",
            "created_by",
            "created_uid",
            "approved_by",
            "approved_uid",
            "sent_at",
            "message_id",
        ]
        .map(String::from)
        .to_vec(),
        rows: messages
            .iter()
            .map(|m| {
                vec![
                    Cell::Int(m.id),
                    text(m.state.as_str()),
                    text(m.kind.as_str()),
                    text(&m.to.join(", ")),
                    text(&m.cc.join(", ")),
                    text(&m.subject),
                    match (&m.attachment_name, m.extra_attachments.is_empty()) {
                        (Some(a), false) => {
                            let extra = m.extra_attachments.iter().map(|(n, _)| n.as_str());
                            text(
                                &std::iter::once(a.as_str())
                                    .chain(extra)
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            )
                        }
                        _ => opt(&m.attachment_name),
                    },
                    Cell::Int(m.attempts as i64),
                    if m.state == State::Pending {
                        text(&m.next_attempt_at)
                    } else {
                        Cell::Null
                    },
                    opt(&m.last_reply),
                    text(&m.created_by),
                    uid(m.created_uid),
                    opt(&m.approved_by),
                    uid(m.approved_uid),
                    opt(&m.sent_at),
                    text(&m.message_id),
                ]
            })
            .collect(),
    }
}

fn show(m: &Message, attachment: std::result::Result<Option<Vec<u8>>, String>) -> String {
    let or_dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let sha = m.attachment_sha256.as_deref().unwrap_or("");
    let attachment = match (&m.attachment_name, attachment) {
        (Some(name), Ok(Some(bytes))) => {
            format!("{name} ({} bytes, SHA-256 {sha})", bytes.len())
        }
        (Some(name), Err(why)) => format!("{name} (SHA-256 {sha}): {why}"),
        _ => "—".into(),
    };
    let mut attachment = attachment;
    for (name, sha) in &m.extra_attachments {
        attachment += &format!("\n                 {name} (SHA-256 {sha})");
    }
    let uid = |u: Option<u32>| u.map(|u| format!(" (uid {u})")).unwrap_or_default();
    format!(
        "id:              {}\nstate:           {}\nkind:            {}\nkey:             {}\nmessage-id:      {}\nto:              {}\ncc:              {}\nsubject:         {}\nattachment:      {attachment}\nattempts:        {}\nnext attempt at: {}\nlast reply:      {}\ncreated:         {} by {}{}\napproved by:     {}{}\nupdated:         {}\nsent:            {}\n\n{}\n",
        m.id,
        m.state,
        m.kind.as_str(),
        m.key,
        m.message_id,
        m.to.join(", "),
        m.cc.join(", "),
        m.subject,
        m.attempts,
        m.next_attempt_at,
        or_dash(&m.last_reply),
        m.created_at,
        m.created_by,
        uid(m.created_uid),
        or_dash(&m.approved_by),
        uid(m.approved_uid),
        m.updated_at,
        or_dash(&m.sent_at),
        m.body,
    )
}
