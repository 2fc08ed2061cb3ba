//! One call per burst: 10,000 concurrent `fetch_auth_session(force_refresh)`
//! callers (or unforced ones on expired tokens) make one token call and one
//! credentials call, every caller gets
//! the same new tokens and credentials (against the emulator). A forced call
//! counts from when it is made: it adopts a forced refresh that started
//! after it, even one that completed before its future ran, and never one
//! that completed before it was made.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use auth_cognito::{CognitoAuthPlugin, SignInOptions};
use auth_core::clock::ManualClock;
use auth_core::prelude::*;
use support::{Bed, BedOptions, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_forced_refreshes_make_one_token_and_one_credentials_call() {
    let bed = bed(false).await;
    let (plugin, _clock, before) = warm_plugin(&bed).await;
    let old_access = access_of(&before);
    // The refresh is held long enough for every caller to arrive while it
    // is in flight (the callers start together, at a gate).
    bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        cognito_emulator::Fault::Latency(Duration::from_millis(1500)),
        1,
    );
    let (access, keys) = gated_burst(&plugin, FetchAuthSessionOptions::force_refresh()).await;
    assert_eq!(access.len(), 1, "every caller adopted the one refresh");
    assert!(!access.contains(&old_access), "the tokens are new");
    assert_eq!(keys.len(), 1, "every caller got the one set of credentials");
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    assert_eq!(bed.emu().count("GetId"), 0);
}

/// A signed-in plugin, leaked so that futures borrowing it can be spawned,
/// with the emulator's counters reset after its warm fetch; and the
/// access token of that fetch.
async fn signed_in(bed: &Bed) -> (&'static CognitoAuthPlugin, String) {
    let (plugin, _clock, warm) = warm_plugin(bed).await;
    let plugin: &'static CognitoAuthPlugin = Box::leak(Box::new(plugin));
    (plugin, access_of(&warm))
}

/// alice signed in on a new plugin, with the plugin's clock and its warm
/// fetch; the emulator's counters are reset after it.
async fn warm_plugin(bed: &Bed) -> (CognitoAuthPlugin, ManualClock, AuthSession) {
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _storage, clock) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let warm = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("warm");
    bed.emu().reset_counters();
    (plugin, clock, warm)
}

/// 10,000 tasks that each call `fetch_auth_session(options)` once a gate
/// opens, so that all of them are in flight together: the distinct access
/// tokens and access key ids they got.
async fn gated_burst(
    plugin: &CognitoAuthPlugin,
    options: FetchAuthSessionOptions,
) -> (HashSet<String>, HashSet<SharedStr>) {
    let (go, gate) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let p = plugin.clone();
            let mut gate = gate.clone();
            tokio::spawn(async move {
                let _ = gate.wait_for(|open| *open).await;
                p.fetch_auth_session(options).await
            })
        })
        .collect();
    let _ = go.send(true);
    let mut access = HashSet::new();
    let mut keys = HashSet::new();
    for t in tasks {
        let s = t.await.expect("join").expect("session");
        access.insert(access_of(&s));
        keys.insert(s.credentials().expect("credentials").access_key_id.clone());
    }
    (access, keys)
}

