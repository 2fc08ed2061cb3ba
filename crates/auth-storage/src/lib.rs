//! Where an Amplify Auth session lives between calls and between runs.
//!
//! This crate implements [`KeyValueStorage`] (Amplify's
//! `KeyValueStorageInterface`, defined in `auth-core`) twice:
//!
//! | Store             | Lives                 | Shared with                    | Use for                          |
//! |-------------------|-----------------------|--------------------------------|----------------------------------|
//! | [`MemoryStorage`] | in this process       | its clones                     | tests, short-lived programs      |
//! | [`FileStorage`]   | in one JSON file      | other handles and processes    | CLIs, desktop apps, daemons      |
//!
//! An app may bring its own store (a keychain, a database) by implementing
//! [`KeyValueStorage`] itself.
//!
//! # `MemoryStorage`
//!
//! ```
//! use auth_storage::{KeyValueStorage, MemoryStorage};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), auth_storage::StorageError> {
//! let store = MemoryStorage::new();
//! let same_store = store.clone(); // clones share their entries
//! store.set("greeting", "hello").await?;
//! assert_eq!(same_store.get("greeting").await?.as_deref(), Some("hello"));
//! # Ok(())
//! # }
//! ```
//!
//! # `FileStorage`
//!
//! ```
//! use auth_storage::{FileStorage, KeyValueStorage, StorageChange};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), auth_storage::StorageError> {
//! # let dir = tempfile::tempdir().map_err(|e| auth_storage::StorageError::Io { detail: e.to_string() })?;
//! # let path = dir.path().join("app").join("session.json");
//! let store = FileStorage::open(&path)?; // creates missing parent dirs (0700)
//!
//! // Several changes, made visible at once by one atomic rename.
//! store
//!     .apply(vec![
//!         StorageChange::Set("user.accessToken".into(), "a".into()),
//!         StorageChange::Set("user.refreshToken".into(), "r".into()),
//!     ])
//!     .await?;
//!
//! // A read-modify-write transaction that other processes respect.
//! {
//!     let _lock = store.lock().await?;
//!     let current = store.get("user.refreshToken").await?; // re-read under the lock
//!     if current.is_some() {
//!         store.set("user.accessToken", "b").await?; // no deadlock: this handle holds the lock
//!     }
//! } // dropping the guard releases the lock
//!
//! // Another handle, or another process, sees the same data.
//! let other = FileStorage::open(&path)?;
//! assert_eq!(other.get("user.accessToken").await?.as_deref(), Some("b"));
//! # Ok(())
//! # }
//! ```
//!
//! # Security
//!
//! Every value is treated as a secret. No `Debug` output, error message or
//! log line of this crate contains a stored value: `Debug` shows the entry
//! count ([`MemoryStorage`]) or the path ([`FileStorage`]), and parse errors
//! report only the error kind, line and column. Files are created with mode
//! `0600` and new directories with `0700` on Unix.
//!
//! A corrupt file is never overwritten: reads and writes fail with
//! [`StorageError::Corrupt`] until the app recovers deliberately with
//! [`FileStorage::reset_corrupt`] or [`KeyValueStorage::clear`], which move
//! the bad file aside instead of deleting it.

#[cfg(any(test, feature = "contract"))]
pub mod contract;
#[cfg(test)]
mod contract_tests;
mod file;
mod format;
#[cfg(feature = "keychain")]
mod keychain;
mod lockfile;
mod memory;
mod transaction;

pub use auth_core::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};
pub use file::FileStorage;
#[cfg(feature = "keychain")]
pub use keychain::{
    DEFAULT_KEYCHAIN_TIMEOUT, DEFAULT_SERVICE, KeychainBackend, KeychainBuilder, KeychainStorage,
};
pub use memory::MemoryStorage;

/// How long a store waits for its lock before it gives up with
/// [`StorageError::LockTimeout`], unless configured otherwise.
pub const DEFAULT_LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// An I/O error naming the operation and the path, never content.
pub(crate) fn io_error(
    operation: &str,
    path: &std::path::Path,
    error: &std::io::Error,
) -> StorageError {
    StorageError::Io {
        detail: format!("{operation} {}: {error}", path.display()),
    }
}
