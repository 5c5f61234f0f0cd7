//! Reporting periods: a quarter `YYYYQn` or a year `YYYY` (metrics.md, "Periods").
//!
//! Days are counted since 1970-01-01, the Arrow `Date32` representation, so a period's
//! first and last day bind directly as query parameters.

use std::fmt;
use std::str::FromStr;

use datafusion::common::ParamValues;
use datafusion::scalar::ScalarValue;

use crate::calendar::day;
use crate::error::Error;

/// A reporting period: a quarter `YYYYQn` or a year `YYYY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A calendar year.
    Year(i32),
    /// Quarter `quarter` (1–4) of `year`.
    Quarter {
        /// The calendar year.
        year: i32,
        /// The quarter of the year, 1–4.
        quarter: u8,
    },
}

impl Period {
    /// Quarter `quarter` (1–4) of `year`.
    pub fn quarter(year: i32, quarter: u8) -> Period {
        Period::Quarter { year, quarter }
    }

    /// The quarter containing `day` (days since 1970-01-01).
    pub fn containing(day: i32) -> Period {
        let (y, m, _) = crate::calendar::civil(day);
        Period::quarter(y, ((m - 1) / 3 + 1) as u8)
    }

    /// The period's parameters with `$asof` = `day` besides.
    pub fn params_as_of(&self, day: i32) -> ParamValues {
        let mut map = match self.params() {
            ParamValues::Map(m) => m,
            ParamValues::List(_) => Default::default(),
        };
        map.insert("asof".to_string(), ScalarValue::Date32(Some(day)).into());
        ParamValues::Map(map)
    }

    /// The calendar year of the period (a quarter's year).
    pub fn year(&self) -> i32 {
        match *self {
            Period::Year(y) | Period::Quarter { year: y, .. } => y,
        }
    }

    /// Whether the period is a quarter.
    pub fn is_quarter(&self) -> bool {
        matches!(self, Period::Quarter { .. })
    }

    /// The first day (`ps`), as days since 1970-01-01.
    pub fn first_day(&self) -> i32 {
        match *self {
            Period::Year(y) => day(y, 1, 1),
            Period::Quarter { year, quarter } => day(year, 3 * quarter as u32 - 2, 1),
        }
    }

    /// The last day (`pe`), as days since 1970-01-01.
    pub fn last_day(&self) -> i32 {
        match *self {
            Period::Year(y) => day(y + 1, 1, 1) - 1,
            Period::Quarter { year, quarter: 4 } => day(year + 1, 1, 1) - 1,
            Period::Quarter { year, quarter } => day(year, 3 * quarter as u32 + 1, 1) - 1,
        }
    }

    /// The quarter before this one (`2026Q1` → `2025Q4`); for a year, the year's
    /// last quarter before it.
    pub fn previous_quarter(&self) -> Period {
        match *self {
            Period::Quarter { year, quarter: 1 } | Period::Year(year) => {
                Period::quarter(year - 1, 4)
            }
            Period::Quarter { year, quarter } => Period::quarter(year, quarter - 1),
        }
    }

    /// The quarter after this one (`2025Q4` → `2026Q1`); for a year, the next year's
    /// first quarter.
    pub fn next_quarter(&self) -> Period {
        Period::containing(self.last_day() + 1)
    }

    /// The quarters the period covers: itself, or the four quarters of the year.
    pub fn quarters(&self) -> Vec<Period> {
        match *self {
            Period::Year(y) => (1..=4).map(|q| Period::quarter(y, q)).collect(),
            q => vec![q],
        }
    }

