//! Ranking (`queries/shortlist/ranking.sql` over the exact scores) and the selection of
//! metrics.md: the city quota first, then merit.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use serde::Serialize;

use super::params::{Params, Weights};
use super::steps::{column, score_micros, Contact, Year};
use crate::error::{Error, Result};
use crate::sql::catalog;
use crate::sql::Session;

/// One scored contact in the order of the ranking (eligibility ignored).
#[derive(Debug, Clone, Copy)]
pub(super) struct Ranked {
    /// Index into [`Year::contacts`].
    pub(super) at: usize,
    /// Rank among eligible contacts.
    pub(super) rank: Option<u64>,
    /// Rank with eligibility ignored.
    pub(super) overall_rank: u64,
    pub(super) score: i64,
}

/// Scores every contact with `weights` and orders them with `queries/shortlist/ranking.sql`.
pub(super) async fn rank(s: &Session, y: &Year, weights: &Weights) -> Result<Vec<Ranked>> {
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
    let scope = s.scope()?;
    scope.register("shortlist_scored", batch)?;
    let q = catalog::named("shortlist", "ranking")?;
    let out = scope.collect(q, None).await?;
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
    /// The lowercase name of the output's `via` column (`quota`, `merit`).
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
pub(super) fn selection(y: &Year, ranked: &[Ranked], p: &Params) -> Vec<(Ranked, Option<Via>)> {
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
