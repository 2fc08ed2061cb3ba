//! One session namespace on Redis: its entries in one hash, written
//! atomically, and its lease lock.

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};

use crate::lease::{self, LeaseSpec};
use crate::store::RedisStore;

/// Applies a batch of sets and removals to one hash, atomically (a script
/// runs as one unit: no reader sees half of it). `ARGV[1]` is the idle
/// expiry in milliseconds (`0`: none), (re)set on the hash in the same
/// unit, so a written namespace always carries its expiry.
static APPLY: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local i = 2
while i <= #ARGV do
    if ARGV[i] == 's' then
        redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
        i = i + 3
    else
        redis.call('HDEL', KEYS[1], ARGV[i + 1])
        i = i + 2
    end
end
local expiry = tonumber(ARGV[1])
if expiry and expiry > 0 then
    redis.call('PEXPIRE', KEYS[1], expiry)
end
return 1",
    )
});

/// A [`KeyValueStorage`] for one session namespace on Redis, shared by every
/// process and machine that uses the same Redis, prefix and namespace.
///
/// - **One hash per session.** The entries are the fields of the hash
///   `<prefix>:{<namespace>}:session`. [`apply`](KeyValueStorage::apply)
///   runs one Lua script, and [`get_many`](KeyValueStorage::get_many) one
///   `HMGET`, so a reader never sees a new access token beside an old
///   refresh token.
/// - **A lease lock.** [`lock`](KeyValueStorage::lock) takes
///   `<prefix>:{<namespace>}:lock` with `SET NX PX` and a random token,
///   renews it every third of the lease while the guard lives, and releases
///   it with a compare-and-delete script. A holder that crashes delays the
///   others by at most one lease ([`DEFAULT_LEASE`](crate::DEFAULT_LEASE)).
///   Plain operations never wait for the lock.
/// - **Bounded, typed failures.** Every command is bounded by the store's
///   timeout; an unreachable or slow Redis is
///   [`StorageError::Unavailable`], which is transient: the plugin keeps
///   its session.
/// - **Optional idle expiry.** With [`with_expiry`](Self::with_expiry),
///   every write (re)sets `PEXPIRE` on the hash in the same unit as the
///   write, so a namespace nobody writes to for that long disappears.
///   Off by default: entries then stay until removed.
///
/// Cheap to clone. `Debug` shows the URL (without password) and the
/// namespace, never values.
#[derive(Clone)]
pub struct RedisStorage {
    store: RedisStore,
    namespace: String,
    session_key: String,
    lock_key: String,
    lock_timeout: Duration,
    /// The idle expiry in milliseconds; 0 when off.
    expiry_ms: u64,
}

impl RedisStorage {
    pub(crate) fn new(store: RedisStore, namespace: &str) -> Self {
        let settings = &store.inner.settings;
        let base = format!("{}:{{{namespace}}}", settings.prefix);
        let lock_timeout = settings.lock_timeout;
        Self {
            session_key: format!("{base}:session"),
            lock_key: format!("{base}:lock"),
            namespace: namespace.to_owned(),
            lock_timeout,
            expiry_ms: 0,
            store,
        }
    }

