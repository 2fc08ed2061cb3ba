//! Plugin instances that share one session only through Redis, each with its
//! own connection (as separate processes or machines would), against the
//! emulator with refresh-token rotation and a grace period of 0: a retired
//! refresh token presented once ends the session with
//! `RefreshTokenReuseException`, so every instance still signed in at the
//! end means none was presented.
//!
//! Skips with a message without `redis-server` (installed by `cargo xtask ci`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use amplify_auth::prelude::*;
use async_trait::async_trait;
use auth_storage_redis::testing::RedisServer;
use auth_storage_redis::{RedisStorage, RedisStore};
use cognito_emulator::{ClientOptions, Emulator, Fault};

const INSTANCES: usize = 6;
const PASSWORD: &str = "Correct-Horse-Battery-9";

struct Bed {
    emu: Emulator,
    config: CognitoConfig,
    server: RedisServer,
    url: String,
}

async fn bed() -> Option<Bed> {
    let server = RedisServer::start().unwrap()?;
    let emu = Emulator::start().await.unwrap();
    let pool = emu.create_user_pool("shared").unwrap();
    let client = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                refresh_token_rotation: Some(Duration::ZERO),
                ..Default::default()
            },
        )
        .unwrap();
    emu.admin_create_user(&pool, "alice", PASSWORD, true)
        .unwrap();
    let config = CognitoConfig::builder()
        .user_pool(&pool, &client.id)
        .user_pool_endpoint(emu.endpoint())
        .build()
        .unwrap();
    let url = server.url("?lease_ms=3000");
    Some(Bed {
        emu,
        config,
        server,
        url,
    })
}

/// The same store without its lock: what sharing a store looks like
/// without a cross-process lock (Amplify's behaviour).
#[derive(Debug)]
struct WithoutLock(RedisStorage);

#[async_trait]
impl KeyValueStorage for WithoutLock {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.0.get(key).await
    }
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        self.0.get_many(keys).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.0.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.0.remove(key).await
    }
    async fn clear(&self) -> Result<(), StorageError> {
        self.0.clear().await
    }
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.0.apply(changes).await
    }
}

/// An instance with its own Redis connection and `clock`.
async fn instance(bed: &Bed, clock: &ManualClock, locked: bool) -> Arc<CognitoAuthPlugin> {
    instance_at(bed, &bed.url, clock, locked).await
}

/// [`instance`] on the Redis at `url`.
async fn instance_at(
    bed: &Bed,
    url: &str,
    clock: &ManualClock,
    locked: bool,
) -> Arc<CognitoAuthPlugin> {
    let redis = RedisStore::builder(url).unwrap().connect().await.unwrap();
    let storage = redis.storage("shared-client:alice").unwrap();
    let storage: Arc<dyn KeyValueStorage> = if locked {
        Arc::new(storage)
    } else {
        Arc::new(WithoutLock(storage))
    };
    Arc::new(
        CognitoAuthPlugin::builder(bed.config.clone())
            .storage(storage)
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap(),
    )
}

async fn signed_in_instances(bed: &Bed, clock: &ManualClock) -> Vec<Arc<CognitoAuthPlugin>> {
    signed_in(bed, clock, true).await
}

async fn signed_in(bed: &Bed, clock: &ManualClock, locked: bool) -> Vec<Arc<CognitoAuthPlugin>> {
    let first = instance(bed, clock, locked).await;
    first
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    let mut all = vec![first];
    for _ in 1..INSTANCES {
        let other = instance(bed, clock, locked).await;
        // Each loads the shared session from Redis.
        assert!(other.get_current_user().await.is_ok());
        all.push(other);
    }
    all
}

fn slow_refreshes(bed: &Bed) {
    bed.emu.inject_fault(
        "GetTokensFromRefreshToken",
        Fault::Latency(Duration::from_millis(300)),
        INSTANCES,
    );
}

