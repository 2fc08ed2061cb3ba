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
/// runs as one unit: no reader sees half of it).
static APPLY: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local i = 1
while i <= #ARGV do
    if ARGV[i] == 's' then
        redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
        i = i + 3
    else
        redis.call('HDEL', KEYS[1], ARGV[i + 1])
        i = i + 2
    end
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
            store,
        }
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
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&self.session_key).arg(key).arg(value);
        let _: i64 = self.link().query("HSET", &cmd).await?;
        Ok(())
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
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
        let mut invocation = APPLY.key(&self.session_key);
        for change in changes {
            match change.into_key_value() {
                (k, Some(v)) => invocation.arg("s").arg(k).arg(v),
                (k, None) => invocation.arg("r").arg(k),
            };
        }
        let _: i64 = self.link().invoke("apply (script)", &invocation).await?;
        Ok(())
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
