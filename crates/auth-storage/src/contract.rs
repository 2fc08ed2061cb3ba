//! The storage contract: one suite that every [`KeyValueStorage`] of this
//! workspace passes (memory, file, keychain, Redis, Redis Cluster), so that
//! the plugin can rely on the same behaviour whichever store it is given.
//!
//! Enabled by the `contract` feature; meant for the tests of store crates,
//! and for apps that bring their own store and want to check it.
//!
//! A backend says how to open a handle on a named store as *another
//! process* would ([`Backend::open`]); the suite then checks reads and
//! writes, atomic batches seen through another handle, snapshot reads, the
//! cross-handle lock and its release, isolation between names, and that no
//! stored value reaches `Debug`.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use auth_storage::contract::{self, Backend};
//! use auth_storage::{KeyValueStorage, MemoryStorage};
//!
//! #[derive(Default)]
//! struct Memory(std::sync::Mutex<std::collections::HashMap<String, MemoryStorage>>);
//!
//! #[async_trait::async_trait]
//! impl Backend for Memory {
//!     async fn open(&self, name: &str, lock_timeout: Duration)
//!         -> Result<Arc<dyn KeyValueStorage>, String> {
//!         let mut stores = self.0.lock().map_err(|e| e.to_string())?;
//!         let store = stores.entry(name.to_owned()).or_default().clone();
//!         Ok(Arc::new(store.with_lock_timeout(lock_timeout)))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! let report = contract::run_all(&Memory::default(), "doc").await;
//! assert!(report.is_ok(), "{report:?}");
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError};

/// How the suite opens stores of one kind.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Opens a handle on the store called `name`, which is empty the first
    /// time a run uses that name. Each call must return a handle that shares
    /// the data and the lock of the other handles on `name` the way two
    /// processes do (for an in-process store, a clone). `lock_timeout`
    /// bounds this handle's [`KeyValueStorage::lock`].
    ///
    /// # Errors
    ///
    /// Why the handle could not be opened; the check fails with it.
    async fn open(
        &self,
        name: &str,
        lock_timeout: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, String>;
}

/// A check that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The check's name, for example `lock_excludes_other_handles`.
    pub check: &'static str,
    /// What went wrong (never a stored value of the real world: the suite
    /// stores its own test strings only).
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.check, self.message)
    }
}

/// The outcome of [`run_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The checks that ran, in order.
    pub ran: Vec<&'static str>,
    /// The ones that failed.
    pub failures: Vec<Failure>,
}

impl Report {
    /// Whether every check passed (and at least one ran).
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty() && !self.ran.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} checks, {} failed",
            self.ran.len(),
            self.failures.len()
        )?;
        for failure in &self.failures {
            write!(f, "\n  {failure}")?;
        }
        Ok(())
    }
}

type Outcome = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// How long a handle waits for a lock another handle holds, in the checks
/// that expect the wait to time out.
const SHORT: Duration = Duration::from_millis(300);
/// How long a handle waits for a lock in the checks that expect to get it.
const LONG: Duration = Duration::from_secs(30);

/// The names of the checks, in the order [`run_all`] runs them.
pub const CHECKS: &[&str] = &[
    "absent_keys_read_as_none",
    "values_round_trip_unchanged",
    "set_overwrites_and_remove_is_idempotent",
    "clear_removes_every_key",
    "apply_runs_changes_in_order",
    "get_many_reads_in_order",
    "another_handle_sees_every_write",
    "readers_never_see_half_a_batch",
    "stores_are_isolated_by_name",
    "lock_excludes_other_handles",
    "release_frees_the_lock_at_once",
    "holder_reads_and_writes_under_its_lock",
    "locked_increments_from_many_handles_lose_nothing",
    "debug_never_shows_values",
];

/// Runs every check against `backend`. Store names start with `prefix`, so
/// that runs sharing a server (Redis) do not meet.
pub async fn run_all(backend: &dyn Backend, prefix: &str) -> Report {
    let mut report = Report {
        ran: Vec::new(),
        failures: Vec::new(),
    };
    for &check in CHECKS {
        let name = format!("{prefix}-{check}");
        let outcome = run_one(backend, check, &name).await;
        report.ran.push(check);
        if let Err(message) = outcome {
            report.failures.push(Failure { check, message });
        }
    }
    report
}

