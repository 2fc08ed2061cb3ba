//! `USER_AUTH` (choice-based and passwordless sign-in) against the emulator: the preferred
//! first factor, `SELECT_CHALLENGE`, emailed and texted codes, `PASSWORD` and
//! `PASSWORD_SRP` after the choice, wrong, expired and throttled answers, and the logs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;

use auth_cognito::config::PasswordlessConfig;
use auth_cognito::{AuthFactorType, CognitoAuthPlugin, CognitoConfig, SignInOptions, SignInStep};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use cognito_emulator::Fault;
use serde_json::json;
use support::{Bed, BedOptions, LogCapture, PASSWORD, assert_no_code, assert_no_secret};

/// An emulator bed whose pool allows every first factor, with `alice` (email and phone).
async fn bed(opts: BedOptions) -> Bed {
    let bed = Bed::emulator(BedOptions {
        user_auth: true,
        ..opts
    })
    .await;
    bed.idp(
        "UpdateUserPool",
        json!({"UserPoolId": bed.pool_id, "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}}),
    )
    .await
    .expect("policy");
    bed.create_user("alice", PASSWORD).await;
    // A phone number (the control also enables SMS MFA: turned off again).
    bed.emu()
        .enable_sms_mfa(&bed.pool_id, "alice", Some("+15550001234"))
        .expect("phone");
    bed.idp(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": bed.pool_id, "Username": "alice", "SMSMfaSettings": {"Enabled": false, "PreferredMfa": false}}),
    )
    .await
    .expect("no sms mfa");
    bed
}

fn email_code(bed: &Bed) -> String {
    bed.emu()
        .email_otp_code(&bed.pool_id, "alice")
        .expect("an emailed code")
}

fn other(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.to_owned()
}

async fn assert_nothing_stored(plugin: &CognitoAuthPlugin, storage: &MemoryStorage) {
    assert!(
        storage.is_empty(),
        "nothing is stored before the sign-in completes"
    );
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
}

#[tokio::test]
async fn email_otp_as_the_preferred_challenge_signs_in_with_the_emailed_code() {
    let bed = bed(BedOptions::default()).await;
    let (plugin, storage, _clock) = bed.plugin();
    let r = plugin
        .sign_in(
            "alice",
            "",
            SignInOptions::user_auth(Some(AuthFactorType::EmailOtp)),
        )
        .await
        .expect("first step");
    assert_eq!(
        r.next_step,
        SignInStep::ConfirmSignInWithEmailCode {
            destination: Some("a***@example.com".into())
        }
    );
    assert_nothing_stored(&plugin, &storage).await;
    let code = email_code(&bed);
    let e = plugin
        .confirm_sign_in(&other(&code))
        .await
        .expect_err("wrong code");
    assert!(matches!(e, AuthError::CodeMismatch { .. }), "{e:?}");
    assert_nothing_stored(&plugin, &storage).await;
    // The same challenge is still answerable.
    let done = plugin.confirm_sign_in(&code).await.expect("right code");
    assert!(done.is_signed_in);
    let user = plugin.get_current_user().await.expect("user");
    let details = user.sign_in_details.expect("details");
    assert_eq!(details.auth_flow_type, AuthFlowType::UserAuth);
    assert_eq!(details.login_id.as_deref(), Some("alice"));
    assert!(!storage.is_empty());
}

#[tokio::test]
async fn without_a_preference_the_user_chooses_sms_otp_from_the_offered_factors() {
    let bed = bed(BedOptions::default()).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let r = plugin
        .sign_in("alice", "", SignInOptions::user_auth(None))
        .await
        .expect("first step");
    assert_eq!(
        r.next_step,
        SignInStep::ContinueSignInWithFirstFactorSelection {
            available: vec![
                AuthFactorType::Password,
                AuthFactorType::PasswordSrp,
                AuthFactorType::EmailOtp,
                AuthFactorType::SmsOtp
            ]
        }
    );
    // WEB_AUTHN is a typed "not supported yet", and the choice stays open.
    let e = plugin
        .confirm_sign_in("WEB_AUTHN")
        .await
        .expect_err("passkeys");
    assert!(matches!(e, AuthError::Unsupported { .. }), "{e:?}");
    let e = plugin
        .confirm_sign_in("CARRIER_PIGEON")
        .await
        .expect_err("unknown");
    assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
    let r = plugin.confirm_sign_in("sms-otp").await.expect("choice");
    assert_eq!(
        r.next_step,
        SignInStep::ConfirmSignInWithSmsCode {
            destination: Some("+*******1234".into())
        }
    );
    let code = bed
        .emu()
        .sms_otp_code(&bed.pool_id, "alice")
        .expect("a texted code");
    plugin.confirm_sign_in(&code).await.expect("code");
    assert_eq!(
        plugin.get_current_user().await.expect("user").username,
        "alice"
    );
}

#[tokio::test]
async fn password_srp_chosen_after_the_selection_asks_for_the_password_and_proves_it() {
    let bed = bed(BedOptions::default()).await;
    let logs = LogCapture::start();
    let (plugin, storage, _clock) = bed.plugin();
    let wrong = "Wrong-Horse-Battery-1";
    for password in [wrong, PASSWORD] {
        plugin
            .sign_in("alice", "", SignInOptions::user_auth(None))
            .await
            .expect("first step");
        bed.emu().reset_counters();
        let r = plugin
            .confirm_sign_in("PASSWORD_SRP")
            .await
            .expect("choice");
        assert_eq!(r.next_step, SignInStep::ConfirmSignInWithPassword);
        assert_eq!(
            bed.emu().count("RespondToAuthChallenge"),
            0,
            "nothing sent yet"
        );
        let result = plugin.confirm_sign_in(password).await;
        // SELECT_CHALLENGE with SRP_A, then PASSWORD_VERIFIER.
        assert_eq!(bed.emu().count("RespondToAuthChallenge"), 2);
        if password == wrong {
            let e = result.expect_err("wrong password");
            assert!(matches!(e, AuthError::NotAuthorized { .. }), "{e:?}");
            assert_nothing_stored(&plugin, &storage).await;
        } else {
            assert!(result.expect("right password").is_signed_in);
        }
    }
    let user = plugin.get_current_user().await.expect("user");
    assert_eq!(
        user.sign_in_details.expect("details").auth_flow_type,
        AuthFlowType::UserAuth
    );
    let text = logs.text();
    assert_no_secret("the logs", &text, &[PASSWORD, wrong]);
}

#[tokio::test]
async fn password_and_password_srp_preferences_sign_in_at_once() {
    let bed = bed(BedOptions::default()).await;
    for factor in [AuthFactorType::Password, AuthFactorType::PasswordSrp] {
        let (plugin, _s, _c) = bed.plugin();
        let r = plugin
            .sign_in("alice", PASSWORD, SignInOptions::user_auth(Some(factor)))
            .await
            .expect("sign in");
        assert!(r.is_signed_in, "{factor}: {r:?}");
        // A password factor needs the password.
        let (plugin, _s, _c) = bed.plugin();
        let e = plugin
            .sign_in("alice", "", SignInOptions::user_auth(Some(factor)))
            .await
            .expect_err("no password");
        assert!(matches!(e, AuthError::InvalidParameter { .. }));
    }
    // WEB_AUTHN as the preference fails before any call.
    bed.emu().reset_counters();
    let (plugin, _s, _c) = bed.plugin();
    let e = plugin
        .sign_in(
            "alice",
            "",
            SignInOptions::user_auth(Some(AuthFactorType::WebAuthn)),
        )
        .await
        .expect_err("passkeys");
    assert!(matches!(e, AuthError::Unsupported { .. }), "{e:?}");
    assert_eq!(bed.emu().count("InitiateAuth"), 0);
}

#[tokio::test]
async fn the_config_s_passwordless_section_gives_the_default_preference() {
    let bed = bed(BedOptions::default()).await;
    let config = CognitoConfig::builder()
        .user_pool(&bed.pool_id, &bed.client_id)
        .user_pool_endpoint(&bed.endpoint)
        .passwordless(
            PasswordlessConfig::default()
                .with_email_otp(true)
                .with_preferred_challenge(Some(AuthFactorType::EmailOtp)),
        )
        .build()
        .expect("config");
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()
        .expect("plugin");
    let r = plugin
        .sign_in("alice", "", SignInOptions::user_auth(None))
        .await
        .expect("first step");
    assert!(
        matches!(r.next_step, SignInStep::ConfirmSignInWithEmailCode { .. }),
        "{r:?}"
    );
    // The config turns SMS_OTP off, so preferring it is refused before any call.
    let e = plugin
        .sign_in(
            "alice",
            "",
            SignInOptions::user_auth(Some(AuthFactorType::SmsOtp)),
        )
        .await
        .expect_err("disabled");
    assert!(matches!(e, AuthError::InvalidParameter { .. }), "{e:?}");
    plugin
        .confirm_sign_in(&email_code(&bed))
        .await
        .expect("code");
}

#[tokio::test]
async fn an_expired_code_and_an_expired_challenge_are_typed_and_store_nothing() {
    let bed = bed(BedOptions {
        auth_session_validity_mins: Some(15),
        ..BedOptions::default()
    })
    .await;
    let (plugin, storage, _clock) = bed.plugin();
    plugin
        .sign_in(
            "alice",
            "",
            SignInOptions::user_auth(Some(AuthFactorType::EmailOtp)),
        )
        .await
        .expect("first step");
    let code = email_code(&bed);
    bed.emu().set_clock_offset(4 * 60);
    let e = plugin
        .confirm_sign_in(&code)
        .await
        .expect_err("expired code");
    assert!(matches!(e, AuthError::CodeExpired { .. }), "{e:?}");
    assert_nothing_stored(&plugin, &storage).await;
    bed.emu().set_clock_offset(16 * 60);
    let e = plugin
        .confirm_sign_in(&code)
        .await
        .expect_err("expired session");
    assert!(matches!(e, AuthError::ChallengeExpired), "{e:?}");
    assert_nothing_stored(&plugin, &storage).await;
    // The expired challenge is forgotten.
    assert!(matches!(
        plugin.confirm_sign_in(&code).await,
        Err(AuthError::InvalidState(_))
    ));
}

#[tokio::test]
async fn throttling_is_typed_and_transient_and_keeps_the_challenge() {
    let bed = bed(BedOptions::default()).await;
    let (plugin, storage, _clock) = bed.plugin();
    plugin
        .sign_in(
            "alice",
            "",
            SignInOptions::user_auth(Some(AuthFactorType::EmailOtp)),
        )
        .await
        .expect("first step");
    bed.emu().inject_fault(
        "RespondToAuthChallenge",
        Fault::Status {
            status: 400,
            type_: "LimitExceededException".into(),
            message: "Attempt limit exceeded, please try after some time.".into(),
        },
        1,
    );
    let code = email_code(&bed);
    let e = plugin.confirm_sign_in(&code).await.expect_err("throttled");
    assert!(matches!(e, AuthError::LimitExceeded { .. }), "{e:?}");
    assert!(e.is_transient());
    assert_nothing_stored(&plugin, &storage).await;
    plugin
        .confirm_sign_in(&code)
        .await
        .expect("after the limit");
    assert!(plugin.is_signed_in_cached());
}

#[tokio::test]
async fn a_client_without_allow_user_auth_is_refused() {
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.create_user("alice", PASSWORD).await;
    let (plugin, storage, _clock) = bed.plugin();
    let e = plugin
        .sign_in("alice", "", SignInOptions::user_auth(None))
        .await
        .expect_err("not allowed");
    assert_eq!(e.service_code(), Some("InvalidParameterException"), "{e:?}");
    assert_nothing_stored(&plugin, &storage).await;
}

#[tokio::test]
async fn codes_and_passwords_never_reach_logs_debug_or_errors() {
    let bed = bed(BedOptions::default()).await;
    let logs = LogCapture::start();
    let (plugin, storage, _clock) = bed.plugin();
    let mut seen = String::new();
    let r = plugin
        .sign_in(
            "alice",
            "",
            SignInOptions::user_auth(Some(AuthFactorType::EmailOtp)),
        )
        .await
        .expect("first step");
    seen.push_str(&format!("{r:?}{plugin:?}"));
    let code = email_code(&bed);
    let wrong = other(&code);
    let e = plugin.confirm_sign_in(&wrong).await.expect_err("wrong");
    seen.push_str(&format!("{e:?}{e}"));
    let r = plugin.confirm_sign_in(&code).await.expect("right");
    seen.push_str(&format!("{r:?}{storage:?}"));
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("out");
    let r = plugin
        .sign_in(
            "alice",
            PASSWORD,
            SignInOptions::user_auth(Some(AuthFactorType::Password)),
        )
        .await
        .expect("password");
    seen.push_str(&format!("{r:?}"));
    let text = format!("{}{seen}", logs.text());
    assert_no_code("the logs and Debug output", &text, &code);
    assert_no_code("the logs and Debug output", &text, &wrong);
    assert_no_secret("the logs and Debug output", &text, &[PASSWORD]);
}