async fn all_at_once(
    instances: &[Arc<CognitoAuthPlugin>],
    options: FetchAuthSessionOptions,
) -> Vec<Result<AuthSession, AuthError>> {
    let tasks: Vec<_> = instances
        .iter()
        .map(|p| {
            let p = Arc::clone(p);
            tokio::spawn(async move { p.fetch_auth_session(options).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_forced_refreshes_through_redis_all_succeed_and_present_no_retired_token() {
    let Some(bed) = bed().await else {
        return;
    };
    let clock = ManualClock::new();
    let instances = signed_in_instances(&bed, &clock).await;
    bed.emu.reset_counters();
    // Slow refreshes, so that the six overlap for sure.
    slow_refreshes(&bed);

    let results = all_at_once(&instances, FetchAuthSessionOptions::force_refresh()).await;
    for (i, r) in results.iter().enumerate() {
        let session = r.as_ref().unwrap_or_else(|e| panic!("instance {i}: {e}"));
        assert!(session.is_signed_in(), "instance {i} lost its session");
    }
    let calls = bed.emu.count("GetTokensFromRefreshToken");
    assert!(
        (1..=INSTANCES as u64).contains(&calls),
        "{calls} refresh calls for {INSTANCES} forced refreshes"
    );
    // The rotated family is intact everywhere: each instance refreshes once
    // more, one after the other, with whatever token the store holds.
    for (i, p) in instances.iter().enumerate() {
        p.fetch_auth_session(FetchAuthSessionOptions::force_refresh())
            .await
            .unwrap_or_else(|e| panic!("instance {i} after the race: {e}"));
    }
    eprintln!(
        "redis: {INSTANCES} concurrent forced refreshes made {calls} GetTokensFromRefreshToken calls, 0 retired tokens presented"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_expired_tokens_cause_one_refresh_call() {
    let Some(bed) = bed().await else {
        return;
    };
    let clock = ManualClock::new();
    let instances = signed_in_instances(&bed, &clock).await;
    let before = instances[0]
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .unwrap();
    let old_access = before
        .tokens()
        .unwrap()
        .access_token
        .as_compact_str()
        .to_owned();
    bed.emu.reset_counters();

    // Past the tokens' hour (and so the 60 s margin), for every instance.
    clock.advance_secs(2 * 3600);
    bed.emu.set_clock_offset(2 * 3600);
    let results = all_at_once(&instances, FetchAuthSessionOptions::default()).await;
    let mut accesses = std::collections::BTreeSet::new();
    for (i, r) in results.iter().enumerate() {
        let session = r.as_ref().unwrap_or_else(|e| panic!("instance {i}: {e}"));
        accesses.insert(
            session
                .tokens()
                .unwrap()
                .access_token
                .as_compact_str()
                .to_owned(),
        );
    }
    assert_eq!(
        bed.emu.count("GetTokensFromRefreshToken"),
        1,
        "one refresh for all instances"
    );
    assert_eq!(
        accesses.len(),
        1,
        "every instance adopted the one refreshed token"
    );
    assert!(!accesses.contains(&old_access));
}

/// The control experiment: the same race without the lease presents retired
/// tokens, and the instances that presented them are signed out. This is
/// the bug the lease exists for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_lease_the_same_race_signs_instances_out() {
    let Some(bed) = bed().await else {
        return;
    };
    let clock = ManualClock::new();
    let instances = signed_in(&bed, &clock, false).await;
    bed.emu.reset_counters();
    slow_refreshes(&bed);
    let results = all_at_once(&instances, FetchAuthSessionOptions::force_refresh()).await;
    let expired = results
        .iter()
        .filter(|r| matches!(r, Err(AuthError::SessionExpired { .. })))
        .count();
    assert!(
        expired >= 1,
        "no instance presented a retired token: {results:?}"
    );
    eprintln!("redis: without the lease, {expired} of {INSTANCES} instances were signed out");
}

fn access_token(session: &AuthSession) -> String {
    session
        .tokens()
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned()
}

/// Redis killed under a signed-in plugin: valid tokens are served from
/// memory, a forced refresh is a transient failure that presents nothing
/// (the refresh token is never sent without the lease), really expired
/// tokens give a transient storage error, never a sign-out; when Redis comes
/// back (its append-only file), the same session is there and refreshes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_serves_valid_tokens_from_memory_and_signs_nobody_out() {
    let Some(mut bed) = bed().await else {
        return;
    };
    let clock = ManualClock::new();
    let url = bed
        .server
        .url("?lease_ms=3000&timeout_ms=1000&lock_timeout_ms=2000");
    let plugin = instance_at(&bed, &url, &clock, true).await;
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    let before = access_token(
        &plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .unwrap(),
    );
    let mut events = AuthPlugin::subscribe(&*plugin);
    bed.emu.reset_counters();
    bed.server.kill();

    let during = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .unwrap();
    assert!(during.is_signed_in());
    assert_eq!(access_token(&during), before, "served from memory");
    let forced = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .unwrap();
    assert!(forced.is_signed_in());
    assert_eq!(
        access_token(&forced),
        before,
        "the valid token is served when the lease cannot be taken"
    );
    assert_eq!(
        bed.emu.count("GetTokensFromRefreshToken"),
        0,
        "no refresh token is presented without the lease"
    );
    let failure = events.recv().await.unwrap();
    assert!(
        matches!(
            failure,
            AuthEvent::TokenRefreshFailure {
                definitive: false,
                ..
            }
        ),
        "{failure:?}"
    );

    // Past the tokens' hour: a transient storage error, not "signed out".
    clock.advance_secs(2 * 3600);
    bed.emu.set_clock_offset(2 * 3600);
    let expired = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await;
    match &expired {
        Err(e @ AuthError::Storage(_)) => assert!(e.is_transient(), "{e}"),
        other => panic!("expected a transient storage error, got {other:?}"),
    }
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 0);
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(event, AuthEvent::SessionExpired | AuthEvent::SignedOut),
            "a Redis outage ended the session: {event:?}"
        );
    }

    // Redis comes back with the session; past the backoff, it refreshes.
    bed.server.restart().unwrap();
    clock.advance_secs(60);
    let after = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .unwrap();
    assert!(after.is_signed_in());
    let refreshed = access_token(&after);
    assert_ne!(refreshed, before);
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 1);
    // Another instance finds the refreshed session in Redis.
    let other = instance_at(&bed, &url, &clock, true).await;
    let seen = other
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .unwrap();
    assert_eq!(access_token(&seen), refreshed);
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 1);
}
