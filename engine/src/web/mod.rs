//! `tiexin serve`: the web console for inspectors, award committees and union offices.
//! One process serves server-rendered HTML (axum, maud templates compiled into the
//! binary, no JavaScript), every page confined to the user's subtree, personal data
//! masked unless the user has full access, and every page showing household-level
//! data or refused written to `audit.jsonl`.
//!
//! [`users`] are the `[[users]]` of the config, [`auth`] the sessions, CSRF tokens and
//! log-in throttle, [`state`] the loaded archive and the figures computed per period,
//! [`routes`] the URLs, [`layout`] the page frame, and `pages` one module per page.

// A page handler answers with a page or with the page that stops it (403, 404, …):
// both are responses, and boxing the error one would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod layout;
mod pages;
pub mod routes;
pub mod state;
pub mod turns;
pub mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::{ArcSwap, ArcSwapOption};
use serde_json::json;

use crate::analysis::shortlist::Params;
use crate::documents::bulletin::figures::last_eight_quarters;
use crate::documents::settings::DocumentConfig;
use crate::error::{Error, Result};
use crate::ingest::{LoadedTable, Progress};
use crate::sql::sandbox::audit::{iso_utc, Log};
use crate::sql::{session, Period};
use state::Loaded;
use users::UserConfig;

/// Everything `serve` needs, resolved from the command line and the config by the caller.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address to listen on.
    pub bind: SocketAddr,
    /// Served behind a TLS reverse proxy: cookies are `Secure`, the client address is the
    /// last one of `X-Forwarded-For`, and a non-loopback address is allowed.
    pub behind_proxy: bool,
    /// The archive and its queries.
    pub session: session::Settings,
    /// The users who may log in.
    pub users: Vec<UserConfig>,
    /// The state folder: audit log, outbox, issued documents.
    pub state_dir: Option<PathBuf>,
    /// The `[bulletin]` section (header, addressees, requirements) of the drafts.
    pub bulletin: DocumentConfig,
    /// The shortlist's size, quota and weights.
    pub shortlist: Params,
    /// The program and first arguments that run `tiexin query` on this archive and
    /// config (`[tiexin, query, --archive, DIR, …]`) (the free SQL and ready audits go through it, as on the command line).
    pub query_command: Vec<std::ffi::OsString>,
}

/// Reads the settings again (the config file may have changed): used on reload.
pub type Reload = Box<dyn Fn() -> Result<Settings> + Send + Sync>;

/// The server's state shared by every request.
pub struct App {
    /// The current settings (users change on reload).
    pub settings: ArcSwap<Settings>,
    /// The loaded archive; `None` while the first load runs.
    pub loaded: ArcSwapOption<Loaded>,
    /// What the loading is doing (shown while no archive is loaded).
    pub status: Mutex<String>,
    /// The open sessions.
    pub sessions: auth::Sessions,
    /// The log-in throttle.
    pub throttle: auth::Throttle,
    /// The audit log.
    pub log: Log,
    reload: Reload,
    reloading: AtomicBool,
}

impl App {
    /// The user named `name`, if configured and not disabled.
    pub fn user(&self, name: &str) -> Option<UserConfig> {
        self.settings
            .load()
            .users
            .iter()
            .find(|u| u.name == name && !u.disabled)
            .cloned()
    }

    /// Appends a line to the audit log: `event` (page, forbidden, login, …) by `user` on
    /// `path` with the union and period concerned.
    pub fn audit(
        &self,
        event: &str,
        user: &str,
        path: &str,
        union: Option<&str>,
        period: Option<&str>,
    ) {
        let line = json!({
            "time": iso_utc(std::time::SystemTime::now()),
            "event": event,
            "user": user,
            "path": path,
            "union": union,
            "period": period,
            "via": "serve",
        });
        if let Err(e) = self.log.record(&line) {
            eprintln!("error: {e}");
        }
    }

    fn set_status(&self, s: &str) {
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = s.to_string();
    }

