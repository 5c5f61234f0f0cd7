//! Everything the award committee's document shows: the nominees, the cities, the
//! reserve, the excluded and the sensitivity of the weights.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::params::{Params, WeightValues, Weights, WEIGHT_NAMES, WEIGHT_NAMES_CN};
use super::ratio::{overflow, Ratio};
use super::select::{rank, selection, Ranked};
use super::steps::{prepare, Contact, Year};
use super::{entry, Entry, RESERVE};
use crate::error::Result;
use crate::sql::Session;

/// Eligible contacts and nominees of one city (for the chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CityCount {
    /// `None`: contacts without a city (no quota place).
    pub city_id: Option<String>,
    /// The city union's name; `None` for the row without a city.
    pub name: Option<String>,
    /// Eligible contacts in the city.
    pub eligible: usize,
    /// Nominees chosen from the city.
    pub nominees: usize,
}

/// How many contacts a reason excludes (a contact may have several reasons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// `appointment`, `left`, `households<3`, `no training` or `major finding`.
    pub reason: &'static str,
    /// The reason in Chinese (`年内离任`), the row label in the document.
    pub label: &'static str,
    /// Ineligible contacts excluded for this reason.
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

/// The ineligible contacts: how many, by reason, and those who scored among the first N.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// Ineligible contacts in all.
    pub contacts: usize,
    /// One count per exclusion reason, in the fixed order of the reasons.
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
    /// The award year.
    pub year: i32,
    /// Number of nominees asked for (the N of "the first N").
    pub size: usize,
    /// The city quota: 1 when each city first gets its best eligible contact, else 0.
    pub min_per_city: u8,
    /// The weights of the four component scores used for the ranking.
    pub weights: WeightValues,
    /// Known contacts, and how many of them are eligible.
    pub contacts: usize,
    /// Eligible contacts.
    pub eligible: usize,
    /// The nominees in rank order.
    pub nominees: Vec<Entry>,
    /// Every city (union of level city) by city_id, with 0/0 where no contact is
    /// eligible; then one row with `city_id: None` for contacts without a city, when
    /// there are any eligible.
    pub cities: Vec<CityCount>,
    /// The next eligible contacts by rank that were not chosen (at most 10).
    pub reserve: Vec<Entry>,
    /// The ineligible contacts, by reason, and the high scorers among them.
    pub excluded: Excluded,
    /// 8 rows: visit, exit, request, satisfaction, each +0.05 then -0.05.
    pub sensitivity: Vec<Sensitivity>,
}

impl Document {
    /// The contact ids of the nominees, then of the reserve, in rank order.
    pub fn listed(&self) -> Vec<String> {
        self.nominees
            .iter()
            .chain(&self.reserve)
            .map(|e| e.contact_id.clone())
            .collect()
    }
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
    let y = prepare(session, year).await?;
    let ranked = rank(session, &y, &params.weights).await?;
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
            let ranked = rank(session, &y, &nw).await?;
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
