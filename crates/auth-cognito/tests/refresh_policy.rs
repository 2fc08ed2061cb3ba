//! The token orchestrator's rules (BEHAVIOUR.md, "Expiry and refresh" and
//! "When a refresh fails"), driven with an injected clock against the
//! emulator, whose counters and fault injection make every call countable.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use auth_cognito::{CognitoAuthPlugin, SignInOptions, Tuning};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use cognito_emulator::Fault;
use support::{Bed, BedOptions, PASSWORD};

/// A store that counts batch writes, to prove one write per refresh.
#[derive(Debug, Clone, Default)]
struct CountingStorage {
    inner: MemoryStorage,
    applies: Arc<AtomicUsize>,
}

#[async_trait]
impl KeyValueStorage for CountingStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.inner.get(key).await
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
        self.applies.fetch_add(1, Ordering::SeqCst);
        self.inner.apply(changes).await
    }
}

struct Signed {
    bed: Bed,
    plugin: CognitoAuthPlugin,
    storage: CountingStorage,
    clock: ManualClock,
}

async fn signed_in_with(opts: BedOptions, tuning: Option<Tuning>) -> Signed {
    let bed = Bed::emulator(opts).await;
    bed.create_user("alice", PASSWORD).await;
    let storage = CountingStorage::default();
    let clock = ManualClock::new();
    let config = match tuning {
        Some(t) => bed.config_with(t),
        None => bed.config(),
    };
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(storage.clone()))
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("plugin");
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
    }
}

async fn signed_in() -> Signed {
    signed_in_with(BedOptions::default(), None).await
}

fn access(s: &AuthSession) -> String {
    s.tokens()
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned()
}

/// Where the plugin considers the access token expired, by the plugin's
/// clock, with no margin: `exp` less the persisted clock drift.
async fn local_expiry_ms(s: &Signed) -> i64 {
    let session = s
        .plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    let exp_ms = session
        .tokens()
        .expect("tokens")
        .access_token
        .expires_at()
        .expect("exp")
        * 1000;
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
        .expect("get")
        .expect("value")
        .parse()
        .expect("integer drift");
    exp_ms - drift
}

/// A call that has not returned after this long never will: a deadlock
/// guard, not a performance bound.
const HANG: Duration = Duration::from_secs(60);

