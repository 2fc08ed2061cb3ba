//! Per-thread replicas of a value published by a version counter: the
//! mechanism behind the cached `fetch_auth_session` (`snapshot_hot.rs`).
//!
//! # Why replicas
//!
//! A cached call hands out an owned session. An
//! [`AuthSession`](auth_core::types::AuthSession) is one `Arc` handle over
//! its tokens, credentials and ids, so a clone is one reference-count
//! increment (and its drop one decrement). Cloned from one handle shared by
//! every thread, two cores calling at once would bounce that count's cache
//! line between them (the earlier code, which cloned seven `Arc`s from the
//! shared snapshot per call, scaled to 1.14× on 2 threads). The
//! alternatives considered:
//!
//! - a seqlock or an `arc-swap` read: the read itself writes nothing shared,
//!   but what it reads still has to be cloned out, and that clone is the
//!   shared write;
//! - borrowed views instead of clones: callers could not keep a session
//!   past the call, nor send it to another task;
//! - one replica per thread, which is what this is: each thread keeps a
//!   handle of its own, made by itself (so in its own allocator arena),
//!   that no other thread holds. Its parts (the tokens' and secrets'
//!   buffers) are the snapshot's, shared, but a cached call never clones
//!   them: it clones the handle only. What a call reads of shared memory
//!   (the version, the pointer to the per-thread table, the table's bucket)
//!   is written only when the session changes or a thread first calls, so
//!   those lines stay shared-clean in every core's cache; everything a call
//!   writes (its slot's `RefCell` flag, its handle's reference count) is on
//!   lines of its own thread. The thread's slot is padded to 128 bytes, so
//!   that neighbouring slots of the table do not share a line.
//!
//! Reading per thread costs a table lookup (`thread_local`'s `ThreadLocal`:
//! a thread-local id and two loads) and a new handle when the session
//! changes (a few reference counts and one allocation, once per thread per
//! change).
//!
//! # Correctness
//!
//! Every change of the published value stores it first and then bumps the
//! version ([`Replicas::bump`], with `Release`). A read loads the version
//! (`Acquire`) before anything else and builds a replica tagged with the
//! version it loaded. So a replica is never tagged with a version later
//! than its content: once a change has returned, every later call (on any
//! thread that is ordered after it) loads a version past every replica
//! built before the change, and rebuilds. A replica built from newer
//! content than its tag is merely rebuilt once more. Replicas also carry a
//! time after which they are not served (token and credential expiry).
//!
//! Replicas live until their plugin is dropped; an outdated one keeps the
//! old tokens alive until its thread next calls (the outdated handle is
//! dropped then, before the new one is built). A thread that exits leaves
//! its slot to the next thread that gets its id: the version still decides
//! whether the slot's replica is served. Nothing is allocated
//! before the first replica is built: an idle session (one whose cached
//! path has never served a call) holds no table and no handle. A thread
//! that serves a session holds one handle (136 bytes: the tokens and
//! credentials are the snapshot's) plus a slot of 256 bytes.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use auth_core::clock::Deadline;
use thread_local::ThreadLocal;

/// A value alone on its cache lines: 128 bytes, the pair of lines that
/// x86's adjacent-line prefetcher moves together.
#[repr(align(128))]
#[derive(Debug, Default)]
struct CacheLine<T>(T);

/// One thread's replica, with the version it was built at.
struct Replica<T> {
    version: u64,
    /// Served while the clock is before this time.
    valid_until: Deadline,
    value: T,
}

/// One thread's slot. Written only by its thread, on its own cache lines.
type Slot<T> = CacheLine<RefCell<Option<Replica<T>>>>;

/// A version counter and per-thread replicas of what it versions, on
/// cache lines of their own: both are read by every call and written only
/// when the value changes (or the table is first made).
pub(crate) struct Replicas<T: Send>(CacheLine<Shared<T>>);

struct Shared<T: Send> {
    version: AtomicU64,
    /// Boxed and lazy: the table is 512 bytes before any thread uses it.
    slots: OnceLock<Box<ThreadLocal<Slot<T>>>>,
}

impl<T: Send> Default for Replicas<T> {
    fn default() -> Self {
        Self(CacheLine(Shared {
            version: AtomicU64::new(0),
            slots: OnceLock::new(),
        }))
    }
}

