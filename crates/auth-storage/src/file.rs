//! A store in one JSON file that several processes can share safely.

mod disk;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};
use tokio::time::Instant;

use crate::format::Entries;
use crate::transaction::Transactions;
use crate::{DEFAULT_LOCK_TIMEOUT, io_error};
use disk::Contents;

/// A [`KeyValueStorage`] kept in one JSON file, safe to share between
/// processes.
///
/// # Format
///
/// A JSON object `{"version": 1, "entries": {"<key>": "<value>", ...}}`,
/// pretty-printed, with a trailing newline. A zero-byte file reads as empty.
/// Beside it live `<path>.lock` (the lock file, never deleted, always
/// empty) and, briefly, `.<name>.tmp-<pid>-<n>` temporary files.
///
/// # Guarantees
///
/// - **Atomic writes.** Every change (including a whole
///   [`apply`](KeyValueStorage::apply) batch) writes a temporary file in the
///   same directory with mode `0600`, fsyncs it, renames it over the target
///   and fsyncs the directory. A reader sees the old file or the new one.
/// - **Fresh reads.** Every operation reads the file again, so writes made
///   by other processes are seen at once. Reads take no lock.
/// - **No lost updates.** Every read-modify-write holds an exclusive lock on
///   `<path>.lock`. [`lock`](KeyValueStorage::lock) holds the same lock for a
///   longer transaction (lock, re-read, maybe refresh, write, unlock).
/// - **Corruption is never overwritten.** A file that does not parse makes
///   every operation fail with [`StorageError::Corrupt`] (naming the path and
///   the error position, never content) until the app calls
///   [`reset_corrupt`](Self::reset_corrupt) or
///   [`clear`](KeyValueStorage::clear), which move it aside.
/// - **Bounded waits.** Taking the lock fails with
///   [`StorageError::LockTimeout`] after [`DEFAULT_LOCK_TIMEOUT`] unless
///   [`with_lock_timeout`](Self::with_lock_timeout) says otherwise.
///
/// # Locking within one process
///
/// Clones of a `FileStorage` share one lock state. While a clone holds the
/// guard returned by [`lock`](KeyValueStorage::lock), operations through
/// any clone run under that guard's file lock instead of taking it again,
/// so the holder can read and write without deadlocking. They still run
/// one at a time, each atomic. A second `lock()` through a clone waits for
/// the first guard to drop; calling `lock()` again while the same task
/// holds a guard therefore fails with [`StorageError::LockTimeout`].
///
/// Handles opened separately with [`open`](Self::open) do not share this
/// state: they exclude each other exactly as two processes do.
///
/// `Debug` shows the path only.
#[derive(Clone)]
pub struct FileStorage {
    shared: Arc<Shared>,
    lock_timeout: Duration,
}

struct Shared {
    path: PathBuf,
    locks: Transactions,
}

