//! Identity pools: guest and signed-in identity ids, AWS credentials, the
//! per-field Cognito session, federation and the AWS SDK credentials
//! provider, against the emulator (and moto for the basic flows).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, CognitoCredentialsProvider, SignInOptions};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use aws_credential_types::provider::ProvideCredentials;
use support::{Bed, BedOptions, LogCapture, PASSWORD, assert_no_secret};

fn guests(allow: bool) -> BedOptions {
    BedOptions {
        identity_pool: Some(allow),
        ..BedOptions::default()
    }
}

async fn cognito(p: &CognitoAuthPlugin) -> auth_cognito::CognitoAuthSession {
    p.fetch_cognito_session(FetchAuthSessionOptions::default())
        .await
}

/// Alice signed in, with her tokens and credentials fetched once, and the
/// emulator's counters reset.
async fn warm_user(bed: &Bed) -> (CognitoAuthPlugin, ManualClock) {
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _s, clock) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("warm");
    bed.emu().reset_counters();
    (plugin, clock)
}

/// `n` concurrent `fetch_auth_session` calls; the distinct access key ids
/// they got.
async fn concurrent_access_keys(
    plugin: &CognitoAuthPlugin,
    n: usize,
    options: FetchAuthSessionOptions,
) -> std::collections::HashSet<String> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let p = plugin.clone();
            tokio::spawn(async move { p.fetch_auth_session(options).await })
        })
        .collect();
    let mut keys = std::collections::HashSet::new();
    for t in tasks {
        let session = t.await.expect("join").expect("session");
        assert!(session.tokens().is_some() || !session.is_signed_in());
        keys.insert(
            session
                .credentials()
                .expect("credentials")
                .access_key_id
                .to_string(),
        );
    }
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_session_has_an_identity_and_credentials_but_no_tokens() {
    let bed = Bed::emulator(guests(true)).await;
    let (plugin, storage, clock) = bed.plugin();
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest");
    assert!(!s.is_signed_in());
    assert!(s.tokens().is_none() && s.user_sub().is_none());
    let id = s.identity_id().expect("guest identity id");
    let creds = s.credentials().expect("guest credentials");
    assert!(creds.access_key_id.starts_with("ASIA"));
    assert_eq!(
        bed.emu()
            .identity_for_access_key(&creds.access_key_id)
            .as_deref(),
        Some(id)
    );
    let c = cognito(&plugin).await;
    assert!(matches!(
        c.user_pool_tokens_result,
        Err(AuthError::SignedOut)
    ));
    assert!(matches!(c.user_sub_result, Err(AuthError::SignedOut)));
    assert_eq!(c.identity_id_result.expect("id"), id);
    // Stable across restarts: a new plugin on the same store reuses it.
    let again = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let s2 = again
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest");
    assert_eq!(s2.identity_id(), Some(id));
    assert_eq!(
        bed.emu().count("GetId"),
        1,
        "the persisted guest id is reused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_is_upgraded_at_sign_in_and_the_identity_cleared_at_sign_out() {
    let bed = Bed::emulator(guests(true)).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, storage, _clock) = bed.plugin();
    let guest = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest");
    let guest_id = guest.identity_id().expect("guest id");
    let guest_key = guest.credentials().expect("creds").access_key_id.clone();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let user = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("user");
    assert!(user.is_signed_in());
    assert_eq!(
        user.identity_id(),
        Some(guest_id),
        "the guest identity was upgraded"
    );
    let user_key = user.credentials().expect("creds").access_key_id.clone();
    assert!(
        user_key != guest_key,
        "credentials were invalidated on the switch to signed in"
    );
    let logins = bed.emu().identity_logins(guest_id).expect("identity");
    assert!(
        logins.iter().any(|(p, _)| p.starts_with("cognito-idp.")),
        "{logins:?}"
    );
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("sign out");
    assert!(
        storage.keys().iter().all(|k| !k.contains("identityId")),
        "the signed-in identity id is cleared: {:?}",
        storage.keys()
    );
    let after = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest again");
    let new_guest = after.identity_id().expect("new guest id");
    assert!(
        new_guest != guest_id,
        "the user's identity is not handed to the next guest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_cached_until_expiration_less_the_margin() {
    // 900 s credentials with the default 5 min margin: valid for 600 s.
    let bed = Bed::emulator(BedOptions {
        credentials_ttl_secs: Some(900),
        ..guests(true)
    })
    .await;
    let (plugin, _s, clock) = bed.plugin();
    let first = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    let first_key = first.credentials().expect("c").access_key_id.clone();
    let exp = first
        .credentials()
        .expect("c")
        .expiration
        .expect("expiration");
    assert!(
        exp > clock.now_secs() + 890 && exp < clock.now_secs() + 910,
        "{exp}"
    );
    clock.advance_secs(590);
    let cached = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert_eq!(cached.credentials().expect("c").access_key_id, first_key);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    clock.advance_secs(20);
    let fresh = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert!(fresh.credentials().expect("c").access_key_id != first_key);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 2);
    assert_eq!(bed.emu().count("GetId"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_credentials_use_half_their_lifetime_as_the_margin() {
    // 90 s credentials (as moto issues) with a 5 min margin would be
    // refetched on every call; they are kept for 45 s instead.
    let bed = Bed::emulator(BedOptions {
        credentials_ttl_secs: Some(90),
        ..guests(true)
    })
    .await;
    let (plugin, _s, clock) = bed.plugin();
    for _ in 0..10 {
        plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("s");
    }
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    clock.advance_secs(44);
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    clock.advance_secs(2);
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_and_credentials_are_fetched_once_for_1000_concurrent_callers() {
    let bed = Bed::emulator(guests(true)).await;
    let (plugin, _s, _c) = bed.plugin();
    let keys = concurrent_access_keys(&plugin, 1000, FetchAuthSessionOptions::default()).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(bed.emu().count("GetId"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_and_credentials_cost_one_call_each_for_concurrent_callers() {
    let bed = Bed::emulator(guests(true)).await;
    let (plugin, clock) = warm_user(&bed).await;
    clock.advance_secs(2 * 3600);
    let keys = concurrent_access_keys(&plugin, 1000, FetchAuthSessionOptions::default()).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetId"), 0, "the identity id is cached");
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_refresh_renews_tokens_and_credentials() {
    let bed = Bed::emulator(guests(false)).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _s, _c) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let a = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    let b = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("s");
    assert!(a.credentials().expect("c").access_key_id != b.credentials().expect("c").access_key_id);
    assert_eq!(a.identity_id(), b.identity_id());
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_cached_identity_id_is_dropped_and_fetched_again_once() {
    let bed = Bed::emulator(guests(true)).await;
    let storage = MemoryStorage::new();
    let pool = bed.identity_pool_id.clone().expect("pool");
    storage
        .set(
            &format!("com.amplify.Cognito.{pool}.identityId"),
            r#"{"id":"us-east-1:00000000-0000-0000-0000-000000000000","owner":{"type":"guest"}}"#,
        )
        .await
        .expect("seed");
    let plugin = bed.plugin_with(Arc::new(storage.clone()), Arc::new(ManualClock::new()));
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("recovered");
    let id = s.identity_id().expect("id");
    assert!(id != "us-east-1:00000000-0000-0000-0000-000000000000");
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 2);
    assert_eq!(bed.emu().count("GetId"), 1);
    let stored = storage
        .get(&format!("com.amplify.Cognito.{pool}.identityId"))
        .await
        .expect("get")
        .expect("v");
    assert!(stored.contains(id), "the new id is persisted");
}

/// BEHAVIOUR.md's per-field table, row by row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_field_results_follow_the_table() {
    // Row: signed out, guests not allowed.
    let bed = Bed::emulator(guests(false)).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _s, _c) = bed.plugin();
    let c = cognito(&plugin).await;
    assert!(!c.is_signed_in);
    assert!(matches!(
        c.user_pool_tokens_result,
        Err(AuthError::SignedOut)
    ));
    assert!(matches!(c.user_sub_result, Err(AuthError::SignedOut)));
    assert!(matches!(
        c.identity_id_result,
        Err(AuthError::GuestAccessDisabled)
    ));
    assert!(matches!(
        c.aws_credentials_result,
        Err(AuthError::GuestAccessDisabled)
    ));
    let portable = c
        .into_auth_session()
        .expect("a signed-out session is not an error");
    assert!(portable.credentials().is_none() && portable.identity_id().is_none());
    assert_eq!(
        bed.emu().count("GetId"),
        0,
        "no call when guests are not allowed"
    );

    // Row: signed in.
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let c = cognito(&plugin).await;
    assert!(c.is_signed_in);
    let sub = c.user_sub_result.expect("sub");
    assert_eq!(
        c.user_pool_tokens_result
            .expect("tokens")
            .access_token
            .claims()
            .sub(),
        Some(sub.as_str())
    );
    c.identity_id_result.expect("id");
    c.aws_credentials_result.expect("creds");

    // Row: a service failure of the identity pool.
    bed.emu().inject_fault(
        "GetCredentialsForIdentity",
        cognito_emulator::Fault::Status {
            status: 500,
            type_: "InternalErrorException".into(),
            message: "x".into(),
        },
        1,
    );
    let c = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::force_refresh())
        .await;
    assert!(
        c.user_pool_tokens_result.is_ok(),
        "tokens survive an identity-pool failure"
    );
    assert!(
        c.identity_id_result.is_ok(),
        "the known identity id is still reported"
    );
    let e = c.aws_credentials_result.clone().expect_err("injected");
    assert_eq!(e.service_code(), Some("InternalErrorException"));
    assert!(
        c.into_auth_session().is_err(),
        "the portable view reports the failure"
    );

    // Row: guest (guests allowed).
    let bed = Bed::emulator(guests(true)).await;
    let (plugin, _s, _c) = bed.plugin();
    let c = cognito(&plugin).await;
    assert!(matches!(
        c.user_pool_tokens_result,
        Err(AuthError::SignedOut)
    ));
    assert!(c.identity_id_result.is_ok() && c.aws_credentials_result.is_ok());

    // Row: no identity pool configured.
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.create_user("bob", PASSWORD).await;
    let (plugin, _s, _c) = bed.plugin();
    plugin
        .sign_in("bob", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let c = cognito(&plugin).await;
    assert!(c.user_pool_tokens_result.is_ok());
    assert!(matches!(
        c.identity_id_result,
        Err(AuthError::NoIdentityPool)
    ));
    assert!(matches!(
        c.aws_credentials_result,
        Err(AuthError::NoIdentityPool)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federation_gives_credentials_and_cannot_be_refreshed_without_a_new_token() {
    let bed = Bed::emulator(guests(false)).await;
    let (plugin, _s, clock) = bed.plugin();
    let mut events = AuthPlugin::subscribe(&plugin);
    let fed = plugin
        .federate_to_identity_pool("accounts.google.com", "google-token-abc")
        .await
        .expect("federate");
    assert!(fed.credentials.access_key_id.starts_with("ASIA"));
    assert_eq!(
        events.try_recv().ok(),
        Some(AuthEvent::FederatedToIdentityPool)
    );
    let c = cognito(&plugin).await;
    assert!(!c.is_signed_in);
    assert!(matches!(
        c.user_pool_tokens_result,
        Err(AuthError::FederatedToIdentityPool)
    ));
    assert_eq!(c.identity_id_result.expect("id"), fed.identity_id);
    assert_eq!(
        c.aws_credentials_result.expect("creds").access_key_id,
        fed.credentials.access_key_id
    );
    // Refreshing needs a new provider token: a clear error, and the session is kept.
    let c = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::force_refresh())
        .await;
    assert!(matches!(
        c.aws_credentials_result,
        Err(AuthError::FederatedSessionCannotRefresh)
    ));
    assert_eq!(c.identity_id_result.expect("kept"), fed.identity_id);
    clock.advance_secs(7200);
    let c = cognito(&plugin).await;
    assert!(matches!(
        c.aws_credentials_result,
        Err(AuthError::FederatedSessionCannotRefresh)
    ));
    // Federating again with a new token works and keeps the identity.
    let again = plugin
        .federate_to_identity_pool("accounts.google.com", "google-token-abc")
        .await
        .expect("again");
    assert_eq!(again.identity_id, fed.identity_id);
    plugin
        .clear_federation_to_identity_pool()
        .await
        .expect("clear");
    let c = cognito(&plugin).await;
    assert!(matches!(
        c.user_pool_tokens_result,
        Err(AuthError::SignedOut)
    ));
    assert!(matches!(
        c.identity_id_result,
        Err(AuthError::GuestAccessDisabled)
    ));
    // Not while a user-pool user is signed in.
    bed.create_user("alice", PASSWORD).await;
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    assert!(matches!(
        plugin
            .federate_to_identity_pool("accounts.google.com", "t")
            .await,
        Err(AuthError::InvalidState(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_sdk_credentials_provider_hands_out_our_credentials() {
    let bed = Bed::emulator(guests(true)).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _s, _c) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let provider = CognitoCredentialsProvider::new(plugin.clone());
    let creds = provider.provide_credentials().await.expect("credentials");
    let session = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("s");
    let ours = session.credentials().expect("c");
    assert_eq!(creds.access_key_id(), ours.access_key_id);
    assert_eq!(
        creds.secret_access_key(),
        ours.secret_access_key.expose_secret()
    );
    assert_eq!(
        creds.expiry().map(|e| e
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after epoch")
            .as_secs() as i64),
        ours.expiration
    );
    assert_eq!(
        bed.emu().identity_for_access_key(creds.access_key_id()),
        session.identity_id().map(String::from)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn identity_flows_leak_no_secret_to_logs_or_debug() {
    let logs = LogCapture::start();
    let bed = Bed::emulator(guests(true)).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, storage, _c) = bed.plugin();
    let mut seen = String::new();
    let mut secrets = vec![
        PASSWORD.to_owned(),
        "google-token-abcdefghijklmnopqrstuvwxyz".to_owned(),
    ];
    let guest = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest");
    seen.push_str(&format!("{guest:?}"));
    let gc = guest.credentials().expect("creds");
    secrets.push(gc.secret_access_key.expose_secret().to_owned());
    secrets.extend(
        gc.session_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
    );
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let s = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::force_refresh())
        .await;
    seen.push_str(&format!("{s:?}"));
    let c = s.aws_credentials_result.expect("creds");
    secrets.push(c.secret_access_key.expose_secret().to_owned());
    secrets.extend(c.session_token.map(|t| t.expose_secret().to_owned()));
    for k in storage.keys() {
        if k.ends_with("Token") {
            secrets.push(storage.get(&k).await.expect("get").expect("v"));
        }
    }
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("sign out");
    let fed = plugin
        .federate_to_identity_pool(
            "accounts.google.com",
            "google-token-abcdefghijklmnopqrstuvwxyz",
        )
        .await
        .expect("federate");
    seen.push_str(&format!("{fed:?}{plugin:?}"));
    secrets.push(fed.credentials.secret_access_key.expose_secret().to_owned());
    let text = logs.text();
    assert!(
        text.contains("GetCredentialsForIdentity"),
        "SDK and plugin logs were captured: {}",
        &text[..text.len().min(3000)]
    );
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret("trace logs", &text, &refs);
    assert_no_secret("Debug output", &seen, &refs);
}

async fn moto_guest_and_user(bed: &Bed) {
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _s, clock) = bed.plugin();
    let guest = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest");
    assert!(guest.identity_id().is_some() && guest.credentials().is_some());
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let user = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("user");
    let creds = user.credentials().expect("creds");
    let exp = creds.expiration.expect("moto sets Expiration");
    // Move past the real expiration: the credentials are fetched again.
    clock.set_millis((exp + 1) * 1000);
    let later = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("later");
    let later_exp = later.credentials().expect("creds").expiration.expect("exp");
    assert!(later_exp >= exp, "fresh credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
async fn moto_guest_and_signed_in_credentials() {
    let bed = Bed::moto(guests(true)).await;
    moto_guest_and_user(&bed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetching_tokens_alone_never_calls_the_identity_pool() {
    let bed = Bed::emulator(guests(true)).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _s, clock) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let t = plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .expect("tokens");
    assert!(t.id_token.is_some());
    clock.advance_secs(7200);
    let t2 = plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .expect("refreshed");
    assert!(t.access_token.as_compact_str() != t2.access_token.as_compact_str());
    assert_eq!(
        bed.emu().count("GetId") + bed.emu().count("GetCredentialsForIdentity"),
        0
    );
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("out");
    assert!(matches!(
        plugin
            .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
            .await,
        Err(AuthError::SignedOut)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_forced_refreshes_share_one_token_and_one_credentials_call() {
    let bed = Bed::emulator(guests(false)).await;
    let (plugin, _clock) = warm_user(&bed).await;
    bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        cognito_emulator::Fault::Latency(std::time::Duration::from_millis(400)),
        1,
    );
    let keys = concurrent_access_keys(&plugin, 200, FetchAuthSessionOptions::force_refresh()).await;
    assert_eq!(keys.len(), 1, "every caller gets the new credentials");
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_with_replaced_tokens_share_the_current_credentials() {
    // No injected latency: forced callers keep arriving after refreshes
    // finish, so several token refreshes happen; callers still holding
    // replaced tokens must not each fetch credentials for them.
    let bed = Bed::emulator(guests(false)).await;
    let (plugin, _clock) = warm_user(&bed).await;
    concurrent_access_keys(&plugin, 2000, FetchAuthSessionOptions::force_refresh()).await;
    let tokens = bed.emu().count("GetTokensFromRefreshToken");
    let creds = bed.emu().count("GetCredentialsForIdentity");
    assert!(tokens >= 1);
    assert!(
        creds <= tokens,
        "{creds} credential calls for {tokens} token refreshes"
    );
}
