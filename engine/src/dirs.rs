//! Where tiexin keeps what outlives a run (the state folder: outbox, run ledger, audit
//! log, document numbers; the validated cache), and who is running it.

use std::path::{Path, PathBuf};

/// The state directory: the configured one, else `$TIEXIN_STATE_DIR`, else
/// `$XDG_STATE_HOME/tiexin`, else `~/.local/state/tiexin`.
pub fn state_dir(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return Some(p.to_path_buf());
    }
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("TIEXIN_STATE_DIR")
        .or_else(|| var("XDG_STATE_HOME").map(|p| p.join("tiexin")))
        .or_else(|| var("HOME").map(|p| p.join(".local/state/tiexin")))
}

/// Who is running tiexin: `--as NAME` (or `--by`), else `$USER`, else `$LOGNAME`, else
/// the name of the OS account ([`uid`]) in `/etc/passwd`, else `unknown`. A name can be
/// typed at will; [`uid`] is what the OS says.
pub fn user(as_name: Option<&str>) -> String {
    as_name
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .or_else(|| std::env::var("LOGNAME").ok().filter(|u| !u.is_empty()))
        .or_else(|| uid().and_then(account_name))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The OS user id tiexin runs as (the owner of `/proc/self`), if it can be read.
pub fn uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// The account name of `uid` in `/etc/passwd`.
fn account_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?;
        (id.parse() == Ok(uid) && !name.is_empty()).then(|| name.to_string())
    })
}

/// The default cache folder: `$TIEXIN_CACHE_DIR`, else `$XDG_CACHE_HOME/tiexin`, else
/// `~/.cache/tiexin`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("TIEXIN_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("tiexin"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("tiexin"))
}
