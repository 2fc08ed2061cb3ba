//! Where sessions live: [`SessionStore`], one [`KeyValueStorage`] namespace
//! per session and per pre-session, and the records this module writes
//! there.
//!
//! | namespace            | keys                                                      |
//! |----------------------|-----------------------------------------------------------|
//! | `bff-session:<hash>` | the plugin's own entries (tokens, identity id, credentials) and `bff.session` (this module's marker: version, creation time) |
//! | `bff-pre:<hash>`     | `bff.pre`: the exported hosted-UI flow, its creation time and where to go after the callback |
//!
//! `<hash>` is `sha256(cookie id)` in hex. A session exists exactly while its
//! `bff.session` marker does: sign-out deletes the namespace, and every
//! instance that reads the marker sees the session gone.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use auth_core::secret::SecretString;
use auth_core::storage::{KeyValueStorage, StorageError};
use auth_storage::MemoryStorage;
use serde::{Deserialize, Serialize};

/// The marker key of a session namespace.
pub(crate) const SESSION_MARKER: &str = "bff.session";
/// The record key of a pre-session namespace.
pub(crate) const PRE_SESSION_RECORD: &str = "bff.pre";
/// The version of both records.
const RECORD_VERSION: u32 = 1;

/// Opens one namespace of a shared store, with the idle expiry the BFF
/// wants for it.
type OpenNamespace = dyn Fn(&str, Duration) -> Result<Arc<dyn KeyValueStorage>, StorageError>
    + Send
    + Sync
    + 'static;

/// Where BFF sessions are stored: in this process's memory
/// ([`SessionStore::memory`], the default), or in a shared store such as
/// Redis ([`SessionStore::from_fn`]), so that every instance of a service
/// sees every session and a restart loses none.
///
/// Each session gets its own namespace (a [`KeyValueStorage`]); its lock is
/// the one a refresh takes, so with a store whose lock spans processes (the
/// Redis lease of `auth-storage-redis`) a session is refreshed by one
/// instance at a time, and the others adopt the result.
///
/// With [`SessionStore::from_fn_with_expiry`], the shared store is told how
/// long each namespace may sit unwritten: a pre-session
/// [`PRE_SESSION_TTL`](super::PRE_SESSION_TTL), a session its
/// [`session_idle_ttl`](super::BffSessionsBuilder::session_idle_ttl). So
/// abandoned sign-ins and sessions whose cookie never comes back disappear
/// from Redis by themselves.
///
/// ```no_run
/// use std::sync::Arc;
/// use auth_axum::bff::SessionStore;
/// use auth_core::storage::KeyValueStorage;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = auth_storage_redis::RedisStore::builder("redis://127.0.0.1:6379/0?prefix=my-bff")?
///     .connect()
///     .await?;
/// let store = SessionStore::from_fn_with_expiry(move |namespace, idle| {
///     Ok(Arc::new(redis.storage(namespace)?.with_expiry(idle)) as Arc<dyn KeyValueStorage>)
/// });
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SessionStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Memory(Arc<Mutex<Memory>>),
    Shared(Arc<OpenNamespace>),
}

/// The memory store: its namespaces, and its pre-sessions by creation time
/// (so that abandoned sign-ins are purged; a shared store keeps them).
#[derive(Default)]
struct Memory {
    namespaces: HashMap<String, MemoryStorage>,
    pre_sessions: VecDeque<(i64, String)>,
}

impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.backend {
            Backend::Memory(_) => "memory",
            Backend::Shared(_) => "shared",
        };
        f.debug_struct("SessionStore")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

impl Default for SessionStore {
    fn default() -> Self {
        Self::memory()
    }
}

impl SessionStore {
    /// Sessions in this process's memory: lost when it exits, unseen by
    /// other instances. For development and single-instance servers.
    ///
    /// ```
    /// let store = auth_axum::bff::SessionStore::memory();
    /// assert!(format!("{store:?}").contains("memory"));
    /// ```
    pub fn memory() -> Self {
        Self {
            backend: Backend::Memory(Arc::default()),
        }
    }

