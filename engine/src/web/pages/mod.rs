//! One module per page of the console.

pub mod audits;
pub mod corrections;
pub mod documents;
pub mod findings;
pub mod nominee;
mod records;
pub mod shortlist;
pub mod union;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::response::Response;

use super::routes::{computing, failed};
use super::state::Loaded;
use crate::error::{Error, Result};

/// How long a page waits for figures computed on its view before it says what is being
/// computed instead (the browser asks again at once, [`computing`]): 1.5 s, or
/// `TIEXIN_SERVE_WAIT_MS` milliseconds (the tests set 0 to see that page).
pub fn wait() -> Duration {
    static WAIT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *WAIT.get_or_init(|| {
        let ms = std::env::var("TIEXIN_SERVE_WAIT_MS").ok();
        Duration::from_millis(ms.and_then(|m| m.parse().ok()).unwrap_or(1500))
    })
}

/// The computations pages left under way, by what they compute: since when each runs,
/// or the error it ended with.
#[derive(Default)]
pub struct Pending(Mutex<HashMap<String, std::result::Result<Instant, String>>>);

impl Pending {
    /// The error `what` ended with after its page was served without it, taken: the next
    /// page shows it instead of starting `what` again, the one after that tries again.
    fn failure(&self, what: &str) -> Option<String> {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match m.get(what) {
            Some(Err(_)) => m.remove(what).and_then(|r| r.err()),
            _ => None,
        }
    }

    /// Since when `what` runs: `asked`, unless an earlier page already left it under way.
    fn started(&self, what: &str, asked: Instant) -> Instant {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match m.entry(what.to_string()).or_insert(Ok(asked)) {
            Ok(since) => *since,
            Err(_) => asked,
        }
    }

    /// `what`, left under way by its page, is done, or failed with `failure`.
    fn done(&self, what: &str, failure: Option<String>) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match failure {
            Some(why) => m.insert(what.to_string(), Err(why)),
            None => m.remove(what),
        };
    }
}

/// The result of `work` (given the loaded archive) if it is done within [`wait`]; else
/// the page saying that `what` is being computed and since when. The work goes on
/// without the page: it continues as its own task, and the page's next refresh waits
/// for the same computation (each of the console's figures is computed once,
/// [`Loaded`]), or shows the error it ended with. Figures already computed come at the
/// first poll, whatever the wait.
pub async fn within<T, F, W>(l: &Arc<Loaded>, what: String, work: W) -> Result<T, Response>
where
    T: Send + 'static,
    W: FnOnce(Arc<Loaded>) -> F,
    F: Future<Output = Result<T>> + Send + 'static,
{
    within_for(wait(), &l.pending, what, work(l.clone())).await
}

async fn within_for<T, F>(
    wait: Duration,
    pending: &Arc<Pending>,
    what: String,
    work: F,
) -> Result<T, Response>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let asked = Instant::now();
    if let Some(why) = pending.failure(&what) {
        return Err(failed(Error::Query(why)));
    }
    let mut work = Box::pin(work);
    match tokio::time::timeout(wait, &mut work).await {
        Ok(done) => done.map_err(failed),
        Err(_) => {
            let since = pending.started(&what, asked);
            let page = computing(&what, since.elapsed(), wait);
            let pending = pending.clone();
            tokio::spawn(async move {
                // Its result is kept by `Loaded`; an error is shown by the next page.
                let failure = work.await.err().map(|e| e.to_string());
                pending.done(&what, failure);
            });
            Err(page)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{within_for, Pending};
    use crate::error::{Error, Result};

    const WAIT: Duration = Duration::from_millis(50);

    async fn status(
        pending: &Arc<Pending>,
        work: impl std::future::Future<Output = Result<u8>> + Send + 'static,
    ) -> std::result::Result<u8, u16> {
        within_for(WAIT, pending, "x".into(), work)
            .await
            .map_err(|r| r.status().as_u16())
    }

    #[tokio::test]
    async fn a_computation_left_under_way_is_waited_for_or_its_error_shown_once() {
        let pending = Arc::new(Pending::default());
        // Done in time: the figures.
        assert_eq!(status(&pending, async { Ok(1) }).await, Ok(1));
        // Not done in time: 202, and the work goes on.
        let slow = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Err::<u8, _>(Error::Query("boom".into()))
        };
        assert_eq!(status(&pending, slow).await, Err(202));
        // Asked again while it runs (here a page whose own wait ends first): 202.
        let waiting = tokio::time::sleep(Duration::from_secs(2));
        let again = async move {
            waiting.await;
            Ok(2)
        };
        assert_eq!(status(&pending, again).await, Err(202));
        // It fails meanwhile: the next page shows the error, without running its work.
        for _ in 0..500 {
            if matches!(pending.0.lock().unwrap().get("x"), Some(Err(_))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let never = async { panic!("the failed computation is not started again") };
        assert_eq!(status(&pending, never).await, Err(500));
        // The one after tries again.
        assert_eq!(status(&pending, async { Ok(3) }).await, Ok(3));
    }

    /// A page that waits for its figures on each ask (a long poll) is asked again at
    /// once; one that does not wait, every 2 s.
    #[tokio::test]
    async fn the_computing_page_is_asked_again_at_once_when_each_ask_waits() {
        for (wait, refresh) in [(Duration::from_millis(600), "0"), (WAIT, "2")] {
            let pending = Arc::new(Pending::default());
            let slow = async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                Ok(1)
            };
            let Err(page) = within_for(wait, &pending, format!("y{refresh}"), slow).await else {
                panic!("the figures came before the wait ended");
            };
            assert_eq!(page.status().as_u16(), 202);
            assert_eq!(page.headers()["refresh"], refresh, "{wait:?}");
        }
    }
}
