//! A session shared with other processes through its store, when the store
//! fails (orchestrator/shared.rs): a store that cannot be locked or read
//! during a refresh never leads to presenting the refresh token, a lost
//! lease stops the refresh before Cognito, the lock is released at the end
//! of every refresh, and refreshed tokens that the store could not take are
//! served from memory and saved later, never over a store that moved on.
//! A saved refresh token is not kept in memory: the refresh presents the
//! one the store holds, and sign-out revokes it.
//!
//! The store is a `MemoryStorage` with switchable faults: a fault path that
//! a real server does not produce on demand (the Redis and keychain stores
//! have their own tests on real servers).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use auth_cognito::{CognitoAuthPlugin, SignInOptions, Tuning};
use auth_core::prelude::*;
use auth_core::storage::{LeaseGuard, StorageLock};
use auth_storage::MemoryStorage;
use support::{Bed, BedOptions, PASSWORD};

/// What the test store does, switched by the test.
#[derive(Debug, Default)]
struct Faults {
    /// `lock()` fails.
    lock: AtomicBool,
    /// `get` and `get_many` fail.
    reads: AtomicBool,
    /// `get` of a token field fails (`get_many` works).
    single_token_reads: AtomicBool,
    /// The next N `apply` calls fail.
    applies: AtomicUsize,
    /// Leases handed out are already lost.
    lost_lease: AtomicBool,
    // Counts.
    lock_calls: AtomicUsize,
    released: AtomicUsize,
    dropped_unreleased: AtomicUsize,
    apply_calls: AtomicUsize,
}

#[derive(Debug, Clone, Default)]
struct FaultyStorage {
    inner: MemoryStorage,
    faults: Arc<Faults>,
}

fn unavailable() -> StorageError {
    StorageError::Unavailable {
        detail: "test store: unreachable".into(),
    }
}

fn on(flag: &AtomicBool) -> bool {
    flag.load(Ordering::SeqCst)
}

struct TestLease {
    faults: Arc<Faults>,
    released: bool,
}

#[async_trait]
impl LeaseGuard for TestLease {
    async fn release(mut self: Box<Self>) -> Result<(), StorageError> {
        self.released = true;
        self.faults.released.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn is_held(&self) -> bool {
        !on(&self.faults.lost_lease)
    }
}

impl Drop for TestLease {
    fn drop(&mut self) {
        if !self.released {
            self.faults
                .dropped_unreleased
                .fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[async_trait]
impl KeyValueStorage for FaultyStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let token_field = ["accessToken", "idToken", "refreshToken"]
            .iter()
            .any(|f| key.ends_with(f));
        if on(&self.faults.reads) || (token_field && on(&self.faults.single_token_reads)) {
            return Err(unavailable());
        }
        self.inner.get(key).await
    }
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        if on(&self.faults.reads) {
            return Err(unavailable());
        }
        self.inner.get_many(keys).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.inner.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.inner.remove(key).await
    }
    async fn clear(&self) -> Result<(), StorageError> {
        self.inner.clear().await
    }
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.faults.apply_calls.fetch_add(1, Ordering::SeqCst);
        let failing = self
            .faults
            .applies
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(unavailable());
        }
        self.inner.apply(changes).await
    }
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        self.faults.lock_calls.fetch_add(1, Ordering::SeqCst);
        if on(&self.faults.lock) {
            return Err(unavailable());
        }
        Ok(StorageLock::lease(Box::new(TestLease {
            faults: Arc::clone(&self.faults),
            released: false,
        })))
    }
}

struct Signed {
    bed: Bed,
    plugin: CognitoAuthPlugin,
    storage: FaultyStorage,
    clock: ManualClock,
    config: auth_cognito::CognitoConfig,
}

/// Signed in with rotation and a grace period of 0, as a shared session
/// would be, and a 1 s retry backoff.
async fn signed_in() -> Signed {
    let bed = Bed::emulator(BedOptions {
        rotation_grace_secs: Some(0),
        ..Default::default()
    })
    .await;
    bed.create_user("alice", PASSWORD).await;
    let storage = FaultyStorage::default();
    let clock = ManualClock::new();
    let config = bed.config_with(Tuning::default().with_retry_backoff(Duration::from_secs(1)));
    let plugin = plugin_on(&config, &storage, &clock);
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    bed.emu().reset_counters();
    Signed {
        bed,
        plugin,
        storage,
        clock,
        config,
    }
}

