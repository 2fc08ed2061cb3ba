//! User attributes and account deletion on the emulator.

use std::collections::BTreeMap;
use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, SignInOptions, SignUpOptions, UpdateUserAttributeStep};
use auth_core::prelude::*;
use serde_json::json;

use super::support::{Bed, PASSWORD};
use super::{AccountBed, drain, email, emulator, events, signed_in, username, wire_pool};

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn attributes_are_read_updated_verified_and_deleted() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, user) = signed_in(&bed).await;
    let attrs = plugin.fetch_user_attributes().await.unwrap();
    assert_eq!(attrs["email"], email(&user));
    assert_eq!(attrs["email_verified"], "true");
    assert!(attrs.contains_key("sub"));
    let results = plugin
        .update_user_attributes(map(&[("email", "moved@example.com"), ("nickname", "nick")]))
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    assert!(results["nickname"].is_updated);
    assert_eq!(results["nickname"].next_step, UpdateUserAttributeStep::Done);
    assert!(!results["email"].is_updated);
    let UpdateUserAttributeStep::ConfirmAttributeWithCode {
        code_delivery_details,
    } = &results["email"].next_step
    else {
        panic!("{:?}", results["email"]);
    };
    assert_eq!(
        code_delivery_details.destination.as_deref(),
        Some("m***@example.com")
    );
    let attrs = plugin.fetch_user_attributes().await.unwrap();
    assert_eq!(
        (attrs["email"].as_str(), attrs["email_verified"].as_str()),
        ("moved@example.com", "false")
    );
    let code = bed
        .emu()
        .attribute_verification_code(&bed.pool_id, &user, "email")
        .unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = plugin
        .confirm_user_attribute("email", wrong)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::CodeMismatch { .. }), "{e:?}");
    plugin.confirm_user_attribute("email", &code).await.unwrap();
    assert_eq!(
        plugin.fetch_user_attributes().await.unwrap()["email_verified"],
        "true"
    );
    let e = plugin
        .confirm_user_attribute("email", &code)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::CodeExpired { .. }), "{e:?}");
    let details = plugin
        .send_user_attribute_verification_code("email")
        .await
        .unwrap();
    assert_eq!(details.attribute_name.as_deref(), Some("email"));
    let e = plugin
        .send_user_attribute_verification_code("phone_number")
        .await
        .unwrap_err();
    assert_eq!(e.service_code(), Some("InvalidParameterException"));
    plugin.delete_user_attributes(&["nickname"]).await.unwrap();
    assert!(
        !plugin
            .fetch_user_attributes()
            .await
            .unwrap()
            .contains_key("nickname")
    );
    // Bad input never reaches the service.
    let before = bed.emu().counters();
    for e in [
        plugin
            .update_user_attributes(BTreeMap::new())
            .await
            .unwrap_err(),
        plugin.delete_user_attributes(&[]).await.unwrap_err(),
        plugin
            .confirm_user_attribute("", "123456")
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
    }
    assert_eq!(bed.emu().counters(), before);
    // The id token is a copy made at sign-in: a forced refresh brings the change.
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .unwrap();
    let id = s.tokens().unwrap().id_token.clone().unwrap();
    assert_eq!(id.claims().get_str("email"), Some("moved@example.com"));
}

#[tokio::test]
async fn user_operations_need_a_signed_in_user() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let before = bed.emu().counters();
    assert!(matches!(
        plugin.fetch_user_attributes().await,
        Err(AuthError::SignedOut)
    ));
    assert!(matches!(
        plugin.delete_user().await,
        Err(AuthError::SignedOut)
    ));
    assert!(matches!(
        plugin
            .update_user_attributes(map(&[("nickname", "x")]))
            .await,
        Err(AuthError::SignedOut)
    ));
    assert_eq!(bed.emu().counters(), before, "no call without a session");
}

async fn alias_bed() -> Bed {
    let mut bed = emulator(AccountBed::default()).await;
    wire_pool(&mut bed, json!({"AliasAttributes": ["email"]})).await;
    bed
}

#[tokio::test]
async fn a_verified_email_of_another_account_is_an_alias_conflict() {
    let bed = alias_bed().await;
    let (first, _s, taken) = signed_in(&bed).await;
    drop(first);
    let (plugin, _s2, _user) = signed_in(&bed).await;
    let e = plugin
        .update_user_attributes(map(&[("email", &email(&taken))]))
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::AliasExists { .. }), "{e:?}");
    assert_eq!(e.service_code(), Some("AliasExistsException"));
    // And the alias signs in: the user is named by its username.
    let (other, _s3, _c3) = bed.plugin();
    other
        .sign_in(&email(&taken), PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    assert_eq!(other.get_current_user().await.unwrap().username, taken);
}

#[tokio::test]
async fn with_email_as_username_sign_in_by_email_names_the_generated_username() {
    let mut bed = emulator(AccountBed::default()).await;
    wire_pool(&mut bed, json!({"UsernameAttributes": ["email"]})).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let login = email(&username());
    let r = plugin
        .sign_up(&login, PASSWORD, SignUpOptions::default())
        .await
        .unwrap();
    let sub = r.user_id.unwrap();
    let code = bed.emu().confirmation_code(&bed.pool_id, &login).unwrap();
    plugin
        .confirm_sign_up(&login, &code, Default::default())
        .await
        .unwrap();
    plugin
        .sign_in(&login, PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    let me = plugin.get_current_user().await.unwrap();
    assert_eq!(
        (me.username.as_str(), me.user_id.as_str()),
        (sub.as_str(), sub.as_str())
    );
    assert_eq!(
        me.sign_in_details.unwrap().login_id.as_deref(),
        Some(login.as_str())
    );
}

#[tokio::test]
async fn delete_user_deletes_the_account_then_signs_out_locally() {
    let bed = emulator(AccountBed {
        identity_pool: Some(true),
        ..AccountBed::default()
    })
    .await;
    let (plugin, storage, user) = signed_in(&bed).await;
    let s = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    assert!(s.identity_id_result.is_ok());
    // A network fault deletes nothing and keeps the session.
    bed.emu()
        .inject_fault("DeleteUser", cognito_emulator::Fault::Drop, 1);
    let e = plugin.delete_user().await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    assert_eq!(plugin.get_current_user().await.unwrap().username, user);
    let mut rx = events(&plugin);
    plugin.delete_user().await.unwrap();
    assert_eq!(drain(&mut rx), vec![AuthEvent::SignedOut]);
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
    let stored: Vec<String> = storage.keys();
    assert!(
        !stored
            .iter()
            .any(|k| k.contains("accessToken") || k.contains("refreshToken")),
        "{stored:?}"
    );
    let fresh = CognitoAuthPlugin::builder(bed.config())
        .storage(Arc::new(storage.clone()))
        .build()
        .unwrap();
    assert!(matches!(
        fresh.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
    let e = plugin
        .sign_in(&user, PASSWORD, SignInOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::UserNotFound { .. }), "{e:?}");
    assert_eq!(plugin.watch_state().borrow().clone(), AuthState::SignedOut);
}
