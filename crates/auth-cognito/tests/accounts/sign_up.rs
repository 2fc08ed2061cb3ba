//! Sign-up, confirmation and auto sign-in on the emulator.

use std::sync::Arc;

use auth_cognito::{
    ConfirmSignUpOptions, DeliveryMedium, SignInOptions, SignInStep, SignUpOptions, SignUpStep,
};
use auth_core::prelude::*;

use super::support::PASSWORD;
use super::{AccountBed, drain, email, emulator, events, signed_up, username};

#[tokio::test]
async fn sign_up_then_auto_sign_in_installs_the_session_and_upgrades_the_guest() {
    let bed = emulator(AccountBed {
        user_auth: true,
        identity_pool: Some(true),
        ..AccountBed::default()
    })
    .await;
    let (plugin, storage, _clock) = bed.plugin();
    let guest = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    let guest_id = guest.identity_id_result.expect("guest identity");
    let user = username();
    let options = SignUpOptions::default()
        .with_attribute("email", email(&user))
        .with_auto_sign_in(true);
    let r = plugin.sign_up(&user, PASSWORD, options).await.unwrap();
    assert!(!r.is_sign_up_complete);
    let sub = r.user_id.clone().expect("UserSub");
    let SignUpStep::ConfirmSignUp {
        code_delivery_details: Some(details),
    } = &r.next_step
    else {
        panic!("unexpected next step {:?}", r.next_step);
    };
    assert_eq!(details.delivery_medium, Some(DeliveryMedium::Email));
    assert_eq!(details.attribute_name.as_deref(), Some("email"));
    assert!(
        details
            .destination
            .as_deref()
            .unwrap()
            .contains("***@example.com")
    );
    let code = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    let mut rx = events(&plugin);
    let confirmed = plugin
        .confirm_sign_up(&user, &code, ConfirmSignUpOptions::default())
        .await
        .unwrap();
    assert_eq!(confirmed.next_step, SignUpStep::CompleteAutoSignIn);
    assert!(confirmed.is_sign_up_complete);
    assert_eq!(confirmed.auto_sign_in_unavailable, None);
    let counters_before = bed.emu().counters();
    let signed_in = plugin.auto_sign_in().await.unwrap();
    assert!(signed_in.is_signed_in);
    assert_eq!(signed_in.next_step, SignInStep::Done);
    let after = bed.emu().counters();
    let delta = |op: &str| {
        after.get(op).copied().unwrap_or(0) - counters_before.get(op).copied().unwrap_or(0)
    };
    assert_eq!(
        (delta("InitiateAuth"), delta("RespondToAuthChallenge")),
        (1, 0),
        "one USER_AUTH call, no password"
    );
    assert_eq!(
        drain(&mut rx),
        vec![AuthEvent::SignedIn {
            username: user.clone()
        }]
    );
    let me = plugin.get_current_user().await.unwrap();
    assert_eq!(
        (me.username.as_str(), me.user_id.as_str()),
        (user.as_str(), sub.as_str())
    );
    let details = me.sign_in_details.unwrap();
    assert_eq!(details.auth_flow_type, AuthFlowType::UserAuth);
    assert_eq!(details.login_id.as_deref(), Some(user.as_str()));
    // Persisted like any sign-in: a second plugin on the same store is signed in.
    let again = bed.plugin_with(Arc::new(storage.clone()), Arc::new(ManualClock::new()));
    assert_eq!(again.get_current_user().await.unwrap().username, user);
    // The guest identity was upgraded with the user's logins.
    let s = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    assert!(s.is_signed_in);
    assert_eq!(s.identity_id_result.unwrap(), guest_id);
    let logins = bed.emu().identity_logins(&guest_id).unwrap();
    assert_eq!(logins.len(), 1, "the guest identity is linked to the user");
    // Used up: a second auto sign-in has nothing to do.
    assert!(matches!(
        plugin.auto_sign_in().await,
        Err(AuthError::InvalidState(_))
    ));
}

