//! Key-value storage: where a session lives between process runs.
//!
//! The Cognito plugin keeps its tokens, identity id and sign-in details in a
//! [`KeyValueStorage`]. Implementations live in the `auth-storage` crate
//! (memory, file, OS keychain) and the `auth-storage-redis` crate (shared by
//! processes on many machines); an app may bring its own (a database).
//!
//! # Locks
//!
//! [`KeyValueStorage::lock`] returns a [`StorageLock`]: a guard whose `Drop`
//! releases the lock. A store whose lock is a lease on a server (Redis)
//! hands out a guard made with [`StorageLock::lease`]: dropping it releases
//! the lease in the background, and [`StorageLock::release`] does so at once
//! and waits for the server's answer, which a short-lived program (a CLI)
//! should do before it exits.
//!
//! Every value written here is a secret (tokens, refresh tokens), so
//! implementations must never log or print values. [`StorageChange`] redacts
//! them in `Debug`.

use std::fmt;

use async_trait::async_trait;

/// Why a storage operation failed.
///
/// Messages name the store and the cause, never a stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The store exists but its content cannot be parsed. It was left
    /// untouched; writes are refused until it is repaired or cleared.
    #[error("storage is corrupt: {detail}")]
    Corrupt {
        /// What is wrong, for example the file path and the parse error position.
        detail: String,
    },
    /// The store could not be read or written (permissions, disk full, ...).
    #[error("storage I/O failed: {detail}")]
    Io {
        /// The operation and the OS error.
        detail: String,
    },
    /// The cross-process lock could not be taken in time.
    #[error("storage lock timed out: {detail}")]
    LockTimeout {
        /// The store that was locked.
        detail: String,
    },
    /// The store's server or service could not be reached, or did not answer
    /// in time: Redis down or timing out, no Secret Service on the session
    /// bus, a locked keychain. Nothing was changed; retry later. The detail
    /// names the store and says what to do.
    #[error("storage unavailable: {detail}")]
    Unavailable {
        /// The store (for example `Redis at 127.0.0.1:6379`), the cause and the next step.
        detail: String,
    },
    /// The store refused access: wrong credentials or missing permissions
    /// (a Redis ACL user without the needed commands, a keychain item owned
    /// by another application). Retrying does not help; fix the configuration.
    #[error("storage access denied: {detail}")]
    AccessDenied {
        /// The store, what was refused and what to change.
        detail: String,
    },
}

impl StorageError {
    /// Whether retrying later may succeed without anyone changing anything:
    /// [`LockTimeout`](Self::LockTimeout), [`Io`](Self::Io) and
    /// [`Unavailable`](Self::Unavailable). A transient storage error never
    /// ends a session.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::LockTimeout { .. } | Self::Io { .. } | Self::Unavailable { .. }
        )
    }
}

/// One change in an atomic batch passed to [`KeyValueStorage::apply`].
///
/// More kinds of change may come (a value with a time to live, say). A
/// store that has no use for the difference applies every change as a set
/// or a remove of one key, with [`StorageChange::into_key_value`], and so
/// keeps working when one is added.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageChange {
    /// Set `key` to `value`.
    Set(String, String),
    /// Remove `key`, if present.
    Remove(String),
}

impl StorageChange {
    /// The change as a plain key-value store applies it: `(key, Some(value))`
    /// to set `key`, `(key, None)` to remove it.
    ///
    /// ```
    /// use auth_core::storage::StorageChange;
    /// let set = StorageChange::Set("k".into(), "v".into());
    /// assert_eq!(set.into_key_value(), ("k".to_owned(), Some("v".to_owned())));
    /// assert_eq!(StorageChange::Remove("k".into()).into_key_value(), ("k".to_owned(), None));
    /// ```
    pub fn into_key_value(self) -> (String, Option<String>) {
        match self {
            Self::Set(key, value) => (key, Some(value)),
            Self::Remove(key) => (key, None),
        }
    }
}

impl fmt::Debug for StorageChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Set(k, _) => f.debug_tuple("Set").field(k).field(&"[redacted]").finish(),
            Self::Remove(k) => f.debug_tuple("Remove").field(k).finish(),
        }
    }
}

/// A held cross-process lock on a store. Dropping it releases the lock.
///
/// Returned by [`KeyValueStorage::lock`]. Stores that live in one process
/// return [`StorageLock::none`]; stores whose lock is released by a local
/// `Drop` (a file lock) use [`StorageLock::new`]; stores whose lock is a
/// lease on a server use [`StorageLock::lease`].
pub struct StorageLock {
    guard: Guard,
}

