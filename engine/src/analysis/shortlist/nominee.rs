//! The records behind one contact's award score (the committee's nominee page): the
//! household-quarters of H(c) with their valid visits, the compliant exits, the requests
//! and the ratings counted. The steps of `queries/shortlist/` run unchanged over the
//! contact's own assignments (`queries/nominee/assignments.sql`), their households'
//! valid visits and requests and the contact's ratings of the year
//! (`valid_visit.sql`, `household_requests.sql`, `contact_feedback.sql`), the records
//! come from `queries/nominee/`, and they must add up to the steps' counts
//! (`queries/nominee/counts.sql`), or nothing is shown.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ParamValues;

use super::steps::step_queries;
use crate::error::{Error, Result};
use crate::sql::catalog::{self, Query};
use crate::sql::decode::Decoder;
use crate::sql::run::Scope;
use crate::sql::{Period, Session};

/// One (household, quarter) pair of H(c).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdQuarter {
    /// The household.
    pub household_id: String,
    /// The household's union.
    pub union_id: String,
    /// The quarter.
    pub quarter: Period,
    /// Whether it had a valid visit in the quarter (by any contact).
    pub visited: bool,
    /// Those valid visits' ids (`V0271, V0290`); `None` when there was none.
    pub valid_visits: Option<String>,
}

/// One compliant exit row counted in E.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedExit {
    /// The household.
    pub household_id: String,
    /// The household's union.
    pub union_id: String,
    /// The exit row giving x(h).
    pub exit_id: String,
    /// x(h), days since 1970-01-01.
    pub exit_on: i32,
    /// The approving union (county level or above).
    pub approved_by: String,
}

/// One request counted in the request score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedRequest {
    /// The request.
    pub request_id: String,
    /// The household that raised it.
    pub household_id: String,
    /// The household's union.
    pub union_id: String,
    /// What was asked (free text), if given.
    pub kind: Option<String>,
    /// Raised on, days since 1970-01-01.
    pub raised_on: i32,
    /// Resolved on, if resolved.
    pub resolved_on: Option<i32>,
    /// Resolved within 7 days.
    pub in_time: bool,
}

/// One rating counted in the satisfaction score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedRating {
    /// The household that rated.
    pub household_id: String,
    /// The household's union.
    pub union_id: String,
    /// Rated on, days since 1970-01-01.
    pub rated_on: i32,
    /// The score, 1 to 5.
    pub score: i64,
}

/// The counts behind the four component scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Household-quarters in H(c).
    pub pairs: i64,
    /// Of them, visited.
    pub visited_pairs: i64,
    /// households(c).
    pub households: i64,
    /// E, the compliant exits (households).
    pub compliant_exits: i64,
    /// Requests counted.
    pub requests: i64,
    /// Of them, resolved within 7 days.
    pub requests_in_time: i64,
    /// Ratings counted.
    pub ratings: i64,
    /// The sum of their scores.
    pub rating_sum: i64,
}

/// Everything counted in one contact's score for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    /// The year.
    pub year: i32,
    /// The contact.
    pub contact_id: String,
    /// H(c), by quarter and household.
    pub quarters: Vec<HouseholdQuarter>,
    /// The compliant exits counted in E.
    pub exits: Vec<CountedExit>,
    /// The requests counted.
    pub requests: Vec<CountedRequest>,
    /// The ratings counted.
    pub ratings: Vec<CountedRating>,
    /// The counts, as the steps of `queries/shortlist/` give them (equal to the records').
    pub counts: Counts,
}

impl Records {
    /// The counts the listed records make.
    pub fn listed(&self) -> Counts {
        let distinct = |ids: Vec<&str>| ids.into_iter().collect::<BTreeSet<_>>().len() as i64;
        Counts {
            pairs: self.quarters.len() as i64,
            visited_pairs: self.quarters.iter().filter(|q| q.visited).count() as i64,
            households: distinct(self.quarters.iter().map(|q| &*q.household_id).collect()),
            compliant_exits: distinct(self.exits.iter().map(|e| &*e.household_id).collect()),
            requests: self.requests.len() as i64,
            requests_in_time: self.requests.iter().filter(|r| r.in_time).count() as i64,
            ratings: self.ratings.len() as i64,
            rating_sum: self.ratings.iter().map(|r| r.score).sum(),
        }
    }
}

