//! Sign-in challenges continued with `confirm_sign_in`, and stores that
//! cannot be read, against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;

use auth_cognito::{MfaType, SignInOptions, SignInStep};
use auth_core::prelude::*;
use auth_storage::FileStorage;
use support::{Bed, BedOptions, PASSWORD};

const TOTP_SECRET_B32: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = alphabet.iter().position(|a| *a == c).expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

fn totp_now(bed: &Bed) -> String {
    cognito_emulator::totp_code(&base32_decode(TOTP_SECRET_B32), bed.emu().now())
}

#[tokio::test]
async fn new_password_required_is_answered_with_confirm_sign_in() {
    for flow in [AuthFlowType::UserSrpAuth, AuthFlowType::UserPasswordAuth] {
        let bed = Bed::emulator(BedOptions {
            client_secret: true,
            ..BedOptions::default()
        })
        .await;
        bed.emu()
            .admin_create_user(&bed.pool_id, "carol", "Temp-Passw0rd-1!", false)
            .expect("user");
        let (plugin, _s, _c) = bed.plugin();
        let r = plugin
            .sign_in("carol", "Temp-Passw0rd-1!", SignInOptions::with_flow(flow))
            .await
            .expect("first step");
        assert!(!r.is_signed_in);
        assert!(
            matches!(r.next_step, SignInStep::ConfirmSignInWithNewPassword { .. }),
            "{r:?}"
        );
        assert!(matches!(
            plugin.get_current_user().await,
            Err(AuthError::SignedOut)
        ));
        let done = plugin
            .confirm_sign_in(PASSWORD)
            .await
            .expect("new password");
        assert!(done.is_signed_in);
        let user = plugin.get_current_user().await.expect("user");
        assert_eq!(user.username, "carol");
        assert_eq!(user.sign_in_details.expect("details").auth_flow_type, flow);
        // The new password works for the next sign-in.
        plugin
            .sign_out(SignOutOptions::default())
            .await
            .expect("sign out");
        plugin
            .sign_in("carol", PASSWORD, SignInOptions::default())
            .await
            .expect("new password works");
    }
}

#[tokio::test]
async fn totp_challenge_accepts_the_right_code_and_retries_a_wrong_one() {
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.create_user("dave", PASSWORD).await;
    bed.emu()
        .set_totp_secret(&bed.pool_id, "dave", TOTP_SECRET_B32)
        .expect("totp");
    let (plugin, _s, _c) = bed.plugin();
    let r = plugin
        .sign_in("dave", PASSWORD, SignInOptions::default())
        .await
        .expect("first step");
    assert_eq!(r.next_step, SignInStep::ConfirmSignInWithTotpCode);
    let good = totp_now(&bed);
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let e = plugin.confirm_sign_in(wrong).await.expect_err("wrong code");
    assert!(
        matches!(
            e,
            AuthError::CodeMismatch { .. } | AuthError::NotAuthorized { .. }
        ),
        "{e:?}"
    );
    if matches!(e, AuthError::CodeMismatch { .. }) {
        let done = plugin
            .confirm_sign_in(&totp_now(&bed))
            .await
            .expect("right code");
        assert!(done.is_signed_in);
    } else {
        // The service ended the challenge: start again.
        plugin
            .sign_in("dave", PASSWORD, SignInOptions::default())
            .await
            .expect("again");
        plugin
            .confirm_sign_in(&totp_now(&bed))
            .await
            .expect("right code");
    }
    assert_eq!(
        plugin.get_current_user().await.expect("user").username,
        "dave"
    );
}

#[tokio::test]
async fn sms_challenge_and_mfa_selection() {
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.create_user("erin", PASSWORD).await;
    bed.emu()
        .enable_sms_mfa(&bed.pool_id, "erin", Some("+15555550100"))
        .expect("sms");
    let (plugin, _s, _c) = bed.plugin();
    let r = plugin
        .sign_in("erin", PASSWORD, SignInOptions::default())
        .await
        .expect("first step");
    assert!(
        matches!(r.next_step, SignInStep::ConfirmSignInWithSmsCode { .. }),
        "{r:?}"
    );
    let code = bed.emu().sms_code(&bed.pool_id, "erin").expect("code sent");
    plugin.confirm_sign_in(&code).await.expect("sms code");
    assert!(plugin.get_current_user().await.is_ok());
    plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("out");

    // With both factors, Cognito asks which one.
    bed.emu()
        .set_totp_secret(&bed.pool_id, "erin", TOTP_SECRET_B32)
        .expect("totp");
    let r = plugin
        .sign_in("erin", PASSWORD, SignInOptions::default())
        .await
        .expect("first step");
    match r.next_step {
        SignInStep::ContinueSignInWithMfaSelection { allowed } => {
            assert!(allowed.contains(&MfaType::Totp), "{allowed:?}");
            let e = plugin
                .confirm_sign_in("EMAIL")
                .await
                .expect_err("not a factor");
            assert!(matches!(e, AuthError::InvalidParameter { .. }));
            let next = plugin.confirm_sign_in("TOTP").await.expect("select");
            assert_eq!(next.next_step, SignInStep::ConfirmSignInWithTotpCode);
            plugin.confirm_sign_in(&totp_now(&bed)).await.expect("code");
        }
        SignInStep::ConfirmSignInWithTotpCode => {
            plugin.confirm_sign_in(&totp_now(&bed)).await.expect("code");
        }
        other => panic!("unexpected step {other:?}"),
    }
    assert!(plugin.get_current_user().await.is_ok());
}

