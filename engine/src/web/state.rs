//! What the server holds: the loaded archive ([`Loaded`], swapped whole on reload so that
//! requests in flight finish on the state they started with) and the figures computed
//! per period on first view and kept.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type};
use tokio::sync::OnceCell;

use super::pages::Pending;
use super::turns::Turns;
use crate::analysis::findings;
use crate::analysis::shortlist::nominee::{self, Records};
use crate::analysis::shortlist::{self as committee, Params};
use crate::documents::bulletin::figures::{self, Prepared};
use crate::error::{Error, Result};
use crate::ingest::Progress;
use crate::sql::session::{Session, Settings};
use crate::sql::table::Tabular;
use crate::sql::tree::{self, Unions};
use crate::sql::Period;

/// One finding row, as text.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule (`V1`).
    pub rule: String,
    /// major or minor.
    pub severity: String,
    /// The union it belongs to.
    pub union_id: String,
    /// What kind of row the subject is (household, visit, payment, …).
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: String,
    /// The contact held responsible (may be empty).
    pub contact_id: String,
    /// The day (YYYY-MM-DD).
    pub occurred_on: String,
    /// The Chinese sentence describing it.
    pub detail: String,
}

type Cell<T> = Arc<OnceCell<Arc<T>>>;

/// The cell of `key` in `cells`, made empty when there is none yet.
fn cell<K: std::hash::Hash + Eq, T>(cells: &Mutex<HashMap<K, Cell<T>>>, key: K) -> Cell<T> {
    let mut m = cells.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(key).or_default().clone()
}

/// The archive as loaded, its union tree, and the figures computed so far.
pub struct Loaded {
    /// The session over the archive.
    pub session: Session,
    /// union_id → name, and the root.
    pub unions: Arc<Unions>,
    /// union_id → its parent.
    pub parent: HashMap<String, String>,
    /// union_id → the unions directly below, in the order of the file.
    pub children: HashMap<String, Vec<String>>,
    /// The SHA-256 of the archive's files.
    pub sha256: String,
    /// The quarter shown when none is asked for: the last quarter complete by the day of
    /// the archive's last visit.
    pub default_period: Period,
    /// The quarters of the archive's first and last visit (`None`: no visit).
    pub visited: Option<(Period, Period)>,
    /// When it was loaded (UTC).
    pub loaded_at: String,
    prepared: Mutex<HashMap<(Period, i32), Cell<Prepared>>>,
    /// What the periods' figures share (the union tree, metrics rows, visit compliance).
    shared: figures::Shared,
    findings: Mutex<HashMap<Period, Cell<Vec<Finding>>>>,
    shortlists: Mutex<HashMap<i32, Cell<committee::Document>>>,
    nominees: Mutex<HashMap<(i32, String), Cell<Records>>>,
    subtrees: Mutex<HashMap<String, Arc<HashSet<String>>>>,
    /// Draft PDFs rendered, by archive hash, document and period.
    pub pdfs: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    /// Turns for computing figures: as many at once as there are cores.
    pub turns: Turns,
    /// The computations pages left under way ([`super::pages::within`]).
    pub pending: Arc<Pending>,
}

impl Loaded {
    /// Loads the archive of `settings` (reporting to `progress`) and its union tree.
    pub async fn load(settings: &Settings, progress: &dyn Progress) -> Result<Loaded> {
        let session = Session::open(settings, progress).await?;
        let unions = Arc::new(Unions::of(&session.archive)?);
        let t = session
            .archive
            .table("unions")
            .ok_or_else(|| Error::Internal("the archive has no unions table".into()))?;
        let mut parent = HashMap::new();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for ((_, id), (_, p)) in t.strings("union_id").zip(t.strings("parent_id")) {
            if let (Some(id), Some(p)) = (id, p) {
                if parent.insert(id.to_string(), p.to_string()).is_none() {
                    children
                        .entry(p.to_string())
                        .or_default()
                        .push(id.to_string());
                }
            }
        }
        let sha256 = session.archive.sha256();
        let days = visit_days(&session);
        let visited =
            days.map(|(first, last)| (Period::containing(first), Period::containing(last)));
        let default_period = days
            .map(|(_, last)| last)
            .map_or(Period::quarter(2026, 3), |day| {
                // The last quarter complete by the day of the last visit.
                let q = Period::containing(day);
                if day == q.last_day() {
                    q
                } else {
                    q.previous_quarter()
                }
            });
        let shared = figures::Shared::with_unions(unions.clone());
        Ok(Loaded {
            session,
            unions,
            parent,
            children,
            sha256,
            default_period,
            visited,
            loaded_at: crate::sql::sandbox::audit::iso_utc(std::time::SystemTime::now()),
            prepared: Mutex::default(),
            shared,
            findings: Mutex::default(),
            shortlists: Mutex::default(),
            nominees: Mutex::default(),
            subtrees: Mutex::default(),
            pdfs: Mutex::default(),
            turns: Turns::new(crate::sql::session::partitions()),
            pending: Arc::default(),
        })
    }

    /// `scope` and every union below it ([`tree::members`], as `--scope` cuts the
    /// tables), computed on first use and kept: a page that filters many rows by union
    /// asks this once instead of [`Loaded::in_scope`] per row (the findings of a
    /// 1M-household quarter took 30–50 ms a page that way).
    pub fn subtree(&self, scope: &str) -> Result<Arc<HashSet<String>>> {
        let mut m = self.subtrees.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = m.get(scope) {
            return Ok(set.clone());
        }
        let set = Arc::new(tree::members(&self.session.archive, scope, None)?);
        m.insert(scope.to_string(), set.clone());
        Ok(set)
    }