    /// Sessions in a shared store: `open(namespace)` returns the storage of
    /// one namespace (for Redis, `RedisStore::storage(namespace)`). It is
    /// called once per session per instance, and must be cheap and not
    /// block (no I/O: connect once, beforehand). Records stored this way
    /// never expire (a sign-out deletes them); prefer
    /// [`from_fn_with_expiry`](Self::from_fn_with_expiry) for a store that
    /// can expire them.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use auth_axum::bff::SessionStore;
    /// use auth_core::storage::KeyValueStorage;
    /// use auth_storage::MemoryStorage;
    ///
    /// // Every namespace in one in-memory map, for a test.
    /// let all = MemoryStorage::new();
    /// let store = SessionStore::from_fn(move |_namespace| {
    ///     Ok(Arc::new(all.clone()) as Arc<dyn KeyValueStorage>)
    /// });
    /// # let _ = store;
    /// ```
    pub fn from_fn<F>(open: F) -> Self
    where
        F: Fn(&str) -> Result<Arc<dyn KeyValueStorage>, StorageError> + Send + Sync + 'static,
    {
        Self {
            backend: Backend::Shared(Arc::new(move |namespace: &str, _idle: Duration| {
                open(namespace)
            })),
        }
    }

    /// Sessions in a shared store that expires idle namespaces:
    /// `open(namespace, idle)` returns the storage of one namespace that
    /// disappears when nobody writes to it for `idle` (for Redis,
    /// `RedisStore::storage(namespace)?.with_expiry(idle)`, which resets
    /// the expiry with every write). `idle` is
    /// [`PRE_SESSION_TTL`](super::PRE_SESSION_TTL) for a pre-session and
    /// the [`session_idle_ttl`](super::BffSessionsBuilder::session_idle_ttl)
    /// for a session, whose plugin writes at every token refresh. As for
    /// [`from_fn`](Self::from_fn), `open` must be cheap and not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use auth_axum::bff::SessionStore;
    /// use auth_core::storage::KeyValueStorage;
    /// use auth_storage::MemoryStorage;
    ///
    /// // A store that ignores the expiry, for a test.
    /// let all = MemoryStorage::new();
    /// let store = SessionStore::from_fn_with_expiry(move |_namespace, _idle| {
    ///     Ok(Arc::new(all.clone()) as Arc<dyn KeyValueStorage>)
    /// });
    /// # let _ = store;
    /// ```
    pub fn from_fn_with_expiry<F>(open: F) -> Self
    where
        F: Fn(&str, Duration) -> Result<Arc<dyn KeyValueStorage>, StorageError>
            + Send
            + Sync
            + 'static,
    {
        Self {
            backend: Backend::Shared(Arc::new(open)),
        }
    }

    /// The storage of one namespace, created if need be, expiring after
    /// `idle` without writes where the store can do that.
    pub(crate) fn namespace(
        &self,
        name: &str,
        idle: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, StorageError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(Arc::new(
                    memory
                        .namespaces
                        .entry(name.to_owned())
                        .or_default()
                        .clone(),
                ))
            }
            Backend::Shared(open) => open(name, idle),
        }
    }

    /// The storage of a namespace that may exist, for a lookup by a cookie:
    /// `None` when the memory store has no such namespace (so forged
    /// cookies create nothing); a shared store's handle otherwise (opening
    /// one costs no I/O and creates nothing).
    pub(crate) fn existing(
        &self,
        name: &str,
        idle: Duration,
    ) -> Result<Option<Arc<dyn KeyValueStorage>>, StorageError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(memory
                    .namespaces
                    .get(name)
                    .map(|s| Arc::new(s.clone()) as Arc<dyn KeyValueStorage>))
            }
            Backend::Shared(open) => open(name, idle).map(Some),
        }
    }

    /// Notes a new pre-session namespace, and (memory store) deletes the
    /// pre-sessions created more than `ttl_ms` before `now_ms`: abandoned
    /// sign-ins do not accumulate in memory.
    pub(crate) fn pre_session_created(&self, name: &str, now_ms: i64, ttl_ms: i64) {
        if let Backend::Memory(memory) = &self.backend {
            let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
            let memory = &mut *memory;
            while let Some((created, _)) = memory.pre_sessions.front() {
                if now_ms - *created <= ttl_ms {
                    break;
                }
                if let Some((_, old)) = memory.pre_sessions.pop_front() {
                    memory.namespaces.remove(&old);
                }
            }
            memory.pre_sessions.push_back((now_ms, name.to_owned()));
        }
    }

    /// Deletes a namespace's entries, and for the memory store the
    /// namespace itself.
    pub(crate) async fn delete(&self, name: &str, idle: Duration) -> Result<(), StorageError> {
        let storage = self.namespace(name, idle)?;
        storage.clear().await?;
        if let Backend::Memory(memory) = &self.backend {
            memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .namespaces
                .remove(name);
        }
        Ok(())
    }
}