/// The files of `queries/nominee/` that give the records and their counts, in the order
/// [`records`] decodes them.
const FILES: [&str; 5] = [
    "household_quarters",
    "exits",
    "requests",
    "ratings",
    "counts",
];

/// The records behind `contact`'s score for `year`, checked against the counts of the
/// shortlist's steps ([`records_of`] for one contact).
pub async fn records(s: &Session, year: i32, contact: &str) -> Result<Records> {
    records_of(s, year, &[contact.to_string()])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(format!("no records of {contact} in {year}")))
}

/// The records behind the scores of `contacts` for `year`, in that order, each checked
/// against the counts of the shortlist's steps. The files of `queries/nominee/` run once
/// for all the contacts whose records were not kept: at 1M households, the records of
/// 110 nominees and reserves took 32.6–34.2 s one contact after the other, 0.4–0.6 s
/// all at once.
pub async fn records_of(s: &Session, year: i32, contacts: &[String]) -> Result<Vec<Records>> {
    // The records depend only on the year and the contact: kept like the rules' rows
    // ([`Session::remember`]), so a later view, or a later run over the same files,
    // takes them.
    let key = |name: &str, contact: &str| format!("nominee/{name}.sql {year} {contact}");
    let kept = |c: &str| -> Option<Vec<RecordBatch>> {
        FILES.iter().map(|f| s.remembered(&key(f, c))).collect()
    };
    let missing: BTreeSet<&str> = contacts
        .iter()
        .map(String::as_str)
        .filter(|c| kept(c).is_none())
        .collect();
    if !missing.is_empty() {
        let batches = compute(s, year, &missing).await?;
        for c in &missing {
            for (f, b) in FILES.iter().zip(&batches) {
                s.remember(key(f, c), &of_contact(b, q(f)?, c)?);
            }
        }
    }
    contacts
        .iter()
        .map(|c| {
            let batches = kept(c).ok_or_else(|| {
                Error::Internal(format!("the records of {c} in {year} were not kept"))
            })?;
            decode(year, c, &batches)
        })
        .collect()
}

/// The rows of `contact` in `batch`, a result of the file `q` with a column contact_id.
fn of_contact(batch: &RecordBatch, q: &Query, contact: &str) -> Result<RecordBatch> {
    let ids = batch
        .column_by_name("contact_id")
        .ok_or_else(|| Error::Query(format!("{} gives no column contact_id", q.path())))?;
    let mine = eq(ids, &StringArray::new_scalar(contact))?;
    Ok(filter_record_batch(batch, &mine)?)
}

/// One contact's records from its rows of the files of [`FILES`], in that order.
fn decode(year: i32, contact: &str, batches: &[RecordBatch]) -> Result<Records> {
    let d = |i: usize| -> Result<Decoder> { Ok(Decoder::new(&batches[i], q(FILES[i])?)) };
    let quarters = household_quarters(&d(0)?)?;
    let exits = exits(&d(1)?)?;
    let requests = requests(&d(2)?)?;
    let ratings = ratings(&d(3)?)?;
    let counts = counts(&d(4)?)?;
    let out = Records {
        year,
        contact_id: contact.to_string(),
        quarters,
        exits,
        requests,
        ratings,
        counts,
    };
    let listed = out.listed();
    if listed != counts {
        return Err(Error::Query(format!(
            "the records of queries/nominee/ for {contact} in {year} do not add up to the \
             counts of queries/shortlist/: {listed:?} listed, {counts:?} counted"
        )));
    }
    Ok(out)
}