    /// Loads the archive of the current settings and swaps it in; the users' scopes
    /// are checked against it first.
    async fn load(self: &Arc<App>) -> Result<()> {
        let settings = self.settings.load_full();
        let app = self.clone();
        let handle = tokio::runtime::Handle::current();
        let loaded = tokio::task::spawn_blocking(move || {
            handle.block_on(Loaded::load(&settings.session, &Sink { app: &app }))
        })
        .await
        .map_err(|e| Error::Internal(format!("loading the archive stopped: {e}")))??;
        for u in &self.settings.load().users {
            if !loaded.has(&u.scope) {
                return Err(Error::Config(format!(
                    "[[users]] {:?}: scope {} is no union of the archive",
                    u.name, u.scope
                )));
            }
        }
        let loaded = Arc::new(loaded);
        self.loaded.store(Some(loaded.clone()));
        self.set_status("");
        tokio::spawn(warm(self.clone(), loaded));
        Ok(())
    }

    /// Reads the config and the archive again and swaps them in; requests in flight
    /// finish with the state they began with. One reload at a time.
    pub async fn reload(self: &Arc<App>) -> Result<()> {
        if self.reloading.swap(true, Ordering::SeqCst) {
            return Err(Error::Usage("a reload is already running".into()));
        }
        let result = async {
            let new = (self.reload)()?;
            let old = self.settings.swap(Arc::new(new));
            if let Err(e) = self.load().await {
                self.settings.store(old);
                return Err(e);
            }
            Ok(())
        }
        .await;
        self.reloading.store(false, Ordering::SeqCst);
        result
    }
}

/// The periods computed after a load, in order ([`warm`]): the default period and the
/// quarter before it, with their findings lists (the overview, and the period an
/// inspector compares it with and opens next); then the other quarters of its
/// eight-quarter chart, newest first (each a click further back, and each only one
/// quarter's rules more than the one after it); then the default period's year (one
/// click from the overview, its quarters computed by then); the committee's figures of
/// that year come next ([`warm_committee`]). Then, when the archive's
/// visits (`visited`, the quarters of the first and the last) reach beyond these: the
/// quarter after the default period (the overview's other neighbour), the years before
/// the default period's back to the first visit's, and the quarters before the chart's
/// back to the first visit's, newest first; so that every period of the archive is
/// computed before anyone asks for it.
pub fn warm_plan(default: Period, visited: Option<(Period, Period)>) -> Vec<(Period, bool)> {
    let mut plan = vec![(default, true), (default.previous_quarter(), true)];
    // The chart's quarters end with these two (the default period is a quarter).
    let chart = last_eight_quarters(&default);
    plan.extend(chart.iter().rev().skip(2).map(|q| (*q, false)));
    plan.push((Period::Year(default.year()), false));
    let Some((first, last)) = visited else {
        return plan;
    };
    let next = default.next_quarter();
    if next.first_day() <= last.first_day() {
        plan.push((next, false));
    }
    for year in (first.year()..default.year()).rev() {
        plan.push((Period::Year(year), false));
    }
    let mut q = chart[0].previous_quarter();
    while q.first_day() >= first.first_day() {
        plan.push((q, false));
        q = q.previous_quarter();
    }
    plan
}

/// Computes the figures of [`warm_plan`] right after a load, one period after the
/// other, so that their first views do not wait for them (a page asking meanwhile
/// waits for the same computation, never starts a second one). Stops when the archive
/// is reloaded. With a cache folder they are kept on disk, so after a restart over the
/// same files this takes a moment. The committee's figures of the default period's
/// year ([`warm_committee`]) come right after that year's.
async fn warm(app: Arc<App>, loaded: Arc<Loaded>) {
    let plan = warm_plan(loaded.default_period, loaded.visited);
    let names: Vec<String> = plan.iter().map(|(p, _)| p.to_string()).collect();
    eprintln!(
        "tiexin serve: computing in the background, in this order: {}",
        names.join(", ")
    );
    // The committee's figures come right after the default period's year.
    let year = loaded.default_period.year();
    let split = plan
        .iter()
        .position(|(p, _)| *p == Period::Year(year))
        .map_or(plan.len(), |i| i + 1);
    if !warm_periods(&app, &loaded, &plan[..split]).await {
        return;
    }
    if current(&app, &loaded) {
        warm_committee(&app, &loaded, year).await;
    }
    warm_periods(&app, &loaded, &plan[split..]).await;
}

