//! One cell of any source checked against its column: the bytes of a CSV or Parquet
//! cell, or a workbook's text, number, date, boolean or error cell ([`Input`]), read as
//! intake.md says ("Values as people type them") and checked against the column's type
//! and range (archive.md).

use std::borrow::Cow;

use super::labels::{nfkc, CodeLabels};
use super::typed;
use super::values::{self, Value};
use crate::ingest::schema::{ColType, Column, Range};

/// One cell as its source holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input<'a> {
    /// Text: a CSV or Parquet cell, or a workbook's text cell (bytes, so that a cell
    /// that is not UTF-8 is rejected as such).
    Text(&'a [u8]),
    /// A workbook number cell.
    Number(f64),
    /// A workbook date cell: its serial day and time.
    Date(f64),
    /// A workbook boolean cell.
    Bool(bool),
    /// A workbook error cell (`#N/A`).
    Error(&'a str),
    /// A workbook formula without a cached value.
    Formula,
}

impl Input<'_> {
    /// Whether the cell holds nothing.
    pub fn is_empty(&self) -> bool {
        matches!(self, Input::Text(b) if b.is_empty())
    }
}

/// How a column reads its cells: the column, its Chinese labels and the workbook's
/// date system.
#[derive(Clone, Copy)]
pub struct Reading {
    /// The column.
    pub column: &'static Column,
    /// The Chinese labels of its codes (enumerations only).
    pub labels: &'static [CodeLabels],
    /// Whether number cells count days from 1904 (a workbook's 1904 date system).
    pub date1904: bool,
}

/// A rejected cell: the value as the file holds it, and the reason.
pub type Rejected = (String, String);

fn missing(col: &Column) -> Result<Value<'static>, Rejected> {
    if col.required {
        Err((String::new(), "required value is missing".into()))
    } else {
        Ok(Value::Null)
    }
}

/// One cell: `Ok` with its typed value, or `Err((value as held, reason))`.
pub fn check<'a>(r: &Reading, input: Option<Input<'a>>) -> Result<Value<'a>, Rejected> {
    let col = r.column;
    let Some(input) = input else {
        return missing(col);
    };
    let value = match input {
        Input::Text(raw) => text_cell(r, raw)?,
        other => typed_cell(r, other)?,
    };
    in_range(col, value).map_err(|reason| (held(&input, r.date1904), reason))
}

/// The value of a cell as its file holds it (text trimmed), for the rejects file.
fn held(input: &Input, date1904: bool) -> String {
    match *input {
        Input::Text(t) => String::from_utf8_lossy(t).trim().to_string(),
        Input::Number(f) => typed::number_shown(f),
        Input::Date(f) => typed::excel_date_shown(f, date1904),
        Input::Bool(b) => if b { "TRUE" } else { "FALSE" }.to_string(),
        Input::Error(e) => e.to_string(),
        Input::Formula => String::new(),
    }
}

fn in_range<'a>(col: &Column, value: Value<'a>) -> Result<Value<'a>, String> {
    let ok = match (col.range, &value) {
        (Range::AtLeast(min), Value::Int(v)) => *v >= min,
        (Range::Between(lo, hi), Value::Int(v)) => (lo..=hi).contains(v),
        (Range::Positive, Value::Money(c)) => *c > 0,
        _ => true,
    };
    if ok {
        return Ok(value);
    }
    let rule = match col.range {
        Range::AtLeast(min) => format!("must be at least {min}"),
        Range::Between(lo, hi) => format!("must be between {lo} and {hi}"),
        Range::Positive => "must be greater than 0".to_string(),
        Range::None => String::new(),
    };
    Err(format!("{} {rule}", col.name))
}

/// A text cell: text columns as they are; every other column trimmed, NFKC-normalised
/// and parsed.
fn text_cell<'a>(r: &Reading, raw: &'a [u8]) -> Result<Value<'a>, Rejected> {
    let col = r.column;
    let text = std::str::from_utf8(raw).map_err(|_| {
        (
            String::from_utf8_lossy(raw).into_owned(),
            "not valid UTF-8".to_string(),
        )
    })?;
    if col.ty == ColType::Text {
        return if text.is_empty() {
            missing(col)
        } else {
            Ok(Value::Str(Cow::Borrowed(text)))
        };
    }
    let held = text.trim();
    if held.is_empty() {
        return missing(col);
    }
    let norm: Cow<'a, str> = match nfkc(held) {
        Cow::Borrowed(s) => Cow::Borrowed(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    };
    parse(r, norm).map_err(|reason| (held.to_string(), reason))
}

