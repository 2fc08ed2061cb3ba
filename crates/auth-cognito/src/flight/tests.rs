//! The flight's unit tests: joining, waiting, dropped leaders, and tickets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

use super::*;

/// Spawns a leader of `flight` whose operation never ends, and waits until
/// it runs (the caller aborts it to model a cancelled caller).
async fn spawn_stuck_leader(flight: &Arc<Flight<(), u32>>) -> tokio::task::JoinHandle<u32> {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let flight = flight.clone();
    let leader = tokio::spawn(async move {
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
    });
    started_rx.await.expect("the leader runs");
    leader
}

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
    let leader = spawn_stuck_leader(&flight).await;
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

impl<K, T> Flight<K, T> {
    /// Whether a completed flight's result is kept.
    fn keeps_a_result(&self) -> bool {
        self.lock().completed.is_some()
    }
}

impl<K: Clone, T: Clone> Flight<K, T> {
    /// A caller without a ticket.
    async fn run<Fut: Future<Output = T>>(
        &self,
        key: K,
        joins: impl Fn(&K) -> bool,
        lead: impl FnOnce() -> Fut,
    ) -> T {
        self.run_after(None, key, joins, |_| false, lead).await
    }
}

/// A flight of `value` by a caller without a ticket.
async fn complete(
    flight: &Flight<(), Result<u32, &'static str>>,
    value: Result<u32, &'static str>,
) {
    let got = flight.run((), |_| true, || async { value }).await;
    assert_eq!(got, value, "the leader gets its own result");
}

#[tokio::test]
async fn a_ticket_adopts_a_flight_that_started_after_it_and_completed() {
    let flight = Flight::<(), Result<u32, &'static str>>::default();
    let ticket = flight.ticket();
    complete(&flight, Ok(1)).await;
    let runs = AtomicUsize::new(0);
    let got = flight
        .run_after(
            Some(ticket),
            (),
            |_| true,
            |_| true,
            || async {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(2)
            },
        )
        .await;
    assert_eq!(got, Ok(1), "the completed flight's result");
    assert_eq!(runs.load(Ordering::SeqCst), 0, "no second run");
    assert!(
        !flight.keeps_a_result(),
        "the last ticket took the result with it"
    );
}

#[tokio::test]
async fn a_ticket_refuses_a_flight_that_completed_before_it() {
    let flight = Flight::<(), Result<u32, &'static str>>::default();
    // An older ticket keeps the result alive, so that it is there to refuse.
    let older = flight.ticket();
    complete(&flight, Ok(1)).await;
    assert!(flight.keeps_a_result());
    let ticket = flight.ticket();
    let got = flight
        .run_after(Some(ticket), (), |_| true, |_| true, || async { Ok(2) })
        .await;
    assert_eq!(
        got,
        Ok(2),
        "a new flight: the completed one started before the call"
    );
    // The older ticket adopts the newest flight that started after it.
    let got = flight
        .run_after(Some(older), (), |_| true, |_| true, || async { Ok(3) })
        .await;
    assert_eq!(got, Ok(2));
    assert!(!flight.keeps_a_result());
}

#[tokio::test]
async fn a_failed_flight_is_adopted_as_its_leader_got_it() {
    let flight = Flight::<(), Result<u32, &'static str>>::default();
    let ticket = flight.ticket();
    complete(&flight, Err("refused")).await;
    let got = flight
        .run_after(Some(ticket), (), |_| true, |_| true, || async { Ok(2) })
        .await;
    assert_eq!(got, Err("refused"), "the same answer as the leader's");
}

