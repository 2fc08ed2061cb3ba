//! One call per burst: 10,000 concurrent `fetch_auth_session(force_refresh)`
//! callers make one token call and one credentials call, every caller gets
//! the same new tokens and credentials (against the emulator).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use auth_cognito::SignInOptions;
use auth_core::prelude::*;
use support::{Bed, BedOptions, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_forced_refreshes_make_one_token_and_one_credentials_call() {
    let bed = Bed::emulator(BedOptions {
        identity_pool: Some(false),
        ..BedOptions::default()
    })
    .await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _storage, _clock) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    let before = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("warm");
    let old_access = before
        .tokens
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned();
    bed.emu().reset_counters();
    // The refresh is held long enough for every caller to arrive while it
    // is in flight (the callers start together, at a gate).
    bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        cognito_emulator::Fault::Latency(Duration::from_millis(1500)),
        1,
    );
    let (go, gate) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let p = plugin.clone();
            let mut gate = gate.clone();
            tokio::spawn(async move {
                let _ = gate.wait_for(|open| *open).await;
                p.fetch_auth_session(FetchAuthSessionOptions::force_refresh())
                    .await
            })
        })
        .collect();
    let _ = go.send(true);
    let mut access = HashSet::new();
    let mut keys = HashSet::new();
    for t in tasks {
        let s = t.await.expect("join").expect("session");
        access.insert(
            s.tokens
                .expect("tokens")
                .access_token
                .as_compact_str()
                .to_owned(),
        );
        keys.insert(s.credentials.expect("credentials").access_key_id);
    }
    assert_eq!(access.len(), 1, "every caller adopted the one refresh");
    assert!(!access.contains(&old_access), "the tokens are new");
    assert_eq!(keys.len(), 1, "every caller got the one set of credentials");
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
    assert_eq!(bed.emu().count("GetId"), 0);
}
