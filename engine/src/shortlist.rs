//! The award shortlist of a year (metrics.md, "The award shortlist"): the counts behind
//! each contact's four component scores and its eligibility come from the SQL of
//! `queries/shortlist/`; the score is computed here exactly, as a fraction, and rounded
//! to 6 decimals (halves away from zero) before the ranking query orders the contacts;
//! the selection (city quota, then merit) is [`select`].
//!
//! [`document`] gathers everything the award committee's document shows: the method's
//! parameters, the nominees, eligible contacts and nominees per city, the reserve, the
//! excluded and a sensitivity table of the weights.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Int64Type, Schema, UInt64Type};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::catalog::{self, Catalog, Query};
use crate::config::ShortlistConfig;
use crate::error::{Error, Result};
use crate::findings;
use crate::mask;
use crate::metrics::{check_columns, collect, run, run_with};
use crate::output::{Cell, Tabular};
use crate::period::Period;
use crate::session::Session;

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

// ------------------------------------------------------------------ exact fractions

/// An exact fraction `num / den` (`den > 0`, in lowest terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn overflow() -> Error {
    Error::Usage(
        "the shortlist's exact arithmetic overflowed: give the weights with fewer decimals".into(),
    )
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den`; `None` when `den` is 0.
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let s = if den < 0 { -1 } else { 1 };
        Some(Ratio {
            num: s * num / g,
            den: s * den / g,
        })
    }

    pub fn int(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    pub fn checked_add(self, o: Ratio) -> Option<Ratio> {
        let g = gcd(self.den, o.den).max(1);
        let den = (self.den / g).checked_mul(o.den)?;
        let num = self
            .num
            .checked_mul(o.den / g)?
            .checked_add(o.num.checked_mul(self.den / g)?)?;
        Ratio::new(num, den)
    }

    pub fn checked_sub(self, o: Ratio) -> Option<Ratio> {
        self.checked_add(Ratio {
            num: -o.num,
            den: o.den,
        })
    }

    pub fn checked_mul(self, o: Ratio) -> Option<Ratio> {
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        Ratio::new(
            (self.num / g1).checked_mul(o.num / g2)?,
            (self.den / g2).checked_mul(o.den / g1)?,
        )
    }

    pub fn checked_div(self, o: Ratio) -> Option<Ratio> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Ratio {
            num: o.den,
            den: o.num,
        })
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The value of a finite `f64` as written in its shortest decimal form (0.15 is
    /// 15/100, not the binary fraction nearest to it), as a configuration gives it.
    pub fn from_decimal_f64(x: f64) -> Option<Ratio> {
        if !x.is_finite() {
            return None;
        }
        let s = format!("{x}");
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 30 {
            return None;
        }
        let digits: i128 = format!("{int}{frac}").parse().ok()?;
        let den = 10i128.checked_pow(frac.len() as u32)?;
        Ratio::new(if neg { -digits } else { digits }, den)
    }

    /// Rounded to 6 decimals, halves away from zero, in millionths.
    pub fn micros(self) -> Option<i64> {
        let n = self.num.checked_mul(1_000_000)?;
        let (q, r) = (n.abs() / self.den, n.abs() % self.den);
        let q = if 2 * r >= self.den { q + 1 } else { q };
        i64::try_from(if n < 0 { -q } else { q }).ok()
    }

    /// The plain decimal with at most `places` decimals (halves to even), trailing
    /// zeros stripped, never an exponent.
    pub fn decimal(self, places: u32) -> String {
        let scale = 10i128.pow(places);
        let n = self.num.abs().saturating_mul(scale);
        let (mut q, r) = (n / self.den, n % self.den);
        if 2 * r > self.den || (2 * r == self.den && q % 2 == 1) {
            q += 1;
        }
        let sign = if self.num < 0 && q != 0 { "-" } else { "" };
        fixed(sign, q, scale, places)
    }
}

/// `sign` and `q / scale` (`scale = 10^places`) as a plain decimal, trailing zeros
/// stripped.
fn fixed(sign: &str, q: i128, scale: i128, places: u32) -> String {
    let (int, frac) = (q / scale, q % scale);
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:0width$}", width = places as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// A score in millionths as a plain decimal (`61.25`, `86.666667`).
pub fn micros_text(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    fixed(sign, (m as i128).abs(), 1_000_000, 6)
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal(12))
    }
}

// ------------------------------------------------------------------ parameters

/// The weights of the four component scores (exact; they sum to 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights {
    pub visit: Ratio,
    pub exit: Ratio,
    pub request: Ratio,
    pub satisfaction: Ratio,
}

/// The names of the four weights, in the order of metrics.md.
pub const WEIGHT_NAMES: [&str; 4] = ["visit", "exit", "request", "satisfaction"];

/// The four weights' names in the committee's Chinese (sensitivity notes).
const WEIGHT_NAMES_CN: [&str; 4] = ["家访", "脱困", "诉求", "满意度"];

impl Weights {
    fn as_array(&self) -> [Ratio; 4] {
        [self.visit, self.exit, self.request, self.satisfaction]
    }

    fn from_array(w: [Ratio; 4]) -> Weights {
        Weights {
            visit: w[0],
            exit: w[1],
            request: w[2],
            satisfaction: w[3],
        }
    }

    /// The weights as numbers, for documents.
    pub fn values(&self) -> WeightValues {
        WeightValues {
            visit: self.visit.to_f64(),
            exit: self.exit.to_f64(),
            request: self.request.to_f64(),
            satisfaction: self.satisfaction.to_f64(),
        }
    }
}

impl Default for Weights {
    /// metrics.md: 0.50, 0.20, 0.15, 0.15.
    fn default() -> Weights {
        Weights {
            visit: Ratio { num: 1, den: 2 },
            exit: Ratio { num: 1, den: 5 },
            request: Ratio { num: 3, den: 20 },
            satisfaction: Ratio { num: 3, den: 20 },
        }
    }
}

/// The weights as plain numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeightValues {
    pub visit: f64,
    pub exit: f64,
    pub request: f64,
    pub satisfaction: f64,
}

/// What a shortlist is drawn with: its size, the city quota and the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Number of nominees (at least 1).
    pub size: usize,
    /// Whether each city with an eligible contact first gets its best one (`min_per_city = 1`).
    pub min_per_city: bool,
    pub weights: Weights,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            size: 100,
            min_per_city: true,
            weights: Weights::default(),
        }
    }
}

impl Params {
    /// The parameters of the `[shortlist]` table of the configuration file `file`,
    /// checked: size at least 1, min-per-city 0 or 1, each weight 0 or more and the four
    /// summing to 1 (within 1e-9).
    pub fn from_config(cfg: &ShortlistConfig, file: Option<&Path>) -> Result<Params> {
        let file = file
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the configuration".into());
        let bad =
            |key: &str, what: String| Error::Config(format!("{file}: [shortlist] {key} {what}"));
        let mut p = Params::default();
        if let Some(n) = cfg.size {
            if n < 1 {
                return Err(bad("size", format!("must be at least 1, not {n}")));
            }
            p.size = usize::try_from(n).map_err(|_| bad("size", format!("is too large ({n})")))?;
        }
        if let Some(m) = cfg.min_per_city {
            p.min_per_city = match m {
                0 => false,
                1 => true,
                _ => return Err(bad("min-per-city", format!("must be 0 or 1, not {m}"))),
            };
        }
        let given = [cfg.visit, cfg.exit, cfg.request, cfg.satisfaction];
        if given.iter().any(Option::is_some) {
            let defaults = [0.50, 0.20, 0.15, 0.15];
            let mut w = [Ratio::ZERO; 4];
            let mut sum = 0.0;
            for (i, (name, v)) in WEIGHT_NAMES.iter().zip(given).enumerate() {
                let v = v.unwrap_or(defaults[i]);
                if !v.is_finite() || v < 0.0 {
                    return Err(bad(name, format!("must be a number of 0 or more, not {v}")));
                }
                sum += v;
                w[i] = Ratio::from_decimal_f64(v)
                    .ok_or_else(|| bad(name, format!("has too many decimals ({v})")))?;
            }
            if (sum - 1.0).abs() > 1e-9 {
                return Err(Error::Config(format!(
                    "{file}: [shortlist] the weights visit, exit, request and satisfaction must sum to 1, not {sum}"
                )));
            }
            p.weights = Weights::from_array(w);
        }
        Ok(p)
    }
}

// ------------------------------------------------------------------ the contacts

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
            out.push(("major finding", format!("有重大问题（{r}）")));
        }
        out
    }
}

/// One contact with the counts behind its scores (one row of `shortlist_eligibility`).
#[derive(Debug, Clone)]
struct Contact {
    contact_id: String,
    name: String,
    union_id: String,
    union_name: Option<String>,
    city_id: Option<String>,
    city_name: Option<String>,
    phone: Option<String>,
    appointed_on: i32,
    pairs: i64,
    visited_pairs: i64,
    households: i64,
    compliant_exits: i64,
    requests: i64,
    requests_in_time: i64,
    ratings: i64,
    rating_sum: i64,
    reasons: Reasons,
}

/// The four component scores of a contact, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components {
    pub visit: Ratio,
    pub exit: Ratio,
    pub request: Ratio,
    pub satisfaction: Ratio,
}

impl Contact {
    /// `None` when H(c) is empty (no visit_score, so no score).
    fn components(&self) -> Option<Components> {
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
struct Year {
    year: i32,
    contacts: Vec<Contact>,
    components: Vec<Option<Components>>,
}

/// Runs the steps of `queries/shortlist/` up to the eligibility of every contact, with
/// the findings of the year's four quarters registered as `shortlist_findings`.
async fn prepare(ctx: &SessionContext, catalog: &Catalog, year: i32) -> Result<Year> {
    let period = Period::Year(year);
    let found = eligibility_findings(ctx, catalog, year).await?;
    register(ctx, "shortlist_findings", found)?;
    let (last, steps) = step_queries()?;
    for q in steps {
        let df = run_with(ctx, catalog, q, &period).await?;
        let plan = df
            .create_physical_plan()
            .await
            .map_err(|e| Error::Query(format!("{}: {e}", q.path())))?;
        let schema = plan.schema();
        let parts = datafusion::physical_plan::collect_partitioned(plan, ctx.task_ctx())
            .await
            .map_err(|e| Error::Query(format!("{}: {e}", q.path())))?;
        let name = format!("shortlist_{}", q.name);
        ctx.deregister_table(&name)?;
        ctx.register_table(&name, Arc::new(MemTable::try_new(schema, parts)?))?;
    }
    let batch = collect(run_with(ctx, catalog, last, &period).await?, last).await?;
    let contacts = read_contacts(&batch, last)?;
    let components = contacts.iter().map(Contact::components).collect();
    Ok(Year {
        year,
        contacts,
        components,
    })
}

/// The rules whose rows can be major and name a contact (metrics.md, the findings
/// table): only these can make a contact ineligible. The others name no contact (A1–A3,
/// C2, E1–E3, F1–F4) or are minor (V1, V5, R1), so the shortlist does not run them.
pub const ELIGIBILITY_RULES: &[&str] = &["C1", "F5", "I1", "R2", "V2", "V3", "V4"];

/// The findings of [`ELIGIBILITY_RULES`] in the four quarters of `year`, each rule's
/// file run by the findings machinery exactly as `tiexin findings` runs it (same SQL,
/// same quarter tables, same columns).
pub async fn eligibility_findings(
    ctx: &SessionContext,
    catalog: &Catalog,
    year: i32,
) -> Result<RecordBatch> {
    let schema = findings::schema();
    let mut all = Vec::new();
    for quarter in Period::Year(year).quarters() {
        findings::prepare_quarter(ctx, catalog, &quarter).await?;
        for q in catalog::FINDINGS
            .iter()
            .filter(|q| ELIGIBILITY_RULES.contains(&q.rule()))
        {
            let batch = collect(run_with(ctx, catalog, q, &quarter).await?, q).await?;
            check_columns(&batch, q, findings::COLUMNS)?;
            let columns = batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| cast(c, f.data_type()))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            all.push(RecordBatch::try_new(schema.clone(), columns)?);
        }
    }
    Ok(concat_batches(&schema, &all)?)
}

/// The steps before `eligibility`, and `eligibility` itself.
fn step_queries() -> Result<(&'static Query, &'static [Query])> {
    let at = catalog::SHORTLIST
        .iter()
        .position(|q| q.name == "eligibility")
        .ok_or_else(|| Error::Internal("no shortlist eligibility query".into()))?;
    Ok((&catalog::SHORTLIST[at], &catalog::SHORTLIST[..at]))
}

fn ranking_query() -> Result<&'static Query> {
    catalog::SHORTLIST
        .iter()
        .find(|q| q.name == "ranking")
        .ok_or_else(|| Error::Internal("no shortlist ranking query".into()))
}

fn register(ctx: &SessionContext, name: &str, batch: RecordBatch) -> Result<()> {
    ctx.deregister_table(name)?;
    ctx.register_table(
        name,
        Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?),
    )?;
    Ok(())
}

/// A column of `batch` by name, cast to `ty`, naming the query when it is missing.
fn column(batch: &RecordBatch, q: &Query, name: &str, ty: &DataType) -> Result<ArrayRef> {
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

// ------------------------------------------------------------------ ranking, selection

/// One scored contact in the order of the ranking (eligibility ignored).
#[derive(Debug, Clone, Copy)]
struct Ranked {
    /// Index into [`Year::contacts`].
    at: usize,
    /// Rank among eligible contacts.
    rank: Option<u64>,
    /// Rank with eligibility ignored.
    overall_rank: u64,
    score: i64,
}

/// Scores every contact with `weights` and orders them with `queries/shortlist/ranking.sql`.
async fn rank(
    ctx: &SessionContext,
    catalog: &Catalog,
    y: &Year,
    weights: &Weights,
) -> Result<Vec<Ranked>> {
    let mut at = Vec::new();
    let mut scores = Vec::new();
    for (i, comp) in y.components.iter().enumerate() {
        if let Some(c) = comp {
            at.push(i);
            scores.push(score_micros(c, weights)?);
        }
    }
    let pick = |f: &dyn Fn(&Contact) -> i64| -> Int64Array {
        at.iter().map(|&i| f(&y.contacts[i])).collect()
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("contact_id", DataType::Utf8, false),
        Field::new("eligible", DataType::Boolean, false),
        Field::new("score_micro", DataType::Int64, false),
        Field::new("visited_pairs", DataType::Int64, false),
        Field::new("pairs", DataType::Int64, false),
        Field::new("households", DataType::Int64, false),
        Field::new("appointed_on", DataType::Date32, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from_iter_values(
                at.iter().map(|&i| y.contacts[i].contact_id.as_str()),
            )) as ArrayRef,
            Arc::new(BooleanArray::from(
                at.iter()
                    .map(|&i| y.contacts[i].reasons.eligible())
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(scores.clone())),
            Arc::new(pick(&|c| c.visited_pairs)),
            Arc::new(pick(&|c| c.pairs)),
            Arc::new(pick(&|c| c.households)),
            Arc::new(Date32Array::from_iter_values(
                at.iter().map(|&i| y.contacts[i].appointed_on),
            )),
        ],
    )?;
    register(ctx, "shortlist_scored", batch)?;
    let q = ranking_query()?;
    let out = collect(run(ctx, catalog, q).await?, q).await?;
    let index: HashMap<&str, usize> = at
        .iter()
        .enumerate()
        .map(|(k, &i)| (y.contacts[i].contact_id.as_str(), k))
        .collect();
    let ids = column(&out, q, "contact_id", &DataType::Utf8)?;
    let ids = ids.as_string::<i32>();
    let ranks = column(&out, q, "rank", &DataType::UInt64)?;
    let ranks = ranks.as_primitive::<UInt64Type>();
    let overall = column(&out, q, "overall_rank", &DataType::UInt64)?;
    let overall = overall.as_primitive::<UInt64Type>();
    let mut ranked = Vec::with_capacity(out.num_rows());
    for r in 0..out.num_rows() {
        let k = *index.get(ids.value(r)).ok_or_else(|| {
            Error::Query(format!(
                "{} gives the unknown contact {}",
                q.path(),
                ids.value(r)
            ))
        })?;
        ranked.push(Ranked {
            at: at[k],
            rank: ranks.is_valid(r).then(|| ranks.value(r)),
            overall_rank: overall.value(r),
            score: scores[k],
        });
    }
    ranked.sort_by_key(|r| r.overall_rank);
    Ok(ranked)
}

/// How a nominee was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The best-ranked eligible contact of its city.
    Quota,
    /// On rank alone.
    Merit,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Quota => "quota",
            Via::Merit => "merit",
        }
    }
}

/// The selection of metrics.md from the eligible contacts' cities in rank order: with
/// the quota, first the best-ranked contact of each city (cities taken in the rank order
/// of those contacts; no place for contacts without a city) until `size` are chosen,
/// then the best-ranked remaining ones. Gives, per position in `cities`, how it was
/// chosen (`None`: not chosen).
pub fn select(cities: &[Option<&str>], size: usize, min_per_city: bool) -> Vec<Option<Via>> {
    let mut chosen = vec![None; cities.len()];
    let mut n = 0;
    if min_per_city {
        let mut seen = BTreeSet::new();
        for (i, city) in cities.iter().enumerate() {
            if n >= size {
                break;
            }
            if let Some(c) = city {
                if seen.insert(*c) {
                    chosen[i] = Some(Via::Quota);
                    n += 1;
                }
            }
        }
    }
    for slot in chosen.iter_mut() {
        if n >= size {
            break;
        }
        if slot.is_none() {
            *slot = Some(Via::Merit);
            n += 1;
        }
    }
    chosen
}

/// The eligible contacts in rank order and how each was chosen.
fn selection(y: &Year, ranked: &[Ranked], p: &Params) -> Vec<(Ranked, Option<Via>)> {
    let mut eligible: Vec<Ranked> = ranked
        .iter()
        .filter(|r| r.rank.is_some())
        .copied()
        .collect();
    eligible.sort_by_key(|r| r.rank);
    let cities: Vec<Option<&str>> = eligible
        .iter()
        .map(|r| y.contacts[r.at].city_id.as_deref())
        .collect();
    let via = select(&cities, p.size, p.min_per_city);
    eligible.into_iter().zip(via).collect()
}

// ------------------------------------------------------------------ outputs

/// One contact of a list of the document: the output columns, with names and the
/// masked phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Rank among eligible contacts; for an excluded contact, its rank with
    /// eligibility ignored.
    pub rank: u64,
    pub contact_id: String,
    pub name: String,
    pub union_id: String,
    pub union_name: Option<String>,
    pub city_id: Option<String>,
    pub city_name: Option<String>,
    /// Masked (`138****5678`).
    pub phone: Option<String>,
    /// Rounded to 6 decimals, as a plain decimal.
    pub score: String,
    pub visit_score: String,
    pub exit_score: String,
    pub request_score: String,
    pub satisfaction_score: String,
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
    let y = prepare(&session.ctx, &session.catalog, year).await?;
    let ranked = rank(&session.ctx, &session.catalog, &y, &params.weights).await?;
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
pub fn notice_csv(rows: &[Entry]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(["rank", "name", "union"]).map_err(io)?;
    for e in rows {
        w.write_record([
            e.rank.to_string().as_str(),
            e.name.as_str(),
            e.union_name.as_deref().unwrap_or(e.union_id.as_str()),
        ])
        .map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

// ------------------------------------------------------------------ the committee document

/// Eligible contacts and nominees of one city (for the chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CityCount {
    /// `None`: contacts without a city (no quota place).
    pub city_id: Option<String>,
    pub name: Option<String>,
    pub eligible: usize,
    pub nominees: usize,
}

/// How many contacts a reason excludes (a contact may have several reasons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// `appointment`, `left`, `households<3`, `no training` or `major finding`.
    pub reason: &'static str,
    pub label: &'static str,
    pub contacts: usize,
}

/// An ineligible contact whose score would have placed them among the first N.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedEntry {
    /// `rank` is the rank with eligibility ignored.
    #[serde(flatten)]
    pub entry: Entry,
    /// Reason keys, as in [`ReasonCount::reason`].
    pub reasons: Vec<&'static str>,
    /// The reasons in Chinese (`有重大问题（V1, R2）`), for the document.
    pub reasons_cn: Vec<String>,
    /// The rule ids of the contact's major findings in the year (`V1, R2`).
    pub major_rules: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// Ineligible contacts in all.
    pub contacts: usize,
    pub by_reason: Vec<ReasonCount>,
    /// In the order of the ranking that ignores eligibility.
    pub high_scorers: Vec<ExcludedEntry>,
}

/// One row of the sensitivity table: one weight moved by ±0.05, the others rescaled
/// proportionally so the four still sum to 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// `visit`, `exit`, `request` or `satisfaction`.
    pub weight: &'static str,
    /// `+0.05` or `-0.05`.
    pub delta: &'static str,
    /// The weights used; `None` when the move was skipped.
    pub weights: Option<WeightValues>,
    /// Nominees of this variant not among the base nominees; `None` when skipped.
    pub changed: Option<usize>,
    /// Why the move was skipped, in Chinese for the document (`不适用：满意度权重为0，调低0.05将为负数`).
    pub note: Option<String>,
}

/// Everything the award committee's document shows, deterministic for one archive and
/// set of parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub year: i32,
    pub size: usize,
    pub min_per_city: u8,
    pub weights: WeightValues,
    /// Known contacts, and how many of them are eligible.
    pub contacts: usize,
    pub eligible: usize,
    /// The nominees in rank order.
    pub nominees: Vec<Entry>,
    /// Every city (union of level city) by city_id, with 0/0 where no contact is
    /// eligible; then one row with `city_id: None` for contacts without a city, when
    /// there are any eligible.
    pub cities: Vec<CityCount>,
    /// The next eligible contacts by rank that were not chosen (at most 10).
    pub reserve: Vec<Entry>,
    pub excluded: Excluded,
    /// 8 rows: visit, exit, request, satisfaction, each +0.05 then -0.05.
    pub sensitivity: Vec<Sensitivity>,
}

const REASONS: [(&str, &str); 5] = [
    ("appointment", "任命晚于6月30日"),
    ("left", "年内离任"),
    ("households<3", "联系家庭少于3户"),
    ("no training", "年内未参加培训"),
    ("major finding", "有重大问题"),
];

/// The award committee's document for `year` with `params`.
pub async fn document(session: &Session, year: i32, params: &Params) -> Result<Document> {
    let (ctx, catalog) = (&session.ctx, &session.catalog);
    let y = prepare(ctx, catalog, year).await?;
    let ranked = rank(ctx, catalog, &y, &params.weights).await?;
    let chosen = selection(&y, &ranked, params);
    let nominees: Vec<Entry> = chosen
        .iter()
        .filter_map(|(r, via)| via.map(|v| entry(&y, r, r.rank.unwrap_or(0), Some(v))))
        .collect();
    let reserve: Vec<Entry> = chosen
        .iter()
        .filter(|(_, via)| via.is_none())
        .take(RESERVE)
        .map(|(r, _)| entry(&y, r, r.rank.unwrap_or(0), None))
        .collect();

    // Cities: every union of level city, then the contacts without a city.
    let mut per_city: BTreeMap<Option<String>, (Option<String>, usize, usize)> = BTreeMap::new();
    if let Some(unions) = session.archive.table("unions") {
        for ((_, id), (_, level)) in unions.strings("union_id").zip(unions.strings("level")) {
            if let (Some(id), Some("city")) = (id, level) {
                per_city.insert(Some(id.to_string()), (None, 0, 0));
            }
        }
        for ((_, id), (_, name)) in unions.strings("union_id").zip(unions.strings("name")) {
            if let Some(e) = id.and_then(|id| per_city.get_mut(&Some(id.to_string()))) {
                e.0 = name.map(str::to_string);
            }
        }
    }
    for (r, via) in &chosen {
        let c = &y.contacts[r.at];
        let e = per_city
            .entry(c.city_id.clone())
            .or_insert_with(|| (c.city_name.clone(), 0, 0));
        e.1 += 1;
        if via.is_some() {
            e.2 += 1;
        }
    }
    // BTreeMap orders None first; the row without a city goes last.
    let mut cities: Vec<CityCount> = per_city
        .into_iter()
        .map(|(city_id, (name, eligible, nominees))| CityCount {
            city_id,
            name,
            eligible,
            nominees,
        })
        .collect();
    cities
        .sort_by(|a, b| (a.city_id.is_none(), &a.city_id).cmp(&(b.city_id.is_none(), &b.city_id)));

    // The excluded.
    let ineligible: Vec<&Contact> = y
        .contacts
        .iter()
        .filter(|c| !c.reasons.eligible())
        .collect();
    let by_reason = REASONS
        .iter()
        .map(|&(reason, label)| ReasonCount {
            reason,
            label,
            contacts: ineligible
                .iter()
                .filter(|c| c.reasons.list(year).iter().any(|(k, _)| *k == reason))
                .count(),
        })
        .collect();
    let high_scorers = ranked
        .iter()
        .filter(|r| r.rank.is_none() && r.overall_rank <= params.size as u64)
        .map(|r| {
            let c = &y.contacts[r.at];
            let list = c.reasons.list(year);
            ExcludedEntry {
                entry: entry(&y, r, r.overall_rank, None),
                reasons: list.iter().map(|(k, _)| *k).collect(),
                reasons_cn: list.into_iter().map(|(_, s)| s).collect(),
                major_rules: c.reasons.major_rules.clone(),
            }
        })
        .collect();
    let excluded = Excluded {
        contacts: ineligible.len(),
        by_reason,
        high_scorers,
    };

    // Sensitivity of the weights.
    let base: BTreeSet<&str> = nominees.iter().map(|e| e.contact_id.as_str()).collect();
    let mut sensitivity = Vec::new();
    let step = Ratio { num: 1, den: 20 };
    let w = params.weights.as_array();
    for (i, &name) in WEIGHT_NAMES.iter().enumerate() {
        for (delta, up) in [("+0.05", true), ("-0.05", false)] {
            let moved = if up {
                w[i].checked_add(step)
            } else {
                w[i].checked_sub(step)
            }
            .ok_or_else(overflow)?;
            let cn = WEIGHT_NAMES_CN[i];
            let skip = |note: String| Sensitivity {
                weight: name,
                delta,
                weights: None,
                changed: None,
                note: Some(note),
            };
            if moved.is_negative() {
                sensitivity.push(skip(format!(
                    "不适用：{cn}权重为{}，调低0.05将为负数",
                    w[i].decimal(6)
                )));
                continue;
            }
            let rest = Ratio::ONE.checked_sub(w[i]).ok_or_else(overflow)?;
            let rest_moved = Ratio::ONE.checked_sub(moved).ok_or_else(overflow)?;
            if rest_moved.is_negative() {
                sensitivity.push(skip(format!(
                    "不适用：{cn}权重为{}，调高0.05将超过1",
                    w[i].decimal(6)
                )));
                continue;
            }
            if rest.num == 0 {
                sensitivity.push(skip(format!(
                    "不适用：其余三项权重均为0，无法按比例调整以配合{cn}权重的变动"
                )));
                continue;
            }
            let factor = rest_moved.checked_div(rest).ok_or_else(overflow)?;
            let mut nw = [Ratio::ZERO; 4];
            for j in 0..4 {
                nw[j] = if j == i {
                    moved
                } else {
                    w[j].checked_mul(factor).ok_or_else(overflow)?
                };
            }
            let nw = Weights::from_array(nw);
            let ranked = rank(ctx, catalog, &y, &nw).await?;
            let changed = nominees_of(&y, &ranked, params, &nw)
                .iter()
                .filter(|id| !base.contains(id.as_str()))
                .count();
            sensitivity.push(Sensitivity {
                weight: name,
                delta,
                weights: Some(nw.values()),
                changed: Some(changed),
                note: None,
            });
        }
    }

    Ok(Document {
        year: y.year,
        size: params.size,
        min_per_city: params.min_per_city as u8,
        weights: params.weights.values(),
        contacts: y.contacts.len(),
        eligible: chosen.len(),
        nominees,
        cities,
        reserve,
        excluded,
        sensitivity,
    })
}

/// The contact ids of the nominees with other weights.
fn nominees_of(y: &Year, ranked: &[Ranked], p: &Params, w: &Weights) -> Vec<String> {
    let p = Params { weights: *w, ..*p };
    selection(y, ranked, &p)
        .into_iter()
        .filter(|(_, via)| via.is_some())
        .map(|(r, _)| y.contacts[r.at].contact_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
