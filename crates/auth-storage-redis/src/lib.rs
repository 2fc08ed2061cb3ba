//! # auth-storage-redis: sessions shared across processes and machines
//!
//! A [`KeyValueStorage`](auth_core::storage::KeyValueStorage) on Redis, for
//! services where several instances hold the same users' sessions: a
//! backend for frontend, a worker pool, a fleet of CLIs on CI runners. With
//! refresh-token rotation, two instances that refresh one session at once
//! make one of them present a retired token, and Cognito signs the user out.
//! Here a refresh takes the session's **lease lock** in Redis, re-reads the
//! store, and adopts tokens that another instance already refreshed.
//!
//! A crate of its own, so that desktop apps do not pull Redis in.
//!
//! ```no_run
//! use std::sync::Arc;
//! use auth_storage_redis::RedisStore;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // One connection per process; it reconnects by itself.
//! let redis = RedisStore::builder("rediss://app:secret@redis.internal:6380/0?prefix=my-bff")?
//!     .connect()
//!     .await?;
//! // One namespace per session: here, per app client and profile.
//! let storage = Arc::new(redis.storage("my-app-client-id:default")?);
//! // CognitoAuthPlugin::builder(config).storage(storage).build()?
//! # let _ = storage; Ok(()) }
//! ```
//!
//! # URLs
//!
//! | form | what |
//! |------|------|
//! | `redis://[user[:password]@]host[:port][/db]` | one server; the ACL user and password come from the URL |
//! | `rediss://...` | the same over TLS (rustls; the platform's roots, or `ca_file=`) |
//! | `redis+unix:///path/redis.sock` | a Unix socket |
//! | `redis+cluster://[user[:password]@]host:port,host:port,...` | a Redis Cluster, from its seed nodes (feature `cluster-async`) |
//! | `rediss+cluster://...` | a cluster over TLS |
//!
//! Options in the query: `prefix=NAME` (the key prefix, default
//! [`DEFAULT_KEY_PREFIX`]), `lease_ms=N` ([`DEFAULT_LEASE`]),
//! `lock_timeout_ms=N` ([`DEFAULT_LOCK_TIMEOUT`]), `timeout_ms=N` (each
//! command, [`DEFAULT_COMMAND_TIMEOUT`]), `ca_file=PATH` (a PEM root for
//! TLS) and `protocol=resp3`. Unknown options are refused, and so is
//! `#insecure`: give the CA instead.
//!
//! # Keys
//!
//! A namespace `N` with prefix `P` uses two keys: the hash
//! `P:{N}:session` holds the entries, and `P:{N}:lock` the lease. The braces
//! are a Redis Cluster hash tag: both keys land in one slot, so the atomic
//! batch script and the lease work on a cluster too.
//!
//! Neither expires unless asked: with
//! [`RedisStorage::with_expiry`], every write (re)sets `PEXPIRE` on the
//! hash in the same script, so a namespace left unwritten for that long
//! (an abandoned sign-in, a session nobody comes back to) disappears.
//!
//! # Guarantees and faults
//!
//! - A batch ([`apply`](auth_core::storage::KeyValueStorage::apply)) is one
//!   Lua script and a snapshot read
//!   ([`get_many`](auth_core::storage::KeyValueStorage::get_many)) is one
//!   `HMGET`: no reader sees a new access token with an old refresh token.
//! - The lease (`SET NX PX` with a random token) is renewed every third of
//!   its length while held and released by compare-and-delete, so a holder
//!   never deletes a lease that expired and went to someone else. A crashed
//!   holder delays the others by at most one lease.
//! - Every command is bounded ([`DEFAULT_COMMAND_TIMEOUT`]). A Redis that is
//!   down, restarting or slow gives
//!   [`StorageError::Unavailable`](auth_core::storage::StorageError::Unavailable),
//!   a transient error that never signs anyone out; refused credentials give
//!   `AccessDenied`. Messages name Redis and its endpoint, never the
//!   password or a stored value.
//! - Persistence is Redis's: run it with append-only persistence
//!   (`appendonly yes`) so that a restart loses no session.
//!
//! # Security
//!
//! Values are tokens: they never reach `Debug`, errors or logs. `Debug` of
//! every type here shows the URL with its password replaced by `***`. Use
//! `rediss://` across machines, and an ACL user limited to the prefix's keys
//! (`~P:*`) and the commands `HGET HMGET HSET HDEL DEL SET GET PEXPIRE
//! EVALSHA EVAL MEMORY PING`.

mod connection;
mod error;
mod lease;
mod storage;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod url;

pub use storage::RedisStorage;
pub use store::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_PREFIX, DEFAULT_LEASE,
    DEFAULT_LOCK_TIMEOUT, RedisStore, RedisStoreBuilder,
};
pub use url::InvalidUrl;
