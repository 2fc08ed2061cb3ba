//! Key-value storage: where a session lives between process runs.
//!
//! The Cognito plugin keeps its tokens, identity id and sign-in details in a
//! [`KeyValueStorage`]. Implementations live in the `auth-storage` crate
//! (memory and file); an app may bring its own (a keychain, a database).
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
/// return [`StorageLock::none`].
pub struct StorageLock {
    _guard: Option<Box<dyn Send + Sync>>,
}

impl StorageLock {
    /// A lock that guards nothing: for stores that no other process can see.
    pub fn none() -> Self {
        Self { _guard: None }
    }

    /// Wraps a guard whose `Drop` releases the lock.
    pub fn new(guard: Box<dyn Send + Sync>) -> Self {
        Self {
            _guard: Some(guard),
        }
    }
}

impl fmt::Debug for StorageLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageLock")
            .field("held", &self._guard.is_some())
            .finish()
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
    /// The default is a no-op, for stores private to one process.
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        Ok(StorageLock::none())
    }
}