#[tokio::test]
async fn confirm_without_a_pending_challenge_is_a_typed_error() {
    let bed = Bed::emulator(BedOptions::default()).await;
    let (plugin, _s, _c) = bed.plugin();
    assert!(matches!(
        plugin.confirm_sign_in("123456").await,
        Err(AuthError::InvalidState(_))
    ));
    assert!(matches!(
        plugin.sign_in("", PASSWORD, SignInOptions::default()).await,
        Err(AuthError::InvalidParameter { .. })
    ));
    assert!(matches!(
        plugin
            .sign_in("someone", "", SignInOptions::default())
            .await,
        Err(AuthError::InvalidParameter { .. })
    ));
}

#[tokio::test]
async fn a_corrupt_store_gives_a_typed_error_and_a_signed_out_session_without_losing_bytes() {
    let bed = Bed::emulator(BedOptions::default()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.json");
    std::fs::write(&path, b"{\"version\":1,\"entries\":{\"CognitoIdentity").expect("write");
    let storage = FileStorage::open(&path).expect("open");
    let plugin = bed.plugin_with(Arc::new(storage.clone()), Arc::new(ManualClock::new()));
    let e = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect_err("corrupt");
    assert!(
        matches!(e, AuthError::Storage(StorageError::Corrupt { .. })),
        "{e:?}"
    );
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::Storage(StorageError::Corrupt { .. }))
    ));
    assert!(!plugin.is_signed_in_cached());
    let c = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    assert!(!c.is_signed_in);
    // Nothing overwrote what could not be read.
    assert_eq!(
        std::fs::read(&path).expect("read"),
        b"{\"version\":1,\"entries\":{\"CognitoIdentity"
    );
    // A deliberate reset recovers.
    storage.reset_corrupt().await.expect("reset");
    bed.create_user("alice", PASSWORD).await;
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in after reset");
    assert!(plugin.get_current_user().await.is_ok());
}

#[tokio::test]
async fn a_stored_token_that_is_not_a_jwt_is_reported_not_deleted() {
    let bed = Bed::emulator(BedOptions::default()).await;
    let storage = auth_storage::MemoryStorage::new();
    let prefix = format!("CognitoIdentityServiceProvider.{}", bed.client_id);
    storage
        .set(&format!("{prefix}.LastAuthUser"), "alice")
        .await
        .expect("set");
    storage
        .set(&format!("{prefix}.alice.accessToken"), "not-a-jwt")
        .await
        .expect("set");
    let plugin = bed.plugin_with(Arc::new(storage.clone()), Arc::new(ManualClock::new()));
    let e = plugin.get_current_user().await.expect_err("corrupt");
    assert!(
        matches!(e, AuthError::Storage(StorageError::Corrupt { .. })),
        "{e:?}"
    );
    assert!(!e.to_string().contains("not-a-jwt"));
    assert_eq!(
        storage
            .get(&format!("{prefix}.alice.accessToken"))
            .await
            .expect("get")
            .as_deref(),
        Some("not-a-jwt")
    );
}

#[tokio::test]
async fn a_session_persists_in_a_file_across_plugin_instances() {
    let bed = Bed::emulator(BedOptions::default()).await;
    bed.create_user("alice", PASSWORD).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested").join("session.json");
    {
        let storage = FileStorage::open(&path).expect("open");
        let plugin = bed.plugin_with(Arc::new(storage), Arc::new(ManualClock::new()));
        plugin
            .sign_in("alice", PASSWORD, SignInOptions::default())
            .await
            .expect("sign in");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    bed.emu().reset_counters();
    let storage = FileStorage::open(&path).expect("open");
    let plugin = bed.plugin_with(Arc::new(storage), Arc::new(ManualClock::new()));
    assert_eq!(
        plugin.get_current_user().await.expect("restored").username,
        "alice"
    );
    assert!(
        bed.emu().counters().values().all(|n| *n == 0),
        "restored without a network call"
    );
}
