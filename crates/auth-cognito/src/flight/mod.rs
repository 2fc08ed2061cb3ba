//! Single flight whose waiters wake together: the first caller for a key
//! runs the operation (the leader); callers that arrive while it runs
//! wait on a `watch` of its result, and the leader's one `send` wakes all
//! of them at once. Before, they queued on a mutex and were woken one at a
//! time, about a microsecond each.
//!
//! A caller may also hold a [`Ticket`], taken when it *called* (before its
//! future was first polled): it then adopts the result of a flight that
//! started after its ticket and has completed by the time it runs. Such a
//! flight began after the call, so its result reflects everything that
//! happened before the call, just as a flight joined in progress does. Only
//! the last completed flight is kept, and only while a ticket is alive.
//!
//! Used for the token refresh (`orchestrator/refresh.rs`), for the
//! identity-pool calls (`identity/cache.rs`) and for the whole fetch of
//! unforced callers on expired tokens (`expired_flight.rs`, which joins
//! with [`Flight::join_now`] and rekeys with [`Flight::rekey`]). A leader whose future is
//! dropped before it publishes (a cancelled caller) closes the channel:
//! its waiters then try again, and one of them leads.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::watch;

/// A single-flight slot for operations keyed by `K` with results `T`.
pub(crate) struct Flight<K, T> {
    slot: Mutex<Slot<K, T>>,
    /// The id of the last flight started (ids count from 1): a ticket is a
    /// load of it. Written under the slot's lock, read without it.
    started: AtomicU64,
    /// Tickets alive: a completed result is kept only while there are some.
    tickets: AtomicUsize,
}

struct Slot<K, T> {
    current: Option<InFlight<K, T>>,
    /// The last flight that published, for ticket holders not yet run.
    /// Boxed: an idle session pays one pointer for it.
    completed: Option<Box<Completed<K, T>>>,
}

struct InFlight<K, T> {
    id: u64,
    key: K,
    result: watch::Receiver<Option<T>>,
}

struct Completed<K, T> {
    id: u64,
    key: K,
    value: T,
}

/// Taken when a caller calls, before its future runs: the caller may adopt
/// a flight that started after it (see the module docs). Dropping the last
/// ticket drops the kept result.
pub(crate) struct Ticket<'a, K, T> {
    flight: &'a Flight<K, T>,
    /// The id of the last flight started when the ticket was taken.
    after: u64,
}

/// A flight in progress, joined without a future of the caller's own
/// ([`Flight::join_now`]): waiting on it costs a receiver and its wait.
pub(crate) struct Joined<T>(watch::Receiver<Option<T>>);

impl<T: Clone> Joined<T> {
    /// The leader's result, or `None` when its future was dropped before it
    /// published (the caller then decides again, and may lead).
    pub(crate) async fn result(mut self) -> Option<T> {
        match self.0.wait_for(Option::is_some).await {
            Ok(value) => Option::clone(&value),
            Err(_) => None,
        }
    }
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
    /// A flight that started after the caller's ticket has completed.
    Adopt(T),
}

impl<K, T> Default for Flight<K, T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(Slot {
                current: None,
                completed: None,
            }),
            started: AtomicU64::new(0),
            tickets: AtomicUsize::new(0),
        }
    }
}

