//! Turns for computing figures: pages and the background work ([`crate::web`]'s
//! warm-up) take one each, as many at once as there are cores; the background work
//! starts only when no page computes ([`Turns::idle`]) and stops when one asks
//! ([`Turns::contended`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{Error, Result};

/// How often [`Turns::idle`] and [`Turns::contended`] look at the turns.
const POLL: Duration = Duration::from_millis(20);

/// Turns for computing figures. Each query already uses every core, so more at once
/// only adds their memory (20 clients opening 20 nominee pages of a 1M archive took
/// the server past 5 GiB).
pub struct Turns {
    all: usize,
    free: Semaphore,
    /// How many computations are waiting for a turn.
    waiting: AtomicUsize,
}

impl Turns {
    /// `all` turns (at least one).
    pub fn new(all: usize) -> Turns {
        let all = all.max(1);
        Turns {
            all,
            free: Semaphore::new(all),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Waits for a turn; the turn ends when the permit is dropped.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>> {
        let permit = {
            let _waiting = Waiting::new(&self.waiting);
            self.free.acquire().await
        };
        permit.map_err(|e| Error::Internal(format!("waiting for a turn to compute: {e}")))
    }

    /// Waits until no computation holds or waits for a turn.
    pub async fn idle(&self) {
        while self.busy() > 0 {
            tokio::time::sleep(POLL).await;
        }
    }

    /// Resolves once two computations hold or wait for a turn. The background work
    /// holds at most one, so while it runs this means a page is computing figures or
    /// waiting to.
    pub async fn contended(&self) {
        while self.busy() < 2 {
            tokio::time::sleep(POLL).await;
        }
    }

    /// The computations holding or waiting for a turn.
    fn busy(&self) -> usize {
        self.all - self.free.available_permits() + self.waiting.load(Ordering::SeqCst)
    }
}

/// Counts one computation waiting for a turn while it lives (also when the page that
/// waited is dropped before its turn came).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Turns;

    /// Whether `f` finishes within 200 ms.
    async fn finishes(f: impl std::future::Future<Output = ()>) -> bool {
        tokio::time::timeout(Duration::from_millis(200), f)
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_second_computation_contends_with_the_first_whether_it_holds_or_waits() {
        for all in [1, 2] {
            let turns = Turns::new(all);
            assert!(finishes(turns.idle()).await, "{all} turns: idle at first");
            assert!(
                !finishes(turns.contended()).await,
                "{all} turns: nobody computes"
            );
            let background = turns.turn().await.unwrap();
            assert!(
                !finishes(turns.idle()).await,
                "{all} turns: one holds a turn"
            );
            assert!(
                !finishes(turns.contended()).await,
                "{all} turns: only one computes"
            );
            // A page asks: with one turn it waits, with two it holds the other one.
            let asking = turns.turn();
            tokio::pin!(asking);
            let held = tokio::select! {
                p = &mut asking => Some(p.unwrap()),
                () = tokio::time::sleep(Duration::from_millis(50)) => None,
            };
            assert_eq!(held.is_some(), all == 2, "{all} turns: the page's turn");
            assert!(
                finishes(turns.contended()).await,
                "{all} turns: a page asks"
            );
            // The background work stops: the page computes alone.
            drop(background);
            let page = match held {
                Some(p) => p,
                None => asking.await.unwrap(),
            };
            assert!(
                !finishes(turns.contended()).await,
                "{all} turns: the page alone"
            );
            drop(page);
            assert!(finishes(turns.idle()).await, "{all} turns: idle again");
        }
    }

    #[tokio::test]
    async fn a_page_dropped_while_waiting_no_longer_counts() {
        let turns = Turns::new(1);
        let held = turns.turn().await.unwrap();
        {
            let asking = turns.turn();
            assert!(
                !finishes(async {
                    let _permit = asking.await.unwrap();
                })
                .await
            );
        }
        assert!(!finishes(turns.contended()).await);
        drop(held);
        assert!(finishes(turns.idle()).await);
    }
}
