//! Log-in sessions, CSRF tokens and log-in throttling, all in memory (a restart logs
//! everyone out). A session is a random token in an HttpOnly, SameSite=Strict cookie
//! that expires; each session has its own CSRF token that every POST form carries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The name of the session cookie.
pub const COOKIE: &str = "tiexin_session";
/// The name of the cookie that carries the log-in form's CSRF token.
pub const LOGIN_COOKIE: &str = "tiexin_login";
/// How long a session lasts after log-in.
pub const SESSION_LIFE: Duration = Duration::from_secs(8 * 3600);
/// Failed log-ins (per name and address) after which log-in is refused for a while.
pub const MAX_FAILURES: u32 = 5;
/// How long log-in stays refused after [`MAX_FAILURES`] failures in a row.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// 32 random bytes as hex: a session or CSRF token.
pub fn token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random number generator");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether two tokens are equal, in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// One logged-in session.
#[derive(Clone)]
pub struct Session {
    /// The user's name.
    pub user: String,
    /// The token every POST form of this session must carry.
    pub csrf: String,
    /// When the session ends.
    pub expires: Instant,
}

/// The open sessions by token.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session for `user`; its token.
    pub fn open(&self, user: &str) -> String {
        let t = token();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        open.retain(|_, s| s.expires > now);
        open.insert(
            t.clone(),
            Session {
                user: user.to_string(),
                csrf: token(),
                expires: now + SESSION_LIFE,
            },
        );
        t
    }

    /// The session of `token`, if open and not expired.
    pub fn get(&self, token: &str) -> Option<Session> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        match open.get(token) {
            Some(s) if s.expires > Instant::now() => Some(s.clone()),
            Some(_) => {
                open.remove(token);
                None
            }
            None => None,
        }
    }

    /// Ends the session of `token`.
    pub fn close(&self, token: &str) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.remove(token);
    }
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Failed log-ins per (name, client address).
#[derive(Default)]
pub struct Throttle {
    seen: Mutex<HashMap<(String, String), Failures>>,
}

impl Throttle {
    /// `Some(seconds left)` when log-in of `user` from `ip` is refused for now.
    pub fn locked(&self, user: &str, ip: &str) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let f = seen.get(&(user.to_string(), ip.to_string()))?;
        let until = f.locked_until?;
        let now = Instant::now();
        (until > now).then(|| (until - now).as_secs().max(1))
    }

    /// Counts a failed log-in; true when it locks the pair.
    pub fn failed(&self, user: &str, ip: &str) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let f = seen
            .entry((user.to_string(), ip.to_string()))
            .or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
        // Failures long ago are forgotten.
        if now.duration_since(f.last) > LOCKOUT {
            f.count = 0;
        }
        f.count += 1;
        f.last = now;
        if f.count >= MAX_FAILURES {
            f.locked_until = Some(now + LOCKOUT);
            f.count = 0;
            return true;
        }
        false
    }

    /// Forgets the failures of a pair after a successful log-in.
    pub fn succeeded(&self, user: &str, ip: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.remove(&(user.to_string(), ip.to_string()));
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path /, `Secure` when `secure`;
/// `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock() {
        let t = Throttle::default();
        for _ in 0..4 {
            assert!(!t.failed("a", "1.2.3.4"));
        }
        assert!(t.locked("a", "1.2.3.4").is_none());
        assert!(t.failed("a", "1.2.3.4"));
        assert!(t.locked("a", "1.2.3.4").is_some());
        assert!(t.locked("a", "5.6.7.8").is_none());
        assert!(t.locked("b", "1.2.3.4").is_none());
    }

    #[test]
    fn cookies_parse() {
        assert_eq!(cookie("a=1; tiexin_session=xyz", COOKIE), Some("xyz"));
        assert_eq!(cookie("a=1", COOKIE), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("ab", "abc"));
        assert!(set_cookie("x", "y", 10, true).ends_with("SameSite=Strict; Secure"));
    }
}