#[tokio::test]
async fn without_user_auth_the_confirmation_says_auto_sign_in_is_unavailable() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    let confirmed = signed_up(&bed, &plugin, &user, true).await;
    assert!(confirmed.is_sign_up_complete);
    assert_eq!(confirmed.next_step, SignUpStep::Done);
    let why = confirmed.auto_sign_in_unavailable.expect("a reason");
    assert!(why.contains("ALLOW_USER_AUTH"), "{why}");
    assert!(matches!(
        plugin.auto_sign_in().await,
        Err(AuthError::InvalidState(_))
    ));
    // Without asking for it there is nothing to report.
    let other = username();
    let plain = signed_up(&bed, &plugin, &other, false).await;
    assert_eq!(
        (plain.next_step, plain.auto_sign_in_unavailable),
        (SignUpStep::Done, None)
    );
    let r = plugin
        .sign_in(&user, PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    assert!(r.is_signed_in);
}

#[tokio::test]
async fn a_confirmation_in_another_process_can_still_auto_sign_in() {
    let bed = emulator(AccountBed {
        user_auth: true,
        ..AccountBed::default()
    })
    .await;
    let (first, _s1, _c1) = bed.plugin();
    let user = username();
    let options = SignUpOptions::default().with_attribute("email", email(&user));
    first.sign_up(&user, PASSWORD, options).await.unwrap();
    let code = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    // The CLI's `confirm-sign-up --sign-in`: a plugin that did not sign the user up.
    let (second, _s2, _c2) = bed.plugin();
    let confirmed = second
        .confirm_sign_up(
            &user,
            &code,
            ConfirmSignUpOptions::default().with_auto_sign_in(true),
        )
        .await
        .unwrap();
    assert_eq!(confirmed.next_step, SignUpStep::CompleteAutoSignIn);
    assert!(second.auto_sign_in().await.unwrap().is_signed_in);
    assert!(matches!(
        first.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
}

#[tokio::test]
async fn a_sign_up_confirmed_at_once_auto_signs_in_with_its_password() {
    let bed = emulator(AccountBed::default()).await;
    bed.emu()
        .set_auto_confirm_sign_up(&bed.pool_id, true)
        .unwrap();
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    let r = plugin
        .sign_up(
            &user,
            PASSWORD,
            SignUpOptions::default().with_auto_sign_in(true),
        )
        .await
        .unwrap();
    assert!(r.is_sign_up_complete);
    assert_eq!(r.next_step, SignUpStep::CompleteAutoSignIn);
    let signed_in = plugin.auto_sign_in().await.unwrap();
    assert!(signed_in.is_signed_in);
    let details = plugin
        .get_current_user()
        .await
        .unwrap()
        .sign_in_details
        .unwrap();
    assert_eq!(details.auth_flow_type, AuthFlowType::UserSrpAuth);
}

#[tokio::test]
async fn an_expired_confirmation_session_fails_auto_sign_in_and_keeps_nothing() {
    let bed = emulator(AccountBed {
        user_auth: true,
        ..AccountBed::default()
    })
    .await;
    let (plugin, storage, _clock) = bed.plugin();
    let user = username();
    let confirmed = signed_up(&bed, &plugin, &user, true).await;
    assert_eq!(confirmed.next_step, SignUpStep::CompleteAutoSignIn);
    bed.emu().set_clock_offset(181);
    let e = plugin.auto_sign_in().await.unwrap_err();
    assert!(matches!(e, AuthError::NotAuthorized { .. }), "{e:?}");
    assert!(storage.is_empty());
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
    // A transient failure keeps the session for a retry.
    bed.emu().set_clock_offset(0);
    let other = username();
    signed_up(&bed, &plugin, &other, true).await;
    bed.emu()
        .inject_fault("InitiateAuth", cognito_emulator::Fault::Drop, 1);
    let e = plugin.auto_sign_in().await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    assert!(plugin.auto_sign_in().await.unwrap().is_signed_in);
}

#[tokio::test]
async fn an_unconfirmed_user_signing_in_is_told_to_confirm_sign_up() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    let options = SignUpOptions::default().with_attribute("email", email(&user));
    plugin.sign_up(&user, PASSWORD, options).await.unwrap();
    for flow in [AuthFlowType::UserSrpAuth, AuthFlowType::UserPasswordAuth] {
        let r = plugin
            .sign_in(&user, PASSWORD, SignInOptions::with_flow(flow))
            .await
            .unwrap();
        assert_eq!(
            (r.is_signed_in, r.next_step),
            (false, SignInStep::ConfirmSignUp),
            "{flow}"
        );
    }
    let first = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    let details = plugin.resend_sign_up_code(&user).await.unwrap().unwrap();
    assert_eq!(details.delivery_medium, Some(DeliveryMedium::Email));
    let code = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    if code != first {
        let e = plugin
            .confirm_sign_up(&user, &first, ConfirmSignUpOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AuthError::CodeMismatch { .. }), "{e:?}");
    }
    plugin
        .confirm_sign_up(&user, &code, ConfirmSignUpOptions::default())
        .await
        .unwrap();
    assert!(
        plugin
            .sign_in(&user, PASSWORD, SignInOptions::default())
            .await
            .unwrap()
            .is_signed_in
    );
}

