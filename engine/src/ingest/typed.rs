//! Values as people type them (intake.md, "Values as people type them"): dates, months,
//! money and booleans in the forms an office writes, and a workbook's number and date
//! cells. Every function takes a value already NFKC-normalised and trimmed, and returns
//! the typed value or a reason that does not quote the value (the rejects file shows
//! the value beside it, as the file holds it), so that the same data gives the same
//! reasons in every form.

use super::values::{self, days_in_month};
use crate::calendar;

/// The forms of a date, for reasons.
pub const DATE_FORMS: &str =
    "not a date (YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or YYYYMMDD)";
/// The forms of a month, for reasons.
pub const MONTH_FORMS: &str = "not a month (YYYY-MM, YYYY/M or YYYY年M月)";

/// A run of 1 to `max` ASCII digits, as a number.
fn number(s: &str, min: usize, max: usize) -> Option<u32> {
    let ok = (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| s.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

/// Year, month and day of a date in one of the typed forms, not yet checked against
/// the calendar.
fn ymd(s: &str) -> Option<(i32, u32, u32)> {
    if let Some(rest) = s.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        return Some((number(y, 4, 4)? as i32, number(m, 1, 2)?, number(d, 1, 2)?));
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let y = number(&s[..4], 4, 4)?;
        return Some((y as i32, number(&s[4..6], 2, 2)?, number(&s[6..], 2, 2)?));
    }
    let sep = s.bytes().find(|b| matches!(b, b'-' | b'/' | b'.'))? as char;
    let mut parts = s.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((number(y, 4, 4)? as i32, number(m, 1, 2)?, number(d, 1, 2)?))
}

/// A real calendar day, or the reason naming it (`no such day: 2026-02-30`).
fn real_day(y: i32, m: u32, d: u32) -> Result<i32, String> {
    if y < 1 || !(1..=12).contains(&m) {
        return Err(DATE_FORMS.to_string());
    }
    if d == 0 || d > days_in_month(y, m) {
        return Err(format!("no such day: {y:04}-{m:02}-{d:02}"));
    }
    Ok(calendar::day(y, m, d))
}

/// A date in any typed form, as days since 1970-01-01.
pub fn date(s: &str) -> Result<i32, String> {
    if let Ok(d) = values::date(s) {
        return Ok(d);
    }
    let (y, m, d) = ymd(s).ok_or_else(|| DATE_FORMS.to_string())?;
    real_day(y, m, d)
}

/// A month `YYYY-MM`, `YYYY/M` or `YYYY年M月`, as (year, month).
pub fn month(s: &str) -> Result<(i32, u32), String> {
    let bad = || MONTH_FORMS.to_string();
    let (y, m) = if let Some(rest) = s.strip_suffix('月') {
        let (y, m) = rest.split_once('年').ok_or_else(bad)?;
        (number(y, 4, 4), number(m, 1, 2))
    } else if let Some((y, m)) = s.split_once('-') {
        (number(y, 4, 4), number(m, 2, 2))
    } else if let Some((y, m)) = s.split_once('/') {
        (number(y, 4, 4), number(m, 1, 2))
    } else {
        return Err(bad());
    };
    match (y, m) {
        (Some(y), Some(m)) if y >= 1 && (1..=12).contains(&m) => Ok((y as i32, m)),
        _ => Err(bad()),
    }
}

/// `YYYY-MM` of a month.
pub fn month_text(y: i32, m: u32) -> String {
    format!("{y:04}-{m:02}")
}

/// A boolean: `true`/`false` in any case, `1`/`0`, `是`/`否`.
pub fn boolean(s: &str) -> Result<bool, String> {
    match s {
        "是" => Ok(true),
        "否" => Ok(false),
        _ => values::boolean(s).map_err(|_| "not a boolean (true/false/1/0/是/否)".to_string()),
    }
}

/// A whole number.
pub fn int(s: &str) -> Result<i64, String> {
    s.parse::<i64>()
        .map_err(|_| "not a whole number".to_string())
}

/// Money in cents: an optional `¥`, an optional trailing `元`, `,` between groups of
/// three digits, at most two decimals.
pub fn money(s: &str) -> Result<i128, String> {
    let t = s.strip_prefix('¥').unwrap_or(s);
    let t = t.strip_suffix('元').unwrap_or(t);
    if let Some(rest) = t.strip_prefix('-') {
        if money(rest).is_ok() {
            return Err("money must not be negative".into());
        }
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    let whole = if whole.contains(',') {
        let mut groups = whole.split(',');
        let first = groups.next().unwrap_or("");
        let grouped = (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !grouped {
            return Err("not an amount of money".into());
        }
        whole.replace(',', "")
    } else {
        whole.to_string()
    };
    let plain = match frac {
        Some(f) => format!("{whole}.{f}"),
        None => whole,
    };
    values::money(&plain).map_err(|e| {
        if e.starts_with("money with more than 2 decimals") {
            "money with more than 2 decimals".to_string()
        } else if e.starts_with("amount too large") {
            "amount too large".to_string()
        } else {
            "not an amount of money".to_string()
        }
    })
}

/// The day of an Excel serial number: its whole part in the workbook's date system
/// (1900, whose serial 60 is the day 1900-02-29 that never was, or 1904).
pub fn excel_day(serial: f64, date1904: bool) -> Result<i32, String> {
    if !serial.is_finite() {
        return Err(DATE_FORMS.to_string());
    }
    let day = serial.floor();
    const DAY_1899_12_30: i32 = calendar::day(1899, 12, 30);
    const DAY_1904_01_01: i32 = calendar::day(1904, 1, 1);
    if date1904 {
        if !(0.0..=2_957_003.0).contains(&day) {
            return Err(DATE_FORMS.to_string());
        }
        return Ok(DAY_1904_01_01 + day as i32);
    }
    if !(1.0..=2_958_465.0).contains(&day) {
        return Err(DATE_FORMS.to_string());
    }
    let day = day as i32;
    match day {
        60 => Err("no such day: 1900-02-29".to_string()),
        // Before the phantom day the serials run one day late.
        d if d < 60 => Ok(DAY_1899_12_30 + d + 1),
        d => Ok(DAY_1899_12_30 + d),
    }
}

/// A date cell's value as the file holds it: `YYYY-MM-DD`, with the time of day when
/// there is one.
pub fn excel_date_shown(serial: f64, date1904: bool) -> String {
    let Ok(day) = excel_day(serial, date1904) else {
        return number_shown(serial);
    };
    let secs = ((serial - serial.floor()) * 86_400.0).round() as u32;
    if secs == 0 || secs >= 86_400 {
        return calendar::iso(day);
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{} {h:02}:{m:02}:{s:02}", calendar::iso(day))
}

/// A number cell in its shortest decimal form (`1001`, `1001.5`, never an exponent).
pub fn number_shown(f: f64) -> String {
    let s = format!("{f}");
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// Digits of a number's shortest decimal form, from its first non-zero digit.
fn significant_digits(shown: &str) -> usize {
    shown
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|&b| b == b'0')
        .count()
}

/// A number cell read as text (ids, text, months): its shortest decimal form, refused
/// when it has more than 15 digits, which Excel cannot hold (an 18-digit ID number
/// typed as a number has lost its last digits).
pub fn number_text(f: f64) -> Result<String, String> {
    let shown = number_shown(f);
    if significant_digits(&shown) > 15 {
        return Err(
            "a number of more than 15 digits: Excel has lost its last digits; format the column as text (文本) and type the value again".to_string(),
        );
    }
    Ok(shown)
}

/// A number cell as a whole number.
pub fn number_int(f: f64) -> Result<i64, String> {
    if f.fract() != 0.0 || !f.is_finite() || f.abs() >= 9.2e18 {
        return Err("not a whole number".to_string());
    }
    Ok(f as i64)
}

/// A number cell as money: first rounded to 15 significant digits, as Excel shows it,
/// then at most two decimals.
pub fn number_money(f: f64) -> Result<i128, String> {
    if !f.is_finite() {
        return Err("not an amount of money".into());
    }
    if f < 0.0 {
        return Err("money must not be negative".into());
    }
    // d.dddddddddddddde±x: the 15 significant digits and the exponent.
    let sci = format!("{f:.14e}");
    let (mantissa, exp) = sci.split_once('e').ok_or("not an amount of money")?;
    let exp: i32 = exp.parse().map_err(|_| "not an amount of money")?;
    let digits: i128 = mantissa
        .replace('.', "")
        .parse()
        .map_err(|_| "not an amount of money")?;
    // f = digits × 10^(exp − 14); cents = digits × 10^(exp − 12).
    let shift = exp - 12;
    if shift >= 0 {
        if exp >= 15 {
            return Err("amount too large".into());
        }
        return Ok(digits * 10i128.pow(shift as u32));
    }
    let div = 10i128.checked_pow((-shift) as u32);
    match div {
        Some(div) if digits % div == 0 => Ok(digits / div),
        _ if digits == 0 => Ok(0),
        _ => Err("money with more than 2 decimals".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(r: Result<i32, String>) -> String {
        r.map(calendar::iso).unwrap_or_else(|e| e)
    }

    #[test]
    fn dates_in_every_typed_form() {
        for s in [
            "2026-07-05",
            "2026-7-5",
            "2026/7/5",
            "2026/07/05",
            "2026.7.5",
            "2026年7月5日",
            "20260705",
        ] {
            assert_eq!(iso(date(s)), "2026-07-05", "{s}");
        }
        assert_eq!(iso(date("2026年2月30日")), "no such day: 2026-02-30");
        assert_eq!(iso(date("2026/2/29")), "no such day: 2026-02-29");
        for bad in [
            "2026-7/5",
            "26/7/5",
            "5/7/2026",
            "2026年7月5",
            "2026-13-01",
            "2026",
        ] {
            assert_eq!(iso(date(bad)), DATE_FORMS, "{bad}");
        }
    }

    #[test]
    fn excel_serial_days() {
        assert_eq!(iso(excel_day(46208.0, false)), "2026-07-05");
        assert_eq!(iso(excel_day(46208.75, false)), "2026-07-05");
        assert_eq!(iso(excel_day(1.0, false)), "1900-01-01");
        assert_eq!(iso(excel_day(59.0, false)), "1900-02-28");
        assert_eq!(iso(excel_day(60.0, false)), "no such day: 1900-02-29");
        assert_eq!(iso(excel_day(61.0, false)), "1900-03-01");
        assert_eq!(iso(excel_day(2958465.0, false)), "9999-12-31");
        assert_eq!(iso(excel_day(2958466.0, false)), DATE_FORMS);
        assert_eq!(iso(excel_day(0.0, false)), DATE_FORMS);
        assert_eq!(iso(excel_day(0.0, true)), "1904-01-01");
        assert_eq!(iso(excel_day(44746.0, true)), "2026-07-05");
        assert_eq!(excel_date_shown(46208.5, false), "2026-07-05 12:00:00");
    }

    #[test]
    fn months_money_and_booleans() {
        assert_eq!(month("2026-07"), Ok((2026, 7)));
        assert_eq!(month("2026/7"), Ok((2026, 7)));
        assert_eq!(month("2026年7月"), Ok((2026, 7)));
        for bad in ["2026-7", "2026-13", "2026/13", "202607", "2026.07"] {
            assert_eq!(month(bad), Err(MONTH_FORMS.to_string()), "{bad}");
        }
        assert_eq!(money("¥800"), Ok(80000));
        assert_eq!(money("2,000.00"), Ok(200000));
        assert_eq!(money("1,234,567.5元"), Ok(123456750));
        assert_eq!(money("800元"), Ok(80000));
        assert_eq!(money("-5"), Err("money must not be negative".into()));
        assert_eq!(
            money("12.345"),
            Err("money with more than 2 decimals".into())
        );
        for bad in ["1,00", "12,3456", ",100", "1e3", "¥", "12."] {
            assert_eq!(money(bad), Err("not an amount of money".into()), "{bad}");
        }
        assert_eq!(boolean("是"), Ok(true));
        assert_eq!(boolean("否"), Ok(false));
        assert_eq!(boolean("FALSE"), Ok(false));
        assert!(boolean("对").is_err());
    }

    #[test]
    fn number_cells() {
        assert_eq!(number_text(1001.0).unwrap(), "1001");
        assert_eq!(number_text(1001.5).unwrap(), "1001.5");
        assert_eq!(number_text(13805310101.0).unwrap(), "13805310101");
        // An 18-digit ID number typed as a number: Excel kept 15 digits.
        assert!(number_text(370102196906121000.0)
            .unwrap_err()
            .contains("format the column as text"));
        assert_eq!(number_int(4.0), Ok(4));
        assert!(number_int(4.5).is_err());
        assert_eq!(number_money(457.25), Ok(45725));
        assert_eq!(number_money(0.1 + 0.2), Ok(30));
        assert_eq!(number_money(1000.5), Ok(100050));
        assert_eq!(number_money(0.0), Ok(0));
        assert_eq!(
            number_money(12.345),
            Err("money with more than 2 decimals".into())
        );
        assert_eq!(number_money(-1.0), Err("money must not be negative".into()));
        assert_eq!(number_money(1e15), Err("amount too large".into()));
    }
}
