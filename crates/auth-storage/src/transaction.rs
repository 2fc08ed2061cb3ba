//! Who may change a store right now: one operation at a time per handle, a
//! lock file across handles and processes, and `lock()` transactions that
//! the holder's own operations join instead of deadlocking.
//!
//! Shared by the stores whose data lives outside the process and whose
//! writes are read-modify-write of one blob: [`FileStorage`](crate::FileStorage)
//! and, with the `keychain` feature, `KeychainStorage`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use auth_core::storage::{StorageError, StorageLock};
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::lockfile::{self, LockFile};

/// The lock state of one handle (and its clones).
#[derive(Debug)]
pub(crate) struct Transactions {
    lock_path: PathBuf,
    /// One read-modify-write (or lock acquisition) at a time per handle.
    /// Owned guards travel into the blocking task, so a cancelled future
    /// cannot let the next operation overlap a write still running.
    operation: Arc<tokio::sync::Mutex<()>>,
    /// One `lock()` transaction at a time per handle.
    transaction: Arc<tokio::sync::Mutex<()>>,
    /// The file lock of the current transaction, if one is held. Only read
    /// or written while `operation` is held.
    held: Mutex<Weak<LockFile>>,
}

/// What `lock()` hands out: the file lock and this handle's transaction slot.
struct TransactionGuard {
    _file: Arc<LockFile>,
    _transaction: OwnedMutexGuard<()>,
}

/// Permission to change the store: the operation slot plus a file lock,
/// either taken for this operation or borrowed from the transaction.
/// Dropping it releases both.
pub(crate) struct WriteAccess {
    _file: Arc<LockFile>,
    _operation: OwnedMutexGuard<()>,
}

impl Transactions {
    /// The lock state for a store whose lock file is `lock_path`.
    pub(crate) fn new(lock_path: PathBuf) -> Self {
        Self {
            lock_path,
            operation: Arc::default(),
            transaction: Arc::default(),
            held: Mutex::new(Weak::new()),
        }
    }

    /// The lock file.
    #[cfg(any(test, feature = "keychain"))]
    pub(crate) fn lock_path(&self) -> &std::path::Path {
        &self.lock_path
    }

    /// Waits (until `deadline`) for the right to change the store.
    pub(crate) async fn write_access(
        &self,
        deadline: Instant,
    ) -> Result<WriteAccess, StorageError> {
        let operation = self.operation_slot(deadline).await?;
        let file = match self.current_transaction() {
            Some(file) => file,
            None => Arc::new(LockFile::acquire(&self.lock_path, deadline).await?),
        };
        Ok(WriteAccess {
            _file: file,
            _operation: operation,
        })
    }

    /// Takes the lock file for a transaction until the returned guard drops.
    /// Meanwhile this handle's own operations run under it.
    pub(crate) async fn lock(&self, deadline: Instant) -> Result<StorageLock, StorageError> {
        let transaction = Arc::clone(&self.transaction);
        let transaction = tokio::time::timeout_at(deadline, transaction.lock_owned())
            .await
            .map_err(|_| lockfile::timeout(&self.lock_path))?;
        let operation = self.operation_slot(deadline).await?;
        let file = Arc::new(LockFile::acquire(&self.lock_path, deadline).await?);
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = Arc::downgrade(&file);
        drop(operation);
        Ok(StorageLock::new(Box::new(TransactionGuard {
            _file: file,
            _transaction: transaction,
        })))
    }

    async fn operation_slot(&self, deadline: Instant) -> Result<OwnedMutexGuard<()>, StorageError> {
        let slot = Arc::clone(&self.operation);
        tokio::time::timeout_at(deadline, slot.lock_owned())
            .await
            .map_err(|_| lockfile::timeout(&self.lock_path))
    }

    /// The file lock held by this handle's live transaction. Call only while
    /// holding the operation slot.
    fn current_transaction(&self) -> Option<Arc<LockFile>> {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .upgrade()
    }
}
