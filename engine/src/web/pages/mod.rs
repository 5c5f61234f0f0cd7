//! One module per page of the console.

pub mod audits;
pub mod corrections;
pub mod documents;
pub mod findings;
pub mod nominee;
mod records;
pub mod shortlist;
pub mod union;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;

use super::routes::{computing, failed};
use super::state::Loaded;
use crate::error::Result;

/// How long a page waits for figures computed on its view before it says what is being
/// computed instead (the browser asks again every 2 s, [`computing`]): 1.5 s, or
/// `TIEXIN_SERVE_WAIT_MS` milliseconds (the tests set 0 to see that page).
pub fn wait() -> Duration {
    static WAIT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *WAIT.get_or_init(|| {
        let ms = std::env::var("TIEXIN_SERVE_WAIT_MS").ok();
        Duration::from_millis(ms.and_then(|m| m.parse().ok()).unwrap_or(1500))
    })
}

/// `work`'s result if it is done within [`wait`]; else the page saying that `what` is
/// being computed and since when. The work goes on without the page: it continues as
/// its own task, and the page's next refresh waits for the same computation (each of
/// [`Loaded`]'s figures is computed once). Figures already computed come at the first
/// poll, whatever the wait.
pub async fn within<T, F>(l: &Arc<Loaded>, what: String, work: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let since = l.computing_since(&what);
    let mut work = Box::pin(work);
    match tokio::time::timeout(wait(), &mut work).await {
        Ok(done) => {
            l.computed(&what);
            done.map_err(failed)
        }
        Err(_) => {
            let page = computing(&what, since.elapsed());
            let l = l.clone();
            tokio::spawn(async move {
                // Its result is kept by `Loaded`; an error shows on the next refresh.
                let _ = work.await;
                l.computed(&what);
            });
            Err(page)
        }
    }
}
