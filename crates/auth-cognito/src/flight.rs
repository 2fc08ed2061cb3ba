//! Single flight whose waiters wake together: the first caller for a key
//! runs the operation (the leader); callers that arrive while it runs
//! wait on a `watch` of its result, and the leader's one `send` wakes all
//! of them at once. Before, they queued on a mutex and were woken one at a
//! time, about a microsecond each.
//!
//! Used for the token refresh (`orchestrator/refresh.rs`) and for the
//! identity-pool calls (`identity/cache.rs`). A leader whose future is
//! dropped before it publishes (a cancelled caller) closes the channel:
//! its waiters then try again, and one of them leads.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::sync::watch;

/// A single-flight slot for operations keyed by `K` with results `T`.
pub(crate) struct Flight<K, T> {
    slot: Mutex<Slot<K, T>>,
}

struct Slot<K, T> {
    /// Ids the flights, so that a finished leader clears only its own.
    next_id: u64,
    current: Option<InFlight<K, T>>,
}

struct InFlight<K, T> {
    id: u64,
    key: K,
    result: watch::Receiver<Option<T>>,
}

/// What a caller does, decided under the slot's lock.
enum Step<T> {
    /// Run the operation and publish its result.
    Lead(watch::Sender<Option<T>>, u64),
    /// Adopt the result of the flight in progress.
    Join(watch::Receiver<Option<T>>),
    /// A flight this caller may not join is in progress: wait for it to
    /// end, then decide again.
    Wait(watch::Receiver<Option<T>>),
}

impl<K, T> Default for Flight<K, T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(Slot {
                next_id: 0,
                current: None,
            }),
        }
    }
}

impl<K: Clone, T: Clone> Flight<K, T> {
    /// Runs `lead` unless a flight that `joins` accepts is in progress, in
    /// which case its result is returned instead. `joins` is given the key
    /// of the flight in progress; a flight it refuses is waited for, and then
    /// the caller decides again (it may lead the next flight).
    pub(crate) async fn run<Fut>(
        &self,
        key: K,
        joins: impl Fn(&K) -> bool,
        lead: impl FnOnce() -> Fut,
    ) -> T
    where
        Fut: Future<Output = T>,
    {
        let (tx, id) = loop {
            match self.step(&key, &joins) {
                Step::Lead(tx, id) => break (tx, id),
                Step::Join(mut rx) => {
                    if let Ok(value) = rx.wait_for(Option::is_some).await
                        && let Some(v) = value.as_ref()
                    {
                        return v.clone();
                    }
                    // The leader was dropped before it published: try again.
                }
                Step::Wait(mut rx) => {
                    let _ = rx.wait_for(Option::is_some).await;
                    // Its leader clears the slot just after publishing.
                    tokio::task::yield_now().await;
                }
            }
        };
        let _clear = ClearOnDrop { flight: self, id };
        let value = lead().await;
        // Every waiter wakes now, together.
        tx.send_replace(Some(value.clone()));
        value
    }

    /// Joins, waits or leads, under the slot's lock (held for a few
    /// instructions, never across an `await`).
    fn step(&self, key: &K, joins: &impl Fn(&K) -> bool) -> Step<T> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(current) = &slot.current {
            return if joins(&current.key) {
                Step::Join(current.result.clone())
            } else {
                Step::Wait(current.result.clone())
            };
        }
        let (tx, rx) = watch::channel(None);
        slot.next_id = slot.next_id.wrapping_add(1);
        let id = slot.next_id;
        slot.current = Some(InFlight {
            id,
            key: key.clone(),
            result: rx,
        });
        Step::Lead(tx, id)
    }
}

/// Ends the leader's flight when its future completes or is dropped.
struct ClearOnDrop<'a, K, T> {
    flight: &'a Flight<K, T>,
    id: u64,
}

