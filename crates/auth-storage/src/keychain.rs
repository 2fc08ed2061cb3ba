//! A store in the OS keychain, for desktop apps: one keychain item per
//! session holds one JSON blob, and a lock file beside the app's config makes
//! read-modify-writes safe across processes.

mod vault;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};
use tokio::time::Instant;

use crate::format::{self, Entries};
use crate::transaction::Transactions;
use crate::{DEFAULT_LOCK_TIMEOUT, io_error};
use vault::Vault;

/// The service name under which items are stored unless
/// [`KeychainBuilder::service`] says otherwise.
pub const DEFAULT_SERVICE: &str = "amplify-auth";

/// How long one keychain call may take before it fails with
/// [`StorageError::Unavailable`] (a keychain waiting for an unlock prompt
/// never answers).
pub const DEFAULT_KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Which OS credential store holds the items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeychainBackend {
    /// The platform's: the macOS Keychain, the Windows Credential Manager,
    /// and on Linux the Secret Service (GNOME Keyring, KWallet) when one
    /// answers on the session bus, else the kernel's keyutils.
    Auto,
    /// The freedesktop Secret Service over D-Bus (Linux).
    SecretService,
    /// The kernel's keyutils session keyring (Linux). Needs no daemon, but
    /// items last until logout or reboot.
    Keyutils,
    /// The macOS login Keychain.
    AppleKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
    /// `keyring-core`'s mock store: this process's memory only, for tests.
    Mock,
}

impl KeychainBackend {
    /// A short name for messages: `Secret Service`, `keyutils`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "keychain",
            Self::SecretService => "Secret Service",
            Self::Keyutils => "keyutils",
            Self::AppleKeychain => "macOS Keychain",
            Self::WindowsCredentialManager => "Windows Credential Manager",
            Self::Mock => "mock keychain",
        }
    }
}

/// A [`KeyValueStorage`] in one OS keychain item, safe to share between
/// processes.
///
/// - **One item, one blob.** Every entry of the store lives in one item
///   (service [`DEFAULT_SERVICE`], account = the item name), as the JSON
///   document `FileStorage` writes. A refresh, which changes several
///   entries, is one keychain write, so a reader sees all of it or none.
/// - **Cross-process safety** comes from an exclusive lock on a lock file
///   (beside the app's config): every read-modify-write holds it, and so
///   does [`lock`](KeyValueStorage::lock). Within one process the rules are
///   those of [`FileStorage`](crate::FileStorage#locking-within-one-process).
/// - **Typed errors that say what to do.** A locked keychain or a missing
///   Secret Service is [`StorageError::Unavailable`] (transient: the session
///   is kept), naming the backend and the next step; so is a keychain call
///   that does not answer within [`DEFAULT_KEYCHAIN_TIMEOUT`]. An item that
///   does not parse is [`StorageError::Corrupt`] and is never overwritten;
///   [`clear`](KeyValueStorage::clear) deletes it.
///
/// Keychain calls block, so they run on tokio's blocking pool.
///
/// ```no_run
/// use auth_storage::{KeychainStorage, KeyValueStorage};
///
/// # async fn demo() -> Result<(), auth_storage::StorageError> {
/// let store = KeychainStorage::builder("my-client-id/default", "/home/me/.config/my-app/keychain.lock")
///     .open()?;
/// println!("using the {}", store.backend().name());
/// store.set("greeting", "hello").await?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows the backend, service, item name and lock file, never values.
#[derive(Clone)]
pub struct KeychainStorage {
    shared: Arc<Shared>,
    lock_timeout: Duration,
}

struct Shared {
    vault: Arc<Vault>,
    service: String,
    item: String,
    call_timeout: Duration,
    locks: Transactions,
}

/// Options of a [`KeychainStorage`]; made by [`KeychainStorage::builder`].
#[derive(Debug, Clone)]
pub struct KeychainBuilder {
    item: String,
    lock_file: PathBuf,
    service: String,
    backend: KeychainBackend,
    call_timeout: Duration,
    lock_timeout: Duration,
}

impl KeychainBuilder {
    /// The keychain service name (default [`DEFAULT_SERVICE`]).
    #[must_use]
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The credential store (default [`KeychainBackend::Auto`]).
    #[must_use]
    pub fn backend(mut self, backend: KeychainBackend) -> Self {
        self.backend = backend;
        self
    }