/// Computes the figures of `periods` (and the findings lists of those marked) one after
/// the other; false when it stopped (a reload, or an error, which the page asking for
/// the same figures shows).
async fn warm_periods(app: &Arc<App>, loaded: &Arc<Loaded>, periods: &[(Period, bool)]) -> bool {
    for (p, list) in periods {
        let start = Instant::now();
        let what = format!("the figures of {p}");
        let done = yielding(app, loaded, &what, || async {
            loaded.prepared(p, p.last_day()).await?;
            if *list {
                loaded.findings(p).await?;
            }
            Ok::<_, Error>(())
        });
        match done.await {
            None => return false,
            Some(Ok(())) => eprintln!(
                "tiexin serve: the figures of {p} are ready ({:.1} s)",
                start.elapsed().as_secs_f64()
            ),
            Some(Err(e)) => {
                eprintln!("error: the figures of {p}: {e}");
                return false;
            }
        }
    }
    true
}

/// Runs the background work `work` (named `what` in the log) once no page computes
/// figures ([`turns::Turns::idle`]); stops it when a page asks for a turn meanwhile
/// ([`turns::Turns::contended`]) and runs it again after that page, so that a page never
/// shares the cores with the background work. `None` when the archive was reloaded.
/// Each try begins afresh, but the rules' and metrics' rows are kept as they come
/// ([`crate::sql::Session::remember`]), so a try mostly loses the query under way.
async fn yielding<T, F, Fut>(app: &App, loaded: &Arc<Loaded>, what: &str, work: F) -> Option<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    loop {
        loaded.turns.idle().await;
        if !current(app, loaded) {
            return None;
        }
        tokio::select! {
            done = work() => return Some(done),
            () = loaded.turns.contended() => {
                eprintln!("tiexin serve: a page asks for figures; {what} waits for it");
            }
        }
    }
}

/// Whether `loaded` is still the archive `app` serves (not replaced by a reload).
fn current(app: &App, loaded: &Arc<Loaded>) -> bool {
    app.loaded
        .load()
        .as_ref()
        .is_some_and(|l| Arc::ptr_eq(l, loaded))
}

/// Computes the award committee's shortlist of `year` and the records behind each
/// nominee's and reserve's score, all at once ([`Loaded::nominees`]), so that the
/// committee's pages do not wait for them (a nominee's first view took about 0.36 s at
/// 1M, and twenty members opening forty nominees queued behind each other for a
/// second). Stops when the archive is reloaded.
async fn warm_committee(app: &Arc<App>, loaded: &Arc<Loaded>, year: i32) {
    let start = Instant::now();
    let params = app.settings.load().shortlist;
    let what = format!("the shortlist of {year}");
    let doc = match yielding(app, loaded, &what, || loaded.shortlist(year, &params)).await {
        None => return,
        Some(Ok(doc)) => doc,
        Some(Err(e)) => {
            eprintln!("error: the shortlist of {year}: {e}");
            return;
        }
    };
    eprintln!(
        "tiexin serve: the shortlist of {year} is ready ({:.1} s)",
        start.elapsed().as_secs_f64()
    );
    let contacts = doc.listed();
    let what = format!(
        "the records of the {} nominees and reserves",
        contacts.len()
    );
    match yielding(app, loaded, &what, || loaded.nominees(year, &contacts)).await {
        None => return,
        Some(Ok(())) => {}
        Some(Err(e)) => {
            eprintln!("error: the records of the nominees of {year}: {e}");
            return;
        }
    }
    eprintln!(
        "tiexin serve: the shortlist of {year} and the records of its {} nominees and \
         reserves are ready ({:.1} s)",
        contacts.len(),
        start.elapsed().as_secs_f64()
    );
}

/// The progress of a load, shown on the console and on the page served meanwhile.
struct Sink<'a> {
    app: &'a App,
}

impl Progress for Sink<'_> {
    fn rows(&self, file: &str, rows: u64) {
        self.app.set_status(&format!("{file}：已读 {rows} 行"));
    }
    fn table_done(&self, t: &LoadedTable) {
        if let Some(s) = &t.source {
            let line = format!("{}：{} 行", s.file_name(), t.read);
            eprintln!("  {line}");
            self.app.set_status(&line);
        }
    }
    fn status(&self, message: &str) {
        eprintln!("{message}");
        self.app.set_status(message);
    }
    fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}