    /// Whether `union` is `scope` or below it.
    pub fn in_scope(&self, scope: &str, union: &str) -> bool {
        let mut u = union;
        for _ in 0..=self.parent.len() {
            if u == scope {
                return true;
            }
            match self.parent.get(u) {
                Some(p) => u = p,
                None => return false,
            }
        }
        false
    }

    /// Whether the archive has a union `union`.
    pub fn has(&self, union: &str) -> bool {
        self.unions.names.contains_key(union)
    }

    /// The name of a union (its id when unknown).
    pub fn name<'a>(&'a self, union: &'a str) -> &'a str {
        self.unions.names.get(union).map_or(union, String::as_str)
    }

    /// The unions from `scope` down to `union`, top first.
    pub fn path(&self, scope: &str, union: &str) -> Vec<String> {
        let mut out = vec![union.to_string()];
        let mut u = union;
        while u != scope {
            match self.parent.get(u) {
                Some(p) => {
                    out.push(p.clone());
                    u = p;
                }
                None => break,
            }
        }
        out.reverse();
        out
    }

    /// The period's figures with its findings, for writing a document: prepared again
    /// from what [`Loaded::prepared`] and the session keep (the findings are not kept
    /// with the pages' figures).
    pub async fn prepared_whole(&self, p: &Period, date: i32) -> Result<Prepared> {
        let _turn = self.turns.turn().await?;
        figures::prepare_shared(&self.session, p, p.cut(date), &self.shared).await
    }

    /// The period's figures as of `date` (metrics of it and the period before, the
    /// eight-quarter trend; they run to `date` or the period's end, whichever is
    /// earlier), computed on first use and kept without the period's findings
    /// ([`Prepared::without_findings`]).
    pub async fn prepared(&self, p: &Period, date: i32) -> Result<Arc<Prepared>> {
        let cut = p.cut(date);
        let cell = cell(&self.prepared, (*p, cut));
        cell.get_or_try_init(|| async {
            let _turn = self.turns.turn().await?;
            Ok::<_, Error>(Arc::new(
                figures::prepare_shared(&self.session, p, cut, &self.shared)
                    .await?
                    .without_findings(),
            ))
        })
        .await
        .cloned()
    }

    /// The findings of a quarter, computed on first use.
    pub async fn findings(&self, q: &Period) -> Result<Arc<Vec<Finding>>> {
        let cell = cell(&self.findings, *q);
        cell.get_or_try_init(|| async {
            let _turn = self.turns.turn().await?;
            let batch = findings::findings(&self.session, q).await?;
            Ok::<_, Error>(Arc::new(rows(&batch)?))
        })
        .await
        .cloned()
    }
}

impl Loaded {
    /// The award committee's figures of `year` (nominees, reserve, exclusions,
    /// sensitivity), computed on first use with `params`.
    pub async fn shortlist(&self, year: i32, params: &Params) -> Result<Arc<committee::Document>> {
        let cell = cell(&self.shortlists, year);
        cell.get_or_try_init(|| async {
            let _turn = self.turns.turn().await?;
            Ok::<_, Error>(Arc::new(
                committee::document(&self.session, year, params).await?,
            ))
        })
        .await
        .cloned()
    }
}

impl Loaded {
    /// Computes the records behind the award scores of `contacts` for `year` at once
    /// ([`nominee::records_of`]) and keeps each as [`Loaded::nominee`] gives it.
    pub async fn nominees(&self, year: i32, contacts: &[String]) -> Result<()> {
        let _turn = self.turns.turn().await?;
        for r in nominee::records_of(&self.session, year, contacts).await? {
            let cell = cell(&self.nominees, (year, r.contact_id.clone()));
            // A page computing the same contact meanwhile keeps its own (equal) records.
            let _ = cell.set(Arc::new(r));
        }
        Ok(())
    }

    /// The records behind one contact's award score of `year` (the household-quarters,
    /// exits, requests and ratings counted), computed on first use.
    pub async fn nominee(&self, year: i32, contact: &str) -> Result<Arc<Records>> {
        let cell = cell(&self.nominees, (year, contact.to_string()));
        cell.get_or_try_init(|| async {
            let _turn = self.turns.turn().await?;
            Ok::<_, Error>(Arc::new(
                nominee::records(&self.session, year, contact).await?,
            ))
        })
        .await
        .cloned()
    }
}

/// The finding rows of a batch with the columns of [`findings::COLUMNS`].
fn rows(batch: &RecordBatch) -> Result<Vec<Finding>> {
    let t = Tabular::from_batch(batch)?;
    let col = |name: &str| {
        t.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| Error::Internal(format!("the findings have no column {name}")))
    };
    let idx: Vec<usize> = findings::COLUMNS
        .iter()
        .map(|c| col(c))
        .collect::<Result<_>>()?;
    Ok(t.rows
        .iter()
        .map(|r| {
            let v = |i: usize| r[idx[i]].plain();
            Finding {
                rule: v(0),
                severity: v(1),
                union_id: v(2),
                subject_type: v(3),
                subject_id: v(4),
                contact_id: v(5),
                occurred_on: v(6),
                detail: v(7),
            }
        })
        .collect())
}

/// The days of the first and last visit of the archive.
fn visit_days(s: &Session) -> Option<(i32, i32)> {
    let t = s.archive.table("visits")?;
    let (i, _) = t.table.column("visited_on")?;
    let days = t
        .batches
        .iter()
        .filter(|b| b.column(i).data_type() == &DataType::Date32)
        .flat_map(|b| {
            let days = b.column(i).as_primitive::<Date32Type>();
            let min = datafusion::arrow::compute::min(days);
            let max = datafusion::arrow::compute::max(days);
            min.zip(max)
        });
    days.reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}
