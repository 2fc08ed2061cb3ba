//! The storage contract (the suite `MemoryStorage`, `FileStorage` and the
//! keychain pass) on a real `redis-server`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_storage_redis::testing::RedisServer;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use auth_storage::KeyValueStorage;
use auth_storage::contract::{self, Backend};
use auth_storage_redis::RedisStore;

/// Every `open` is a new connection: handles share only Redis, as processes do.
pub(crate) struct Redis {
    pub(crate) url: String,
}

#[async_trait]
impl Backend for Redis {
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
        Ok(Arc::new(storage.with_lock_timeout(lock_timeout)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_server_meets_the_storage_contract() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let started = std::time::Instant::now();
    let report = contract::run_all(
        &Redis {
            url: server.url("/0"),
        },
        "single",
    )
    .await;
    assert!(report.is_ok(), "{report}");
    eprintln!(
        "redis: {} contract checks in {:?}",
        report.ran.len(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_one_hash_beside_its_lease() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let store = RedisStore::builder(&server.url("?prefix=svc"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let storage = store.storage("client-1:default").unwrap();
    assert_eq!(storage.session_key(), "svc:{client-1:default}:session");
    assert_eq!(storage.lock_key(), "svc:{client-1:default}:lock");
    storage
        .set("CognitoIdentityServiceProvider.c.alice.accessToken", "a")
        .await
        .unwrap();
    storage
        .set("CognitoIdentityServiceProvider.c.alice.refreshToken", "r")
        .await
        .unwrap();
    assert_eq!(
        server.cli(&["type", storage.session_key()]).unwrap().trim(),
        "hash"
    );
    assert_eq!(
        server.cli(&["hlen", storage.session_key()]).unwrap().trim(),
        "2"
    );
    let guard = storage.lock().await.unwrap();
    let ttl: i64 = server
        .cli(&["pttl", storage.lock_key()])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        ttl > 0 && ttl <= 10_000,
        "the lease has a TTL of at most one lease: {ttl}"
    );
    guard.release().await.unwrap();
    assert_eq!(
        server.cli(&["exists", storage.lock_key()]).unwrap().trim(),
        "0"
    );
    assert!(storage.memory_usage().await.unwrap().is_some_and(|b| b > 0));
    storage.clear().await.unwrap();
    assert_eq!(
        server
            .cli(&["exists", storage.session_key()])
            .unwrap()
            .trim(),
        "0"
    );
}
