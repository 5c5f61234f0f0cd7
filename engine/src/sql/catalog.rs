//! The query catalogue: every `.sql` file under `queries/`, embedded in the binary so it
//! stands alone, looked up by name. An inspector may override files with a folder of
//! the same layout ([`Catalog::with_overrides`]).
//!
//! - `queries/views/`: period-independent building blocks, registered once as views;
//! - `queries/quarter/`: building blocks bound to a quarter, registered before its rules;
//! - `queries/metrics/`: one file per metric of metrics.md, per union subtree;
//! - `queries/findings/`: one file per finding rule (`V1_missed_visit`, …);
//! - `queries/shortlist/`: the steps of the award shortlist, in order;
//! - `queries/nominee/`: the records behind one contact's award score.
//!
//! Periods are bound as parameters (see [`crate::sql::period::Period::params`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::sandbox::readonly;
use crate::error::{Error, Result};
use crate::ingest::sha256_bytes;

/// One embedded query file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// `views`, `quarter`, `metrics`, `findings` or `shortlist`.
    pub kind: &'static str,
    /// The file name without `.sql` (`V1_missed_visit`).
    pub name: &'static str,
    /// The SQL text, embedded at build time.
    pub sql: &'static str,
}

impl Query {
    /// The path inside the repository (`queries/findings/V1_missed_visit.sql`), as the
    /// bulletin footnotes name it.
    pub fn path(&self) -> String {
        format!("queries/{}/{}.sql", self.kind, self.name)
    }

    /// For a finding rule, its code (`V1`); the part of the name before `_`.
    pub fn rule(&self) -> &'static str {
        self.name.split('_').next().unwrap_or(self.name)
    }
}

macro_rules! q {
    ($kind:literal, $name:literal) => {
        Query {
            kind: $kind,
            name: $name,
            sql: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/queries/",
                $kind,
                "/",
                $name,
                ".sql"
            )),
        }
    };
}

/// `queries/views/`, in the order they are registered (each may use the ones before it
/// and the `union_closure` table).
pub const VIEWS: &[Query] = &[
    q!("views", "household_exit"),
    q!("views", "household_span"),
    q!("views", "assignment_span"),
    q!("views", "valid_visit"),
    q!("views", "union_city"),
];

/// `queries/quarter/`: tables that depend on the quarter, registered (under their
/// names) before the quarter's rules run.
pub const QUARTER: &[Query] = &[
    q!("quarter", "assigned_on_pe"),
    q!("quarter", "due_unvisited"),
    q!("quarter", "quarter_visits"),
];

/// `queries/metrics/`: the per-subtree figures, then `metrics` joining them.
pub const METRICS: &[Query] = &[
    q!("metrics", "visit_compliance"),
    q!("metrics", "exit_rate"),
    q!("metrics", "fund_usage"),
    q!("metrics", "budget"),
    q!("metrics", "subsidies_paid"),
    q!("metrics", "review_findings"),
    q!("metrics", "rectification"),
    q!("metrics", "referral"),
    q!("metrics", "metrics"),
];

/// `queries/findings/`: one file per rule of metrics.md and accountability.md, in rule
/// order.
pub const FINDINGS: &[Query] = &[
    q!("findings", "A1_no_contact"),
    q!("findings", "A2_several_contacts"),
    q!("findings", "A3_contact_left"),
    q!("findings", "C1_crosscheck_unverified"),
    q!("findings", "C2_confirmed_not_exited"),
    q!("findings", "E1_exit_unsigned"),
    q!("findings", "E2_exit_approver"),
    q!("findings", "E3_filing_approver"),
    q!("findings", "F1_payment_off_archive"),
    q!("findings", "F2_duplicate_payment"),
    q!("findings", "F3_payment_unapproved"),
    q!("findings", "F4_payment_ineligible"),
    q!("findings", "F5_subsidy_civil_servant"),
    q!("findings", "I1_inspection_open"),
    q!("findings", "K1_rectification_overdue"),
    q!("findings", "R1_request_late"),
    q!("findings", "R2_request_overdue"),
    q!("findings", "S1_referral_not_forwarded"),
    q!("findings", "S2_referral_not_closed"),
    q!("findings", "U1_no_liaison"),
    q!("findings", "V1_missed_visit"),
    q!("findings", "V2_missed_two_quarters"),
    q!("findings", "V3_visit_outside_filing"),
    q!("findings", "V4_visits_clustered"),
    q!("findings", "V5_unassigned_visitor"),
];

