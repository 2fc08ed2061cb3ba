//! The reference-page story against a real Cognito user pool: opt-in.
//!
//! Set `AMPLIFY_AUTH_TEST_OUTPUTS` (the path of an `amplify_outputs.json`),
//! `AMPLIFY_AUTH_TEST_USERNAME` and `AMPLIFY_AUTH_TEST_PASSWORD` to run it;
//! without them it skips with a message. Nothing about a real account is
//! stored in this repository.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, CognitoConfig, SignInOptions, SignInStep};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;

fn env() -> Option<(String, String, String)> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        get("AMPLIFY_AUTH_TEST_OUTPUTS"),
        get("AMPLIFY_AUTH_TEST_USERNAME"),
        get("AMPLIFY_AUTH_TEST_PASSWORD"),
    ) {
        (Some(o), Some(u), Some(p)) => Some((o, u, p)),
        _ => {
            eprintln!(
                "skipped: set AMPLIFY_AUTH_TEST_OUTPUTS, AMPLIFY_AUTH_TEST_USERNAME and \
                 AMPLIFY_AUTH_TEST_PASSWORD to run the real-AWS test"
            );
            None
        }
    }
}

#[tokio::test]
async fn the_reference_page_story_on_a_real_user_pool() {
    let Some((outputs, username, password)) = env() else {
        return;
    };
    let config = CognitoConfig::from_amplify_outputs_file(&outputs).expect("config");
    let has_identity_pool = config.identity_pool_id().is_some();
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .verify_tokens(true)
        .build()
        .expect("plugin");
    let r = plugin
        .sign_in(&username, &password, SignInOptions::default())
        .await
        .expect("sign in");
    assert_eq!(
        r.next_step,
        SignInStep::Done,
        "the test user must have no MFA"
    );
    let user = plugin.get_current_user().await.expect("current user");
    let session = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    assert!(session.is_signed_in());
    assert_eq!(session.user_sub(), Some(user.user_id.as_str()));
    assert_eq!(session.identity_id().is_some(), has_identity_pool);
    let refreshed = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("forced refresh");
    assert_eq!(refreshed.user_sub(), session.user_sub());
    let out = plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("sign out");
    assert!(out.remote_error.is_none(), "{:?}", out.remote_error);
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
}
