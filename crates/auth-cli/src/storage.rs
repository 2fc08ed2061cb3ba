//! Where a profile's session is stored: `--storage-url` (or
//! `AMPLIFY_AUTH_STORAGE_URL`).
//!
//! | URL | store |
//! |-----|-------|
//! | none, or `file:` | `<storage dir>/<profile>/session.json` (a `FileStorage`) |
//! | `redis://[user[:password]@]host[:port][/db]`, `rediss://...`, `redis+unix:///path` | one Redis server |
//! | `redis+cluster://[user[:password]@]host:port,host:port,...`, `rediss+cluster://...` | a Redis Cluster, from its seed nodes |
//! | `keychain:`, `keychain:secret-service`, `keychain:keyutils` | the OS keychain, locked through `<storage dir>/<profile>/keychain.lock` |
//!
//! With Redis, a profile's session lives under the namespace
//! `<app client id>:<profile>`: every process that uses the same URL and
//! profile shares it, whatever its `--storage-dir`. The URL's query options
//! (`prefix`, `lease_ms`, `lock_timeout_ms`, `timeout_ms`, `ca_file`) are
//! those of `auth-storage-redis`. The connection is made on first use, so an
//! unreachable Redis is a storage error of the command that needed it
//! (exit code 5, naming Redis), not of the argument parser.
//!
//! The URL may hold a password: it is never shown (`Debug` and messages
//! redact it, `--help` hides the environment variable's value), and the
//! sign-in helper process gets it through its environment, not its
//! arguments. Prefer the environment variable to the flag, which other users
//! of the machine can read in the process list.
//!
//! A refresh whose write to the store failed leaves tokens that only this
//! process holds; [`save_all`] tries the write once more before the command
//! ends, and fails the command (exit code 5) if it still cannot.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use auth_cognito::CognitoAuthPlugin;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};
use auth_storage::{FileStorage, KeychainBackend, KeychainStorage};
use auth_storage_redis::{RedisStorage, RedisStore, RedisStoreBuilder};
use tokio::sync::OnceCell;

use crate::exit::{self, CliError};
use crate::profile::Profile;

/// The environment variable that `--storage-url` falls back to.
pub(crate) const STORAGE_URL_ENV: &str = "AMPLIFY_AUTH_STORAGE_URL";

/// `--storage-url` as given, parsed by [`StorageUrl::parse`] when a
/// command needs it. Argument parsing never fails on it: clap would quote
/// the value, password and all, in its message.
#[derive(Clone)]
pub(crate) struct RawStorageUrl(String);

impl FromStr for RawStorageUrl {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Debug for RawStorageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawStorageUrl([redacted])")
    }
}

impl RawStorageUrl {
    /// Sets the helper process's environment variable to this URL (which
    /// keeps a password out of the process list), or removes it when there
    /// is none.
    pub(crate) fn pass_to(url: Option<&Self>, child: &mut tokio::process::Command) {
        match url {
            Some(url) => child.env(STORAGE_URL_ENV, &url.0),
            None => child.env_remove(STORAGE_URL_ENV),
        };
    }
}

/// A parsed `--storage-url`.
#[derive(Clone)]
pub(crate) enum StorageUrl {
    /// The profile's session file (also the default, without a URL).
    File,
    /// Redis (one server or a cluster), with the URL as given.
    Redis(Box<RedisStoreBuilder>),
    /// The OS keychain.
    Keychain(KeychainBackend),
}

impl fmt::Debug for StorageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File => f.write_str("File"),
            // The builder's Debug shows the URL without its password.
            Self::Redis(builder) => f.debug_tuple("Redis").field(builder).finish(),
            Self::Keychain(backend) => f.debug_tuple("Keychain").field(backend).finish(),
        }
    }
}

impl FromStr for StorageUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "file:" {
            return Ok(Self::File);
        }
        if let Some(which) = s.strip_prefix("keychain:") {
            let backend = match which {
                "" => KeychainBackend::Auto,
                "secret-service" => KeychainBackend::SecretService,
                "keyutils" => KeychainBackend::Keyutils,
                "macos" => KeychainBackend::AppleKeychain,
                "windows" => KeychainBackend::WindowsCredentialManager,
                other => {
                    return Err(format!(
                        "unknown keychain `{}`: use keychain:, keychain:secret-service, keychain:keyutils, keychain:macos or keychain:windows",
                        other.escape_debug()
                    ));
                }
            };
            return Ok(Self::Keychain(backend));
        }
        let scheme = s.split_once("://").map(|(scheme, _)| scheme);
        match scheme {
            Some("redis" | "rediss" | "redis+unix" | "redis+cluster" | "rediss+cluster") => {
                let builder = RedisStore::builder(s).map_err(|e| e.to_string())?;
                Ok(Self::Redis(Box::new(builder)))
            }
            _ => Err(
                "a storage URL is redis://, rediss://, redis+unix://, redis+cluster://, rediss+cluster://, keychain: or file:"
                    .to_owned(),
            ),
        }
    }
}

impl StorageUrl {
    /// Parses `--storage-url`; a bad URL is bad input (exit code 2), in
    /// a message without its password.
    pub(crate) fn parse(raw: &RawStorageUrl) -> Result<Self, CliError> {
        raw.0
            .parse()
            .map_err(|e: String| CliError::bad_input(format!("--storage-url: {e}")))
    }
}