/// `queries/bulletin/`: the tables and charts of the bulletin (工作通报) beyond the
/// metrics themselves.
pub const BULLETIN: &[Query] = &[
    q!("bulletin", "child_ranking"),
    q!("bulletin", "earlier"),
    q!("bulletin", "first_visit"),
    q!("bulletin", "funds_by_category"),
    q!("bulletin", "major_findings"),
    q!("bulletin", "overdue"),
    q!("bulletin", "trend"),
];

/// The folders of `queries/` the catalogue embeds.
pub const KINDS: &[&str] = &[
    "views",
    "quarter",
    "metrics",
    "findings",
    "bulletin",
    "circulars",
    "shortlist",
    "nominee",
    "accountability",
];

/// `queries/accountability/`: the early warnings as of a day and the state of each
/// finding's correction (accountability.md).
pub const ACCOUNTABILITY: &[Query] = &[
    q!("accountability", "warnings"),
    q!("accountability", "rectify"),
];

/// `queries/circulars/`: what the supervisory circulars (督查通报) print and to whom
/// they go.
pub const CIRCULARS: &[Query] = &[
    q!("circulars", "major_findings"),
    q!("circulars", "recipients"),
];

/// `queries/shortlist/`: the award shortlist of a year, step by step (each registered
/// as `shortlist_<name>` for the steps after it).
pub const SHORTLIST: &[Query] = &[
    q!("shortlist", "pairs"),
    q!("shortlist", "visit_score"),
    q!("shortlist", "exit_score"),
    q!("shortlist", "request_score"),
    q!("shortlist", "satisfaction_score"),
    q!("shortlist", "eligibility"),
    q!("shortlist", "ranking"),
];

/// `queries/nominee/`: the records behind one contact's award score (the committee's
/// nominee page), run over the steps of [`SHORTLIST`] for that contact alone.
pub const NOMINEE: &[Query] = &[
    q!("nominee", "assignments"),
    q!("nominee", "valid_visit"),
    q!("nominee", "household_requests"),
    q!("nominee", "contact_feedback"),
    q!("nominee", "counts"),
    q!("nominee", "household_quarters"),
    q!("nominee", "exits"),
    q!("nominee", "requests"),
    q!("nominee", "ratings"),
];

/// `queries/audits/`: the ready audits an inspector runs through the sandbox of
/// `tiexin query` (not part of any computation, so not in [`all`]).
pub const AUDITS: &[Query] = &[
    q!("audits", "budget_execution_by_county"),
    q!("audits", "contacts_with_many_households"),
    q!("audits", "exits_soon_after_filing"),
    q!("audits", "households_without_visit_for_a_year"),
    q!("audits", "payments_below_threshold"),
    q!("audits", "payments_split_across_days"),
    q!("audits", "payments_to_flagged_households"),
    q!("audits", "subsidies_by_contact"),
    q!("audits", "visits_clustered_on_one_day"),
    q!("audits", "visits_uploaded_late"),
];

/// Every embedded query.
pub fn all() -> impl Iterator<Item = &'static Query> {
    VIEWS
        .iter()
        .chain(QUARTER)
        .chain(METRICS)
        .chain(FINDINGS)
        .chain(BULLETIN)
        .chain(CIRCULARS)
        .chain(SHORTLIST)
        .chain(NOMINEE)
        .chain(ACCOUNTABILITY)
}

/// The embedded query of that kind and name (`("findings", "V1_missed_visit")`).
pub fn get(kind: &str, name: &str) -> Option<&'static Query> {
    all().find(|q| q.kind == kind && q.name == name)
}

/// The embedded query of that kind and name, or an internal error naming it (for the
/// engine's own lookups, which must always find their file).
pub fn named(kind: &str, name: &str) -> Result<&'static Query> {
    get(kind, name).ok_or_else(|| Error::Internal(format!("no query queries/{kind}/{name}.sql")))
}

/// The finding rule whose code is `rule` (`V1`).
pub fn rule(rule: &str) -> Option<&'static Query> {
    FINDINGS.iter().find(|q| q.rule() == rule)
}

/// A query file of an inspector's folder that replaces an embedded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    /// The embedded query's path (`queries/findings/V1_missed_visit.sql`).
    pub replaces: String,
    /// The file that replaces it.
    pub path: PathBuf,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// Its SQL.
    pub sql: String,
}

