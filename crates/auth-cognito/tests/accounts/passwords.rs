//! Password reset and change on the emulator.

use auth_cognito::{DeliveryMedium, ResetPasswordStep, SignInOptions, SignInStep};
use auth_core::prelude::*;
use serde_json::json;

use super::support::PASSWORD;
use super::{AccountBed, emulator, signed_in, signed_up, username};

const NEW_PASSWORD: &str = "N3w-Passw0rd-42";

#[tokio::test]
async fn a_forgotten_password_is_reset_with_the_code_and_the_old_one_stops_working() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    signed_up(&bed, &plugin, &user, false).await;
    let started = plugin.reset_password(&user).await.unwrap();
    assert!(!started.is_password_reset);
    let ResetPasswordStep::ConfirmResetPasswordWithCode {
        code_delivery_details: Some(details),
    } = &started.next_step
    else {
        panic!("{:?}", started.next_step);
    };
    assert_eq!(details.delivery_medium, Some(DeliveryMedium::Email));
    let code = bed.emu().forgot_password_code(&bed.pool_id, &user).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = plugin
        .confirm_reset_password(&user, wrong, NEW_PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::CodeMismatch { .. }), "{e:?}");
    let e = plugin
        .confirm_reset_password(&user, &code, "short")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AuthError::InvalidPassword { message } if message.contains("not long enough")),
        "{e:?}"
    );
    plugin
        .confirm_reset_password(&user, &code, NEW_PASSWORD)
        .await
        .unwrap();
    let e = plugin
        .confirm_reset_password(&user, &code, PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::CodeExpired { .. }), "{e:?}");
    let e = plugin
        .sign_in(&user, PASSWORD, SignInOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::NotAuthorized { .. }), "{e:?}");
    assert!(
        plugin
            .sign_in(&user, NEW_PASSWORD, SignInOptions::default())
            .await
            .unwrap()
            .is_signed_in
    );
    // Reset codes expire after an hour.
    plugin.reset_password(&user).await.unwrap();
    let late = bed.emu().forgot_password_code(&bed.pool_id, &user).unwrap();
    bed.emu().set_clock_offset(3_600);
    let e = plugin
        .confirm_reset_password(&user, &late, PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::CodeExpired { .. }), "{e:?}");
}

#[tokio::test]
async fn an_administrator_reset_makes_sign_in_ask_for_a_password_reset() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    signed_up(&bed, &plugin, &user, false).await;
    bed.idp(
        "AdminResetUserPassword",
        json!({"UserPoolId": bed.pool_id, "Username": user}),
    )
    .await
    .unwrap();
    let r = plugin
        .sign_in(&user, PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (r.is_signed_in, r.next_step),
        (false, SignInStep::ResetPassword)
    );
    let code = bed.emu().forgot_password_code(&bed.pool_id, &user).unwrap();
    plugin
        .confirm_reset_password(&user, &code, NEW_PASSWORD)
        .await
        .unwrap();
    assert!(
        plugin
            .sign_in(&user, NEW_PASSWORD, SignInOptions::default())
            .await
            .unwrap()
            .is_signed_in
    );
}

#[tokio::test]
async fn reset_errors_are_typed_and_a_network_fault_is_transient() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let e = plugin.reset_password("nobody-here").await.unwrap_err();
    assert!(matches!(e, AuthError::UserNotFound { .. }), "{e:?}");
    let e = plugin.reset_password("").await.unwrap_err();
    assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
    bed.emu()
        .inject_fault("ForgotPassword", cognito_emulator::Fault::Drop, 1);
    let e = plugin.reset_password("nobody-here").await.unwrap_err();
    assert!(
        matches!(e, AuthError::Network { .. }) && e.is_transient(),
        "{e:?}"
    );
    bed.emu()
        .inject_fault("ForgotPassword", cognito_emulator::Fault::MalformedBody, 1);
    let e = plugin.reset_password("nobody-here").await.unwrap_err();
    assert!(matches!(e, AuthError::InvalidResponse { .. }), "{e:?}");
}

#[tokio::test]
async fn update_password_changes_it_and_a_wrong_old_password_keeps_the_session() {
    let bed = emulator(AccountBed::default()).await;
    let (plugin, _storage, user) = signed_in(&bed).await;
    let e = plugin
        .update_password("Wr0ng-Passw0rd!", NEW_PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::NotAuthorized { .. }), "{e:?}");
    assert_eq!(plugin.get_current_user().await.unwrap().username, user);
    let e = plugin.update_password(PASSWORD, "weak").await.unwrap_err();
    assert!(matches!(e, AuthError::InvalidPassword { .. }), "{e:?}");
    let e = plugin.update_password("", NEW_PASSWORD).await.unwrap_err();
    assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
    plugin
        .update_password(PASSWORD, NEW_PASSWORD)
        .await
        .unwrap();
    assert!(plugin.get_current_user().await.is_ok(), "still signed in");
    plugin.sign_out(SignOutOptions::default()).await.unwrap();
    let e = plugin
        .update_password(PASSWORD, NEW_PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::SignedOut), "{e:?}");
    assert!(
        plugin
            .sign_in(&user, NEW_PASSWORD, SignInOptions::default())
            .await
            .unwrap()
            .is_signed_in
    );
}