/// The namespace of the session whose id hashes to `key`.
pub(crate) fn session_namespace(key: &str) -> String {
    format!("bff-session:{key}")
}

/// The namespace of the pre-session whose id hashes to `key`.
pub(crate) fn pre_session_namespace(key: &str) -> String {
    format!("bff-pre:{key}")
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt {
        detail: format!("the BFF {what} record is not valid JSON of version {RECORD_VERSION}"),
    }
}

/// A session's marker: it exists while the session does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionMarker {
    v: u32,
    /// When the session was created (ms since the epoch, the manager's clock).
    pub(crate) created_at_ms: i64,
}

impl SessionMarker {
    pub(crate) fn new(created_at_ms: i64) -> Self {
        Self {
            v: RECORD_VERSION,
            created_at_ms,
        }
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored marker; a typed `Corrupt` error otherwise.
    pub(crate) fn parse(raw: &str) -> Result<Self, StorageError> {
        serde_json::from_str::<Self>(raw)
            .ok()
            .filter(|m| m.v == RECORD_VERSION)
            .ok_or_else(|| corrupt("session"))
    }
}

/// A pre-session: a hosted-UI sign-in between `/auth/sign-in` and
/// `/auth/callback`. The flow is a secret (state and PKCE verifier).
#[derive(Serialize, Deserialize)]
pub(crate) struct PreSessionRecord {
    v: u32,
    /// When it was created (ms, the manager's clock).
    pub(crate) created_at_ms: i64,
    /// A local path to send the browser to after the callback.
    pub(crate) return_to: String,
    /// `PendingRedirect::export_secret`.
    flow: String,
}

impl fmt::Debug for PreSessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreSessionRecord")
            .field("created_at_ms", &self.created_at_ms)
            .field("return_to", &self.return_to)
            .field("flow", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl PreSessionRecord {
    pub(crate) fn new(created_at_ms: i64, return_to: String, flow: &SecretString) -> Self {
        Self {
            v: RECORD_VERSION,
            created_at_ms,
            return_to,
            flow: flow.expose_secret().to_owned(),
        }
    }

    /// The exported flow. A secret.
    pub(crate) fn flow(&self) -> &str {
        &self.flow
    }

    /// The record as stored. A secret (it holds the flow).
    pub(crate) fn to_secret_json(&self) -> SecretString {
        SecretString::from(serde_json::to_string(self).unwrap_or_default())
    }

    /// Parses a stored record; a typed `Corrupt` error otherwise.
    pub(crate) fn parse(raw: &str) -> Result<Self, StorageError> {
        serde_json::from_str::<Self>(raw)
            .ok()
            .filter(|r| r.v == RECORD_VERSION)
            .ok_or_else(|| corrupt("pre-session"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const IDLE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn memory_namespaces_are_separate_and_deleted_whole() {
        let store = SessionStore::memory();
        let a = store.namespace("a", IDLE).expect("a");
        let b = store.namespace("b", IDLE).expect("b");
        a.set("k", "1").await.expect("set");
        assert_eq!(b.get("k").await.expect("get"), None);
        assert_eq!(
            store
                .namespace("a", IDLE)
                .expect("a")
                .get("k")
                .await
                .expect("get"),
            Some("1".into())
        );
        store.delete("a", IDLE).await.expect("delete");
        assert_eq!(
            store
                .namespace("a", IDLE)
                .expect("a")
                .get("k")
                .await
                .expect("get"),
            None
        );
    }

    #[test]
    fn records_round_trip_and_garbage_is_a_typed_corruption() {
        let m = SessionMarker::new(5);
        assert_eq!(
            SessionMarker::parse(&m.to_json())
                .expect("ok")
                .created_at_ms,
            5
        );
        assert!(matches!(
            SessionMarker::parse("{nope"),
            Err(StorageError::Corrupt { .. })
        ));
        assert!(matches!(
            SessionMarker::parse(r#"{"v":99,"created_at_ms":1}"#),
            Err(StorageError::Corrupt { .. })
        ));
        let flow = SecretString::from("the-flow-secret".to_owned());
        let r = PreSessionRecord::new(7, "/".into(), &flow);
        assert!(!format!("{r:?}").contains("the-flow-secret"));
        let back = PreSessionRecord::parse(r.to_secret_json().expose_secret()).expect("ok");
        assert_eq!(back.flow(), "the-flow-secret");
        assert!(PreSessionRecord::parse("[]").is_err());
    }
}