/// A normalised, non-empty text value of a column that is not `text`.
fn parse<'a>(r: &Reading, s: Cow<'a, str>) -> Result<Value<'a>, String> {
    Ok(match r.column.ty {
        ColType::Text => Value::Str(s),
        ColType::Id => {
            values::id(&s)?;
            Value::Str(s)
        }
        ColType::Month => {
            let (y, m) = typed::month(&s)?;
            if s.len() == 7 && s.as_bytes()[4] == b'-' {
                Value::Str(s)
            } else {
                Value::Str(Cow::Owned(typed::month_text(y, m)))
            }
        }
        ColType::Enum(codes) => Value::Str(Cow::Borrowed(code(r, codes, &s)?)),
        ColType::Date => Value::Date(typed::date(&s)?),
        ColType::Bool => Value::Bool(typed::boolean(&s)?),
        ColType::Int => Value::Int(typed::int(&s)?),
        ColType::Money => Value::Money(typed::money(&s)?),
    })
}

/// The code a value names: the code in any letter case, or one of its Chinese labels.
fn code(r: &Reading, codes: &'static [&'static str], s: &str) -> Result<&'static str, String> {
    if let Some(c) = codes.iter().find(|c| c.eq_ignore_ascii_case(s)) {
        return Ok(c);
    }
    if let Some((c, _)) = r.labels.iter().find(|(_, ls)| ls.contains(&s)) {
        return Ok(c);
    }
    let mut reason = format!("not one of {}", codes.join("/"));
    if !r.labels.is_empty() {
        let labels: Vec<&str> = r
            .labels
            .iter()
            .filter_map(|(_, l)| l.first().copied())
            .collect();
        reason += &format!(" (or {})", labels.join("、"));
    }
    Err(reason)
}

