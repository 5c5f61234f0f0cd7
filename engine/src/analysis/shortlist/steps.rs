//! The steps of `queries/shortlist/` up to every contact's counts and eligibility, and
//! the exact component scores computed from the counts.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};

use super::nominee::Counts;
use super::params::Weights;
use super::ratio::{overflow, Ratio};
use crate::analysis::findings;
use crate::error::{Error, Result};
use crate::sql::catalog::{self, Query};
use crate::sql::{Period, Session};

/// Why a contact may not be shortlisted (metrics.md, "Eligible").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reasons {
    /// Appointed after 06-30 of the year.
    pub appointed_late: bool,
    /// left_on on or before 12-31 of the year.
    pub left_in_year: bool,
    /// households(c) < 3.
    pub few_households: bool,
    /// No training in the year.
    pub untrained: bool,
    /// The rule ids of the major findings naming the contact in the year (`V1, R2`).
    pub major_rules: Option<String>,
}

impl Reasons {
    /// Whether no reason applies, so the contact may be shortlisted.
    pub fn eligible(&self) -> bool {
        !(self.appointed_late
            || self.left_in_year
            || self.few_households
            || self.untrained
            || self.major_rules.is_some())
    }

    /// The reasons, as (key, Chinese sentence part) pairs, in the order of metrics.md.
    pub fn list(&self, year: i32) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.appointed_late {
            out.push(("appointment", format!("{year}年6月30日以后任命")));
        }
        if self.left_in_year {
            out.push(("left", format!("{year}年内离任")));
        }
        if self.few_households {
            out.push(("households<3", "联系家庭少于3户".to_string()));
        }
        if self.untrained {
            out.push(("no training", format!("{year}年未参加培训")));
        }
        if let Some(r) = &self.major_rules {
            // The problems by name, never by rule code.
            let names: Vec<&str> = r
                .split(',')
                .map(|c| crate::analysis::rules::get(c.trim()).map_or(c.trim(), |x| x.name))
                .collect();
            out.push((
                "major finding",
                format!("有重大问题（{}）", names.join("、")),
            ));
        }
        out
    }
}

/// One contact with the counts behind its scores (one row of `shortlist_eligibility`).
#[derive(Debug, Clone)]
pub(super) struct Contact {
    pub(super) contact_id: String,
    pub(super) name: String,
    pub(super) union_id: String,
    pub(super) union_name: Option<String>,
    pub(super) city_id: Option<String>,
    pub(super) city_name: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) appointed_on: i32,
    pub(super) pairs: i64,
    pub(super) visited_pairs: i64,
    pub(super) households: i64,
    pub(super) compliant_exits: i64,
    pub(super) requests: i64,
    pub(super) requests_in_time: i64,
    pub(super) ratings: i64,
    pub(super) rating_sum: i64,
    pub(super) reasons: Reasons,
}

/// The four component scores of a contact, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components {
    /// Visited household-quarter pairs over all pairs.
    pub visit: Ratio,
    /// Compliant exits over households, capped at 1.
    pub exit: Ratio,
    /// Requests resolved within 7 days over requests; 1 when there were none.
    pub request: Ratio,
    /// (rating sum − ratings) / (4 × ratings), the mean rating on 0–1; 1/2 without ratings.
    pub satisfaction: Ratio,
}

impl Contact {
    /// `None` when H(c) is empty (no visit_score, so no score).
    pub(super) fn components(&self) -> Option<Components> {
        Counts {
            pairs: self.pairs,
            visited_pairs: self.visited_pairs,
            households: self.households,
            compliant_exits: self.compliant_exits,
            requests: self.requests,
            requests_in_time: self.requests_in_time,
            ratings: self.ratings,
            rating_sum: self.rating_sum,
        }
        .components()
    }
}