/// The results of `queries/nominee/household_quarters`, `exits`, `requests`, `ratings`
/// and `counts` for `contacts` (each row with its contact_id), after the steps of
/// `queries/shortlist/` over those contacts' own assignments.
async fn compute(s: &Session, year: i32, contacts: &BTreeSet<&str>) -> Result<Vec<RecordBatch>> {
    let period = Period::Year(year);
    let scope = s.scope()?;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(contacts.iter().copied()));
    let schema = Arc::new(Schema::new(vec![Field::new(
        "contact_id",
        DataType::Utf8,
        false,
    )]));
    scope.register("nominee_contacts", RecordBatch::try_new(schema, vec![ids])?)?;
    let params = period.params();
    scope
        .materialize_as("assignment_span", q("assignments")?, Some(params.clone()))
        .await?;
    // The year's valid visits and requests of those households, and the year's ratings
    // naming the contacts, in place of the archive's (each file says why the rows that
    // follow are the same).
    for (table, file) in [
        ("valid_visit", "valid_visit"),
        ("requests", "household_requests"),
        ("feedback", "contact_feedback"),
    ] {
        scope
            .materialize_as(table, q(file)?, Some(params.clone()))
            .await?;
    }
    let (_, steps) = step_queries()?;
    for step in steps {
        scope
            .materialize_as(
                &format!("shortlist_{}", step.name),
                step,
                Some(params.clone()),
            )
            .await?;
    }
    let mut out = Vec::new();
    for name in FILES {
        out.push(run(&scope, name, &params).await?);
    }
    Ok(out)
}

/// Runs the file `queries/nominee/<name>.sql`.
async fn run(scope: &Scope, name: &str, params: &ParamValues) -> Result<RecordBatch> {
    scope.collect(q(name)?, Some(params.clone())).await
}

fn q(name: &str) -> Result<&'static Query> {
    catalog::named("nominee", name)
}

fn household_quarters(d: &Decoder) -> Result<Vec<HouseholdQuarter>> {
    let (h, u, qs, visited, visits) = (
        d.text("household_id")?,
        d.text("union_id")?,
        d.date("quarter_start")?,
        d.flag("visited")?,
        d.text("valid_visits")?,
    );
    (0..d.rows())
        .map(|r| {
            Ok(HouseholdQuarter {
                household_id: h.req(r)?,
                union_id: u.req(r)?,
                quarter: Period::containing(qs.req(r)?),
                visited: visited.req(r)?,
                valid_visits: visits.get(r),
            })
        })
        .collect()
}

fn exits(d: &Decoder) -> Result<Vec<CountedExit>> {
    let (h, u, id, on, by) = (
        d.text("household_id")?,
        d.text("union_id")?,
        d.text("exit_id")?,
        d.date("exit_on")?,
        d.text("approved_by")?,
    );
    (0..d.rows())
        .map(|r| {
            Ok(CountedExit {
                household_id: h.req(r)?,
                union_id: u.req(r)?,
                exit_id: id.req(r)?,
                exit_on: on.req(r)?,
                approved_by: by.req(r)?,
            })
        })
        .collect()
}

fn requests(d: &Decoder) -> Result<Vec<CountedRequest>> {
    let (id, h, u, kind) = (
        d.text("request_id")?,
        d.text("household_id")?,
        d.text("union_id")?,
        d.text("kind")?,
    );
    let (raised, resolved, in_time) = (
        d.date("raised_on")?,
        d.date("resolved_on")?,
        d.flag("in_time")?,
    );
    (0..d.rows())
        .map(|r| {
            Ok(CountedRequest {
                request_id: id.req(r)?,
                household_id: h.req(r)?,
                union_id: u.req(r)?,
                kind: kind.get(r),
                raised_on: raised.req(r)?,
                resolved_on: resolved.get(r),
                in_time: in_time.req(r)?,
            })
        })
        .collect()
}

fn ratings(d: &Decoder) -> Result<Vec<CountedRating>> {
    let (h, u, on, score) = (
        d.text("household_id")?,
        d.text("union_id")?,
        d.date("rated_on")?,
        d.int("score")?,
    );
    (0..d.rows())
        .map(|r| {
            Ok(CountedRating {
                household_id: h.req(r)?,
                union_id: u.req(r)?,
                rated_on: on.req(r)?,
                score: score.req(r)?,
            })
        })
        .collect()
}

fn counts(d: &Decoder) -> Result<Counts> {
    if d.rows() != 1 {
        return Err(Error::Query(format!(
            "{} gives {} rows instead of 1",
            q("counts")?.path(),
            d.rows()
        )));
    }
    let n = |name: &str| d.int(name)?.req(0);
    Ok(Counts {
        pairs: n("pairs")?,
        visited_pairs: n("visited_pairs")?,
        households: n("households")?,
        compliant_exits: n("compliant_exits")?,
        requests: n("requests")?,
        requests_in_time: n("requests_in_time")?,
        ratings: n("ratings")?,
        rating_sum: n("rating_sum")?,
    })
}
