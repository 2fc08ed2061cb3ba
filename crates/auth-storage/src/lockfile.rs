//! The exclusive advisory lock on `<path>.lock` that serializes writers
//! across processes.
//!
//! The lock is `flock`-style (std's `File::try_lock`): it belongs to an open
//! file description, so two handles in one process exclude each other just
//! as two processes do, and the OS releases it when a process dies. The lock
//! file itself is never deleted: deleting it would let two writers lock two
//! different files.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use auth_core::storage::StorageError;
use tokio::time::Instant;

use crate::io_error;

/// First pause between two attempts; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(1);
const MAX_BACKOFF: Duration = Duration::from_millis(50);

/// A held lock on a lock file. Dropping it releases the lock.
#[derive(Debug)]
pub(crate) struct LockFile {
    file: File,
}

impl LockFile {
    /// Takes the lock on `path`, polling until `deadline`.
    ///
    /// Polling rather than a blocking `lock()` keeps the wait bounded and
    /// cancellable; each attempt is a non-blocking system call.
    pub(crate) async fn acquire(path: &Path, deadline: Instant) -> Result<Self, StorageError> {
        let owned = path.to_path_buf();
        let file = tokio::task::spawn_blocking(move || open(&owned))
            .await
            .map_err(|e| io_error("open lock file", path, &std::io::Error::other(e)))??;
        let mut backoff = FIRST_BACKOFF;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { file }),
                Err(TryLockError::WouldBlock) => {
                    #[cfg(test)]
                    contention::record(path);
                }
                Err(TryLockError::Error(e)) => return Err(io_error("lock", path, &e)),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(timeout(path));
            }
            tokio::time::sleep(backoff.min(deadline - now)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Closing the descriptor releases the lock too; unlocking first makes
        // the release independent of when the descriptor is closed. Nothing
        // useful can be done with an error here.
        let _ = self.file.unlock();
    }
}

/// The error for a lock on `path` not taken in time.
pub(crate) fn timeout(path: &Path) -> StorageError {
    StorageError::LockTimeout {
        detail: path.display().to_string(),
    }
}

fn open(path: &PathBuf) -> Result<File, StorageError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| io_error("open lock file", path, &e))
}

/// Unit-test hook: every attempt that finds a lock held is counted, by lock
/// path, so that a test can wait until a waiter has really met the held
/// lock instead of sleeping and hoping.
#[cfg(test)]
pub(crate) mod contention {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::{LazyLock, Mutex};

    use tokio::sync::Notify;

    static BUSY: LazyLock<Mutex<HashMap<PathBuf, usize>>> = LazyLock::new(Mutex::default);
    static CHANGED: LazyLock<Notify> = LazyLock::new(Notify::new);

    pub(super) fn record(path: &Path) {
        if let Ok(mut busy) = BUSY.lock() {
            *busy.entry(path.to_path_buf()).or_default() += 1;
        }
        CHANGED.notify_waiters();
    }

    /// How many attempts on `path` found the lock held so far.
    pub(crate) fn count(path: &Path) -> usize {
        BUSY.lock()
            .map_or(0, |busy| busy.get(path).copied().unwrap_or(0))
    }

    /// Returns once more than `seen` attempts on `path` found the lock held.
    pub(crate) async fn wait_beyond(path: &Path, seen: usize) {
        loop {
            // Registered before the check, so no notification is missed.
            let changed = CHANGED.notified();
            if count(path) > seen {
                return;
            }
            changed.await;
        }
    }
}