    /// Makes the namespace expire when nobody writes to it for `idle`:
    /// every [`set`](KeyValueStorage::set), [`remove`](KeyValueStorage::remove)
    /// and [`apply`](KeyValueStorage::apply) through this handle (re)sets
    /// `PEXPIRE` on the hash atomically with the write (one script). Reads
    /// do not extend it. The lock keeps its own lease. Applies to this
    /// handle only: give every handle of a namespace the same expiry (a
    /// handle without one leaves the hash's expiry as it is).
    /// `Duration::ZERO` turns expiry off; durations are counted in whole
    /// milliseconds (at least 1).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use auth_core::storage::KeyValueStorage;
    /// use auth_storage_redis::RedisStore;
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/0")?.connect().await?;
    /// // A sign-in that is abandoned disappears 10 minutes after its last write.
    /// let pending = store
    ///     .storage("sign-in:4f2a")?
    ///     .with_expiry(Duration::from_secs(600));
    /// pending.set("flow", "...").await?;
    /// assert!(pending.expires_in().await?.is_some());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_expiry(mut self, idle: Duration) -> Self {
        self.expiry_ms = if idle.is_zero() {
            0
        } else {
            u64::try_from(idle.as_millis()).unwrap_or(u64::MAX).max(1)
        };
        self
    }

    /// The idle expiry set by [`with_expiry`](Self::with_expiry), `None`
    /// when off.
    pub fn expiry(&self) -> Option<Duration> {
        (self.expiry_ms > 0).then(|| Duration::from_millis(self.expiry_ms))
    }

    /// How long until the session hash expires (`PTTL`): `None` when it
    /// does not exist or has no expiry.
    ///
    /// # Errors
    ///
    /// As any command.
    pub async fn expires_in(&self) -> Result<Option<Duration>, StorageError> {
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(&self.session_key);
        let ms: i64 = self.link().query("PTTL", &cmd).await?;
        Ok(u64::try_from(ms).ok().map(Duration::from_millis))
    }

    /// Runs the apply script with `changes` (possibly one), setting the
    /// expiry when there is one.
    async fn run_apply(
        &self,
        changes: impl IntoIterator<Item = (String, Option<String>)>,
    ) -> Result<(), StorageError> {
        let mut invocation = APPLY.key(&self.session_key);
        invocation.arg(self.expiry_ms);
        for change in changes {
            match change {
                (k, Some(v)) => invocation.arg("s").arg(k).arg(v),
                (k, None) => invocation.arg("r").arg(k),
            };
        }
        let _: i64 = self.link().invoke("apply (script)", &invocation).await?;
        Ok(())
    }

    /// Sets how long [`lock`](KeyValueStorage::lock) waits for another
    /// holder's lease. Applies to this handle only.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The Redis key of the session hash (for operators: `HGETALL` shows
    /// tokens, so treat it as a secret).
    pub fn session_key(&self) -> &str {
        &self.session_key
    }

    /// The Redis key of the lease.
    pub fn lock_key(&self) -> &str {
        &self.lock_key
    }

    /// Bytes the session hash takes in Redis (`MEMORY USAGE`), `None` when
    /// it does not exist.
    ///
    /// # Errors
    ///
    /// As any command.
    pub async fn memory_usage(&self) -> Result<Option<u64>, StorageError> {
        let mut cmd = redis::cmd("MEMORY");
        cmd.arg("USAGE")
            .arg(&self.session_key)
            .arg("SAMPLES")
            .arg(0);
        self.store.inner.link.query("MEMORY USAGE", &cmd).await
    }

    fn link(&self) -> &crate::connection::Link {
        &self.store.inner.link
    }
}

impl fmt::Debug for RedisStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStorage")
            .field("url", &self.store.url())
            .field("namespace", &self.namespace)
            .field("expiry", &self.expiry())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl KeyValueStorage for RedisStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(&self.session_key).arg(key);
        self.link().query("HGET", &cmd).await
    }

    /// One `HMGET`: every value from the same moment.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(&self.session_key).arg(keys);
        let values: Vec<Option<String>> = self.link().query("HMGET", &cmd).await?;
        if values.len() != keys.len() {
            return Err(StorageError::Io {
                detail: format!(
                    "{}: HMGET returned {} values for {} fields",
                    self.link().place(),
                    values.len(),
                    keys.len()
                ),
            });
        }
        Ok(values)
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        if self.expiry_ms > 0 {
            return self
                .run_apply([(key.to_owned(), Some(value.to_owned()))])
                .await;
        }
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&self.session_key).arg(key).arg(value);
        let _: i64 = self.link().query("HSET", &cmd).await?;
        Ok(())
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        if self.expiry_ms > 0 {
            return self.run_apply([(key.to_owned(), None)]).await;
        }
        let mut cmd = redis::cmd("HDEL");
        cmd.arg(&self.session_key).arg(key);
        let _: i64 = self.link().query("HDEL", &cmd).await?;
        Ok(())
    }

    /// Deletes the session hash (not the lease: a holder keeps its lock).
    async fn clear(&self) -> Result<(), StorageError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(&self.session_key);
        let _: i64 = self.link().query("DEL", &cmd).await?;
        Ok(())
    }

    /// One script: every change or none, in order.
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.run_apply(changes.into_iter().map(StorageChange::into_key_value))
            .await
    }

    /// Takes the session's lease; see [`RedisStorage`].
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        let spec = LeaseSpec {
            link: self.link().clone(),
            key: self.lock_key.clone(),
            lease: self.store.inner.settings.lease,
        };
        lease::acquire(spec, self.lock_timeout).await
    }
}