impl FileStorage {
    /// Opens the store at `path`.
    ///
    /// Creates missing parent directories (mode `0700` on Unix) but not the
    /// file, which appears with the first write. A relative `path` is made
    /// absolute against the current directory now. The file is not read
    /// here: a corrupt file shows on the first operation. This call does
    /// blocking I/O; make it at startup or in `spawn_blocking`.
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`] when `path` has no file name or a directory
    /// cannot be created.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = path.as_ref();
        let path = std::path::absolute(path).map_err(|e| io_error("resolve", path, &e))?;
        if path.file_name().is_none() {
            return Err(StorageError::Io {
                detail: format!("{}: not a file path", path.display()),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_dirs(parent).map_err(|e| io_error("create directory for", &path, &e))?;
        }
        let lock_path = disk::with_suffix(&path, ".lock");
        disk::remove_stale_temps(&path);
        Ok(Self {
            shared: Arc::new(Shared {
                path,
                locks: Transactions::new(lock_path),
            }),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        })
    }

    /// Sets how long an operation waits for the lock before it fails with
    /// [`StorageError::LockTimeout`] (default [`DEFAULT_LOCK_TIMEOUT`]).
    /// Applies to this handle, not to its existing clones.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The (absolute) path of the store file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The lock timeout of this handle.
    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    /// Recovers from a corrupt file by moving it to
    /// `<path>.corrupt-<unix milliseconds>`, which leaves an empty store.
    ///
    /// Returns where the file went, or `None` when there was nothing to do
    /// (no file, or a file that parses: a healthy store is never moved).
    /// The bad file is kept so that a person can inspect it.
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`] when the file cannot be read or moved, and
    /// [`StorageError::LockTimeout`].
    pub async fn reset_corrupt(&self) -> Result<Option<PathBuf>, StorageError> {
        self.modify(|path| match disk::read(path) {
            Ok(_) => Ok(None),
            Err(StorageError::Corrupt { detail }) => {
                let aside = disk::move_aside(path)?;
                tracing::warn!(%detail, aside = %aside.display(), "corrupt storage file moved aside");
                Ok(Some(aside))
            }
            Err(e) => Err(e),
        })
        .await
    }

    /// Reads the entries (no lock: writes are atomic renames).
    async fn read(&self) -> Result<Entries, StorageError> {
        let path = self.shared.path.clone();
        run_blocking(&self.shared.path, move || {
            disk::read(&path).map(Contents::into_entries)
        })
        .await
    }

    /// Applies `change` to the entries under the write lock and writes the
    /// file when they changed.
    async fn update<F>(&self, change: F) -> Result<(), StorageError>
    where
        F: FnOnce(&mut Entries) + Send + 'static,
    {
        self.modify(move |path| {
            let before = disk::read(path)?.into_entries();
            let mut after = before.clone();
            change(&mut after);
            if after != before {
                disk::write(path, &after)?;
                tracing::debug!(path = %path.display(), entries = after.len(), "storage file written");
            }
            Ok(())
        })
        .await
    }

    /// Runs `f` on the store path in a blocking task, holding write access.
    async fn modify<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        F: FnOnce(&Path) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let deadline = Instant::now() + self.lock_timeout;
        let access = self.shared.locks.write_access(deadline).await?;
        let path = self.shared.path.clone();
        run_blocking(&self.shared.path, move || {
            let result = f(&path);
            // Released only once the blocking work is done, even if the
            // caller's future was dropped meanwhile.
            drop(access);
            result
        })
        .await
    }
}

impl fmt::Debug for FileStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStorage")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl KeyValueStorage for FileStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.read().await?.remove(key))
    }

    /// Reads the file once: every value comes from the same version.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        let entries = self.read().await?;
        Ok(keys.iter().map(|k| entries.get(*k).cloned()).collect())
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.update(move |entries| {
            entries.insert(key, value);
        })
        .await
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        let key = key.to_owned();
        self.update(move |entries| {
            entries.remove(&key);
        })
        .await
    }

    /// Removes every entry. A corrupt file is moved aside as by
    /// [`FileStorage::reset_corrupt`] rather than failing, since the caller
    /// asked for an empty store.
    async fn clear(&self) -> Result<(), StorageError> {
        self.modify(|path| match disk::read(path) {
            Ok(Contents::Missing) => Ok(()),
            Ok(Contents::Entries(entries)) if entries.is_empty() => Ok(()),
            Ok(Contents::Entries(_)) => disk::write(path, &Entries::new()),
            Err(StorageError::Corrupt { detail }) => {
                let aside = disk::move_aside(path)?;
                tracing::warn!(%detail, aside = %aside.display(), "corrupt storage file moved aside by clear");
                Ok(())
            }
            Err(e) => Err(e),
        })
        .await
    }

    /// Applies every change with one read and one atomic rename.
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.update(move |entries| {
            for change in changes {
                match change.into_key_value() {
                    (k, Some(v)) => {
                        entries.insert(k, v);
                    }
                    (k, None) => {
                        entries.remove(&k);
                    }
                }
            }
        })
        .await
    }

    /// Takes the exclusive lock on `<path>.lock` until the guard drops.
    /// See [Locking within one process](FileStorage#locking-within-one-process).
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        let deadline = Instant::now() + self.lock_timeout;
        self.shared.locks.lock(deadline).await
    }
}

async fn run_blocking<T, F>(path: &Path, f: F) -> Result<T, StorageError>
where
    F: FnOnce() -> Result<T, StorageError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io_error("access", path, &std::io::Error::other(e)))?
}

pub(crate) fn create_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests;