#[tokio::test]
async fn sign_up_errors_are_typed_with_the_next_step() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    let e = plugin
        .sign_up(&user, "weak", SignUpOptions::default())
        .await
        .unwrap_err();
    let AuthError::InvalidPassword { message } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(
        message,
        "Password did not conform with policy: Password not long enough"
    );
    assert_eq!(e.service_code(), Some("InvalidPasswordException"));
    let options = SignUpOptions::default().with_attribute("email", email(&user));
    plugin
        .sign_up(&user, PASSWORD, options.clone())
        .await
        .unwrap();
    let e = plugin.sign_up(&user, PASSWORD, options).await.unwrap_err();
    assert!(matches!(e, AuthError::UsernameExists { .. }), "{e:?}");
    let code = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let e = plugin
            .confirm_sign_up(&user, wrong, ConfirmSignUpOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AuthError::CodeMismatch { .. }), "{e:?}");
    }
    let e = plugin
        .confirm_sign_up(&user, &code, ConfirmSignUpOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, AuthError::LimitExceeded { .. }) && e.is_transient(),
        "{e:?}"
    );
    plugin.resend_sign_up_code(&user).await.unwrap();
    let fresh = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    bed.emu().set_clock_offset(86_400);
    let e = plugin
        .confirm_sign_up(&user, &fresh, ConfirmSignUpOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::CodeExpired { .. }), "{e:?}");
    for (u, p) in [("", PASSWORD), ("  ", PASSWORD), (user.as_str(), "")] {
        let e = plugin
            .sign_up(u, p, SignUpOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
    }
    let e = plugin
        .confirm_sign_up(&user, " ", ConfirmSignUpOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
}

#[tokio::test]
async fn a_client_secret_is_proven_on_every_account_call() {
    let bed = emulator(AccountBed {
        secret: true,
        user_auth: true,
        ..AccountBed::default()
    })
    .await;
    assert!(bed.client_secret.is_some());
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    let confirmed = signed_up(&bed, &plugin, &user, true).await;
    assert_eq!(confirmed.next_step, SignUpStep::CompleteAutoSignIn);
    assert!(plugin.auto_sign_in().await.unwrap().is_signed_in);
    plugin.sign_out(SignOutOptions::default()).await.unwrap();
    // The attribute was verified by the confirmation, so a reset can go out.
    plugin.reset_password(&user).await.unwrap();
    let code = bed.emu().forgot_password_code(&bed.pool_id, &user).unwrap();
    plugin
        .confirm_reset_password(&user, &code, "An0ther-Passw0rd")
        .await
        .unwrap();
    assert!(
        plugin
            .sign_in(&user, "An0ther-Passw0rd", SignInOptions::default())
            .await
            .unwrap()
            .is_signed_in
    );
    // Without the secret the service refuses.
    let no_secret = auth_cognito::CognitoConfig::builder()
        .user_pool(&bed.pool_id, &bed.client_id)
        .user_pool_endpoint(&bed.endpoint)
        .build()
        .unwrap();
    let bare = auth_cognito::CognitoAuthPlugin::builder(no_secret)
        .storage(Arc::new(auth_storage::MemoryStorage::new()))
        .build()
        .unwrap();
    let e = bare.reset_password(&user).await.unwrap_err();
    assert!(matches!(e, AuthError::NotAuthorized { .. }), "{e:?}");
}