enum Guard {
    None,
    Local(#[allow(dead_code)] Box<dyn Send + Sync>),
    Lease(Box<dyn LeaseGuard>),
}

/// A lock held as a lease on a server: renewed while held, and released by
/// the store when asked, or in the background when dropped.
///
/// Implemented by stores such as `auth-storage-redis`; wrapped with
/// [`StorageLock::lease`].
#[async_trait]
pub trait LeaseGuard: Send + Sync {
    /// Releases the lease now and waits for the server to confirm.
    ///
    /// # Errors
    ///
    /// A [`StorageError`] when the server could not be told; the lease then
    /// ends by itself when it expires.
    async fn release(self: Box<Self>) -> Result<(), StorageError>;

    /// Whether the lease is still ours: `false` once a renewal found it
    /// expired or taken by another holder (for example after a long pause).
    fn is_held(&self) -> bool;
}

impl StorageLock {
    /// A lock that guards nothing: for stores that no other process can see.
    pub fn none() -> Self {
        Self { guard: Guard::None }
    }

    /// Wraps a guard whose `Drop` releases the lock.
    pub fn new(guard: Box<dyn Send + Sync>) -> Self {
        Self {
            guard: Guard::Local(guard),
        }
    }

    /// Wraps a lease. Dropping the returned lock drops the guard, which must
    /// then release the lease on its own (in the background).
    pub fn lease(guard: Box<dyn LeaseGuard>) -> Self {
        Self {
            guard: Guard::Lease(guard),
        }
    }

    /// Whether the lock is still held. Always `true` except for a lease that
    /// a renewal found lost.
    pub fn is_held(&self) -> bool {
        match &self.guard {
            Guard::None | Guard::Local(_) => true,
            Guard::Lease(lease) => lease.is_held(),
        }
    }

    /// Releases the lock now. For a lease this waits until the server has
    /// confirmed (bounded by the store's timeouts); for other locks it is the
    /// same as dropping the guard.
    ///
    /// # Errors
    ///
    /// A [`StorageError`] when a lease could not be released; it then ends by
    /// itself when it expires, and nothing else is lost.
    pub async fn release(self) -> Result<(), StorageError> {
        match self.guard {
            Guard::None | Guard::Local(_) => Ok(()),
            Guard::Lease(lease) => lease.release().await,
        }
    }
}

impl fmt::Debug for StorageLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.guard {
            Guard::None => "none",
            Guard::Local(_) => "local",
            Guard::Lease(_) => "lease",
        };
        f.debug_struct("StorageLock")
            .field("kind", &kind)
            .field("held", &self.is_held())
            .finish_non_exhaustive()
    }
}

/// An async string key-value store (Amplify's `KeyValueStorageInterface`).
///
/// Keys follow Amplify's layout, for example
/// `CognitoIdentityServiceProvider.<clientId>.<username>.accessToken`.
#[async_trait]
pub trait KeyValueStorage: Send + Sync + fmt::Debug {
    /// Reads `key`. `Ok(None)` when it is absent.
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError>;

    /// Reads several keys, in order, `None` for each absent one.
    ///
    /// Stores that can do so (file, Redis, keychain, memory) read all of
    /// them from one snapshot, so a reader never sees half of an
    /// [`apply`](Self::apply) batch (a new access token with an old refresh
    /// token). The default reads them one by one.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }

    /// [`get_many`](Self::get_many), each value as a shared string.
    ///
    /// A store that keeps its values in memory as `Arc<str>` (the memory
    /// store) hands out its own allocation, so that the reader's copy (the
    /// plugin's parsed tokens) and the store's are one. The default wraps
    /// [`get_many`](Self::get_many); a store that reads from elsewhere
    /// (a file, Redis) has nothing to share and need not override it.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_core::storage::{KeyValueStorage, StorageError};
    /// # async fn demo(store: &dyn KeyValueStorage) -> Result<(), StorageError> {
    /// let values: Vec<Option<Arc<str>>> = store.get_many_shared(&["a", "b"]).await?;
    /// # let _ = values; Ok(()) }
    /// ```
    async fn get_many_shared(
        &self,
        keys: &[&str],
    ) -> Result<Vec<Option<std::sync::Arc<str>>>, StorageError> {
        let values = self.get_many(keys).await?;
        Ok(values.into_iter().map(|v| v.map(Into::into)).collect())
    }

    /// Writes `key`.
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError>;

    /// Removes `key`; removing an absent key is not an error.
    async fn remove(&self, key: &str) -> Result<(), StorageError>;

    /// Removes every key of this store.
    async fn clear(&self) -> Result<(), StorageError>;

    /// Applies `changes` as one unit. Stores that can do so atomically
    /// (the file store) make all of them visible at once or none; the default
    /// applies them one by one.
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        for change in changes {
            match change.into_key_value() {
                (k, Some(v)) => self.set(&k, &v).await?,
                (k, None) => self.remove(&k).await?,
            }
        }
        Ok(())
    }

    /// Takes an exclusive lock that other processes sharing the store
    /// respect, for read-modify-write transactions such as a token refresh.
    /// Plain operations never wait for it, so the holder can read and write.
    /// The default is a no-op, for stores private to one process.
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        Ok(StorageLock::none())
    }
}
