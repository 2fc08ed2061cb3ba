//! The storage contract, run against `MemoryStorage` and `FileStorage`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::KeyValueStorage;

use crate::contract::{self, Backend};
use crate::{FileStorage, MemoryStorage};

/// Handles on one name are clones: they share entries and the lock.
#[derive(Default)]
struct Memory(Mutex<HashMap<String, MemoryStorage>>);

#[async_trait]
impl Backend for Memory {
    async fn open(
        &self,
        name: &str,
        lock_timeout: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, String> {
        let mut stores = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let store = stores.entry(name.to_owned()).or_default().clone();
        Ok(Arc::new(store.with_lock_timeout(lock_timeout)))
    }
}

/// Handles on one name are separate `open`s of one file, as two processes.
struct Files(tempfile::TempDir);

#[async_trait]
impl Backend for Files {
    async fn open(
        &self,
        name: &str,
        lock_timeout: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, String> {
        let path = self.0.path().join(name).join("session.json");
        let store = FileStorage::open(path).map_err(|e| e.to_string())?;
        Ok(Arc::new(store.with_lock_timeout(lock_timeout)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_storage_meets_the_storage_contract() {
    let report = contract::run_all(&Memory::default(), "memory").await;
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.ran.len(), contract::CHECKS.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_storage_meets_the_storage_contract() {
    let dir = tempfile::tempdir().map_err(|e| e.to_string());
    let Ok(dir) = dir else {
        panic!("tempdir: {dir:?}");
    };
    let report = contract::run_all(&Files(dir), "file").await;
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.ran.len(), contract::CHECKS.len());
}