/// Opens the store of `profile` for app client `client_id`.
pub(crate) fn open(
    url: Option<&StorageUrl>,
    profile: &Profile,
    client_id: Option<&str>,
) -> Result<Arc<dyn KeyValueStorage>, CliError> {
    let namespace = || -> Result<String, CliError> {
        let client = client_id.ok_or_else(|| {
            CliError::bad_input(
                "a --storage-url other than file: needs a user pool client in amplify_outputs.json",
            )
        })?;
        Ok(format!("{client}:{}", profile.name))
    };
    Ok(match url {
        None | Some(StorageUrl::File) => Arc::new(FileStorage::open(profile.session_file())?),
        Some(StorageUrl::Redis(builder)) => Arc::new(LazyRedis {
            builder: RedisStoreBuilder::clone(builder),
            namespace: namespace()?,
            storage: OnceCell::new(),
        }),
        Some(StorageUrl::Keychain(backend)) => Arc::new(
            KeychainStorage::builder(namespace()?, profile.dir.join("keychain.lock"))
                .backend(*backend)
                .open()?,
        ),
    })
}

/// A Redis store that connects on first use: the plugin is built
/// synchronously, and a command that never touches the session (or fails
/// earlier) never connects.
struct LazyRedis {
    builder: RedisStoreBuilder,
    namespace: String,
    storage: OnceCell<RedisStorage>,
}

impl fmt::Debug for LazyRedis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyRedis")
            .field("builder", &self.builder)
            .field("namespace", &self.namespace)
            .field("connected", &self.storage.initialized())
            .finish_non_exhaustive()
    }
}

impl LazyRedis {
    /// The session's store, connecting first if needed; a failed connection
    /// is tried again by the next call.
    async fn storage(&self) -> Result<&RedisStorage, StorageError> {
        self.storage
            .get_or_try_init(|| async {
                let store = self.builder.clone().connect().await?;
                store.storage(&self.namespace)
            })
            .await
    }
}

#[async_trait]
impl KeyValueStorage for LazyRedis {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.storage().await?.get(key).await
    }
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        self.storage().await?.get_many(keys).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.storage().await?.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.storage().await?.remove(key).await
    }
    async fn clear(&self) -> Result<(), StorageError> {
        self.storage().await?.clear().await
    }
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.storage().await?.apply(changes).await
    }
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        self.storage().await?.lock().await
    }
}

/// The plugins this process built, for [`save_all`].
static PLUGINS: Mutex<Vec<CognitoAuthPlugin>> = Mutex::new(Vec::new());

/// Remembers `plugin`, so that [`save_all`] can save what it could not.
pub(crate) fn track(plugin: &CognitoAuthPlugin) {
    PLUGINS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(plugin.clone());
}

/// Saves every tracked plugin's refreshed tokens that storage could not
/// take during the command. Exit code 5 when one still cannot be saved: the
/// command's output is valid, but the stored session may hold a refresh
/// token that Cognito has retired.
pub(crate) async fn save_all() -> Result<(), CliError> {
    let plugins: Vec<CognitoAuthPlugin> =
        std::mem::take(&mut *PLUGINS.lock().unwrap_or_else(PoisonError::into_inner));
    for plugin in plugins.iter().filter(|p| p.has_unsaved_session()) {
        if let Err(e) = plugin.save_session().await {
            return Err(CliError::new(
                exit::NETWORK,
                format!(
                    "the refreshed session could not be saved: {e}; the output is valid, but other processes sharing the store may find the session expired"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<StorageUrl, String> {
        s.parse()
    }

    #[test]
    fn every_documented_form_parses_and_nothing_else_does() {
        assert!(matches!(parse("file:"), Ok(StorageUrl::File)));
        assert!(matches!(
            parse("keychain:"),
            Ok(StorageUrl::Keychain(KeychainBackend::Auto))
        ));
        assert!(matches!(
            parse("keychain:keyutils"),
            Ok(StorageUrl::Keychain(KeychainBackend::Keyutils))
        ));
        assert!(matches!(
            parse("keychain:secret-service"),
            Ok(StorageUrl::Keychain(KeychainBackend::SecretService))
        ));
        for ok in [
            "redis://127.0.0.1:6379",
            "redis://app:pw@127.0.0.1:6379/2?prefix=ci",
            "rediss://app:pw@redis.internal:6380/0",
            "redis+cluster://127.0.0.1:7000,127.0.0.1:7001",
            "rediss+cluster://u:p@10.0.0.1:7000,10.0.0.2:7000",
        ] {
            assert!(matches!(parse(ok), Ok(StorageUrl::Redis(_))), "{ok}");
        }
        for bad in [
            "",
            "memory:",
            "http://x",
            "keychain:gnome",
            "redis://h:1?nope=1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_never_reach_debug_or_errors() {
        let url = parse("redis://app:hunter2secret@127.0.0.1:6379/0").unwrap();
        assert!(!format!("{url:?}").contains("hunter2secret"));
        let raw: RawStorageUrl = "redis://app:hunter2secret@127.0.0.1:6379/0?bogus=1"
            .parse()
            .unwrap();
        assert!(!format!("{raw:?}").contains("hunter2secret"));
        let err = StorageUrl::parse(&raw).unwrap_err();
        assert_eq!(err.code, exit::BAD_INPUT);
        assert!(!err.message().contains("hunter2secret"), "{err}");
        assert!(err.message().contains("bogus"), "{err}");
    }
}