    /// How long one keychain call may take (default [`DEFAULT_KEYCHAIN_TIMEOUT`]).
    #[must_use]
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// How long an operation waits for the lock file (default [`DEFAULT_LOCK_TIMEOUT`]).
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Opens the keychain and the lock file's directory (created with mode
    /// `0700` when missing). The item is not read here. Blocking: call it at
    /// startup or in `spawn_blocking`.
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`] for an empty or unprintable item or service
    /// name, or a lock file path without a file name;
    /// [`StorageError::Unavailable`] when the chosen keychain cannot be opened.
    pub fn open(self) -> Result<KeychainStorage, StorageError> {
        for (what, value) in [("item", &self.item), ("service", &self.service)] {
            if value.is_empty() || value.len() > 256 || value.chars().any(char::is_control) {
                return Err(StorageError::Io {
                    detail: format!("keychain {what} name must be 1 to 256 printable characters"),
                });
            }
        }
        let lock_file = std::path::absolute(&self.lock_file)
            .map_err(|e| io_error("resolve", &self.lock_file, &e))?;
        if lock_file.file_name().is_none() {
            return Err(StorageError::Io {
                detail: format!("{}: not a file path", lock_file.display()),
            });
        }
        if let Some(parent) = lock_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::file::create_dirs(parent)
                .map_err(|e| io_error("create directory for", &lock_file, &e))?;
        }
        let vault = Vault::open(self.backend)?;
        Ok(KeychainStorage {
            shared: Arc::new(Shared {
                vault,
                service: self.service,
                item: self.item,
                call_timeout: self.call_timeout,
                locks: Transactions::new(lock_file),
            }),
            lock_timeout: self.lock_timeout,
        })
    }
}

impl KeychainStorage {
    /// Options for the store in keychain item `item` (for example
    /// `<app client id>/<profile>`), locked through `lock_file`.
    pub fn builder(item: impl Into<String>, lock_file: impl AsRef<Path>) -> KeychainBuilder {
        KeychainBuilder {
            item: item.into(),
            lock_file: lock_file.as_ref().to_path_buf(),
            service: DEFAULT_SERVICE.to_owned(),
            backend: KeychainBackend::Auto,
            call_timeout: DEFAULT_KEYCHAIN_TIMEOUT,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// The credential store in use (never [`KeychainBackend::Auto`]).
    pub fn backend(&self) -> KeychainBackend {
        self.shared.vault.backend()
    }

    /// The keychain item's name.
    pub fn item(&self) -> &str {
        &self.shared.item
    }

    /// Sets how long an operation waits for the lock file. Applies to this
    /// handle, not to its existing clones.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Runs a blocking keychain call with this store's timeout.
    async fn call<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        F: FnOnce(&Shared) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        let timeout = self.shared.call_timeout;
        let task = tokio::task::spawn_blocking(move || f(&shared));
        match tokio::time::timeout(timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(StorageError::Io {
                detail: format!("{}: the keychain call failed: {e}", self.place()),
            }),
            Err(_) => Err(StorageError::Unavailable {
                detail: format!(
                    "{}: the keychain did not answer within {timeout:?}; it may be locked and waiting for an unlock prompt",
                    self.place()
                ),
            }),
        }
    }

    fn place(&self) -> String {
        format!("{} item `{}`", self.backend().name(), self.shared.item)
    }

    async fn read(&self) -> Result<Entries, StorageError> {
        self.call(Shared::read).await
    }

    /// Applies `change` under the write lock, writing only when it changed something.
    async fn update<F>(&self, change: F) -> Result<(), StorageError>
    where
        F: FnOnce(&mut Entries) + Send + 'static,
    {
        let deadline = Instant::now() + self.lock_timeout;
        let access = self.shared.locks.write_access(deadline).await?;
        self.call(move |shared| {
            let before = shared.read()?;
            let mut after = before.clone();
            change(&mut after);
            let result = if after == before {
                Ok(())
            } else {
                shared.write(&after)
            };
            drop(access);
            result
        })
        .await
    }
}

impl Shared {
    fn source(&self) -> String {
        format!("{} item `{}`", self.vault.backend().name(), self.item)
    }

    fn read(&self) -> Result<Entries, StorageError> {
        match self.vault.read(&self.service, &self.item)? {
            Some(text) => format::decode(text.as_bytes(), &self.source()),
            None => Ok(Entries::new()),
        }
    }

    fn write(&self, entries: &Entries) -> Result<(), StorageError> {
        let bytes = format::encode(entries, &self.source())?;
        let text = String::from_utf8(bytes).map_err(|_| StorageError::Io {
            detail: format!("{}: cannot encode the entries", self.source()),
        })?;
        self.vault.write(&self.service, &self.item, &text)
    }
}

impl fmt::Debug for KeychainStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeychainStorage")
            .field("backend", &self.backend())
            .field("service", &self.shared.service)
            .field("item", &self.shared.item)
            .field("lock_file", &self.shared.locks.lock_path())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl KeyValueStorage for KeychainStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.read().await?.remove(key))
    }

    /// One keychain read: every value comes from the same write.
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

    /// Deletes the item, also when it is corrupt: the caller asked for an
    /// empty store.
    async fn clear(&self) -> Result<(), StorageError> {
        let deadline = Instant::now() + self.lock_timeout;
        let access = self.shared.locks.write_access(deadline).await?;
        self.call(move |shared| {
            let result = shared.vault.delete(&shared.service, &shared.item);
            drop(access);
            result
        })
        .await
    }

    /// Applies every change with one read and one keychain write.
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

    /// Takes the exclusive lock on the lock file until the guard drops.
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        let deadline = Instant::now() + self.lock_timeout;
        self.shared.locks.lock(deadline).await
    }
}

#[cfg(test)]
mod tests;
