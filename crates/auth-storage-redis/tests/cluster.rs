//! The storage contract on a 3-node Redis Cluster on loopback, and the hash
//! tags that keep a session and its lease in one slot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_storage_redis::testing::{RedisCluster, cli};

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use auth_storage::KeyValueStorage;
use auth_storage::contract::{self, Backend};
use auth_storage_redis::RedisStore;

struct Cluster {
    url: String,
}

#[async_trait]
impl Backend for Cluster {
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
async fn a_three_node_cluster_meets_the_storage_contract() {
    let Some(cluster) = RedisCluster::start().unwrap() else {
        return;
    };
    let started = std::time::Instant::now();
    let report = contract::run_all(
        &Cluster {
            url: cluster.url(""),
        },
        "cluster",
    )
    .await;
    assert!(report.is_ok(), "{report}");
    eprintln!(
        "redis cluster: {} contract checks in {:?}",
        report.ran.len(),
        started.elapsed()
    );

    // The checks' sessions spread over the nodes, each with its lease in its slot.
    let store = RedisStore::builder(&cluster.url(""))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut owners = std::collections::BTreeSet::new();
    for i in 0..12 {
        let storage = store.storage(&format!("client:user-{i}")).unwrap();
        storage.set("k", "v").await.unwrap();
        let port = cluster.nodes()[0].port();
        let slot = cli(port, &["cluster", "keyslot", storage.session_key()]).unwrap();
        let lock_slot = cli(port, &["cluster", "keyslot", storage.lock_key()]).unwrap();
        assert_eq!(slot, lock_slot, "session and lease in different slots");
        let owner = cluster
            .nodes()
            .iter()
            .position(|n| {
                cli(n.port(), &["cluster", "countkeysinslot", slot.trim()])
                    .unwrap()
                    .trim()
                    != "0"
            })
            .unwrap();
        owners.insert(owner);
    }
    assert!(owners.len() > 1, "12 sessions all landed on one node");
}