async fn run_one(backend: &dyn Backend, check: &str, name: &str) -> Outcome {
    match check {
        "absent_keys_read_as_none" => absent_keys_read_as_none(backend, name).await,
        "values_round_trip_unchanged" => values_round_trip_unchanged(backend, name).await,
        "set_overwrites_and_remove_is_idempotent" => {
            set_overwrites_and_remove_is_idempotent(backend, name).await
        }
        "clear_removes_every_key" => clear_removes_every_key(backend, name).await,
        "apply_runs_changes_in_order" => apply_runs_changes_in_order(backend, name).await,
        "get_many_reads_in_order" => get_many_reads_in_order(backend, name).await,
        "another_handle_sees_every_write" => another_handle_sees_every_write(backend, name).await,
        "readers_never_see_half_a_batch" => readers_never_see_half_a_batch(backend, name).await,
        "stores_are_isolated_by_name" => stores_are_isolated_by_name(backend, name).await,
        "lock_excludes_other_handles" => lock_excludes_other_handles(backend, name).await,
        "release_frees_the_lock_at_once" => release_frees_the_lock_at_once(backend, name).await,
        "holder_reads_and_writes_under_its_lock" => {
            holder_reads_and_writes_under_its_lock(backend, name).await
        }
        "locked_increments_from_many_handles_lose_nothing" => {
            locked_increments_lose_nothing(backend, name).await
        }
        "debug_never_shows_values" => debug_never_shows_values(backend, name).await,
        other => Err(format!("unknown check {other}")),
    }
}

fn failed(what: &str, e: &StorageError) -> String {
    format!("{what} failed: {e}")
}

async fn open(
    backend: &dyn Backend,
    name: &str,
    timeout: Duration,
) -> Result<Arc<dyn KeyValueStorage>, String> {
    backend
        .open(name, timeout)
        .await
        .map_err(|e| format!("open {name}: {e}"))
}

async fn get(store: &dyn KeyValueStorage, key: &str) -> Result<Option<String>, String> {
    store
        .get(key)
        .await
        .map_err(|e| failed(&format!("get {key}"), &e))
}

async fn set(store: &dyn KeyValueStorage, key: &str, value: &str) -> Outcome {
    store
        .set(key, value)
        .await
        .map_err(|e| failed(&format!("set {key}"), &e))
}

async fn absent_keys_read_as_none(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    ensure!(
        get(&*store, "missing").await?.is_none(),
        "an absent key read as a value"
    );
    let many = store
        .get_many(&["a", "b"])
        .await
        .map_err(|e| failed("get_many", &e))?;
    ensure!(
        many == vec![None, None],
        "get_many of absent keys gave {} values",
        many.iter().flatten().count()
    );
    Ok(())
}

