//! Idle expiry (`RedisStorage::with_expiry`) on a real `redis-server`: every
//! write (re)sets the hash's TTL, reads do not, the lease keeps its own, and
//! a namespace nobody writes to disappears. The storage contract also holds
//! on expiring handles.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use auth_storage::contract::{self, Backend};
use auth_storage::{KeyValueStorage, StorageChange};
use auth_storage_redis::testing::RedisServer;
use auth_storage_redis::{RedisStorage, RedisStore};

async fn connect(server: &RedisServer) -> RedisStore {
    RedisStore::builder(&server.url("/0?prefix=ttl"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// `PTTL` of the namespace's hash as redis-cli reports it (-2: no key,
/// -1: no expiry), read beside the crate so `expires_in` is checked too.
fn pttl(server: &RedisServer, storage: &RedisStorage) -> i64 {
    server
        .cli(&["pttl", storage.session_key()])
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Waits, at most `bound`, for `done`; polls every 20 ms.
async fn wait_until<F: Fn() -> bool>(bound: Duration, done: F) -> bool {
    let start = Instant::now();
    while start.elapsed() < bound {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_sets_the_expiry_and_an_idle_namespace_disappears() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let store = connect(&server).await;
    let plain = store.storage("plain").unwrap();
    plain.set("k", "v").await.unwrap();
    assert_eq!(pttl(&server, &plain), -1, "no expiry unless asked for");
    assert_eq!(plain.expires_in().await.unwrap(), None);
    assert_eq!(plain.expiry(), None);

    // Long expiry: each kind of write sets it.
    let long = Duration::from_secs(60);
    let s = store.storage("long").unwrap().with_expiry(long);
    assert_eq!(s.expiry(), Some(long));
    assert!(format!("{s:?}").contains("60s"));
    s.set("a", "1").await.unwrap();
    let t = pttl(&server, &s);
    assert!(t > 0 && t <= 60_000, "set: {t}");
    server.cli(&["persist", s.session_key()]).unwrap();
    assert_eq!(pttl(&server, &s), -1);
    s.apply(vec![
        StorageChange::Set("b".into(), "2".into()),
        StorageChange::Remove("a".into()),
    ])
    .await
    .unwrap();
    let t = pttl(&server, &s);
    assert!(t > 0 && t <= 60_000, "apply: {t}");
    assert_eq!(s.get("b").await.unwrap().as_deref(), Some("2"));
    assert_eq!(s.get("a").await.unwrap(), None);
    server.cli(&["persist", s.session_key()]).unwrap();
    s.set("c", "3").await.unwrap();
    s.remove("c").await.unwrap();
    server.cli(&["persist", s.session_key()]).unwrap();
    s.remove("nothing-there").await.unwrap();
    let t = pttl(&server, &s);
    assert!(t > 0 && t <= 60_000, "remove: {t}");
    let by_crate = s.expires_in().await.unwrap().unwrap();
    assert!(by_crate <= long && by_crate > Duration::ZERO);
    // A read does not extend it.
    server.cli(&["pexpire", s.session_key(), "30000"]).unwrap();
    let _ = s.get_many(&["b"]).await.unwrap();
    let _ = s.get("b").await.unwrap();
    assert!(pttl(&server, &s) <= 30_000, "reads leave the TTL alone");
    // The lease keeps its own TTL (one lease), not the namespace's.
    let guard = s.lock().await.unwrap();
    let lease: i64 = server
        .cli(&["pttl", s.lock_key()])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(lease > 0 && lease <= 10_000, "lease: {lease}");
    guard.release().await.unwrap();

    // Short expiry: the hash exists with a far expiry (set by hand); a
    // write through the handle brings it down to at most 200 ms (or it is
    // already gone on a slow machine), then the quiet namespace disappears.
    let short = store
        .storage("short")
        .unwrap()
        .with_expiry(Duration::from_millis(200));
    server
        .cli(&["hset", short.session_key(), "old", "0"])
        .unwrap();
    server
        .cli(&["pexpire", short.session_key(), "1000000"])
        .unwrap();
    assert!(pttl(&server, &short) > 200_000);
    short.set("k", "1").await.unwrap();
    let after = pttl(&server, &short);
    assert!(after <= 200 && after != -1, "the write set 200 ms: {after}");
    assert!(
        wait_until(Duration::from_secs(5), || pttl(&server, &short) == -2).await,
        "an idle namespace disappears"
    );
    assert_eq!(short.get("k").await.unwrap(), None);
    assert_eq!(short.memory_usage().await.unwrap(), None);
    assert_eq!(short.expires_in().await.unwrap(), None);
    // The plain namespace is untouched by all of this.
    assert_eq!(plain.get("k").await.unwrap().as_deref(), Some("v"));

    // Zero turns expiry off.
    let off = store
        .storage("off")
        .unwrap()
        .with_expiry(Duration::from_secs(1))
        .with_expiry(Duration::ZERO);
    off.set("k", "v").await.unwrap();
    assert_eq!(pttl(&server, &off), -1);
}

/// Expiring handles (60 s) on a fresh connection each.
struct Expiring {
    url: String,
}

#[async_trait]
impl Backend for Expiring {
    async fn open(
        &self,
        name: &str,
        lock_timeout: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, String> {
        let store = RedisStore::builder(&self.url)
            .map_err(|e| e.to_string())?
            .lease(Duration::from_secs(5))
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        let storage = store.storage(name).map_err(|e| e.to_string())?;
        Ok(Arc::new(
            storage
                .with_lock_timeout(lock_timeout)
                .with_expiry(Duration::from_secs(60)),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_handles_meet_the_storage_contract() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let report = contract::run_all(
        &Expiring {
            url: server.url("/0"),
        },
        "expiring",
    )
    .await;
    assert!(report.is_ok(), "{report}");
}