impl Counts {
    /// The four component scores these counts give (metrics.md); `None` when H(c) is
    /// empty (no visit_score, so no score).
    pub fn components(&self) -> Option<Components> {
        let r = |n: i64, d: i64| Ratio::new(n as i128, d as i128);
        let visit = r(self.visited_pairs, self.pairs)?;
        let exit = r(self.compliant_exits, self.households)?;
        let exit = if exit.num >= exit.den {
            Ratio::ONE
        } else {
            exit
        };
        let request = r(self.requests_in_time, self.requests).unwrap_or(Ratio::ONE);
        let satisfaction =
            r(self.rating_sum - self.ratings, 4 * self.ratings).unwrap_or(Ratio { num: 1, den: 2 });
        Some(Components {
            visit,
            exit,
            request,
            satisfaction,
        })
    }
}

/// `100 × Σ weight × component`, rounded to 6 decimals halves away from zero, in
/// millionths.
pub fn score_micros(c: &Components, w: &Weights) -> Result<i64> {
    let parts = [
        (w.visit, c.visit),
        (w.exit, c.exit),
        (w.request, c.request),
        (w.satisfaction, c.satisfaction),
    ];
    let mut sum = Ratio::ZERO;
    for (w, x) in parts {
        sum = w
            .checked_mul(x)
            .and_then(|t| sum.checked_add(t))
            .ok_or_else(overflow)?;
    }
    sum.checked_mul(Ratio::int(100))
        .and_then(Ratio::micros)
        .ok_or_else(overflow)
}

/// The prepared data of one year: every contact with its counts and reasons.
pub(super) struct Year {
    pub(super) year: i32,
    pub(super) contacts: Vec<Contact>,
    pub(super) components: Vec<Option<Components>>,
}

/// Runs the steps of `queries/shortlist/` up to the eligibility of every contact, in
/// one scope holding the findings of the year's four quarters as `shortlist_findings`
/// and each step's result as `shortlist_<step>`.
///
/// The last step's rows depend only on the year, so they are kept
/// ([`Session::remember`]): a later run over the same files takes them.
pub(super) async fn prepare(s: &Session, year: i32) -> Result<Year> {
    let period = Period::Year(year);
    let (last, steps) = step_queries()?;
    let key = format!("shortlist/{}.sql {year}", last.name);
    let batch = s
        .remembered_or(key, || async {
            let found = eligibility_findings(s, year).await?;
            let scope = s.scope()?;
            scope.register("shortlist_findings", found)?;
            // Each step is read once, by a later step: as views they run inside the
            // last step's plan, streamed into its aggregates, instead of each held in
            // memory whole (the year's household-quarter pairs were 4M rows at 1M
            // households; issue 16).
            for q in steps {
                scope
                    .view(&format!("shortlist_{}", q.name), q, Some(period.params()))
                    .await?;
            }
            scope.collect(last, Some(period.params())).await
        })
        .await?;
    let contacts = read_contacts(&batch, last)?;
    let components = contacts.iter().map(Contact::components).collect();
    Ok(Year {
        year,
        contacts,
        components,
    })
}

/// The rules whose rows can be major and name a contact (metrics.md and
/// accountability.md, the findings tables): only these can make a contact ineligible.
/// The others name no contact (A1–A3, C2, E1–E3, F1–F4, U1) or are minor (V1, V5, R1,
/// S1), so the shortlist does not run them. K1 names the contact of the finding it
/// follows up.
pub const ELIGIBILITY_RULES: &[&str] = &["C1", "F5", "I1", "K1", "R2", "S2", "V2", "V3", "V4"];

/// The findings of [`ELIGIBILITY_RULES`] in the four quarters of `year`, each rule's
/// file run by the findings machinery exactly as `tiexin findings` runs it (same SQL,
/// same quarter tables, same columns).
pub async fn eligibility_findings(s: &Session, year: i32) -> Result<RecordBatch> {
    let quarters = Period::Year(year).quarters();
    let eligible = |rule: &str| ELIGIBILITY_RULES.contains(&rule);
    let k1_runs = findings::records_rectifications(s);
    let mut all = Vec::new();
    for (i, quarter) in quarters.iter().enumerate() {
        // The next quarter's K1 reads this quarter's major findings by every rule: they
        // run here too, in the same scope, instead of in a second scope of this quarter
        // (its tables made twice) when the next quarter asks for them. Their rows are
        // kept by the findings machinery and left out of the eligibility findings.
        let next_reads_majors = k1_runs && i + 1 < quarters.len();
        let rows = findings::of_rules(s, quarter, |q| {
            eligible(q.rule()) || (next_reads_majors && findings::gives_majors(s, q))
        })
        .await?;
        all.push(crate::sql::tree::filter_rows(&rows, "rule", eligible)?);
    }
    Ok(concat_batches(&findings::schema(), &all)?)
}