async fn values_round_trip_unchanged(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    let long = "eyJ".to_owned() + &"x".repeat(16 * 1024);
    let cases: [(&str, &str); 7] = [
        (
            "CognitoIdentityServiceProvider.client.alice.accessToken",
            "eyJhbGciOi.e30.sig",
        ),
        ("unicode-ü-✓", "ünïcødé ✓ \u{1F512}"),
        ("lines", "line one\nline two\r\n\ttab"),
        ("quotes", r#"{"json": "inside", 'single'}"#),
        ("empty", ""),
        ("braces{tag}:colons", "{hash}:tag"),
        ("long", &long),
    ];
    for (key, value) in cases {
        set(&*store, key, value).await?;
    }
    for (key, value) in cases {
        let read = get(&*store, key).await?;
        ensure!(
            read.as_deref() == Some(value),
            "{key} did not read back as written ({} bytes written, {:?} bytes read)",
            value.len(),
            read.map(|r| r.len())
        );
    }
    Ok(())
}

async fn set_overwrites_and_remove_is_idempotent(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    set(&*store, "k", "1").await?;
    set(&*store, "k", "2").await?;
    ensure!(
        get(&*store, "k").await?.as_deref() == Some("2"),
        "the second set did not win"
    );
    store.remove("k").await.map_err(|e| failed("remove", &e))?;
    store
        .remove("k")
        .await
        .map_err(|e| failed("remove of an absent key", &e))?;
    ensure!(
        get(&*store, "k").await?.is_none(),
        "a removed key still reads"
    );
    Ok(())
}

async fn clear_removes_every_key(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    store
        .clear()
        .await
        .map_err(|e| failed("clear of an empty store", &e))?;
    for i in 0..5 {
        set(&*store, &format!("k{i}"), "v").await?;
    }
    store.clear().await.map_err(|e| failed("clear", &e))?;
    for i in 0..5 {
        ensure!(
            get(&*store, &format!("k{i}")).await?.is_none(),
            "k{i} survived clear"
        );
    }
    set(&*store, "after", "v").await?;
    ensure!(
        get(&*store, "after").await?.as_deref() == Some("v"),
        "a cleared store does not take writes"
    );
    Ok(())
}

async fn apply_runs_changes_in_order(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    set(&*store, "old", "x").await?;
    store
        .apply(Vec::new())
        .await
        .map_err(|e| failed("an empty apply", &e))?;
    store
        .apply(vec![
            StorageChange::Set("a".into(), "1".into()),
            StorageChange::Remove("old".into()),
            StorageChange::Set("a".into(), "2".into()),
            StorageChange::Set("b".into(), "3".into()),
            StorageChange::Remove("b".into()),
            StorageChange::Remove("never-there".into()),
        ])
        .await
        .map_err(|e| failed("apply", &e))?;
    ensure!(
        get(&*store, "a").await?.as_deref() == Some("2"),
        "the last set of a batch did not win"
    );
    ensure!(
        get(&*store, "old").await?.is_none(),
        "a removal in a batch was lost"
    );
    ensure!(
        get(&*store, "b").await?.is_none(),
        "a set then removed key survived"
    );
    Ok(())
}

async fn get_many_reads_in_order(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    set(&*store, "one", "1").await?;
    set(&*store, "three", "3").await?;
    let many = store
        .get_many(&["three", "two", "one", "three"])
        .await
        .map_err(|e| failed("get_many", &e))?;
    let expected = vec![
        Some("3".to_owned()),
        None,
        Some("1".to_owned()),
        Some("3".to_owned()),
    ];
    ensure!(
        many == expected,
        "get_many gave the values out of order or wrong"
    );
    let none = store
        .get_many(&[])
        .await
        .map_err(|e| failed("get_many of no keys", &e))?;
    ensure!(none.is_empty(), "get_many of no keys returned values");
    Ok(())
}

async fn another_handle_sees_every_write(backend: &dyn Backend, name: &str) -> Outcome {
    let writer = open(backend, name, LONG).await?;
    let reader = open(backend, name, LONG).await?;
    set(&*writer, "k", "1").await?;
    ensure!(
        get(&*reader, "k").await?.as_deref() == Some("1"),
        "another handle did not see a set"
    );
    writer
        .apply(vec![
            StorageChange::Set("k".into(), "2".into()),
            StorageChange::Set("j".into(), "3".into()),
        ])
        .await
        .map_err(|e| failed("apply", &e))?;
    let both = reader
        .get_many(&["k", "j"])
        .await
        .map_err(|e| failed("get_many", &e))?;
    ensure!(
        both == vec![Some("2".to_owned()), Some("3".to_owned())],
        "another handle did not see a batch"
    );
    writer.remove("j").await.map_err(|e| failed("remove", &e))?;
    ensure!(
        get(&*reader, "j").await?.is_none(),
        "another handle did not see a removal"
    );
    writer.clear().await.map_err(|e| failed("clear", &e))?;
    ensure!(
        get(&*reader, "k").await?.is_none(),
        "another handle did not see a clear"
    );
    Ok(())
}

async fn readers_never_see_half_a_batch(backend: &dyn Backend, name: &str) -> Outcome {
    const BATCHES: u32 = 40;
    let writer = open(backend, name, LONG).await?;
    let reader = open(backend, name, LONG).await?;
    let writing = tokio::spawn(async move {
        for i in 0..BATCHES {
            let v = i.to_string();
            writer
                .apply(vec![
                    StorageChange::Set("accessToken".into(), format!("access-{v}")),
                    StorageChange::Set("refreshToken".into(), format!("refresh-{v}")),
                ])
                .await
                .map_err(|e| failed("apply", &e))?;
        }
        Ok::<(), String>(())
    });
    let mut reads = 0u32;
    let mut torn = 0u32;
    loop {
        let finished = writing.is_finished();
        let pair = reader
            .get_many(&["accessToken", "refreshToken"])
            .await
            .map_err(|e| failed("get_many", &e))?;
        reads += 1;
        match (&pair[0], &pair[1]) {
            (None, None) => {}
            (Some(a), Some(r)) if a.strip_prefix("access-") == r.strip_prefix("refresh-") => {}
            _ => torn += 1,
        }
        if finished {
            break;
        }
        // Stores that never wait (memory) must still let the writer run.
        tokio::task::yield_now().await;
    }
    writing.await.map_err(|e| format!("writer task: {e}"))??;
    ensure!(
        torn == 0,
        "{torn} of {reads} snapshot reads saw half a batch"
    );
    Ok(())
}

async fn stores_are_isolated_by_name(backend: &dyn Backend, name: &str) -> Outcome {
    let a = open(backend, &format!("{name}-a"), LONG).await?;
    let b = open(backend, &format!("{name}-b"), LONG).await?;
    set(&*a, "k", "a").await?;
    set(&*b, "k", "b").await?;
    a.clear().await.map_err(|e| failed("clear", &e))?;
    ensure!(
        get(&*b, "k").await?.as_deref() == Some("b"),
        "clearing one store touched another"
    );
    // One store's lock does not hold the other's.
    let held = a.lock().await.map_err(|e| failed("lock a", &e))?;
    let other = open(backend, &format!("{name}-b"), SHORT).await?;
    let lock_b = other
        .lock()
        .await
        .map_err(|e| failed("lock b while a is locked", &e))?;
    release(lock_b).await?;
    release(held).await
}

async fn release(lock: auth_core::storage::StorageLock) -> Outcome {
    lock.release().await.map_err(|e| failed("release", &e))
}

async fn lock_excludes_other_handles(backend: &dyn Backend, name: &str) -> Outcome {
    let holder = open(backend, name, LONG).await?;
    let other = open(backend, name, SHORT).await?;
    let held = holder.lock().await.map_err(|e| failed("lock", &e))?;
    ensure!(held.is_held(), "a fresh lock says it is not held");
    match other.lock().await {
        Err(StorageError::LockTimeout { .. }) => {}
        Err(e) => return Err(failed("a second lock (expected a lock timeout)", &e)),
        Ok(_) => return Err("a second handle took a lock that was held".into()),
    }
    drop(held);
    // Dropping releases (for a lease, in the background): a patient handle gets it.
    let patient = open(backend, name, LONG).await?;
    let again = patient
        .lock()
        .await
        .map_err(|e| failed("lock after the holder dropped it", &e))?;
    release(again).await
}

async fn release_frees_the_lock_at_once(backend: &dyn Backend, name: &str) -> Outcome {
    let holder = open(backend, name, LONG).await?;
    let other = open(backend, name, SHORT).await?;
    for round in 0..3 {
        let held = holder.lock().await.map_err(|e| failed("lock", &e))?;
        release(held).await?;
        let next = other
            .lock()
            .await
            .map_err(|e| failed(&format!("lock right after release (round {round})"), &e))?;
        release(next).await?;
    }
    Ok(())
}

async fn holder_reads_and_writes_under_its_lock(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, SHORT).await?;
    let held = store.lock().await.map_err(|e| failed("lock", &e))?;
    set(&*store, "k", "v").await?;
    ensure!(
        get(&*store, "k").await?.as_deref() == Some("v"),
        "the holder's write under the lock did not read back"
    );
    store
        .apply(vec![StorageChange::Remove("k".into())])
        .await
        .map_err(|e| failed("apply under the lock", &e))?;
    store
        .clear()
        .await
        .map_err(|e| failed("clear under the lock", &e))?;
    release(held).await
}

