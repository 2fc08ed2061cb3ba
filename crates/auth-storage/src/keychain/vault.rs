//! The OS credential store behind `KeychainStorage`: which one, and the
//! blocking read, write and delete of one item, with errors that say what
//! to do and never carry the item's content.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use auth_core::storage::StorageError;
use keyring_core::{CredentialStore, Entry, Error};

use super::KeychainBackend;

/// One credential store, opened once per process and backend.
pub(crate) struct Vault {
    store: Arc<CredentialStore>,
    backend: KeychainBackend,
}

impl Vault {
    /// The store for `backend`; `Auto` picks the platform's and says which.
    pub(crate) fn open(backend: KeychainBackend) -> Result<Arc<Self>, StorageError> {
        static OPEN: OnceLock<Mutex<HashMap<KeychainBackend, Arc<Vault>>>> = OnceLock::new();
        let mut open = OPEN
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(vault) = open.get(&backend) {
            return Ok(Arc::clone(vault));
        }
        let vault = Arc::new(match backend {
            KeychainBackend::Auto => platform()?,
            other => Self {
                store: store_for(other)?,
                backend: other,
            },
        });
        open.insert(backend, Arc::clone(&vault));
        Ok(vault)
    }

    /// The backend in use (never `Auto`).
    pub(crate) fn backend(&self) -> KeychainBackend {
        self.backend
    }

    fn entry(&self, service: &str, item: &str) -> Result<Entry, StorageError> {
        Entry::new_in_store(&self.store, service, item).map_err(|e| self.error(&e, item))
    }

    /// The item's text, `None` when there is no such item.
    pub(crate) fn read(&self, service: &str, item: &str) -> Result<Option<String>, StorageError> {
        match self.entry(service, item)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(self.error(&e, item)),
        }
    }

    /// Creates or replaces the item.
    pub(crate) fn write(&self, service: &str, item: &str, text: &str) -> Result<(), StorageError> {
        self.entry(service, item)?
            .set_password(text)
            .map_err(|e| self.error(&e, item))
    }

    /// Deletes the item; a missing item is not an error.
    pub(crate) fn delete(&self, service: &str, item: &str) -> Result<(), StorageError> {
        match self.entry(service, item)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(self.error(&e, item)),
        }
    }

    /// A typed error for `e`. Variants that carry the item's bytes are
    /// reported without them; platform messages are kept (they describe
    /// the service, not the content).
    pub(crate) fn error(&self, e: &Error, item: &str) -> StorageError {
        let place = format!("{} item `{item}`", self.backend.name());
        match e {
            Error::NoStorageAccess(cause) => StorageError::Unavailable {
                detail: format!(
                    "{place}: the keychain is locked or refused access ({cause}); unlock it (log in to the desktop session, or run `gnome-keyring-daemon --unlock`) and retry"
                ),
            },
            Error::PlatformFailure(cause) => StorageError::Unavailable {
                detail: format!(
                    "{place}: the keychain service failed ({cause}); check that it is running and retry"
                ),
            },
            Error::NoDefaultStore | Error::NotSupportedByStore(_) => StorageError::Unavailable {
                detail: format!(
                    "{place}: no usable keychain on this system; use file storage instead"
                ),
            },
            Error::BadEncoding(_) | Error::BadDataFormat(..) | Error::BadStoreFormat(_) => {
                StorageError::Corrupt {
                    detail: format!(
                        "{place}: the stored item is not readable text; clear the storage to start over"
                    ),
                }
            }
            Error::Ambiguous(entries) => StorageError::Corrupt {
                detail: format!(
                    "{place}: {} keychain items match; delete the extra ones (for example with `seahorse`)",
                    entries.len()
                ),
            },
            Error::TooLong(what, limit) => StorageError::Io {
                detail: format!("{place}: the {what} exceeds this keychain's limit of {limit}"),
            },
            Error::Invalid(what, why) => StorageError::Io {
                detail: format!("{place}: invalid {what}: {why}"),
            },
            _ => StorageError::Io {
                detail: format!("{place}: the keychain failed"),
            },
        }
    }
}

fn store_for(backend: KeychainBackend) -> Result<Arc<CredentialStore>, StorageError> {
    let unavailable = |why: String| StorageError::Unavailable {
        detail: format!("{}: {why}", backend.name()),
    };
    let opened: keyring_core::Result<Arc<CredentialStore>> = match backend {
        KeychainBackend::Mock => {
            keyring_core::mock::Store::new().map(|s| s as Arc<CredentialStore>)
        }
        #[cfg(target_os = "linux")]
        KeychainBackend::SecretService => {
            zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
        }
        #[cfg(target_os = "linux")]
        KeychainBackend::Keyutils => {
            linux_keyutils_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
        }
        #[cfg(target_os = "macos")]
        KeychainBackend::AppleKeychain => {
            apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>)
        }
        #[cfg(target_os = "windows")]
        KeychainBackend::WindowsCredentialManager => {
            windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
        }
        _ => return Err(unavailable("not available on this platform".into())),
    };
    opened.map_err(|e| match e {
        Error::NoStorageAccess(cause) | Error::PlatformFailure(cause) => {
            unavailable(format!("cannot open the keychain ({cause})"))
        }
        _ => unavailable("cannot open the keychain".into()),
    })
}

/// The platform's keychain: Keychain on macOS, Credential Manager on
/// Windows, and on Linux the Secret Service when one answers on the session
/// bus, else the kernel's keyutils.
fn platform() -> Result<Vault, StorageError> {
    let first = if cfg!(target_os = "macos") {
        KeychainBackend::AppleKeychain
    } else if cfg!(target_os = "windows") {
        KeychainBackend::WindowsCredentialManager
    } else {
        KeychainBackend::SecretService
    };
    match store_for(first) {
        Ok(store) => Ok(Vault {
            store,
            backend: first,
        }),
        Err(e) if cfg!(target_os = "linux") => {
            tracing::debug!(error = %e, "no Secret Service; trying the kernel keyutils keyring");
            let vault = Vault {
                store: store_for(KeychainBackend::Keyutils)?,
                backend: KeychainBackend::Keyutils,
            };
            vault.probe().map_err(|why| StorageError::Unavailable {
                detail: format!(
                    "no usable keychain: no Secret Service answered on the session bus ({e}), and keyutils {why}; start a Secret Service (gnome-keyring) or use file storage"
                ),
            })?;
            Ok(vault)
        }
        Err(e) => Err(e),
    }
}

impl Vault {
    /// Writes, reads back and deletes a probe item. keyutils without a
    /// session keyring of the process's own (no login session) refuses or
    /// loses reads; better to say so at open than to lose a session later.
    fn probe(&self) -> Result<(), String> {
        let item = format!("probe-{}", std::process::id());
        let service = "amplify-auth-probe";
        self.write(service, &item, "probe")
            .map_err(|e| format!("cannot store an item ({e})"))?;
        let read = self.read(service, &item);
        let _ = self.delete(service, &item);
        match read {
            Ok(Some(text)) if text == "probe" => Ok(()),
            Ok(_) => Err("does not read back what it stored (no session keyring?)".into()),
            Err(e) => Err(format!(
                "cannot read back an item ({e}); is there a session keyring?"
            )),
        }
    }
}