/// A workbook cell that is not text.
fn typed_cell<'a>(r: &Reading, input: Input<'a>) -> Result<Value<'a>, Rejected> {
    let col = r.column;
    let shown = || held(&input, r.date1904);
    let fail = |reason: String| (shown(), reason);
    match input {
        Input::Text(_) => unreachable!("text cells are read by text_cell"),
        Input::Error(e) => Err(fail(format!(
            "the cell holds the spreadsheet error {e}, not a value"
        ))),
        Input::Formula => Err(fail(
            "the cell holds a formula without a computed value; open the workbook in Excel or WPS and save it again".into(),
        )),
        Input::Bool(b) => match col.ty {
            ColType::Bool => Ok(Value::Bool(b)),
            _ => parse(r, Cow::Owned(shown())).map_err(fail),
        },
        Input::Number(f) => match col.ty {
            ColType::Int => typed::number_int(f).map(Value::Int).map_err(fail),
            ColType::Money => typed::number_money(f).map(Value::Money).map_err(fail),
            ColType::Date => {
                let day = if f.fract() == 0.0 {
                    typed::excel_day(f, r.date1904)
                } else {
                    Err(typed::DATE_FORMS.to_string())
                };
                day.map(Value::Date).map_err(fail)
            }
            ColType::Bool => typed::boolean(&typed::number_shown(f))
                .map(Value::Bool)
                .map_err(fail),
            _ => {
                let text = typed::number_text(f).map_err(fail)?;
                parse(r, Cow::Owned(text)).map_err(fail)
            }
        },
        Input::Date(f) => match col.ty {
            ColType::Date => typed::excel_day(f, r.date1904)
                .map(Value::Date)
                .map_err(fail),
            ColType::Month => {
                let day = typed::excel_day(f, r.date1904).map_err(fail)?;
                let (y, m, _) = crate::calendar::civil(day);
                Ok(Value::Str(Cow::Owned(typed::month_text(y, m))))
            }
            ColType::Text | ColType::Id | ColType::Enum(_) | ColType::Bool => {
                parse(r, Cow::Owned(shown())).map_err(fail)
            }
            ColType::Int => Err(fail("not a whole number (the cell holds a date)".into())),
            ColType::Money => Err(fail("not an amount of money (the cell holds a date)".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{labels, schema};

    fn reading(table: &str, column: &str) -> Reading {
        let t = schema::table(table).unwrap();
        Reading {
            column: t.column(column).unwrap().1,
            labels: labels::enum_labels(table, column),
            date1904: false,
        }
    }

    fn text(table: &str, column: &str, s: &str) -> Result<Value<'static>, Rejected> {
        let s: &'static str = Box::leak(s.to_string().into_boxed_str());
        check(&reading(table, column), Some(Input::Text(s.as_bytes())))
    }

    fn str_value(v: Value) -> String {
        match v {
            Value::Str(s) => s.into_owned(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn codes_in_any_case_and_chinese_labels() {
        for (s, want) in [
            ("County", "county"),
            ("县(市、区)", "county"),
            ("县（市、区）", "county"),
            ("县", "county"),
            ("街道", "township"),
            ("基层/企业", "grassroots"),
            ("企业", "grassroots"),
        ] {
            assert_eq!(str_value(text("unions", "level", s).unwrap()), want, "{s}");
        }
        let e = text("unions", "level", "区").unwrap_err();
        assert_eq!(e.0, "区");
        assert!(e
            .1
            .starts_with("not one of province/city/county/township/grassroots (or 省、市、"));
        assert_eq!(
            str_value(text("contacts", "role", "联络指导员").unwrap()),
            "liaison"
        );
        assert_eq!(
            str_value(text("rectifications", "rule", "v1").unwrap()),
            "V1"
        );
        assert_eq!(
            str_value(text("crosschecks", "department", "市场监管").unwrap()),
            "market"
        );
    }

    #[test]
    fn full_width_ids_and_reject_values_as_held() {
        assert_eq!(
            str_value(text("households", "household_id", " Ｈ０１ ").unwrap()),
            "H01"
        );
        assert_eq!(
            str_value(text("subsidies", "month", "2026年7月").unwrap()),
            "2026-07"
        );
        let e = text("households", "filed_on", " 2026年2月30日 ").unwrap_err();
        assert_eq!(
            e,
            ("2026年2月30日".into(), "no such day: 2026-02-30".into())
        );
        // Text is kept as it is.
        assert_eq!(
            str_value(text("households", "head_name", " 张三 ").unwrap()),
            " 张三 "
        );
        assert_eq!(
            text("households", "income_per_capita", "¥1,000").unwrap(),
            Value::Money(100000)
        );
    }

    #[test]
    fn workbook_cells() {
        let r = reading("households", "id_number");
        let e = check(&r, Some(Input::Number(370102196906121000.0))).unwrap_err();
        assert_eq!(e.0, "370102196906121000");
        assert!(e.1.contains("format the column as text"));
        let r = reading("households", "household_id");
        assert_eq!(
            str_value(check(&r, Some(Input::Number(1001.0))).unwrap()),
            "1001"
        );
        let r = reading("households", "filed_on");
        assert_eq!(
            check(&r, Some(Input::Date(46208.5))).unwrap(),
            Value::Date(20639)
        );
        assert_eq!(
            check(&r, Some(Input::Number(46208.0))).unwrap(),
            Value::Date(20639)
        );
        let e = check(&r, Some(Input::Number(60.0))).unwrap_err();
        assert_eq!(e, ("60".into(), "no such day: 1900-02-29".into()));
        let e = check(&r, Some(Input::Error("#N/A"))).unwrap_err();
        assert_eq!(e.0, "#N/A");
        let r = reading("contacts", "civil_servant");
        assert_eq!(
            check(&r, Some(Input::Bool(true))).unwrap(),
            Value::Bool(true)
        );
        let r = reading("subsidies", "month");
        assert_eq!(
            str_value(check(&r, Some(Input::Date(46208.0))).unwrap()),
            "2026-07"
        );
        let r = reading("households", "members");
        let e = check(&r, Some(Input::Number(0.0))).unwrap_err();
        assert_eq!(e, ("0".into(), "members must be at least 1".into()));
        let r = reading("subsidies", "amount");
        let e = check(&r, Some(Input::Number(12.345))).unwrap_err();
        assert_eq!(
            e,
            ("12.345".into(), "money with more than 2 decimals".into())
        );
    }
}