impl<K, T> Flight<K, T> {
    /// A ticket for a caller calling now: no lock, two atomic operations.
    pub(crate) fn ticket(&self) -> Ticket<'_, K, T> {
        // Counted before the id is read: a leader that publishes after a
        // flight this ticket may adopt started sees the count (SeqCst).
        self.tickets.fetch_add(1, Ordering::SeqCst);
        Ticket {
            flight: self,
            after: self.started.load(Ordering::SeqCst),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot<K, T>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Clone, T: Clone> Flight<K, T> {
    /// Runs `lead` unless a flight that `joins` accepts is in progress, in
    /// which case its result is returned instead. `joins` is given the key
    /// of the flight in progress; a flight it refuses is waited for, and then
    /// the caller decides again (it may lead the next flight).
    ///
    /// A caller holding `ticket` first adopts the result of a completed
    /// flight that started after the ticket, when `joins` accepts its key
    /// and `adopts` its value (a value the caller knows to be outdated
    /// since, for example, is refused).
    pub(crate) async fn run_after<Fut>(
        &self,
        ticket: Option<Ticket<'_, K, T>>,
        key: K,
        joins: impl Fn(&K) -> bool,
        adopts: impl Fn(&T) -> bool,
        lead: impl FnOnce() -> Fut,
    ) -> T
    where
        Fut: Future<Output = T>,
    {
        let after = ticket.as_ref().map(|t| t.after);
        let (tx, id) = loop {
            match self.step(&key, &joins, &adopts, after) {
                Step::Lead(tx, id) => break (tx, id),
                Step::Adopt(value) => return value,
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
        // A leader has no use for its ticket: the flight it leads started
        // after it. Dropped now, so that it does not keep a result alive.
        drop(ticket);
        let clear = ClearOnDrop { flight: self, id };
        let value = lead().await;
        // Every waiter wakes now, together.
        tx.send_replace(Some(value.clone()));
        clear.complete(value.clone());
        value
    }

    /// The flight in progress, when `joins` accepts its key: a caller that
    /// only waits joins it here, with no `run_after` future of its own.
    /// `None`: no such flight, call [`run_after`](Self::run_after).
    pub(crate) fn join_now(&self, joins: impl Fn(&K) -> bool) -> Option<Joined<T>> {
        let slot = self.lock();
        let current = slot.current.as_ref()?;
        joins(&current.key).then(|| Joined(current.result.clone()))
    }

    /// Gives the flight in progress, when its key is `from`, the key `to`:
    /// from now on it is joined by the callers `to` stands for (a leader
    /// whose first step changed what its result belongs to calls it).
    pub(crate) fn rekey(&self, from: &K, to: K)
    where
        K: PartialEq,
    {
        let mut slot = self.lock();
        if let Some(current) = slot.current.as_mut()
            && current.key == *from
        {
            current.key = to;
        }
    }

    /// Adopts, joins, waits or leads, under the slot's lock (held for a few
    /// instructions, never across an `await`).
    fn step(
        &self,
        key: &K,
        joins: &impl Fn(&K) -> bool,
        adopts: &impl Fn(&T) -> bool,
        after: Option<u64>,
    ) -> Step<T> {
        let mut slot = self.lock();
        if let (Some(after), Some(done)) = (after, &slot.completed)
            && done.id > after
            && joins(&done.key)
            && adopts(&done.value)
        {
            return Step::Adopt(done.value.clone());
        }
        if let Some(current) = &slot.current {
            return if joins(&current.key) {
                Step::Join(current.result.clone())
            } else {
                Step::Wait(current.result.clone())
            };
        }
        let (tx, rx) = watch::channel(None);
        let id = self.started.load(Ordering::SeqCst).wrapping_add(1);
        self.started.store(id, Ordering::SeqCst);
        slot.current = Some(InFlight {
            id,
            key: key.clone(),
            result: rx,
        });
        Step::Lead(tx, id)
    }
}

impl<K, T> Drop for Ticket<'_, K, T> {
    fn drop(&mut self) {
        let flight = self.flight;
        if flight.tickets.fetch_sub(1, Ordering::SeqCst) == 1 {
            let mut slot = flight.lock();
            // A ticket taken meanwhile is newer than the kept result.
            if flight.tickets.load(Ordering::SeqCst) == 0 {
                slot.completed = None;
            }
        }
    }
}

/// Ends the leader's flight when its future completes or is dropped.
struct ClearOnDrop<'a, K, T> {
    flight: &'a Flight<K, T>,
    id: u64,
}

impl<K, T> ClearOnDrop<'_, K, T> {
    /// Ends the flight with `value`, kept for ticket holders if any.
    fn complete(self, value: T) {
        let mut slot = self.flight.lock();
        if let Some(current) = slot.current.take_if(|c| c.id == self.id)
            && self.flight.tickets.load(Ordering::SeqCst) > 0
        {
            slot.completed = Some(Box::new(Completed {
                id: self.id,
                key: current.key,
                value,
            }));
        }
        // `drop(self)` finds nothing left to clear.
    }
}

impl<K, T> Drop for ClearOnDrop<'_, K, T> {
    fn drop(&mut self) {
        let mut slot = self.flight.lock();
        if slot.current.as_ref().is_some_and(|c| c.id == self.id) {
            slot.current = None;
        }
    }
}

#[cfg(test)]
mod tests;
