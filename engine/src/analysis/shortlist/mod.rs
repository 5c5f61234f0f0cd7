//! The award shortlist of a year (metrics.md, "The award shortlist"): the counts behind
//! each contact's four component scores and its eligibility come from the SQL of
//! `queries/shortlist/`; the score is computed here exactly, as a fraction, and rounded
//! to 6 decimals (halves away from zero) before the ranking query orders the contacts;
//! the selection (city quota, then merit) is [`select`].
//!
//! [`document`] gathers everything the award committee's document shows: the method's
//! parameters, the nominees, eligible contacts and nominees per city, the reserve, the
//! excluded and a sensitivity table of the weights.

mod committee;
pub mod nominee;
mod params;
mod ratio;
mod select;
mod steps;

use serde::Serialize;

pub use committee::{
    document, CityCount, Document, Excluded, ExcludedEntry, ReasonCount, Sensitivity,
};
pub use params::{Params, ShortlistConfig, WeightValues, Weights, MAX_SIZE, WEIGHT_NAMES};
pub use ratio::{micros_text, Ratio};
pub use select::{select, Via};
pub use steps::{eligibility_findings, score_micros, Components, Reasons, ELIGIBILITY_RULES};

use select::{rank, selection, Ranked};
use steps::{prepare, Year};

use crate::error::{Error, Result};
use crate::files::spreadsheet_cell;
use crate::sql::sandbox::mask;
use crate::sql::table::{Cell, Tabular};
use crate::sql::Session;

/// The columns of the shortlist output, in the order of metrics.md.
pub const COLUMNS: &[&str] = &[
    "rank",
    "contact_id",
    "name",
    "union_id",
    "city_id",
    "score",
    "visit_score",
    "exit_score",
    "request_score",
    "satisfaction_score",
    "households",
    "via",
];

/// How many eligible contacts after the nominees the committee sees as the reserve.
pub const RESERVE: usize = 10;

/// One contact of a list of the document: the output columns, with names and the
/// masked phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Rank among eligible contacts; for an excluded contact, its rank with
    /// eligibility ignored.
    pub rank: u64,
    /// The contact's id.
    pub contact_id: String,
    /// The contact's name.
    pub name: String,
    /// The id of the contact's union.
    pub union_id: String,
    /// The name of the contact's union.
    pub union_name: Option<String>,
    /// The id of the city union above the contact's union; `None` without a city.
    pub city_id: Option<String>,
    /// The name of that city union.
    pub city_name: Option<String>,
    /// Masked (`138****5678`).
    pub phone: Option<String>,
    /// Rounded to 6 decimals, as a plain decimal.
    pub score: String,
    /// The visit component (share of household-quarters visited), as a plain decimal.
    pub visit_score: String,
    /// The exit component (compliant exits per household, at most 1), as a plain decimal.
    pub exit_score: String,
    /// The request component (share of requests resolved within 7 days), as a plain decimal.
    pub request_score: String,
    /// The satisfaction component (mean rating scaled to 0–1), as a plain decimal.
    pub satisfaction_score: String,
    /// households(c): the distinct households the contact held when due a visit in the year.
    pub households: i64,
    /// How a nominee was chosen; `None` outside the nominees.
    pub via: Option<Via>,
}

fn entry(y: &Year, r: &Ranked, rank: u64, via: Option<Via>) -> Entry {
    let c = &y.contacts[r.at];
    let comp = y.components[r.at].unwrap_or(Components {
        visit: Ratio::ZERO,
        exit: Ratio::ZERO,
        request: Ratio::ZERO,
        satisfaction: Ratio::ZERO,
    });
    Entry {
        rank,
        contact_id: c.contact_id.clone(),
        name: c.name.clone(),
        union_id: c.union_id.clone(),
        union_name: c.union_name.clone(),
        city_id: c.city_id.clone(),
        city_name: c.city_name.clone(),
        phone: c.phone.as_deref().map(mask::phone),
        score: micros_text(r.score),
        visit_score: comp.visit.to_string(),
        exit_score: comp.exit.to_string(),
        request_score: comp.request.to_string(),
        satisfaction_score: comp.satisfaction.to_string(),
        households: c.households,
        via,
    }
}