#[tokio::test]
async fn a_refused_key_or_value_is_not_adopted() {
    let flight = Flight::<bool, u32>::default();
    let (first, second) = (flight.ticket(), flight.ticket());
    // An unforced flight, then a forced caller that joins only forced ones.
    assert_eq!(flight.run(false, |_| true, || async { 1 }).await, 1);
    let got = flight
        .run_after(
            Some(first),
            true,
            |forced| *forced,
            |_| true,
            || async { 2 },
        )
        .await;
    assert_eq!(got, 2, "the key was refused");
    // A completed forced flight whose value the caller knows is outdated.
    let got = flight
        .run_after(
            Some(second),
            true,
            |forced| *forced,
            |v| *v != 2,
            || async { 3 },
        )
        .await;
    assert_eq!(got, 3, "the value was refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_leader_leaves_nothing_for_a_ticket_to_adopt() {
    let flight = Arc::new(Flight::<(), u32>::default());
    let ticket = flight.ticket();
    let leader = spawn_stuck_leader(&flight).await;
    leader.abort();
    assert!(leader.await.expect_err("aborted").is_cancelled());
    assert!(
        !flight.keeps_a_result(),
        "the dropped leader published nothing"
    );
    let got = flight
        .run_after(Some(ticket), (), |_| true, |_| true, || async { 7 })
        .await;
    assert_eq!(got, 7, "the ticket holder led the next flight");
}

#[tokio::test]
async fn no_result_is_kept_without_a_ticket() {
    let flight = Flight::<(), Result<u32, &'static str>>::default();
    complete(&flight, Ok(1)).await;
    assert!(!flight.keeps_a_result(), "nobody could adopt it");
    let ticket = flight.ticket();
    complete(&flight, Ok(2)).await;
    assert!(flight.keeps_a_result(), "kept for the ticket");
    drop(ticket);
    assert!(!flight.keeps_a_result(), "dropped with the last ticket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_ticketed_in_one_loop_share_one_run() {
    // 'static, so that the tickets can move into spawned tasks.
    let flight: &'static Flight<(), usize> = Box::leak(Box::default());
    let runs = Arc::new(AtomicUsize::new(0));
    // Every caller takes its ticket first (as the plugin's method does when
    // it is called), then the tasks run in whatever order the runtime picks:
    // the first to run leads, the rest join or adopt its flight.
    let tickets: Vec<_> = (0..2_000).map(|_| flight.ticket()).collect();
    let callers: Vec<_> = tickets
        .into_iter()
        .map(|ticket| {
            let runs = runs.clone();
            tokio::spawn(async move {
                flight
                    .run_after(
                        Some(ticket),
                        (),
                        |_| true,
                        |_| true,
                        || async move { runs.fetch_add(1, Ordering::SeqCst) + 10 },
                    )
                    .await
            })
        })
        .collect();
    for c in callers {
        assert_eq!(c.await.expect("join"), 10);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one run for 2,000 callers");
    assert!(
        !flight.keeps_a_result(),
        "the last ticket took the result with it"
    );
    // A caller after them all asks anew.
    let ticket = flight.ticket();
    let again = flight
        .run_after(Some(ticket), (), |_| true, |_| true, || async { 20 })
        .await;
    assert_eq!(again, 20);
}

/// `join_now` joins only a flight in progress whose key it accepts, and
/// `rekey` changes which callers that is; a dropped leader gives `None`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_now_follows_the_key_of_the_flight_in_progress() {
    let flight = Arc::new(Flight::<u64, u32>::default());
    assert!(flight.join_now(|_| true).is_none(), "no flight in progress");
    let release = Arc::new(Notify::new());
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let leader = {
        let (flight, release) = (flight.clone(), release.clone());
        tokio::spawn(async move {
            flight
                .run_after(
                    None,
                    1,
                    |k| *k == 1,
                    |_| true,
                    || async {
                        let _ = started_tx.send(());
                        release.notified().await;
                        7
                    },
                )
                .await
        })
    };
    started_rx.await.expect("the leader runs");
    assert!(flight.join_now(|k| *k == 2).is_none(), "another key");
    let early = flight.join_now(|k| *k == 1).expect("joins key 1");
    flight.rekey(&5, 6);
    assert!(
        flight.join_now(|k| *k == 6).is_none(),
        "rekey from another key"
    );
    flight.rekey(&1, 2);
    assert!(
        flight.join_now(|k| *k == 1).is_none(),
        "rekeyed away from 1"
    );
    let late = flight.join_now(|k| *k == 2).expect("joins key 2");
    release.notify_one();
    assert_eq!(early.result().await, Some(7));
    assert_eq!(late.result().await, Some(7));
    assert_eq!(leader.await.unwrap(), 7);
    assert!(flight.join_now(|_| true).is_none(), "the flight ended");

    let stuck = Arc::new(Flight::<(), u32>::default());
    let leader = spawn_stuck_leader(&stuck).await;
    let joined = stuck.join_now(|_| true).expect("joins");
    leader.abort();
    assert_eq!(joined.result().await, None, "the leader was dropped");
}