/// The SQL the engine runs: the embedded files, some possibly replaced by files of an
/// inspector's folder. A replacement is held to the rules of `tiexin query`: one
/// read-only statement of bounded size (checked here), whose plan is checked again when
/// it runs ([`crate::sql::run::Scope::plan`]).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    overrides: BTreeMap<(String, String), Replaced>,
}

impl Catalog {
    /// The embedded queries only.
    pub fn builtin() -> Catalog {
        Catalog::default()
    }

    /// The embedded queries, each replaced by `DIR/<kind>/<name>.sql` where that file
    /// exists. A `.sql` file that replaces no embedded query is refused, so that a
    /// misspelt name does not go unnoticed.
    pub fn with_overrides(dir: &Path) -> Result<Catalog> {
        let mut overrides = BTreeMap::new();
        for kind in KINDS {
            let sub = dir.join(kind);
            if !sub.is_dir() {
                continue;
            }
            let entries = std::fs::read_dir(&sub).map_err(|e| Error::io(&sub, e))?;
            for entry in entries {
                let path = entry.map_err(|e| Error::io(&sub, e))?.path();
                if path.extension().is_none_or(|e| e != "sql") {
                    continue;
                }
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                if get(kind, &name).is_none() {
                    return Err(Error::Usage(format!(
                        "{} replaces no query of the catalogue (expected one of the files under queries/{kind}/)",
                        path.display()
                    )));
                }
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                let sql = String::from_utf8(bytes.clone())
                    .map_err(|_| Error::Usage(format!("{} is not UTF-8 text", path.display())))?;
                let replaces = format!("queries/{kind}/{name}.sql");
                readonly::check_text(&sql).map_err(|e| {
                    Error::Query(format!("{replaces} (replaced by {}): {e}", path.display()))
                })?;
                overrides.insert(
                    (kind.to_string(), name),
                    Replaced {
                        replaces,
                        path,
                        sha256: sha256_bytes(&bytes),
                        sql,
                    },
                );
            }
        }
        Ok(Catalog { overrides })
    }

    /// The SQL of a query: the override if there is one, else the embedded file.
    pub fn sql<'a>(&'a self, query: &'static Query) -> &'a str {
        self.replacement(query)
            .map(|r| r.sql.as_str())
            .unwrap_or(query.sql)
    }

    /// Whether the rule file in effect for `query` declares in its first line that it
    /// gives only minor findings (`-- V1 (minor): …`); such a rule cannot add to a
    /// quarter's major findings, and a major row from it is an error.
    pub fn declares_minor(&self, query: &Query) -> bool {
        let sql = self
            .replacement(query)
            .map_or(query.sql, |r| r.sql.as_str());
        let first = sql.lines().next().unwrap_or("");
        first.starts_with(&format!("-- {} (minor)", query.rule()))
    }

    /// The file replacing `query`, if any.
    pub fn replacement(&self, query: &Query) -> Option<&Replaced> {
        self.overrides
            .get(&(query.kind.to_string(), query.name.to_string()))
    }

    /// Every replaced query, in kind and name order.
    pub fn replaced(&self) -> Vec<&Replaced> {
        self.overrides.values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_under_queries_is_embedded_and_opens_with_a_comment() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        for kind in KINDS {
            let mut on_disk: Vec<String> = std::fs::read_dir(root.join(kind))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .map(|n| n.trim_end_matches(".sql").to_string())
                .collect();
            on_disk.sort();
            let mut embedded: Vec<String> = all()
                .filter(|q| q.kind == *kind)
                .map(|q| q.name.to_string())
                .collect();
            embedded.sort();
            assert_eq!(on_disk, embedded, "queries/{kind}");
        }
        for q in all() {
            assert!(
                q.sql.starts_with("-- "),
                "{} opens with a comment",
                q.path()
            );
        }
    }

    #[test]
    fn the_25_rules_of_the_spec_each_have_one_file() {
        let rules: Vec<&str> = FINDINGS.iter().map(Query::rule).collect();
        assert_eq!(
            rules,
            [
                "A1", "A2", "A3", "C1", "C2", "E1", "E2", "E3", "F1", "F2", "F3", "F4", "F5", "I1",
                "K1", "R1", "R2", "S1", "S2", "U1", "V1", "V2", "V3", "V4", "V5"
            ]
        );
        assert_eq!(rule("V1").unwrap().name, "V1_missed_visit");
    }
}
