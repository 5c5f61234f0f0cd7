//! Parsing and checking of single values, by archive type.
//!
//! Each function takes the raw (already trimmed, non-empty) bytes of a cell and returns
//! the typed value or the reason it is rejected, worded for the rejects file.

use crate::calendar;

/// A parsed cell, borrowing its text from the record it came from when it can (a value
/// that normalisation changed is owned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// An empty cell.
    Null,
    /// Text: an id, text, enumeration code or month.
    Str(std::borrow::Cow<'a, str>),
    /// Days since 1970-01-01 (Arrow `Date32`).
    Date(i32),
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Cents.
    Money(i128),
}

/// An id: 1–64 characters of `[A-Za-z0-9_.-]`.
pub fn id(raw: &str) -> Result<&str, String> {
    if raw.len() > 64 {
        return Err("id longer than 64 characters".into());
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err("id may only contain A-Z, a-z, 0-9, '_', '.' and '-'".into());
    }
    Ok(raw)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days of `month` (1–12) in `year`; 0 for another month number.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn year_month(b: &[u8]) -> Option<(i32, u32)> {
    if b.len() != 7 || b[4] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])? as i32;
    let month = digits(&b[5..7])?;
    (year >= 1 && (1..=12).contains(&month)).then_some((year, month))
}

/// A date `YYYY-MM-DD` that is a real calendar day, as days since 1970-01-01.
pub fn date(raw: &str) -> Result<i32, String> {
    let b = raw.as_bytes();
    let bad = || format!("not a date (YYYY-MM-DD): {raw}");
    if b.len() != 10 || b[7] != b'-' {
        return Err(bad());
    }
    let (year, month) = year_month(&b[0..7]).ok_or_else(bad)?;
    let day = digits(&b[8..10]).ok_or_else(bad)?;
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("no such day: {raw}"));
    }
    Ok(calendar::day(year, month, day))
}

/// A month `YYYY-MM` that is a real month, kept as text.
pub fn month(raw: &str) -> Result<&str, String> {
    year_month(raw.as_bytes())
        .map(|_| raw)
        .ok_or_else(|| format!("not a month (YYYY-MM): {raw}"))
}

/// A boolean: `true`/`false` in any case, or `1`/`0`.
pub fn boolean(raw: &str) -> Result<bool, String> {
    if raw == "1" || raw.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if raw == "0" || raw.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(format!("not a boolean (true/false/1/0): {raw}"))
    }
}

/// A whole number that fits in 64 bits.
pub fn int(raw: &str) -> Result<i64, String> {
    raw.parse::<i64>()
        .map_err(|_| format!("not a whole number: {raw}"))
}

/// Money in cents: digits, optionally a point and one or two decimals.
pub fn money(raw: &str) -> Result<i128, String> {
    let b = raw.as_bytes();
    if b.first() == Some(&b'-') && money(&raw[1..]).is_ok() {
        return Err(format!("money must not be negative: {raw}"));
    }
    let (whole, frac) = match raw.split_once('.') {
        Some((w, f)) => (w.as_bytes(), f.as_bytes()),
        None => (b, &b""[..]),
    };
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if whole.is_empty()
        || !all_digits(whole)
        || !all_digits(frac)
        || (raw.contains('.') && frac.is_empty())
    {
        return Err(format!("not an amount of money: {raw}"));
    }
    if frac.len() > 2 {
        return Err(format!("money with more than 2 decimals: {raw}"));
    }
    if whole.len() > 15 {
        return Err(format!("amount too large: {raw}"));
    }
    let mut cents: i128 = whole.iter().fold(0, |n, d| n * 10 + i128::from(d - b'0')) * 100;
    let mut scale = 10;
    for d in frac {
        cents += i128::from(d - b'0') * scale;
        scale /= 10;
    }
    Ok(cents)
}

/// `12.50` for 1250 cents.
pub fn format_money(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Whether an 18-character resident ID (GB 11643) carries a correct ISO 7064 MOD 11-2
/// check character. `Err` says what is wrong, for the warning.
pub fn resident_id(raw: &str) -> Result<(), String> {
    let b = raw.trim().as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err("not an 18-character resident ID number".into());
    }
    let want = resident_id_check(&b[..17]);
    if b[17].to_ascii_uppercase() == want {
        Ok(())
    } else {
        Err(format!(
            "resident ID check character should be {}",
            want as char
        ))
    }
}

/// The ISO 7064 MOD 11-2 check character of a resident ID's first 17 digits.
pub fn resident_id_check(first17: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_days() {
        assert_eq!(date("1970-01-01"), Ok(0));
        assert_eq!(date("2026-07-01"), Ok(20635));
        assert_eq!(
            date("2024-02-29").map(calendar::iso),
            Ok("2024-02-29".to_string())
        );
        assert!(date("2026-02-29").unwrap_err().contains("no such day"));
        assert!(date("2026-02-30").is_err());
        assert!(date("2026-13-01").is_err());
        assert!(date("2026-7-1").is_err());
        assert!(date("2026/07/01").is_err());
    }

    #[test]
    fn money_has_at_most_two_decimals() {
        assert_eq!(money("12"), Ok(1200));
        assert_eq!(money("12.5"), Ok(1250));
        assert_eq!(money("0.05"), Ok(5));
        assert_eq!(money("1200.00"), Ok(120000));
        assert!(money("12.345")
            .unwrap_err()
            .contains("more than 2 decimals"));
        assert!(money("-5").unwrap_err().contains("negative"));
        assert!(money("1e3").is_err());
        assert!(money("12.").is_err());
        assert!(money(".5").is_err());
        assert!(money("1,000").is_err());
        assert_eq!(format_money(1250), "12.50");
    }

    #[test]
    fn booleans_in_any_case() {
        for t in ["true", "TRUE", "True", "1"] {
            assert_eq!(boolean(t), Ok(true));
        }
        for f in ["false", "FALSE", "fAlSe", "0"] {
            assert_eq!(boolean(f), Ok(false));
        }
        assert!(boolean("yes").is_err());
    }

    #[test]
    fn ids_and_months() {
        assert!(id("U3701.02_a-b").is_ok());
        assert!(id("U 37").is_err());
        assert!(id(&"a".repeat(65)).is_err());
        assert!(month("2026-02").is_ok());
        assert!(month("2026-13").is_err());
        assert!(month("2026-2").is_err());
    }

    #[test]
    fn resident_id_checksum() {
        // GB 11643's published example.
        assert!(resident_id("11010519491231002X").is_ok());
        assert!(resident_id("11010519491231002x").is_ok());
        assert!(resident_id("110105194912310021")
            .unwrap_err()
            .contains("should be X"));
        assert!(resident_id("1101051949123100").is_err());
    }
}