/// The steps before `eligibility`, and `eligibility` itself.
pub(super) fn step_queries() -> Result<(&'static Query, &'static [Query])> {
    let at = catalog::SHORTLIST
        .iter()
        .position(|q| q.name == "eligibility")
        .ok_or_else(|| Error::Internal("no shortlist eligibility query".into()))?;
    Ok((&catalog::SHORTLIST[at], &catalog::SHORTLIST[..at]))
}

/// A column of `batch` by name, cast to `ty`, naming the query when it is missing.
pub(super) fn column(
    batch: &RecordBatch,
    q: &Query,
    name: &str,
    ty: &DataType,
) -> Result<ArrayRef> {
    let a = batch
        .column_by_name(name)
        .ok_or_else(|| Error::Query(format!("{} gives no column {name}", q.path())))?;
    Ok(cast(a, ty)?)
}

fn read_contacts(batch: &RecordBatch, q: &Query) -> Result<Vec<Contact>> {
    let text = |name: &str| -> Result<StringArray> {
        Ok(column(batch, q, name, &DataType::Utf8)?
            .as_string::<i32>()
            .clone())
    };
    let int = |name: &str| -> Result<Int64Array> {
        Ok(column(batch, q, name, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .clone())
    };
    let flag = |name: &str| -> Result<BooleanArray> {
        Ok(column(batch, q, name, &DataType::Boolean)?
            .as_boolean()
            .clone())
    };
    let opt = |a: &StringArray, r: usize| a.is_valid(r).then(|| a.value(r).to_string());
    let (id, name, union_id, union_name) = (
        text("contact_id")?,
        text("name")?,
        text("union_id")?,
        text("union_name")?,
    );
    let (city_id, city_name, phone) = (text("city_id")?, text("city_name")?, text("phone")?);
    let appointed = column(batch, q, "appointed_on", &DataType::Date32)?;
    let appointed = appointed.as_primitive::<Date32Type>();
    let counts = [
        "pairs",
        "visited_pairs",
        "households",
        "compliant_exits",
        "requests",
        "requests_in_time",
        "ratings",
        "rating_sum",
    ]
    .iter()
    .map(|c| int(c))
    .collect::<Result<Vec<_>>>()?;
    let flags = [
        "appointed_late",
        "left_in_year",
        "few_households",
        "untrained",
    ]
    .iter()
    .map(|c| flag(c))
    .collect::<Result<Vec<_>>>()?;
    let major = text("major_rules")?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for r in 0..batch.num_rows() {
        let n = |i: usize| counts[i].value(r);
        let f = |i: usize| flags[i].is_valid(r) && flags[i].value(r);
        out.push(Contact {
            contact_id: id.value(r).to_string(),
            name: name.value(r).to_string(),
            union_id: union_id.value(r).to_string(),
            union_name: opt(&union_name, r),
            city_id: opt(&city_id, r),
            city_name: opt(&city_name, r),
            phone: opt(&phone, r),
            appointed_on: appointed.value(r),
            pairs: n(0),
            visited_pairs: n(1),
            households: n(2),
            compliant_exits: n(3),
            requests: n(4),
            requests_in_time: n(5),
            ratings: n(6),
            rating_sum: n(7),
            reasons: Reasons {
                appointed_late: f(0),
                left_in_year: f(1),
                few_households: f(2),
                untrained: f(3),
                major_rules: opt(&major, r),
            },
        });
    }
    Ok(out)
}