/// Refuses to serve beyond loopback without a TLS reverse proxy in front.
pub fn check_bind(bind: &SocketAddr, behind_proxy: bool) -> Result<()> {
    if !bind.ip().is_loopback() && !behind_proxy {
        return Err(Error::Usage(format!(
            "--bind {bind}: not a loopback address; passwords and session cookies would travel in clear text. Serve behind a TLS reverse proxy and pass --behind-proxy, or bind 127.0.0.1"
        )));
    }
    Ok(())
}

/// Serves until interrupted: listens at once (a page says the archive is loading),
/// loads the archive, reloads it on SIGHUP. An archive that cannot be loaded at start
/// is an error.
pub async fn serve(settings: Settings, reload: Reload) -> Result<i32> {
    check_bind(&settings.bind, settings.behind_proxy)?;
    let log = Log::open(settings.state_dir.as_deref())?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| Error::Usage(format!("--bind {}: cannot listen: {e}", settings.bind)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(format!("the listening address: {e}")))?;
    let start = Instant::now();
    let app = Arc::new(App {
        settings: ArcSwap::from_pointee(settings),
        loaded: ArcSwapOption::empty(),
        status: Mutex::new("正在载入档案".into()),
        sessions: auth::Sessions::default(),
        throttle: auth::Throttle::default(),
        log,
        reload,
        reloading: AtomicBool::new(false),
    });
    eprintln!("tiexin serve: listening on http://{addr}/ (loading the archive…)");
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<Error>();
    {
        let app = app.clone();
        tokio::spawn(async move {
            match app.load().await {
                Ok(()) => eprintln!(
                    "tiexin serve: ready after {:.1} s",
                    start.elapsed().as_secs_f64()
                ),
                Err(e) => {
                    let _ = failed_tx.send(e);
                }
            }
        });
    }
    spawn_sighup(app.clone());
    let router = routes::router(app.clone());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stop_rx.await;
    });
    let server = tokio::spawn(async move { server.await });
    tokio::select! {
        // A load that succeeded drops the sender: this branch is then disabled.
        Ok(e) = failed_rx => {
            let _ = stop_tx.send(());
            Err(e)
        }
        r = server => match r {
            Ok(Ok(())) => Ok(0),
            Ok(Err(e)) => Err(Error::Internal(format!("the server stopped: {e}"))),
            Err(e) => Err(Error::Internal(format!("the server stopped: {e}"))),
        },
        _ = tokio::signal::ctrl_c() => Ok(0),
    }
}

/// Reloads on every SIGHUP.
fn spawn_sighup(app: Arc<App>) {
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            eprintln!("tiexin serve: SIGHUP, reloading the config and the archive…");
            match app.reload().await {
                Ok(()) => eprintln!("tiexin serve: reloaded"),
                Err(e) => {
                    eprintln!("error: reload failed, still serving the archive loaded before: {e}")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::warm_plan;
    use crate::sql::Period;

    fn names(plan: Vec<(Period, bool)>) -> Vec<String> {
        plan.iter()
            .map(|(p, list)| format!("{p}{}", if *list { "+" } else { "" }))
            .collect()
    }

    #[test]
    fn the_plan_reaches_every_period_of_the_archives_visits() {
        let q = Period::quarter;
        // Visits from 2024Q1 to 2026Q4, the last on 2026Q4's last day: the default
        // period is 2026Q4, there is no quarter after it with visits.
        let plan = warm_plan(q(2026, 4), Some((q(2024, 1), q(2026, 4))));
        assert_eq!(
            names(plan),
            [
                "2026Q4+", "2026Q3+", "2026Q2", "2026Q1", "2025Q4", "2025Q3", "2025Q2", "2025Q1",
                "2026", "2025", "2024", "2024Q4", "2024Q3", "2024Q2", "2024Q1"
            ]
        );
        // Visits into 2027Q1 after a default period of 2026Q4: 2027Q1 comes after the year.
        let plan = warm_plan(q(2026, 4), Some((q(2025, 3), q(2027, 1))));
        assert_eq!(
            names(plan),
            [
                "2026Q4+", "2026Q3+", "2026Q2", "2026Q1", "2025Q4", "2025Q3", "2025Q2", "2025Q1",
                "2026", "2027Q1", "2025"
            ]
        );
        // No visit: the default period, its chart and its year only.
        assert_eq!(warm_plan(q(2026, 3), None).len(), 9);
    }
}