fn access_of(s: &AuthSession) -> String {
    s.tokens()
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_calls_made_in_one_loop_make_one_token_and_one_credentials_call() {
    let bed = bed(false).await;
    let (plugin, old_access) = signed_in(&bed).await;
    // No latency injected: the refresh completes long before the last of
    // the 10,000 tasks first runs.
    let calls: Vec<_> = (0..10_000)
        .map(|_| plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
        .collect();
    let tasks: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut access = HashSet::new();
    let mut keys = HashSet::new();
    for t in tasks {
        let s = t.await.expect("join").expect("session");
        access.insert(access_of(&s));
        keys.insert(s.credentials().expect("credentials").access_key_id.clone());
    }
    assert_eq!(access.len(), 1, "every caller got the one refresh");
    assert!(!access.contains(&old_access), "the tokens are new");
    assert_eq!(keys.len(), 1, "every caller got the one set of credentials");
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    assert_eq!(bed.emu().count("GetId"), 0);
}

#[tokio::test]
async fn a_forced_call_made_after_a_completed_forced_refresh_refreshes_again() {
    let bed = bed(false).await;
    let (plugin, old_access) = signed_in(&bed).await;
    let first = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("first forced fetch");
    let second = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("second forced fetch");
    let (a1, a2) = (access_of(&first), access_of(&second));
    assert_ne!(a1, old_access);
    assert_ne!(
        a1, a2,
        "the second call asked after the first refresh and got its own"
    );
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 2);
    assert_eq!(
        bed.emu().count("GetCredentialsForIdentity"),
        2,
        "credentials for each new set of tokens"
    );
}

#[tokio::test]
async fn a_forced_call_adopts_a_refresh_that_started_after_it_unless_the_session_changed() {
    let bed = bed(false).await;
    let (plugin, old_access) = signed_in(&bed).await;
    // Made, not yet run.
    let early = plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh());
    let later = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("a forced refresh made after `early`");
    let early = early.await.expect("early");
    assert_eq!(access_of(&early), access_of(&later), "adopted");
    assert_ne!(access_of(&later), old_access);
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);

    // The same, with a sign-out and a new sign-in after the refresh: the
    // early call does not get tokens of the session that ended.
    let early = plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh());
    let ended = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("forced refresh");
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 2);
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("sign out");
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in again");
    let early = early.await.expect("early");
    assert_ne!(
        access_of(&early),
        access_of(&ended),
        "not the ended session's"
    );
    assert_eq!(
        bed.emu().count("GetTokensFromRefreshToken"),
        3,
        "the early call refreshed the new session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_guest_calls_made_in_one_loop_make_one_credentials_call() {
    let bed = bed(true).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let plugin: &'static CognitoAuthPlugin = Box::leak(Box::new(plugin));
    bed.emu().reset_counters();
    let calls: Vec<_> = (0..10_000)
        .map(|_| plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
        .collect();
    let tasks: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut keys = HashSet::new();
    for t in tasks {
        let s = t.await.expect("join").expect("guest session");
        assert!(!s.is_signed_in());
        keys.insert(
            s.credentials()
                .expect("guest credentials")
                .access_key_id
                .clone(),
        );
    }
    assert_eq!(keys.len(), 1, "every guest caller got the one set");
    assert_eq!(bed.emu().count("GetId"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    // A forced guest call made afterwards fetches again.
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("guest session");
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_calls_through_auth_and_the_trait_are_eager_too() {
    let bed = bed(false).await;
    let (plugin, old_access) = signed_in(&bed).await;
    // `Auth` forwards to the plugin through `dyn AuthPlugin`.
    let auth: &'static Auth = Box::leak(Box::new(Auth::new(std::sync::Arc::new(plugin.clone()))));
    let calls: Vec<_> = (0..10_000)
        .map(|_| auth.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
        .collect();
    let tasks: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut access = HashSet::new();
    for t in tasks {
        access.insert(access_of(&t.await.expect("join").expect("session")));
    }
    assert_eq!(access.len(), 1);
    assert!(!access.contains(&old_access));
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
}

/// 10,000 unforced callers on expired tokens and credentials, together at
/// a gate, while the token refresh is held: one token call and one
/// credentials call, and each caller gets the leader's session
/// (`expired_flight.rs`), not the expired one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_callers_on_expired_tokens_share_one_session_fetch() {
    expired_burst("GetTokensFromRefreshToken").await;
}

/// As above, with the credentials call held instead: callers that arrive
/// once the tokens are refreshed join the flight too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_arriving_while_the_credentials_are_fetched_join_the_flight() {
    expired_burst("GetCredentialsForIdentity").await;
}

/// The burst of the two tests above, with `held` delayed by 500 ms.
async fn expired_burst(held: &str) {
    let bed = bed(false).await;
    let (plugin, clock, warm) = warm_plugin(&bed).await;
    let old_access = access_of(&warm);
    let old_key = warm
        .credentials()
        .expect("credentials")
        .access_key_id
        .clone();
    clock.advance_secs(2 * 3600);
    bed.emu().inject_fault(
        held,
        cognito_emulator::Fault::Latency(Duration::from_millis(500)),
        1,
    );
    let (access, keys) = gated_burst(&plugin, FetchAuthSessionOptions::default()).await;
    assert_eq!(access.len(), 1, "every caller got the one refresh");
    assert!(!access.contains(&old_access), "the tokens are new");
    assert_eq!(keys.len(), 1, "every caller got the one set of credentials");
    assert!(!keys.contains(&old_key), "the credentials are new");
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    assert_eq!(bed.emu().count("GetId"), 0);
}

/// The emulator with an identity pool; `guests` lets it hand out
/// unauthenticated identities.
async fn bed(guests: bool) -> Bed {
    Bed::emulator(BedOptions {
        identity_pool: Some(guests),
        ..BedOptions::default()
    })
    .await
}
