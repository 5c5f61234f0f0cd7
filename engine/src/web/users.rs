//! The users of `tiexin serve` (`[[users]]` of the config): name, argon2 password hash,
//! role, the union whose subtree they see, full access to personal data, disabled.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::Deserialize;

use crate::error::{Error, Result};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A union office: every page of its subtree, free SQL, the outbox, reloading.
    Office,
    /// An inspector: figures, findings, audits and free SQL of its subtree.
    Inspector,
    /// An award committee member: figures and the shortlist of its subtree.
    Committee,
}

impl Role {
    /// The role's Chinese name.
    pub fn chinese(self) -> &'static str {
        match self {
            Role::Office => "工会办公室",
            Role::Inspector => "督查人员",
            Role::Committee => "评选委员会",
        }
    }

    /// Whether the role may run free SQL and the ready audits.
    pub fn audits(self) -> bool {
        matches!(self, Role::Office | Role::Inspector)
    }
}

/// One `[[users]]` entry of the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UserConfig {
    /// The log-in name.
    pub name: String,
    /// The argon2 hash of the password (`tiexin passwd` prints one).
    pub password_hash: String,
    /// office, inspector or committee.
    pub role: Role,
    /// The union whose subtree the user sees (a union_id).
    pub scope: String,
    /// Whether ID numbers and phones are shown in full [default: false, masked].
    #[serde(default)]
    pub full_access: bool,
    /// A disabled user cannot log in, and their open sessions end [default: false].
    #[serde(default)]
    pub disabled: bool,
}

/// The checks serde cannot make: names unique and not empty, every hash an argon2 hash.
pub fn check(users: &[UserConfig]) -> std::result::Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for (i, u) in users.iter().enumerate() {
        let at = format!("[[users]] number {} ({:?})", i + 1, u.name);
        if u.name.trim().is_empty() {
            return Err(format!("[[users]] number {}: name is empty", i + 1));
        }
        if !seen.insert(u.name.as_str()) {
            return Err(format!("{at}: the name is given twice"));
        }
        if u.scope.trim().is_empty() {
            return Err(format!("{at}: scope is empty; give a union_id"));
        }
        match PasswordHash::new(&u.password_hash) {
            Ok(h) if h.algorithm.as_str().starts_with("argon2") => {}
            _ => {
                return Err(format!(
                    "{at}: password-hash is not an argon2 hash (make one with `tiexin passwd`)"
                ))
            }
        }
    }
    Ok(())
}

/// The argon2id hash of `password` with a random salt, in PHC form (`$argon2id$…`).
pub fn hash_password(password: &str) -> Result<String> {
    if password.is_empty() {
        return Err(Error::Usage("the password is empty".into()));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash the password: {e}")))
}

/// A hash that matches no password, checked for unknown names so that they take as long.
const NOBODY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$3q9YpGnRX0QwzbF3CqQ0y3mE1QX4x7YpY4hTqj1xkZ8";

/// Whether `password` matches the PHC hash `hash`; `None` checks a hash nothing matches.
pub fn verify(hash: Option<&str>, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash.unwrap_or(NOBODY)) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && hash.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(&h), "correct horse"));
        assert!(!verify(Some(&h), "wrong"));
        assert!(!verify(None, "correct horse"));
    }
}
