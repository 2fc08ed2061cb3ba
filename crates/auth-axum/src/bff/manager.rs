//! The session manager: per-session plugins in a bounded LRU, loaded from
//! the store on demand and revalidated against the session's marker.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError};

use auth_cognito::CognitoAuthPlugin;
use auth_core::error::AuthError;
use auth_core::storage::KeyValueStorage;

use super::BffSessions;
use super::rejection::BffRejection;
use super::session_id::SessionId;
use super::store::{SESSION_MARKER, SessionMarker, session_namespace};

/// A session held in memory: its plugin (which owns the refresh single
/// flight of this instance) and when its marker was last read.
pub(crate) struct Cached {
    pub(crate) plugin: CognitoAuthPlugin,
    storage: Arc<dyn KeyValueStorage>,
    /// The store key (`sha256(id)`), also the cache key.
    pub(crate) key: String,
    checked_at_ms: AtomicI64,
}

/// A short, non-secret name of a session for logs: the first 8 hex digits
/// of its store key (itself a hash of the cookie).
pub(crate) fn log_name(key: &str) -> &str {
    key.get(..8).unwrap_or(key)
}

impl BffSessions {
    /// A plugin for one session namespace.
    pub(crate) fn plugin_on(
        &self,
        storage: Arc<dyn KeyValueStorage>,
    ) -> Result<CognitoAuthPlugin, AuthError> {
        CognitoAuthPlugin::builder(self.inner.config.clone())
            .storage(storage)
            .clock(self.inner.clock.clone())
            .build()
    }

    /// Reads a session's marker: `Ok(())` while the session exists.
    async fn check_marker(
        &self,
        storage: &dyn KeyValueStorage,
        key: &str,
    ) -> Result<(), BffRejection> {
        match storage.get(SESSION_MARKER).await {
            Ok(Some(raw)) => match SessionMarker::parse(&raw) {
                Ok(_) => Ok(()),
                Err(e) => {
                    tracing::warn!(session = log_name(key), error = %e, "a BFF session record is corrupt; answering as signed out");
                    Err(BffRejection::CorruptSession)
                }
            },
            Ok(None) => Err(BffRejection::NotSignedIn),
            Err(e) => {
                tracing::warn!(session = log_name(key), error = %e, "the BFF session store failed");
                Err(BffRejection::from_storage(&e))
            }
        }
    }

    /// The session of a cookie id: from the cache (revalidated when due) or
    /// loaded from the store.
    pub(crate) async fn session(&self, id: &SessionId) -> Result<Arc<Cached>, BffRejection> {
        let key = id.store_key();
        let cached = self.lock_cache().get(&key);
        let now = self.now_ms();
        if let Some(entry) = cached {
            if now - entry.checked_at_ms.load(Ordering::Relaxed) < self.inner.revalidate_ms {
                return Ok(entry);
            }
            return match self.check_marker(entry.storage.as_ref(), &key).await {
                Ok(()) => {
                    entry.checked_at_ms.store(now, Ordering::Relaxed);
                    Ok(entry)
                }
                Err(e) => {
                    if e != BffRejection::Unavailable {
                        self.evict(&key);
                    }
                    Err(e)
                }
            };
        }
        let storage = self
            .inner
            .store
            .existing(&session_namespace(&key), self.inner.session_idle_ttl)
            .map_err(|e| BffRejection::from_storage(&e))?
            .ok_or(BffRejection::NotSignedIn)?;
        self.check_marker(storage.as_ref(), &key).await?;
        let plugin = self.plugin_on(storage.clone()).map_err(|e| {
            tracing::warn!(error = %e, "cannot build a session plugin");
            BffRejection::NotConfigured {
                description: "the session plugin could not be built",
            }
        })?;
        let entry = Arc::new(Cached {
            plugin,
            storage,
            key: key.clone(),
            checked_at_ms: AtomicI64::new(now),
        });
        tracing::debug!(
            session = log_name(&key),
            "BFF session loaded from the store"
        );
        Ok(self.lock_cache().get_or_insert(&key, entry))
    }

    /// Caches a session that was just created (after the callback).
    pub(crate) fn adopt(
        &self,
        key: &str,
        plugin: CognitoAuthPlugin,
        storage: Arc<dyn KeyValueStorage>,
    ) {
        let entry = Arc::new(Cached {
            plugin,
            storage,
            key: key.to_owned(),
            checked_at_ms: AtomicI64::new(self.now_ms()),
        });
        self.lock_cache().remove(key);
        self.lock_cache().get_or_insert(key, entry);
    }

    /// Drops a session from this instance's cache (not from the store).
    pub(crate) fn evict(&self, key: &str) {
        self.lock_cache().remove(key);
    }

    /// Deletes a session from the store and the cache.
    pub(crate) async fn delete_session(&self, key: &str) -> Result<(), BffRejection> {
        self.evict(key);
        self.inner
            .store
            .delete(&session_namespace(key), self.inner.session_idle_ttl)
            .await
            .map_err(|e| {
                tracing::warn!(session = log_name(key), error = %e, "could not delete a BFF session");
                BffRejection::from_storage(&e)
            })?;
        self.evict(key);
        Ok(())
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, super::lru::Lru<Arc<Cached>>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