fn refresh_calls(bed: &Bed) -> u64 {
    bed.emu().count("GetTokensFromRefreshToken") + bed.emu().count("InitiateAuth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_access_token_is_refreshed_once_for_concurrent_callers() {
    let s = signed_in().await;
    let mut events = AuthPlugin::subscribe(&s.plugin);
    let before = s.storage.applies.load(Ordering::SeqCst);
    s.clock.advance_secs(2 * 3600);
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let p = s.plugin.clone();
        tasks.push(tokio::spawn(async move {
            p.fetch_auth_session(FetchAuthSessionOptions::default())
                .await
        }));
    }
    let mut tokens = std::collections::HashSet::new();
    for t in tasks {
        tokens.insert(access(&t.await.expect("join").expect("session")));
    }
    assert_eq!(tokens.len(), 1, "every caller gets the same new tokens");
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(
        s.storage.applies.load(Ordering::SeqCst) - before,
        1,
        "one storage write"
    );
    assert_eq!(events.try_recv().expect("event"), AuthEvent::TokenRefresh);
    assert!(events.try_recv().is_err(), "one TokenRefresh event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_force_refreshes_share_one_call() {
    let s = signed_in().await;
    // The refresh is in flight while every caller arrives: a forced caller
    // that arrives after a refresh finished asks for (and gets) a new one.
    s.bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        Fault::Latency(Duration::from_millis(400)),
        1,
    );
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let p = s.plugin.clone();
        tasks.push(tokio::spawn(async move {
            p.fetch_auth_session(FetchAuthSessionOptions::force_refresh())
                .await
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("session");
    }
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_refreshed_within_the_margin_and_not_before() {
    let s = signed_in().await;
    let expiry = local_expiry_ms(&s).await;
    // now + drift + 60 s margin < exp: served from memory.
    s.clock.set_millis(expiry - 60_000 - 1_000);
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert_eq!(refresh_calls(&s.bed), 0);
    // now + drift + margin >= exp: refreshed.
    s.clock.set_millis(expiry - 60_000);
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert_eq!(refresh_calls(&s.bed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configurable_margin_is_honoured() {
    let tuning = Tuning::default()
        .with_token_expiry_margin(Duration::from_secs(600))
        .with_retry_backoff(Duration::ZERO);
    let s = signed_in_with(BedOptions::default(), Some(tuning)).await;
    let expiry = local_expiry_ms(&s).await;
    s.clock.set_millis(expiry - 600_000 + 1);
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert_eq!(refresh_calls(&s.bed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_drift_keeps_tokens_from_a_server_behind_us_valid() {
    let bed = Bed::emulator(BedOptions::default()).await;
    // The server's clock is two hours behind: its tokens look expired to a
    // client that ignores drift.
    bed.emu().set_clock_offset(-7200);
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _storage, _clock) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    bed.emu().reset_counters();
    for _ in 0..5 {
        let s = plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("s");
        assert!(s.is_signed_in());
    }
    assert_eq!(refresh_calls(&bed), 0, "no refresh loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_a_refresh_token_cannot_be_force_refreshed() {
    let s = signed_in().await;
    let key = s
        .storage
        .inner
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".refreshToken"))
        .expect("key");
    s.storage.inner.remove(&key).await.expect("remove");
    let again = s
        .bed
        .plugin_with(Arc::new(s.storage.clone()), Arc::new(s.clock.clone()));
    let e = again
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect_err("no refresh token");
    assert!(matches!(e, AuthError::NoRefreshToken), "{e:?}");
    s.clock.advance_secs(7200);
    let e = again
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect_err("expired");
    assert!(matches!(e, AuthError::NoRefreshToken), "{e:?}");
    assert!(again.get_current_user().await.is_err());
    // The session was not silently dropped.
    assert!(again.is_signed_in_cached());
    assert_eq!(refresh_calls(&s.bed), 0);
}

fn transient_faults() -> Vec<(&'static str, Fault)> {
    vec![
        (
            "500 InternalErrorException",
            Fault::Status {
                status: 500,
                type_: "InternalErrorException".into(),
                message: "boom".into(),
            },
        ),
        (
            "400 TooManyRequestsException",
            Fault::Status {
                status: 400,
                type_: "TooManyRequestsException".into(),
                message: "slow down".into(),
            },
        ),
        ("timeout", Fault::Latency(Duration::from_millis(1500))),
        ("dropped connection", Fault::Drop),
        ("malformed JSON", Fault::MalformedBody),
        ("missing fields", Fault::MissingFields),
    ]
}

fn fast_timeout() -> Tuning {
    Tuning::default()
        .with_request_timeout(Duration::from_millis(700))
        .with_connect_timeout(Duration::from_millis(700))
        .with_retry_backoff(Duration::ZERO)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_refresh_failures_keep_the_session_and_serve_valid_tokens() {
    for (name, fault) in transient_faults() {
        let s = signed_in_with(BedOptions::default(), Some(fast_timeout())).await;
        let mut events = AuthPlugin::subscribe(&s.plugin);
        let before = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("s");
        let stored_before = s.storage.inner.keys();
        s.bed
            .emu()
            .inject_fault("GetTokensFromRefreshToken", fault, 1);
        // The token is still valid: a forced refresh that fails serves it.
        // One attempt, given up on: for the "timeout" fault the emulator
        // answers (with new tokens) after 1.5 s, so serving the old token
        // shows the 700 ms request timeout cut the call short; no wall
        // clock is read. HANG only guards against a call that never returns.
        let soft = tokio::time::timeout(
            HANG,
            s.plugin
                .fetch_auth_session(FetchAuthSessionOptions::force_refresh()),
        )
        .await
        .unwrap_or_else(|_| panic!("{name}: the forced refresh never returned"));
        let soft = soft
            .unwrap_or_else(|e| panic!("{name}: soft refresh served the valid token, got {e:?}"));
        assert_eq!(access(&soft), access(&before), "{name}");
        assert_eq!(refresh_calls(&s.bed), 1, "{name}: one attempt");
        assert!(
            matches!(
                events.try_recv(),
                Ok(AuthEvent::TokenRefreshFailure {
                    definitive: false,
                    ..
                })
            ),
            "{name}"
        );
        assert_eq!(
            s.storage.inner.keys(),
            stored_before,
            "{name}: storage kept"
        );
        // Recovery: the next call succeeds.
        let after = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
            .await
            .expect(name);
        assert!(
            access(&after) != access(&before),
            "{name}: refreshed after recovery"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_on_expired_tokens_are_typed_errors_not_sign_outs() {
    for (name, fault) in transient_faults() {
        let s = signed_in_with(BedOptions::default(), Some(fast_timeout())).await;
        s.clock.advance_secs(2 * 3600);
        s.bed
            .emu()
            .inject_fault("GetTokensFromRefreshToken", fault, 1);
        let e = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect_err(name);
        assert!(e.is_transient(), "{name}: {e:?}");
        assert!(s.plugin.is_signed_in_cached(), "{name}: session kept");
        let c = s
            .plugin
            .fetch_cognito_session(FetchAuthSessionOptions::default())
            .await;
        assert!(c.is_signed_in, "{name}");
        assert!(
            s.storage
                .inner
                .keys()
                .iter()
                .any(|k| k.ends_with(".refreshToken")),
            "{name}"
        );
        let ok = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect(name);
        assert!(ok.is_signed_in(), "{name}: recovered");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definitive_refresh_failures_end_the_session_once() {
    for code in [
        "NotAuthorizedException",
        "RefreshTokenReuseException",
        "UserNotFoundException",
        "PasswordResetRequiredException",
        "UserNotConfirmedException",
        "TokenRevokedException",
    ] {
        let s = signed_in().await;
        let mut events = AuthPlugin::subscribe(&s.plugin);
        s.bed.emu().inject_fault(
            "GetTokensFromRefreshToken",
            Fault::Status {
                status: 400,
                type_: code.into(),
                message: "no".into(),
            },
            1,
        );
        let e = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
            .await
            .expect_err(code);
        assert!(
            matches!(e, AuthError::SessionExpired { ref reason } if reason == code),
            "{code}: {e:?}"
        );
        assert!(
            matches!(
                events.try_recv(),
                Ok(AuthEvent::TokenRefreshFailure {
                    definitive: true,
                    ..
                })
            ),
            "{code}"
        );
        assert_eq!(
            events.try_recv().ok(),
            Some(AuthEvent::SessionExpired),
            "{code}"
        );
        assert!(
            s.storage.inner.keys().iter().all(|k| !k.contains("Token")),
            "{code}: cleared"
        );
        // Later calls: typed errors, a signed-out session, no more events.
        assert!(
            matches!(
                s.plugin.get_current_user().await,
                Err(AuthError::SessionExpired { .. })
            ),
            "{code}"
        );
        let later = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect(code);
        assert!(!later.is_signed_in());
        assert!(events.try_recv().is_err(), "{code}: SessionExpired once");
        // Signing in again starts a new session.
        s.plugin
            .sign_in("alice", PASSWORD, SignInOptions::default())
            .await
            .expect("sign in again");
        assert!(s.plugin.get_current_user().await.is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backoff_stops_a_hot_loop_on_a_dead_network() {
    let tuning = Tuning::default()
        .with_request_timeout(Duration::from_millis(700))
        .with_retry_backoff(Duration::from_secs(10));
    let s = signed_in_with(BedOptions::default(), Some(tuning)).await;
    s.clock.advance_secs(7200);
    s.bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        Fault::Status {
            status: 503,
            type_: "ServiceUnavailableException".into(),
            message: "down".into(),
        },
        100,
    );
    for _ in 0..20 {
        let e = s
            .plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect_err("down");
        assert!(e.is_transient());
    }
    assert_eq!(
        s.bed.emu().count("GetTokensFromRefreshToken"),
        1,
        "one attempt within the backoff"
    );
    s.bed.emu().clear_faults();
    s.clock.advance_secs(11);
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("after the backoff");
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_refresh_tokens_are_persisted_and_used() {
    let s = signed_in_with(
        BedOptions {
            rotation_grace_secs: Some(0),
            ..BedOptions::default()
        },
        None,
    )
    .await;
    let key = s
        .storage
        .inner
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".refreshToken"))
        .expect("key");
    let first = s.storage.inner.get(&key).await.expect("get").expect("v");
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("1st");
    let second = s.storage.inner.get(&key).await.expect("get").expect("v");
    assert!(first != second, "rotation gave a new refresh token");
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("2nd uses the rotated token");
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_refresh_in_real_time() {
    let bed = Bed::emulator(BedOptions {
        access_ttl_secs: Some(2),
        ..BedOptions::default()
    })
    .await;
    bed.create_user("alice", PASSWORD).await;
    let tuning = Tuning::default().with_token_expiry_margin(Duration::ZERO);
    let plugin = CognitoAuthPlugin::builder(bed.config_with(tuning))
        .storage(Arc::new(MemoryStorage::new()))
        .build()
        .expect("plugin");
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let a = access(
        &plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("s"),
    );
    // Normally 0; 1 if this machine stalled past the first token's expiry
    // before `a` was read.
    let calls = bed.emu().count("GetTokensFromRefreshToken");
    // The system clock (no ManualClock here) has to reach the token's
    // expiry: ask until a new token is served, bounded by HANG, instead of
    // sleeping a guessed 2.3 s. Asking does nothing while the token is valid.
    let b = tokio::time::timeout(HANG, async {
        loop {
            let b = access(
                &plugin
                    .fetch_auth_session(FetchAuthSessionOptions::default())
                    .await
                    .expect("s"),
            );
            if b != a {
                return b;
            }
            assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), calls);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the 2-second token was refreshed");
    assert!(a != b);
    assert_eq!(
        bed.emu().count("GetTokensFromRefreshToken"),
        calls + 1,
        "one refresh at the expiry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_sessions_work_with_a_drifting_server_clock() {
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.emu().set_clock_offset(-7200);
    bed.create_user("alice", PASSWORD).await;
    let plugin = CognitoAuthPlugin::builder(bed.config())
        .storage(Arc::new(MemoryStorage::new()))
        .verify_tokens(true)
        .build()
        .expect("plugin");
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("verified sign-in");
    let a = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    let b = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("verified refresh");
    assert!(access(&a) != access(&b));
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_another_pool_fail_verification_and_are_not_installed() {
    // The plugin trusts pool A's keys; the endpoint answers with pool B's
    // tokens (a misrouted proxy): the sign-in fails and nothing is stored.
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.create_user("alice", PASSWORD).await;
    let other_pool = bed.emu().create_user_pool("other").expect("pool");
    let config = auth_cognito::CognitoConfig::builder()
        .user_pool(&other_pool, &bed.client_id)
        .user_pool_endpoint(&bed.endpoint)
        .build()
        .expect("config");
    let storage = MemoryStorage::new();
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(storage.clone()))
        .verify_tokens(true)
        .build()
        .expect("plugin");
    let e = plugin
        .sign_in(
            "alice",
            PASSWORD,
            SignInOptions::with_flow(AuthFlowType::UserPasswordAuth),
        )
        .await
        .expect_err("tokens of another pool");
    assert!(matches!(e, AuthError::InvalidResponse { .. }), "{e:?}");
    assert!(storage.is_empty());
    assert!(!plugin.is_signed_in_cached());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_reported_as_expired_by_later_processes_until_sign_out() {
    let s = signed_in().await;
    s.bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        Fault::Status {
            status: 400,
            type_: "NotAuthorizedException".into(),
            message: "revoked".into(),
        },
        1,
    );
    s.plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect_err("expired");
    // A new process on the same store.
    let later = s
        .bed
        .plugin_with(Arc::new(s.storage.clone()), Arc::new(s.clock.clone()));
    assert!(matches!(
        later.get_current_user().await,
        Err(AuthError::SessionExpired { .. })
    ));
    assert_eq!(*later.watch_state().borrow(), AuthState::SessionExpired);
    later
        .sign_out(SignOutOptions::default())
        .await
        .expect("sign out");
    let after = s
        .bed
        .plugin_with(Arc::new(s.storage.clone()), Arc::new(s.clock.clone()));
    assert!(matches!(
        after.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
    assert!(s.storage.inner.is_empty(), "{:?}", s.storage.inner.keys());
}