impl<T: Send> std::fmt::Debug for Replicas<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replicas")
            .field("version", &self.0.0.version.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<T: Send + Clone> Replicas<T> {
    /// Marks every replica outdated. Call after the new value is stored.
    pub(crate) fn bump(&self) {
        self.0.0.version.fetch_add(1, Ordering::Release);
    }

    /// This thread's replica when it is current and `is_before` its deadline
    /// (the clock's [`Clock::is_before`](auth_core::clock::Clock::is_before)),
    /// cloned. Otherwise `build` makes a new one from the published value
    /// (`None`: nothing to serve, take the slow path), with the time until
    /// which it may be served.
    #[inline]
    pub(crate) fn read(
        &self,
        is_before: impl FnOnce(&Deadline) -> bool,
        build: impl FnOnce() -> Option<(T, Deadline)>,
    ) -> Option<T> {
        // First: a replica is tagged with a version no later than its content.
        let version = self.0.0.version.load(Ordering::Acquire);
        if let Some(slot) = self.0.0.slots.get().and_then(|s| s.get()) {
            // A re-entrant call (impossible: `build` does not call back)
            // takes the slow path rather than panic.
            let mut slot = slot.0.try_borrow_mut().ok()?;
            match slot.as_ref() {
                Some(r) if r.version == version => {
                    return is_before(&r.valid_until).then(|| r.value.clone());
                }
                // Outdated: its handle on the old session goes now.
                Some(_) => *slot = None,
                None => {}
            }
        }
        self.rebuild(version, is_before, build)
    }

    /// The slow half of [`read`](Self::read): builds this thread's replica.
    /// Nothing is allocated until there is something to serve, so a plugin
    /// that never takes the fast path holds no table and no replica.
    #[cold]
    fn rebuild(
        &self,
        version: u64,
        is_before: impl FnOnce(&Deadline) -> bool,
        build: impl FnOnce() -> Option<(T, Deadline)>,
    ) -> Option<T> {
        let (value, valid_until) = build()?;
        // The clock is read after the build: a later time, never a laxer check.
        let served = is_before(&valid_until).then(|| value.clone());
        let slot = self.0.0.slots.get_or_init(Box::default).get_or_default();
        if let Ok(mut slot) = slot.0.try_borrow_mut() {
            *slot = Some(Replica {
                version,
                valid_until,
                value,
            });
        }
        served
    }

    /// Whether this thread holds a replica of the current version (tests).
    #[cfg(test)]
    pub(crate) fn is_current_here(&self) -> bool {
        let version = self.0.0.version.load(Ordering::Acquire);
        self.0
            .0
            .slots
            .get()
            .and_then(|s| s.get())
            .is_some_and(|s| s.0.borrow().as_ref().is_some_and(|r| r.version == version))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use arc_swap::ArcSwap;

    use super::*;

    /// A published value in the way the orchestrator publishes its
    /// snapshot: store, then bump.
    struct Published {
        value: ArcSwap<u64>,
        replicas: Replicas<u64>,
        builds: AtomicU64,
    }

    impl Published {
        fn new() -> Self {
            Self {
                value: ArcSwap::from_pointee(0),
                replicas: Replicas::default(),
                builds: AtomicU64::new(0),
            }
        }
        fn publish(&self, v: u64) {
            self.value.store(Arc::new(v));
            self.replicas.bump();
        }
        fn read(&self, now: i64, valid_until: i64) -> Option<u64> {
            self.replicas.read(
                |d| now < d.millis(),
                || {
                    self.builds.fetch_add(1, Ordering::Relaxed);
                    Some((**self.value.load(), Deadline::at_millis(valid_until)))
                },
            )
        }
    }

    #[test]
    fn a_current_replica_is_served_without_a_rebuild() {
        let p = Published::new();
        p.publish(7);
        assert_eq!(p.read(0, 10), Some(7));
        assert_eq!(p.read(0, 10), Some(7));
        assert_eq!(p.builds.load(Ordering::Relaxed), 1);
        assert!(p.replicas.is_current_here());
    }

    #[test]
    fn a_bump_makes_the_next_read_rebuild() {
        let p = Published::new();
        p.publish(1);
        assert_eq!(p.read(0, 10), Some(1));
        p.publish(2);
        assert!(!p.replicas.is_current_here());
        assert_eq!(p.read(0, 10), Some(2));
        assert_eq!(p.builds.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn an_expired_replica_is_not_served() {
        let p = Published::new();
        assert_eq!(p.read(5, 10), Some(0));
        assert_eq!(p.read(9, 10), Some(0));
        assert_eq!(p.read(10, 10), None);
        assert_eq!(p.read(11, 10), None);
        // Built once: expiry is decided on the replica, no rebuild needed.
        assert_eq!(p.builds.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn nothing_to_serve_is_not_cached() {
        let r: Replicas<u64> = Replicas::default();
        let before = |d: &Deadline| 0 < d.millis();
        assert_eq!(r.read(before, || None), None);
        assert!(!r.is_current_here());
        assert_eq!(
            r.read(before, || Some((3, Deadline::at_millis(10)))),
            Some(3)
        );
    }

    /// Two live threads build one replica each. (A thread that starts after
    /// another exited may reuse its slot, replica included: the version
    /// still decides whether it is served.)
    #[test]
    fn each_thread_builds_its_own_replica() {
        let p = Published::new();
        p.publish(4);
        let both_read = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    assert_eq!(p.read(0, 10), Some(4));
                    both_read.wait();
                    assert_eq!(p.read(0, 10), Some(4));
                });
            }
        });
        assert_eq!(p.builds.load(Ordering::Relaxed), 2);
    }

    /// Two readers against a writer that publishes 1, 2, 3..: a read that
    /// starts after `publish(v)` has returned (its `done` store seen) never
    /// returns less than `v`. Bounded: 20,000 publications.
    #[test]
    fn stress_no_stale_value_after_a_bump() {
        const N: u64 = 20_000;
        let p = Published::new();
        let done = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    let mut reads = 0u64;
                    while !stop.load(Ordering::Acquire) || reads == 0 {
                        let floor = done.load(Ordering::Acquire);
                        let got = p.read(0, 10).expect("always valid");
                        assert!(got >= floor, "read {got} after {floor} was published");
                        reads += 1;
                    }
                });
            }
            s.spawn(|| {
                for v in 1..=N {
                    p.publish(v);
                    done.store(v, Ordering::Release);
                }
                stop.store(true, Ordering::Release);
            });
        });
        // After the writer: every thread sees the last value.
        assert_eq!(p.read(0, 10), Some(N));
    }
}