async fn locked_increments_lose_nothing(backend: &dyn Backend, name: &str) -> Outcome {
    const HANDLES: u32 = 4;
    const INCREMENTS: u32 = 10;
    let mut tasks = Vec::new();
    for _ in 0..HANDLES {
        let store = open(backend, name, LONG).await?;
        tasks.push(tokio::spawn(async move {
            for _ in 0..INCREMENTS {
                let held = store.lock().await.map_err(|e| failed("lock", &e))?;
                let n: u32 = match get(&*store, "counter").await? {
                    Some(v) => v
                        .parse()
                        .map_err(|_| "the counter is not a number".to_owned())?,
                    None => 0,
                };
                // Yield so that a missing lock shows as a lost update.
                tokio::task::yield_now().await;
                set(&*store, "counter", &(n + 1).to_string()).await?;
                release(held).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| format!("increment task: {e}"))??;
    }
    let store = open(backend, name, LONG).await?;
    let total = get(&*store, "counter").await?;
    let expected = (HANDLES * INCREMENTS).to_string();
    ensure!(
        total.as_deref() == Some(expected.as_str()),
        "expected {expected} increments, counted {total:?}"
    );
    Ok(())
}

async fn debug_never_shows_values(backend: &dyn Backend, name: &str) -> Outcome {
    let store = open(backend, name, LONG).await?;
    let secret = "contract-secret-value-7f3a";
    set(&*store, "tokenKey", secret).await?;
    let debug = format!("{store:?}");
    ensure!(
        !debug.contains(secret),
        "Debug of the store shows a value: {debug}"
    );
    let held = store.lock().await.map_err(|e| failed("lock", &e))?;
    let debug = format!("{held:?}");
    ensure!(
        !debug.contains(secret),
        "Debug of the lock shows a value: {debug}"
    );
    release(held).await
}