impl<K, T> Drop for ClearOnDrop<'_, K, T> {
    fn drop(&mut self) {
        let mut slot = self
            .flight
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.current.as_ref().is_some_and(|c| c.id == self.id) {
            slot.current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::Notify;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_that_arrive_during_a_flight_share_its_one_run() {
        let flight = Arc::new(Flight::<(), usize>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(Notify::new());
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let leader = {
            let (flight, runs, release) = (flight.clone(), runs.clone(), release.clone());
            tokio::spawn(async move {
                flight
                    .run(
                        (),
                        |_| true,
                        || async {
                            let _ = started_tx.send(());
                            release.notified().await;
                            runs.fetch_add(1, Ordering::SeqCst) + 41
                        },
                    )
                    .await
            })
        };
        started_rx.await.expect("the leader runs");
        let decided = Arc::new(AtomicUsize::new(0));
        let joiners: Vec<_> = (0..100)
            .map(|_| {
                let (flight, runs, decided) = (flight.clone(), runs.clone(), decided.clone());
                tokio::spawn(async move {
                    let joins = |_: &()| {
                        decided.fetch_add(1, Ordering::SeqCst);
                        true
                    };
                    flight
                        .run(
                            (),
                            joins,
                            || async move { runs.fetch_add(1, Ordering::SeqCst) },
                        )
                        .await
                })
            })
            .collect();
        // Every joiner has found the flight in progress before it finishes.
        while decided.load(Ordering::SeqCst) < 100 {
            tokio::task::yield_now().await;
        }
        release.notify_one();
        assert_eq!(leader.await.expect("join"), 41);
        for j in joiners {
            assert_eq!(j.await.expect("join"), 41, "every joiner adopts the result");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one run for 101 callers");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_may_not_join_runs_after_the_flight() {
        let flight = Arc::new(Flight::<bool, &'static str>::default());
        let release = Arc::new(Notify::new());
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let first = {
            let (flight, release) = (flight.clone(), release.clone());
            tokio::spawn(async move {
                flight
                    .run(
                        false,
                        |_| true,
                        || async {
                            let _ = started_tx.send(());
                            release.notified().await;
                            "unforced"
                        },
                    )
                    .await
            })
        };
        started_rx.await.expect("the first flight runs");
        // Joins only forced flights: waits, then leads its own.
        let saw_unforced = Arc::new(AtomicUsize::new(0));
        let second = {
            let (flight, saw) = (flight.clone(), saw_unforced.clone());
            tokio::spawn(async move {
                let joins = |forced: &bool| {
                    if !*forced {
                        saw.fetch_add(1, Ordering::SeqCst);
                    }
                    *forced
                };
                flight.run(true, joins, || async { "forced" }).await
            })
        };
        while saw_unforced.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        release.notify_one();
        assert_eq!(first.await.expect("join"), "unforced");
        assert_eq!(second.await.expect("join"), "forced");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_leader_hands_the_flight_to_a_waiter() {
        let flight = Arc::new(Flight::<(), u32>::default());
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let leader = {
            let flight = flight.clone();
            tokio::spawn(async move {
                flight
                    .run(
                        (),
                        |_| true,
                        || async {
                            let _ = started_tx.send(());
                            std::future::pending::<u32>().await
                        },
                    )
                    .await
            })
        };
        started_rx.await.expect("the leader runs");
        let joined = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (flight, joined) = (flight.clone(), joined.clone());
            tokio::spawn(async move {
                let joins = |_: &()| {
                    joined.fetch_add(1, Ordering::SeqCst);
                    true
                };
                flight.run((), joins, || async { 7 }).await
            })
        };
        // The waiter has joined the leader's flight before the leader dies.
        while joined.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        leader.abort();
        assert!(leader.await.expect_err("aborted").is_cancelled());
        assert_eq!(
            waiter.await.expect("join"),
            7,
            "the waiter led the next flight"
        );
        assert_eq!(
            flight.run((), |_| true, || async { 8 }).await,
            8,
            "no flight is left behind"
        );
    }
}