    /// The Chinese name used in findings' details: `2026年第3季度`, `2026年`.
    pub fn chinese(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y}年"),
            Period::Quarter { year, quarter } => format!("{year}年第{quarter}季度"),
        }
    }

    /// The values every query of the catalogue may name:
    /// `$ps`, `$pe` (first and last day), `$ys` (first day of the year), `$year`,
    /// `$period` (`2026Q3`), `$period_cn` (`2026年第3季度`), and, for the previous
    /// quarter, `$pps`, `$ppe`, `$prev_cn`.
    pub fn params(&self) -> ParamValues {
        self.params_until(self.last_day())
    }

    /// The period's last day or `day`, whichever is earlier: the day its figures run to
    /// when they are reported on `day` (a bulletin dated inside its period).
    pub fn cut(&self, day: i32) -> i32 {
        day.min(self.last_day())
    }

    /// The values of [`Period::params`] as of `until`: `$pe` is [`Period::cut`]`(until)`,
    /// so that every event window ends there and nothing after it is counted; the other
    /// values are the period's own.
    pub fn params_until(&self, until: i32) -> ParamValues {
        let prev = self.previous_quarter();
        let date = |d: i32| ScalarValue::Date32(Some(d));
        let text = |s: String| ScalarValue::Utf8(Some(s));
        ParamValues::from(vec![
            ("ps", date(self.first_day())),
            ("pe", date(self.cut(until))),
            ("ys", date(day(self.year(), 1, 1))),
            ("year", ScalarValue::Int64(Some(self.year() as i64))),
            ("period", text(self.to_string())),
            ("period_cn", text(self.chinese())),
            ("pps", date(prev.first_day())),
            ("ppe", date(prev.last_day())),
            ("prev_cn", text(prev.chinese())),
        ])
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter { year, quarter } => write!(f, "{year}Q{quarter}"),
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Period, Error> {
        let bad = || {
            Error::Usage(format!(
                "period {s:?} is neither a quarter like 2026Q3 (quarters 1 to 4) nor a year like 2026"
            ))
        };
        let year = |y: &str| -> Result<i32, Error> {
            if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
                y.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        match s.split_once(['Q', 'q']) {
            None => Ok(Period::Year(year(s)?)),
            Some((y, q)) => {
                let quarter = match q {
                    "1" => 1,
                    "2" => 2,
                    "3" => 3,
                    "4" => 4,
                    _ => return Err(bad()),
                };
                Ok(Period::Quarter {
                    year: year(y)?,
                    quarter,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_and_years_parse_with_their_days() {
        let q: Period = "2026Q3".parse().unwrap();
        assert_eq!(crate::calendar::iso(q.first_day()), "2026-07-01");
        assert_eq!(crate::calendar::iso(q.last_day()), "2026-09-30");
        assert_eq!(q.previous_quarter().to_string(), "2026Q2");
        assert_eq!(q.chinese(), "2026年第3季度");
        let q1: Period = "2026Q1".parse().unwrap();
        assert_eq!(q1.previous_quarter().to_string(), "2025Q4");
        assert_eq!(q.next_quarter().to_string(), "2026Q4");
        assert_eq!(
            Period::quarter(2025, 4).next_quarter().to_string(),
            "2026Q1"
        );
        assert_eq!(Period::Year(2025).next_quarter().to_string(), "2026Q1");
        let q4 = Period::quarter(2025, 4);
        assert_eq!(crate::calendar::iso(q4.last_day()), "2025-12-31");
        let y: Period = "2024".parse().unwrap();
        assert_eq!(crate::calendar::iso(y.first_day()), "2024-01-01");
        assert_eq!(crate::calendar::iso(y.last_day()), "2024-12-31");
        let qs: Vec<String> = y.quarters().iter().map(|q| q.to_string()).collect();
        assert_eq!(qs, ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]);
        assert_eq!(y.to_string(), "2024");
    }

    #[test]
    fn a_cut_inside_the_period_ends_the_event_window_there() {
        let y = Period::Year(2026);
        let pe = |p: ParamValues| match p {
            ParamValues::Map(m) => m["pe"].value.clone(),
            ParamValues::List(_) => unreachable!(),
        };
        let aug15 = day(2026, 8, 15);
        assert_eq!(y.cut(aug15), aug15);
        assert_eq!(y.cut(day(2027, 1, 5)), y.last_day());
        assert_eq!(pe(y.params_until(aug15)), ScalarValue::Date32(Some(aug15)));
        assert_eq!(pe(y.params_until(day(2027, 1, 5))), pe(y.params()));
    }

    #[test]
    fn anything_else_is_refused_in_one_sentence() {
        for bad in [
            "2026Q5",
            "2026Q0",
            "26Q1",
            "2026-Q1",
            "",
            "Q3",
            "2026Q",
            "２０２６",
        ] {
            let e = bad.parse::<Period>().unwrap_err().to_string();
            assert!(e.starts_with("period "), "{e}");
            assert!(e.contains("2026Q3"), "{e}");
        }
    }
}
