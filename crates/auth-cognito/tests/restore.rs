//! Zero network calls on restore: a new plugin (a new process) on a store
//! holding a still-valid session serves `fetch_auth_session`, the tokens and
//! the AWS credentials without a single call; the stored credentials are
//! dropped on sign-out and on a definitive refresh failure, ignored when
//! they no longer belong to the stored tokens, and never printed.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, CognitoCredentialsProvider, SignInOptions};
use auth_core::prelude::*;
use auth_storage::{FileStorage, MemoryStorage};
use aws_credential_types::provider::ProvideCredentials;
use support::{Bed, BedOptions, LogCapture, PASSWORD, assert_no_secret};

fn guests(allow: bool) -> BedOptions {
    BedOptions {
        identity_pool: Some(allow),
        ..BedOptions::default()
    }
}

/// Every call the emulator received since its counters were reset.
fn calls(bed: &Bed) -> u64 {
    bed.emu().counters().values().sum()
}

fn stored_credentials_keys(storage: &MemoryStorage) -> Vec<String> {
    storage
        .keys()
        .into_iter()
        .filter(|k| k.ends_with(".awsCredentials"))
        .collect()
}

/// Alice signed in on `storage`, her credentials fetched once.
async fn alice_signed_in(
    bed: &Bed,
    storage: Arc<dyn KeyValueStorage>,
    clock: &ManualClock,
) -> AuthSession {
    bed.create_user("alice", PASSWORD).await;
    let plugin = bed.plugin_with(storage, Arc::new(clock.clone()));
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("first fetch")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_process_with_a_valid_stored_session_makes_no_call() {
    // 900 s credentials: renewed after 600 s (the 5 min margin).
    let bed = Bed::emulator(BedOptions {
        credentials_ttl_secs: Some(900),
        ..guests(false)
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.json");
    let clock = ManualClock::new();
    let first = alice_signed_in(
        &bed,
        Arc::new(FileStorage::open(&path).expect("file storage")),
        &clock,
    )
    .await;
    let first_creds = first.credentials().expect("credentials");
    bed.emu().reset_counters();

    // A new process: a new plugin on the same file, 4 minutes later.
    clock.advance_secs(240);
    let plugin: CognitoAuthPlugin = bed.plugin_with(
        Arc::new(FileStorage::open(&path).expect("file storage")),
        Arc::new(clock.clone()),
    );
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("restored");
    assert!(s.is_signed_in());
    assert_eq!(s.identity_id(), first.identity_id());
    let creds = s.credentials().expect("restored credentials");
    assert_eq!(creds.access_key_id, first_creds.access_key_id);
    assert_eq!(
        creds.secret_access_key.expose_secret(),
        first_creds.secret_access_key.expose_secret()
    );
    assert_eq!(
        creds.session_token.as_ref().map(|t| t.expose_secret()),
        first_creds
            .session_token
            .as_ref()
            .map(|t| t.expose_secret())
    );
    assert_eq!(creds.expiration, first_creds.expiration);
    let tokens = plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .expect("tokens");
    assert!(tokens.id_token.is_some());
    let provided = CognitoCredentialsProvider::new(plugin.clone())
        .provide_credentials()
        .await
        .expect("provider");
    assert_eq!(provided.access_key_id(), first_creds.access_key_id);
    assert_eq!(
        calls(&bed),
        0,
        "restore made calls: {:?}",
        bed.emu().counters()
    );

    // Past the credentials' renewal time (but not the tokens'), only the
    // credentials are fetched, for the stored identity id.
    clock.advance_secs(460);
    let later = bed.plugin_with(
        Arc::new(FileStorage::open(&path).expect("file storage")),
        Arc::new(clock.clone()),
    );
    let s = later
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("later");
    assert!(s.credentials().expect("c").access_key_id != first_creds.access_key_id);
    assert_eq!(bed.emu().count("GetId"), 0);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    assert_eq!(calls(&bed), 1, "{:?}", bed.emu().counters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_is_restored_without_a_call() {
    let bed = Bed::emulator(guests(true)).await;
    let (plugin, storage, clock) = bed.plugin();
    let first = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest");
    bed.emu().reset_counters();
    let again = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let s = again
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("restored guest");
    assert!(!s.is_signed_in());
    assert_eq!(s.identity_id(), first.identity_id());
    assert_eq!(
        s.credentials().expect("c").access_key_id,
        first.credentials().expect("c").access_key_id
    );
    assert_eq!(calls(&bed), 0, "{:?}", bed.emu().counters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_of_replaced_tokens_are_not_restored() {
    let bed = Bed::emulator(guests(false)).await;
    let storage = MemoryStorage::new();
    let clock = ManualClock::new();
    alice_signed_in(&bed, Arc::new(storage.clone()), &clock).await;
    // Another process refreshes the tokens (without fetching credentials).
    let other = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    other
        .fetch_user_pool_tokens(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("forced refresh");
    bed.emu().reset_counters();
    let restored = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let s = restored
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("restored");
    assert!(s.credentials().is_some());
    assert_eq!(
        bed.emu().count("GetCredentialsForIdentity"),
        1,
        "credentials follow the tokens"
    );
    assert_eq!(bed.emu().count("GetId"), 0, "the identity id is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_removes_the_stored_credentials() {
    let bed = Bed::emulator(guests(false)).await;
    let storage = MemoryStorage::new();
    let clock = ManualClock::new();
    alice_signed_in(&bed, Arc::new(storage.clone()), &clock).await;
    assert_eq!(stored_credentials_keys(&storage).len(), 1);
    let plugin = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("sign out");
    assert!(stored_credentials_keys(&storage).is_empty());
    assert!(storage.keys().iter().all(|k| !k.contains("identityId")));
    let after = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let s = after
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("signed out");
    assert!(!s.is_signed_in() && s.credentials().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_definitive_refresh_failure_removes_the_stored_credentials() {
    let bed = Bed::emulator(guests(false)).await;
    let storage = MemoryStorage::new();
    let clock = ManualClock::new();
    alice_signed_in(&bed, Arc::new(storage.clone()), &clock).await;
    bed.admin_global_sign_out("alice").await;
    clock.advance_secs(2 * 3600);
    let plugin = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let s = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    assert!(
        matches!(
            s.user_pool_tokens_result,
            Err(AuthError::SessionExpired { .. })
        ),
        "{:?}",
        s.user_pool_tokens_result
    );
    assert!(stored_credentials_keys(&storage).is_empty());
    assert!(storage.keys().iter().all(|k| !k.contains("identityId")));
}

#[tokio::test(flavor = "current_thread")]
async fn restored_credentials_leak_no_secret_to_logs_or_debug() {
    let logs = LogCapture::start();
    let bed = Bed::emulator(guests(false)).await;
    let storage = MemoryStorage::new();
    let clock = ManualClock::new();
    let first = alice_signed_in(&bed, Arc::new(storage.clone()), &clock).await;
    let c = first.credentials().expect("c");
    let mut secrets = vec![
        PASSWORD.to_owned(),
        c.secret_access_key.expose_secret().to_owned(),
    ];
    secrets.extend(
        c.session_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
    );
    let plugin = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("restored");
    let seen = format!("{s:?}{plugin:?}{storage:?}");
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret("trace logs", &logs.text(), &refs);
    assert_no_secret("Debug output", &seen, &refs);
}
