//! What the command line does on a terminal: how much it says (`-q`, `-v`), the one
//! progress line that is rewritten in place and cleared before the answer, colour (off
//! under `NO_COLOR`, `TERM=dumb` or when not a terminal), the terminal's size (`COLUMNS`
//! and `LINES` first), and a pager for a table taller than the screen (`$PAGER`,
//! `less -FRSX` by default; `--no-pager` or `PAGER=cat` to turn it off).

use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Mutex;

/// How much the command says on standard error besides its answer and warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: warnings and errors only.
    Quiet = 0,
    /// The default: one progress line on a terminal, cleared when the answer comes.
    Normal = 1,
    /// `-v`: every step on its own line (each table read, with its row count).
    Verbose = 2,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);
static NO_PAGER: AtomicBool = AtomicBool::new(false);
/// Whether a progress line is on the screen (so that the next output clears it).
static SHOWN: Mutex<bool> = Mutex::new(false);

/// Sets how much the command says, and whether a pager may be used.
pub fn configure(v: Verbosity, no_pager: bool) {
    VERBOSITY.store(v as u8, Ordering::SeqCst);
    NO_PAGER.store(no_pager, Ordering::SeqCst);
}

/// How much the command says.
pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::SeqCst) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

fn dumb() -> bool {
    std::env::var("TERM").is_ok_and(|t| t == "dumb")
}

/// Whether standard error takes colour: a terminal, not `TERM=dumb`, no `NO_COLOR`.
pub fn color_on_stderr() -> bool {
    std::io::stderr().is_terminal() && !dumb() && !env_set("NO_COLOR")
}

/// `text` in the ANSI colour `code` (31 red, 33 yellow) when standard error takes
/// colour, plain otherwise.
pub fn paint(text: &str, code: u8) -> String {
    if color_on_stderr() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn winsize(fd: i32) -> Option<(usize, usize)> {
    // SAFETY: TIOCGWINSZ only writes a `winsize` into the struct we pass.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some((ws.ws_col as usize, ws.ws_row as usize))
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// The width a table on standard output must fit: `COLUMNS`, or the terminal's; `None`
/// when standard output is not a terminal and `COLUMNS` is not set (no limit).
pub fn stdout_width() -> Option<usize> {
    env_number("COLUMNS").or_else(|| winsize(1).map(|(w, _)| w))
}

fn stdout_height() -> Option<usize> {
    env_number("LINES").or_else(|| winsize(1).map(|(_, h)| h))
}

fn stderr_width() -> usize {
    winsize(2).map(|(w, _)| w).unwrap_or(80)
}

/// Shows a progress message: rewritten in place on a terminal (cut to its width), on
/// its own line with `-v` or under `TERM=dumb`, not at all with `-q` or when standard
/// error is not a terminal.
pub fn progress(message: &str) {
    let v = verbosity();
    if v == Verbosity::Quiet || !std::io::stderr().is_terminal() {
        return;
    }
    let message = super::output::terminal_safe(message);
    let mut err = std::io::stderr().lock();
    if v == Verbosity::Verbose || dumb() {
        let _ = writeln!(err, "{message}");
        return;
    }
    let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    let line = cut(&message, stderr_width().saturating_sub(1));
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
    *shown = true;
}

/// A step of long work (the demo's): the progress line on a terminal, else its own line
/// (a log keeps it), nothing with `-q`.
pub fn step(message: &str) {
    if verbosity() == Verbosity::Quiet {
        return;
    }
    if std::io::stderr().is_terminal() {
        progress(message);
    } else {
        eprintln!("{}", super::output::terminal_safe(message));
    }
}

/// A step worth a line of its own only with `-v` (each table read).
pub fn detail(message: &str) {
    if verbosity() == Verbosity::Verbose && std::io::stderr().is_terminal() {
        eprintln!("{}", super::output::terminal_safe(message));
    } else {
        progress(message);
    }
}

/// Clears the progress line, if one is shown, before anything else is written.
pub fn clear() {
    let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    if *shown {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
        *shown = false;
    }
}

/// A warning on standard error, always (after clearing the progress line).
pub fn warn(message: &str) {
    clear();
    eprintln!(
        "{} {}",
        paint("warning:", 33),
        super::output::terminal_safe(message)
    );
}

/// `s` cut to `width` display columns, with `…` when cut.
fn cut(s: &str, width: usize) -> String {
    if super::output::display_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = super::output::display_width(c.encode_utf8(&mut [0; 4]));
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out + "…"
}

/// Writes `text` to standard output, through the pager when standard output is a
/// terminal and `text` is taller than it (and no `--no-pager`, `PAGER` not empty or
/// `cat`). A pager that cannot start is skipped.
pub fn page(text: &[u8]) -> std::io::Result<()> {
    clear();
    let lines = text.iter().filter(|b| **b == b'\n').count();
    let tall = stdout_height().is_some_and(|h| lines + 1 >= h);
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less".into());
    let use_pager = tall
        && std::io::stdout().is_terminal()
        && !NO_PAGER.load(Ordering::SeqCst)
        && !dumb()
        && !pager.trim().is_empty()
        && pager.trim() != "cat";
    if use_pager {
        let child = Command::new("sh")
            .args(["-c", &pager])
            .env("LESS", std::env::var("LESS").unwrap_or("FRSX".into()))
            .stdin(Stdio::piped())
            .spawn();
        if let Ok(mut child) = child {
            if let Some(mut stdin) = child.stdin.take() {
                // The reader may quit early (q in less): a broken pipe is not an error.
                let _ = stdin.write_all(text);
            }
            child.wait()?;
            return Ok(());
        }
    }
    let mut so = std::io::stdout().lock();
    so.write_all(text)?;
    so.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_counts_wide_characters_twice() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("济南市总工会", 7), "济南市…");
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