/// The nominees of `year` in rank order (`tiexin shortlist`).
pub async fn shortlist(session: &Session, year: i32, params: &Params) -> Result<Vec<Entry>> {
    let y = prepare(session, year).await?;
    let ranked = rank(session, &y, &params.weights).await?;
    Ok(nominees(&y, &ranked, params))
}

fn nominees(y: &Year, ranked: &[Ranked], p: &Params) -> Vec<Entry> {
    selection(y, ranked, p)
        .into_iter()
        .filter_map(|(r, via)| via.map(|v| entry(y, &r, r.rank.unwrap_or(0), Some(v))))
        .collect()
}

/// The nominees as a table with the columns of [`COLUMNS`].
pub fn tabular(rows: &[Entry]) -> Tabular {
    let text = |s: &str| Cell::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map(text).unwrap_or(Cell::Null);
    Tabular {
        columns: COLUMNS.iter().map(|c| c.to_string()).collect(),
        rows: rows
            .iter()
            .map(|e| {
                vec![
                    Cell::Int(e.rank as i64),
                    text(&e.contact_id),
                    text(&e.name),
                    text(&e.union_id),
                    opt(&e.city_id),
                    Cell::Decimal(e.score.clone()),
                    Cell::Decimal(e.visit_score.clone()),
                    Cell::Decimal(e.exit_score.clone()),
                    Cell::Decimal(e.request_score.clone()),
                    Cell::Decimal(e.satisfaction_score.clone()),
                    Cell::Int(e.households),
                    e.via.map(|v| text(v.as_str())).unwrap_or(Cell::Null),
                ]
            })
            .collect(),
    }
}

