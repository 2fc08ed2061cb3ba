//! The connection to Redis and its settings, shared by every session's
//! [`RedisStorage`] handle.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use auth_core::storage::StorageError;

use crate::connection::{Link, Timeouts};
use crate::storage::RedisStorage;
use crate::url::{self, InvalidUrl, Target};

/// The key prefix unless the URL or [`RedisStoreBuilder::key_prefix`] says otherwise.
pub const DEFAULT_KEY_PREFIX: &str = "amplify-auth";
/// How long a lock lease lasts without renewal: the most a crashed holder
/// delays the others.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);
/// How long [`lock`](auth_core::storage::KeyValueStorage::lock) waits for a
/// lease held by someone else: more than one lease, so that a crashed
/// holder's lease always runs out first.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one command may take, reconnection included.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one connection attempt may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to Redis (one server or a cluster) that hands out one
/// [`RedisStorage`] per session namespace.
///
/// Cheap to clone; clones share the connection, which reconnects by itself
/// after Redis restarts. `Debug` and messages show the URL without its
/// password.
#[derive(Clone)]
pub struct RedisStore {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) link: Link,
    pub(crate) settings: Settings,
    redacted_url: String,
}

/// The settings every handle of a store shares.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) prefix: String,
    pub(crate) lease: Duration,
    pub(crate) lock_timeout: Duration,
}

/// Options of a [`RedisStore`]; made by [`RedisStore::builder`].
///
/// Values given here win over the URL's options.
#[derive(Clone)]
pub struct RedisStoreBuilder {
    target: Target,
    prefix: Option<String>,
    lease: Option<Duration>,
    lock_timeout: Option<Duration>,
    command_timeout: Option<Duration>,
    connect_timeout: Duration,
    root_ca: Option<Vec<u8>>,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &self.target.redacted)
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// The prefix of every key (default [`DEFAULT_KEY_PREFIX`]). Apps
    /// sharing one Redis keep apart by prefix.
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// How long a lock lease lasts without renewal (default [`DEFAULT_LEASE`]).
    /// The holder renews it every third of that while it works.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// How long `lock()` waits for a lease held by another holder (default
    /// [`DEFAULT_LOCK_TIMEOUT`]).
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// How long one command may take (default [`DEFAULT_COMMAND_TIMEOUT`]).
    #[must_use]
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = Some(timeout);
        self
    }

    /// How long one connection attempt may take (default [`DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// A PEM root certificate that a `rediss://` server's certificate must
    /// chain to, instead of the platform's roots (the URL's `ca_file`).
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_ca = Some(pem.into());
        self
    }

    /// Connects. Fails fast when Redis cannot be reached, so that a service
    /// learns at startup that its store is missing; after that, the
    /// connection survives restarts of Redis on its own.
    ///
    /// # Errors
    ///
    /// [`StorageError::Unavailable`] when Redis is unreachable or does not
    /// answer in time, [`StorageError::AccessDenied`] when it refuses the
    /// URL's credentials, [`StorageError::Io`] for an unreadable `ca_file`
    /// or a key prefix with braces.
    pub async fn connect(self) -> Result<RedisStore, StorageError> {
        let options = &self.target.options;
        let prefix = self
            .prefix
            .clone()
            .or_else(|| options.prefix.clone())
            .unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned());
        if prefix.is_empty() || prefix.contains(['{', '}']) {
            return Err(StorageError::Io {
                detail: "the Redis key prefix must be non-empty and without braces".into(),
            });
        }
        let lease = self.lease.or(options.lease).unwrap_or(DEFAULT_LEASE);
        let lock_timeout = self
            .lock_timeout
            .or(options.lock_timeout)
            .unwrap_or(DEFAULT_LOCK_TIMEOUT);
        let command = self
            .command_timeout
            .or(options.timeout)
            .unwrap_or(DEFAULT_COMMAND_TIMEOUT);
        let root_ca = match (&self.root_ca, &options.ca_file) {
            (Some(pem), _) => Some(pem.clone()),
            (None, Some(path)) => {
                Some(tokio::fs::read(path).await.map_err(|e| StorageError::Io {
                    detail: format!("read the Redis CA file {}: {e}", path.display()),
                })?)
            }
            (None, None) => None,
        };
        let timeouts = Timeouts {
            connect: self.connect_timeout,
            command,
        };
        let link = Link::connect(&self.target, timeouts, root_ca).await?;
        tracing::debug!(url = %self.target.redacted, "connected to Redis");
        Ok(RedisStore {
            inner: Arc::new(Inner {
                link,
                settings: Settings {
                    prefix,
                    lease,
                    lock_timeout,
                },
                redacted_url: self.target.redacted,
            }),
        })
    }
}

impl RedisStore {
    /// Options for the Redis at `url`; see the [crate docs](crate#urls) for
    /// the forms (`redis://`, `rediss://`, `redis+unix://`,
    /// `redis+cluster://`, `rediss+cluster://`) and options.
    ///
    /// # Errors
    ///
    /// [`InvalidUrl`] naming what is wrong (never the password).
    pub fn builder(url: &str) -> Result<RedisStoreBuilder, InvalidUrl> {
        Ok(RedisStoreBuilder {
            target: url::parse(url)?,
            prefix: None,
            lease: None,
            lock_timeout: None,
            command_timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            root_ca: None,
        })
    }

    /// The store of one session namespace, for example
    /// `<app client id>:<profile>` or `<app client id>:<user id>`. Its keys
    /// are `<prefix>:{<namespace>}:session` (one hash) and
    /// `<prefix>:{<namespace>}:lock`: the braces are a hash tag, so that in
    /// a cluster both land in one slot.
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`] for an empty namespace, one over 256 bytes, or
    /// one with braces or control characters.
    pub fn storage(&self, namespace: &str) -> Result<RedisStorage, StorageError> {
        if namespace.is_empty()
            || namespace.len() > 256
            || namespace.contains(['{', '}'])
            || namespace.chars().any(char::is_control)
        {
            return Err(StorageError::Io {
                detail: format!(
                    "invalid Redis storage namespace `{}`: use 1 to 256 printable characters without braces",
                    namespace.escape_debug()
                ),
            });
        }
        Ok(RedisStorage::new(self.clone(), namespace))
    }

    /// Sends `PING` and waits for the answer: a health check.
    ///
    /// # Errors
    ///
    /// As any command: [`StorageError::Unavailable`] when Redis is down.
    pub async fn ping(&self) -> Result<(), StorageError> {
        let _: String = self.inner.link.query("PING", &redis::cmd("PING")).await?;
        Ok(())
    }

    /// The URL without its password.
    pub fn url(&self) -> &str {
        &self.inner.redacted_url
    }

    /// The lease of this store's locks.
    pub fn lease(&self) -> Duration {
        self.inner.settings.lease
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.inner.settings.prefix
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.inner.redacted_url)
            .field("prefix", &self.inner.settings.prefix)
            .field("lease", &self.inner.settings.lease)
            .finish_non_exhaustive()
    }
}
