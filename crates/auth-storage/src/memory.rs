//! An in-process store, for tests and for programs that need no persistence.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};

use crate::DEFAULT_LOCK_TIMEOUT;

/// A [`KeyValueStorage`] held in memory and lost when the process exits.
///
/// Clones share the same entries, so a test can hand one clone to the plugin
/// and inspect the other. [`lock`](KeyValueStorage::lock) is a real,
/// in-process transaction lock: it excludes other `lock()` holders of the
/// same store (so two plugin instances sharing one `MemoryStorage` behave
/// like two processes sharing a file), while plain operations never wait
/// for it, so a lock holder can read and write without deadlocking.
///
/// Values are kept as shared strings and handed out as such by
/// [`get_many_shared`](KeyValueStorage::get_many_shared): a session the
/// plugin restores from this store holds the store's copy of its tokens,
/// not a second one.
///
/// `Debug` prints the number of entries, never keys or values.
#[derive(Clone)]
pub struct MemoryStorage {
    shared: Arc<Shared>,
    lock_timeout: Duration,
}

/// Keys and values as exact-size allocations (no spare capacity), values
/// shareable with readers.
type Entries = BTreeMap<Box<str>, Arc<str>>;

#[derive(Default)]
struct Shared {
    entries: RwLock<Entries>,
    transaction: Arc<tokio::sync::Mutex<()>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            shared: Arc::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// Sets how long [`lock`](KeyValueStorage::lock) waits for another
    /// holder before it fails with [`StorageError::LockTimeout`]
    /// (default [`DEFAULT_LOCK_TIMEOUT`]). Applies to this handle only.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.read(BTreeMap::len)
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.read(BTreeMap::is_empty)
    }

    /// The keys, in order. Keys are not secret; values are.
    pub fn keys(&self) -> Vec<String> {
        self.read(|m| m.keys().map(|k| k.to_string()).collect())
    }

    fn read<T>(&self, f: impl FnOnce(&Entries) -> T) -> T {
        // A panic in another thread cannot leave the map half-updated (each
        // update is a single map call), so a poisoned lock is still usable.
        let guard = self
            .shared
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        f(&guard)
    }

    fn write<T>(&self, f: impl FnOnce(&mut Entries) -> T) -> T {
        let mut guard = self
            .shared
            .entries
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl KeyValueStorage for MemoryStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.read(|m| m.get(key).map(|v| v.to_string())))
    }

    /// Reads every key under one read lock: a snapshot.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        Ok(self.read(|m| {
            keys.iter()
                .map(|k| m.get(*k).map(|v| v.to_string()))
                .collect()
        }))
    }

    /// Reads every key under one read lock, handing out the stored
    /// allocations themselves.
    async fn get_many_shared(&self, keys: &[&str]) -> Result<Vec<Option<Arc<str>>>, StorageError> {
        Ok(self.read(|m| keys.iter().map(|k| m.get(*k).cloned()).collect()))
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.write(|m| m.insert(key.into(), value.into()));
        Ok(())
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.write(|m| m.remove(key));
        Ok(())
    }

    async fn clear(&self) -> Result<(), StorageError> {
        self.write(BTreeMap::clear);
        Ok(())
    }

    /// Applies every change under one write lock: readers see all or none.
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.write(|m| {
            for change in changes {
                match change.into_key_value() {
                    (k, Some(v)) => {
                        m.insert(k.into_boxed_str(), v.into());
                    }
                    (k, None) => {
                        m.remove(k.as_str());
                    }
                }
            }
        });
        Ok(())
    }

    /// Waits (bounded) until no other holder of this store's lock remains.
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        let transaction = Arc::clone(&self.shared.transaction);
        match tokio::time::timeout(self.lock_timeout, transaction.lock_owned()).await {
            Ok(guard) => Ok(StorageLock::new(Box::new(guard))),
            Err(_) => Err(StorageError::LockTimeout {
                detail: format!(
                    "memory storage: lock not acquired within {:?}",
                    self.lock_timeout
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn set_get_remove_clear_round_trip() {
        let store = MemoryStorage::new();
        assert_eq!(store.get("a").await.unwrap(), None);
        store.set("a", "1").await.unwrap();
        store.set("b", "2").await.unwrap();
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("1"));
        store.remove("a").await.unwrap();
        store.remove("absent").await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), None);
        assert_eq!(store.keys(), vec!["b".to_owned()]);
        store.clear().await.unwrap();
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn clones_share_entries() {
        let a = MemoryStorage::new();
        let b = a.clone();
        a.set("k", "v").await.unwrap();
        assert_eq!(b.get("k").await.unwrap().as_deref(), Some("v"));
        assert_eq!(b.len(), 1);
    }

    #[tokio::test]
    async fn apply_sets_and_removes_in_order() {
        let store = MemoryStorage::new();
        store.set("old", "x").await.unwrap();
        store
            .apply(vec![
                StorageChange::Set("a".into(), "1".into()),
                StorageChange::Remove("old".into()),
                StorageChange::Set("a".into(), "2".into()),
            ])
            .await
            .unwrap();
        assert_eq!(store.keys(), vec!["a".to_owned()]);
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("2"));
    }

    #[tokio::test]
    async fn shared_reads_hand_out_the_stored_allocation() {
        let store = MemoryStorage::new();
        store.set("a", "1").await.unwrap();
        let first = store.get_many_shared(&["a", "absent"]).await.unwrap();
        let again = store.get_many_shared(&["a"]).await.unwrap();
        let (Some(x), None, Some(y)) = (&first[0], &first[1], &again[0]) else {
            panic!("{first:?} {again:?}");
        };
        assert!(Arc::ptr_eq(x, y), "one allocation, not a copy per read");
        assert_eq!(&**x, "1");
        store.set("a", "2").await.unwrap();
        assert_eq!(&**x, "1", "a reader keeps the value it read");
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("2"));
    }

    #[tokio::test]
    async fn debug_shows_entry_count_not_values() {
        let store = MemoryStorage::new();
        store.set("token", "super-secret-value").await.unwrap();
        let debug = format!("{store:?}");
        assert!(debug.contains("entries: 1"), "{debug}");
        assert!(!debug.contains("super-secret-value"), "{debug}");
        assert!(!debug.contains("token"), "{debug}");
    }

    #[tokio::test]
    async fn operations_under_lock_do_not_deadlock() {
        let store = MemoryStorage::new().with_lock_timeout(Duration::from_secs(2));
        let guard = store.lock().await.unwrap();
        store.set("k", "v").await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
        drop(guard);
    }

    #[tokio::test]
    async fn second_lock_waits_and_times_out() {
        let store = MemoryStorage::new().with_lock_timeout(Duration::from_millis(50));
        let guard = store.lock().await.unwrap();
        let err = store.clone().lock().await.unwrap_err();
        assert!(matches!(err, StorageError::LockTimeout { .. }), "{err:?}");
        drop(guard);
        store.lock().await.unwrap();
    }
}