/// The public notice (公示名单) as CSV: `rank,name,union` (the union's name), in rank order.
/// It is meant to be opened by people in a spreadsheet: text that would run as a
/// formula is escaped ([`spreadsheet_cell`]).
pub fn notice_csv(rows: &[Entry]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(["rank", "name", "union"]).map_err(io)?;
    for e in rows {
        w.write_record([
            e.rank.to_string().as_str(),
            &spreadsheet_cell(&e.name),
            &spreadsheet_cell(e.union_name.as_deref().unwrap_or(e.union_id.as_str())),
        ])
        .map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn r(n: i128, d: i128) -> Ratio {
        Ratio::new(n, d).unwrap()
    }

    #[test]
    fn rounding_is_exact_and_half_away_from_zero() {
        assert_eq!(r(1, 3).decimal(12), "0.333333333333");
        assert_eq!(r(2, 3).decimal(12), "0.666666666667");
        assert_eq!(r(1, 4).decimal(12), "0.25");
        assert_eq!(r(3, 1).decimal(12), "3");
        // A tie at the 13th decimal goes to even.
        assert_eq!(r(1, 8192).decimal(12), "0.000122070312");
        assert_eq!(r(5_000_001, 10_000_000).micros(), Some(500_000));
        assert_eq!(r(1_000_001, 2_000_000).micros(), Some(500_001));
        assert_eq!(r(-1_000_001, 2_000_000).micros(), Some(-500_001));
        assert_eq!(r(260, 3).micros(), Some(86_666_667));
        assert_eq!(micros_text(61_250_000), "61.25");
        assert_eq!(micros_text(86_666_667), "86.666667");
        assert_eq!(micros_text(85_000_000), "85");
        assert_eq!(micros_text(1), "0.000001");
        assert_eq!(Ratio::from_decimal_f64(0.15), Some(r(3, 20)));
        assert_eq!(Ratio::from_decimal_f64(1.0), Some(Ratio::ONE));
        assert_eq!(Ratio::from_decimal_f64(f64::NAN), None);
    }

    #[test]
    fn scores_of_the_spec_defaults_are_exact() {
        // C08 of the sample: v = 1, e = 0, r = 1/2, s = 1/4 → 61.25 exactly (f64 gives
        // 61.24999999999999).
        let c = Components {
            visit: Ratio::ONE,
            exit: Ratio::ZERO,
            request: r(1, 2),
            satisfaction: r(1, 4),
        };
        assert_eq!(score_micros(&c, &Weights::default()).unwrap(), 61_250_000);
        // A score of exactly x.xxxxxx5 rounds up: weights 1/2 on 1/2^7 … made with
        // visit = 1/64 and only the visit weight: 100 × 1/64 = 1.5625 → 1.5625.
        let w = Weights {
            visit: Ratio::ONE,
            exit: Ratio::ZERO,
            request: Ratio::ZERO,
            satisfaction: Ratio::ZERO,
        };
        let c = Components {
            visit: r(1, 128_000_000),
            ..c
        };
        // 100 / 128e6 = 0.00000078125 → 0.000001
        assert_eq!(score_micros(&c, &w).unwrap(), 1);
        let c = Components {
            visit: r(1, 200_000_000),
            ..c
        };
        // 100 / 2e8 = 0.0000005 exactly: half, away from zero → 0.000001
        assert_eq!(score_micros(&c, &w).unwrap(), 1);
    }

    #[test]
    fn quota_then_merit() {
        let cities = [Some("A"), None, Some("B"), Some("A"), Some("C")];
        let via = select(&cities, 3, true);
        assert_eq!(
            via,
            [
                Some(Via::Quota),
                None,
                Some(Via::Quota),
                None,
                Some(Via::Quota)
            ]
        );
        let via = select(&cities, 4, true);
        assert_eq!(via[1], Some(Via::Merit));
        assert_eq!(via[3], None);
        let via = select(&cities, 2, false);
        assert_eq!(via, [Some(Via::Merit), Some(Via::Merit), None, None, None]);
        let via = select(&cities, 2, true);
        assert_eq!(via, [Some(Via::Quota), None, Some(Via::Quota), None, None]);
    }

    #[test]
    fn config_is_checked_naming_file_and_key() {
        let f = Path::new("/etc/tiexin.toml");
        let cfg = ShortlistConfig {
            visit: Some(0.6),
            ..Default::default()
        };
        let e = Params::from_config(&cfg, Some(f)).unwrap_err().to_string();
        assert!(e.starts_with("/etc/tiexin.toml: [shortlist]"), "{e}");
        assert!(e.contains("sum to 1"), "{e}");
        let cfg = ShortlistConfig {
            visit: Some(0.7),
            exit: Some(-0.2),
            ..Default::default()
        };
        let e = Params::from_config(&cfg, Some(f)).unwrap_err().to_string();
        assert!(
            e.contains("[shortlist] exit must be a number of 0 or more"),
            "{e}"
        );
        let cfg = ShortlistConfig {
            size: Some(0),
            ..Default::default()
        };
        let e = Params::from_config(&cfg, Some(f)).unwrap_err().to_string();
        assert!(e.contains("[shortlist] size must be at least 1"), "{e}");
        let cfg = ShortlistConfig {
            min_per_city: Some(2),
            ..Default::default()
        };
        assert!(Params::from_config(&cfg, Some(f)).is_err());
        let cfg = ShortlistConfig {
            visit: Some(0.4),
            exit: Some(0.3),
            size: Some(5),
            min_per_city: Some(0),
            ..Default::default()
        };
        let p = Params::from_config(&cfg, Some(f)).unwrap();
        assert_eq!(p.size, 5);
        assert!(!p.min_per_city);
        assert_eq!(p.weights.exit, r(3, 10));
        assert_eq!(p.weights.request, r(3, 20));
    }
}