fn plugin_on(
    config: &auth_cognito::CognitoConfig,
    storage: &FaultyStorage,
    clock: &ManualClock,
) -> CognitoAuthPlugin {
    CognitoAuthPlugin::builder(config.clone())
        .storage(Arc::new(storage.clone()))
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("plugin")
}

fn refresh_calls(s: &Signed) -> u64 {
    s.bed.emu().count("GetTokensFromRefreshToken") + s.bed.emu().count("InitiateAuth")
}

async fn tokens(p: &CognitoAuthPlugin, force: bool) -> Result<String, AuthError> {
    let options = FetchAuthSessionOptions::default().with_force_refresh(force);
    Ok(p.fetch_user_pool_tokens(options)
        .await?
        .access_token
        .as_compact_str()
        .to_owned())
}

/// The stored access token.
async fn stored(s: &Signed) -> Option<String> {
    let key = s
        .storage
        .inner
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".accessToken"))?;
    s.storage.inner.get(&key).await.unwrap()
}

/// Moves the clock to just inside the refresh margin: the tokens need a
/// refresh but are still valid.
async fn into_the_margin(s: &Signed) {
    let exp = s
        .plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .unwrap()
        .access_token
        .expires_at()
        .unwrap();
    let key = s
        .storage
        .inner
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".clockDrift"))
        .expect("clockDrift key");
    let drift: i64 = s
        .storage
        .inner
        .get(&key)
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    // 30 s before `exp` by the plugin's clock (inside the 60 s margin).
    s.clock.set_millis(exp * 1000 - drift - 30_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_be_locked_serves_valid_tokens_and_never_refreshes_without_the_lock() {
    let s = signed_in().await;
    let old = tokens(&s.plugin, false).await.unwrap();
    let mut events = AuthPlugin::subscribe(&s.plugin);
    into_the_margin(&s).await;
    s.storage.faults.lock.store(true, Ordering::SeqCst);
    assert_eq!(tokens(&s.plugin, false).await.unwrap(), old, "soft refresh");
    assert_eq!(tokens(&s.plugin, true).await.unwrap(), old, "forced, too");
    assert_eq!(refresh_calls(&s), 0, "nothing presented without the lock");
    assert!(matches!(
        events.try_recv(),
        Ok(AuthEvent::TokenRefreshFailure {
            definitive: false,
            ..
        })
    ));
    // Within the backoff, a caller that does not force one leaves the store alone.
    let tried = s.storage.faults.lock_calls.load(Ordering::SeqCst);
    assert_eq!(tokens(&s.plugin, false).await.unwrap(), old);
    assert_eq!(s.storage.faults.lock_calls.load(Ordering::SeqCst), tried);

    // Really expired: a typed transient error, and still signed in.
    s.clock.advance_secs(60);
    let err = tokens(&s.plugin, false).await.unwrap_err();
    assert!(
        matches!(err, AuthError::Storage(StorageError::Unavailable { .. })),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(s.plugin.is_signed_in_cached());
    // The store is back, and the backoff over: one refresh.
    s.storage.faults.lock.store(false, Ordering::SeqCst);
    s.clock.advance_secs(60);
    let new = tokens(&s.plugin, false).await.unwrap();
    assert_ne!(new, old);
    assert_eq!(refresh_calls(&s), 1);
    assert_eq!(stored(&s).await.as_deref(), Some(new.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_be_read_under_the_lock_is_not_refreshed_past() {
    let s = signed_in().await;
    let old = tokens(&s.plugin, false).await.unwrap();
    into_the_margin(&s).await;
    s.storage.faults.reads.store(true, Ordering::SeqCst);
    assert_eq!(tokens(&s.plugin, true).await.unwrap(), old);
    assert_eq!(
        refresh_calls(&s),
        0,
        "the store may hold newer tokens: nothing presented"
    );
    let f = &s.storage.faults;
    assert_eq!(f.lock_calls.load(Ordering::SeqCst), 1);
    assert_eq!(f.released.load(Ordering::SeqCst), 1, "released at once");
    assert_eq!(f.dropped_unreleased.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lease_stops_the_refresh_before_cognito() {
    let s = signed_in().await;
    let old = tokens(&s.plugin, false).await.unwrap();
    into_the_margin(&s).await;
    s.storage.faults.lost_lease.store(true, Ordering::SeqCst);
    assert_eq!(tokens(&s.plugin, true).await.unwrap(), old);
    assert_eq!(refresh_calls(&s), 0);
    s.storage.faults.lost_lease.store(false, Ordering::SeqCst);
    assert_ne!(tokens(&s.plugin, true).await.unwrap(), old);
    assert_eq!(refresh_calls(&s), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refresh_releases_its_lock_and_writes_once() {
    let s = signed_in().await;
    let f = &s.storage.faults;
    // The sign-in wrote once, without the lock.
    let writes_before = f.apply_calls.load(Ordering::SeqCst);
    for _ in 0..3 {
        tokens(&s.plugin, true).await.unwrap();
    }
    assert_eq!(refresh_calls(&s), 3);
    assert_eq!(f.lock_calls.load(Ordering::SeqCst), 3);
    assert_eq!(f.released.load(Ordering::SeqCst), 3, "release(), not drop");
    assert_eq!(f.dropped_unreleased.load(Ordering::SeqCst), 0);
    assert_eq!(
        f.apply_calls.load(Ordering::SeqCst) - writes_before,
        3,
        "one write each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_session_is_read_as_one_snapshot() {
    let s = signed_in().await;
    let expected = tokens(&s.plugin, false).await.unwrap();
    // Token fields read one by one would fail; a fresh plugin gets them
    // all through get_many.
    s.storage
        .faults
        .single_token_reads
        .store(true, Ordering::SeqCst);
    let restored = plugin_on(&s.config, &s.storage, &s.clock);
    assert_eq!(tokens(&restored, false).await.unwrap(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshed_tokens_the_store_could_not_take_are_served_and_saved_later() {
    let s = signed_in().await;
    let old = tokens(&s.plugin, false).await.unwrap();
    let applies_before = s.storage.faults.apply_calls.load(Ordering::SeqCst);
    // Every attempt under the lock fails (3 tries).
    s.storage.faults.applies.store(3, Ordering::SeqCst);
    let new = tokens(&s.plugin, true).await.unwrap();
    assert_ne!(new, old, "the caller gets the refreshed tokens");
    assert_eq!(
        s.storage.faults.apply_calls.load(Ordering::SeqCst) - applies_before,
        3
    );
    assert!(s.plugin.has_unsaved_session());
    assert_eq!(stored(&s).await.as_deref(), Some(old.as_str()));
    assert_eq!(s.storage.faults.released.load(Ordering::SeqCst), 1);

    // Served from memory, also on the way the hot path takes.
    assert_eq!(tokens(&s.plugin, false).await.unwrap(), new);
    let session = s
        .plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .unwrap();
    assert_eq!(
        session.tokens().unwrap().access_token.as_compact_str(),
        new.as_str()
    );
    // Before the backoff has passed, nobody retries...
    assert_eq!(stored(&s).await.as_deref(), Some(old.as_str()));
    // ...after it, the next read saves, under the lock.
    s.clock.advance_millis(1_000);
    assert_eq!(tokens(&s.plugin, false).await.unwrap(), new);
    assert!(!s.plugin.has_unsaved_session());
    assert_eq!(stored(&s).await.as_deref(), Some(new.as_str()));
    assert_eq!(s.storage.faults.released.load(Ordering::SeqCst), 2);

    // Another process on the store now holds the live refresh token.
    let other = plugin_on(&s.config, &s.storage, &s.clock);
    let later = tokens(&other, true)
        .await
        .expect("no retired token presented");
    assert_ne!(later, new);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_session_writes_now_or_reports_the_store_error() {
    let s = signed_in().await;
    s.storage.faults.applies.store(4, Ordering::SeqCst);
    let new = tokens(&s.plugin, true).await.unwrap();
    assert!(s.plugin.has_unsaved_session());
    let err = s.plugin.save_session().await.unwrap_err();
    assert!(matches!(err, AuthError::Storage(_)), "{err:?}");
    assert!(s.plugin.has_unsaved_session(), "still unsaved");
    s.plugin.save_session().await.expect("saved");
    assert!(!s.plugin.has_unsaved_session());
    assert_eq!(stored(&s).await.as_deref(), Some(new.as_str()));
    s.plugin.save_session().await.expect("nothing to save");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsaved_tokens_never_overwrite_a_store_that_moved_on() {
    let s = signed_in().await;
    s.storage.faults.applies.store(3, Ordering::SeqCst);
    tokens(&s.plugin, true).await.unwrap();
    assert!(s.plugin.has_unsaved_session());
    // Another process signs out meanwhile.
    let other = plugin_on(&s.config, &s.storage, &s.clock);
    other.sign_out(SignOutOptions::default()).await.unwrap();
    assert_eq!(stored(&s).await, None);
    s.plugin.save_session().await.expect("nothing left to save");
    assert!(!s.plugin.has_unsaved_session());
    assert_eq!(stored(&s).await, None, "the sign-out stands");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_refresh_saves_unsaved_tokens_before_it_reads_the_store() {
    let s = signed_in().await;
    s.storage.faults.applies.store(3, Ordering::SeqCst);
    let first = tokens(&s.plugin, true).await.unwrap();
    assert!(s.plugin.has_unsaved_session());
    // A forced refresh first saves `first` (else the re-read would adopt
    // the replaced tokens back), then refreshes with the live token.
    let second = tokens(&s.plugin, true)
        .await
        .expect("no retired token presented");
    assert_ne!(second, first);
    assert!(!s.plugin.has_unsaved_session());
    assert_eq!(stored(&s).await.as_deref(), Some(second.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_with_an_unreachable_store_never_read_is_a_transient_error() {
    let s = signed_in().await;
    let fresh = plugin_on(&s.config, &s.storage, &s.clock);
    s.storage.faults.reads.store(true, Ordering::SeqCst);
    let mut events = AuthPlugin::subscribe(&fresh);
    let err = fresh.sign_out(SignOutOptions::default()).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(events.try_recv().is_err(), "no SignedOut event");
    s.storage.faults.reads.store(false, Ordering::SeqCst);
    assert!(stored(&s).await.is_some(), "the stored session is kept");
    fresh.sign_out(SignOutOptions::default()).await.unwrap();
    assert_eq!(stored(&s).await, None);
}

/// The value of the stored refresh token's key, and the key.
async fn stored_refresh(s: &Signed) -> (String, Option<String>) {
    let key = s
        .storage
        .inner
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".refreshToken"))
        .expect("refreshToken key");
    let value = s.storage.inner.get(&key).await.unwrap();
    (key, value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_refresh_token_is_read_from_the_store_not_kept_in_memory() {
    let s = signed_in().await;
    let (key, _) = stored_refresh(&s).await;
    // The plugin's own copy, were it kept, would refresh fine: the one
    // presented is what the store holds under the lock.
    s.storage
        .inner
        .set(&key, "not-a-refresh-token")
        .await
        .unwrap();
    let e = tokens(&s.plugin, true)
        .await
        .expect_err("the stored token is presented");
    assert!(matches!(e, AuthError::SessionExpired { .. }), "{e:?}");
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_gone_from_the_store_is_not_presented_and_the_session_is_kept() {
    let s = signed_in().await;
    let before = tokens(&s.plugin, false).await.unwrap();
    let (key, original) = stored_refresh(&s).await;
    let original = original.expect("a refresh token is stored");
    s.storage.inner.remove(&key).await.unwrap();
    let e = tokens(&s.plugin, true)
        .await
        .expect_err("no token to present");
    assert!(matches!(e, AuthError::NoRefreshToken), "{e:?}");
    assert_eq!(refresh_calls(&s), 0);
    assert!(s.plugin.is_signed_in_cached(), "the session is kept");
    assert_eq!(tokens(&s.plugin, false).await.unwrap(), before);
    // Back in the store, it is used again, and the rotated one saved.
    s.storage.inner.set(&key, &original).await.unwrap();
    let after = tokens(&s.plugin, true).await.expect("refreshed");
    assert_ne!(after, before);
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 1);
    let (_, rotated) = stored_refresh(&s).await;
    assert_ne!(
        rotated.as_deref(),
        Some(original.as_str()),
        "rotation saved"
    );
    assert_eq!(stored(&s).await.as_deref(), Some(after.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_revokes_the_refresh_token_the_store_holds() {
    let s = signed_in().await;
    tokens(&s.plugin, true)
        .await
        .expect("refreshed, token rotated");
    let (_, rotated) = stored_refresh(&s).await;
    assert!(rotated.is_some());
    let out = s.plugin.sign_out(SignOutOptions::default()).await.unwrap();
    assert!(out.remote_signed_out, "revoked: {out:?}");
    assert_eq!(s.bed.emu().count("RevokeToken"), 1);
    assert_eq!(stored_refresh_value(&s).await, None);
}

/// The stored refresh token, when the key is still there.
async fn stored_refresh_value(s: &Signed) -> Option<String> {
    let key = s
        .storage
        .inner
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".refreshToken"))?;
    s.storage.inner.get(&key).await.unwrap()
}
