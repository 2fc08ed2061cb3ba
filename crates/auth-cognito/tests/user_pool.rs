//! User-pool conformance scenarios, run against the in-process emulator and
//! against moto. The moto twins are ignored tests that need `MOTO_ENDPOINT`:
//! `cargo xtask ci` starts moto and runs them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, SignInOptions, SignInStep};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use support::{Bed, BedOptions, LogCapture, PASSWORD, assert_no_secret};
use tokio::sync::broadcast::Receiver;

/// Runs `$scenario` on the emulator and on moto, as two tests (the moto
/// one ignored unless asked for, as it needs `MOTO_ENDPOINT`).
macro_rules! on_both {
    ($name:ident, $opts:expr, $scenario:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn emulator() {
                let bed = Bed::emulator($opts).await;
                ($scenario)(&bed).await;
            }
            #[tokio::test]
            #[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
            async fn moto() {
                let bed = Bed::moto($opts).await;
                ($scenario)(&bed).await;
            }
        }
    };
}

fn drain(rx: &mut Receiver<AuthEvent>) -> Vec<AuthEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

async fn signed_in(
    bed: &Bed,
    flow: AuthFlowType,
) -> (CognitoAuthPlugin, MemoryStorage, ManualClock, String) {
    let username = format!("user{}", &support::uuid()[..10]);
    bed.create_user(&username, PASSWORD).await;
    let (plugin, storage, clock) = bed.plugin();
    let r = plugin
        .sign_in(&username, PASSWORD, SignInOptions::with_flow(flow))
        .await
        .expect("sign in");
    assert!(r.is_signed_in);
    assert_eq!(r.next_step, SignInStep::Done);
    (plugin, storage, clock, username)
}

async fn sign_in_then_user_and_session(bed: &Bed, flow: AuthFlowType) {
    let username = format!("user{}", &support::uuid()[..10]);
    bed.create_user(&username, PASSWORD).await;
    let (plugin, _storage, _clock) = bed.plugin();
    let mut events = plugin.inner_subscribe();
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
    let r = plugin
        .sign_in(&username, PASSWORD, SignInOptions::with_flow(flow))
        .await
        .expect("sign in");
    assert!(r.is_signed_in);
    let user = plugin.get_current_user().await.expect("current user");
    assert_eq!(user.username, username);
    let details = user.sign_in_details.expect("sign-in details");
    assert_eq!(details.login_id.as_deref(), Some(username.as_str()));
    assert_eq!(details.auth_flow_type, flow);
    let session = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    assert!(session.is_signed_in());
    let tokens = session.tokens().expect("tokens");
    assert_eq!(
        tokens.access_token.claims().get_str("token_use"),
        Some("access")
    );
    assert_eq!(session.user_sub(), tokens.access_token.claims().sub());
    assert_eq!(
        Some(user.user_id.as_str()),
        tokens.access_token.claims().sub()
    );
    assert_eq!(
        drain(&mut events),
        vec![AuthEvent::SignedIn {
            username: username.clone()
        }]
    );
    // A second sign-in is refused while signed in.
    assert!(matches!(
        plugin
            .sign_in(&username, PASSWORD, SignInOptions::default())
            .await,
        Err(AuthError::AlreadySignedIn)
    ));
}

on_both!(srp_sign_in, BedOptions::default(), |bed| {
    sign_in_then_user_and_session(bed, AuthFlowType::UserSrpAuth)
});
on_both!(password_sign_in, BedOptions::default(), |bed| {
    sign_in_then_user_and_session(bed, AuthFlowType::UserPasswordAuth)
});
on_both!(
    srp_sign_in_with_client_secret,
    BedOptions {
        client_secret: true,
        ..BedOptions::default()
    },
    |bed| sign_in_then_user_and_session(bed, AuthFlowType::UserSrpAuth)
);
on_both!(
    password_sign_in_with_client_secret,
    BedOptions {
        client_secret: true,
        ..BedOptions::default()
    },
    |bed| sign_in_then_user_and_session(bed, AuthFlowType::UserPasswordAuth)
);

async fn wrong_password_and_unknown_user(bed: &Bed) {
    let username = format!("user{}", &support::uuid()[..10]);
    bed.create_user(&username, PASSWORD).await;
    let (plugin, _s, _c) = bed.plugin();
    let wrong = "Wrong-Password-123456";
    for flow in [AuthFlowType::UserPasswordAuth, AuthFlowType::UserSrpAuth] {
        // moto does not verify SRP proofs: only the emulator rejects them.
        if flow == AuthFlowType::UserSrpAuth && bed.name == "moto" {
            continue;
        }
        let err = plugin
            .sign_in(&username, wrong, SignInOptions::with_flow(flow))
            .await
            .expect_err("wrong password");
        assert!(
            matches!(err, AuthError::NotAuthorized { .. }),
            "{flow}: {err:?}"
        );
        assert!(!err.to_string().contains(wrong));
        assert!(!format!("{err:?}").contains(wrong));
    }
    let err = plugin
        .sign_in(
            "nobody-here",
            wrong,
            SignInOptions::with_flow(AuthFlowType::UserPasswordAuth),
        )
        .await
        .expect_err("unknown user");
    assert!(
        matches!(
            err,
            AuthError::UserNotFound { .. } | AuthError::NotAuthorized { .. }
        ),
        "{err:?}"
    );
    assert!(!plugin.is_signed_in_cached());
}

// A closure wrapper so that the macro can call a plain async fn.
on_both!(
    wrong_password,
    BedOptions::default(),
    wrong_password_and_unknown_user
);

async fn force_refresh_gives_new_tokens(bed: &Bed) {
    let (plugin, storage, _clock, _u) = signed_in(bed, AuthFlowType::UserPasswordAuth).await;
    let mut events = plugin.inner_subscribe();
    let before = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    let before_access = before
        .tokens()
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned();
    let after = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("refreshed");
    let after_access = after
        .tokens()
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned();
    assert!(
        before_access != after_access,
        "force_refresh must give a new access token"
    );
    assert_eq!(before.user_sub(), after.user_sub());
    assert_eq!(drain(&mut events), vec![AuthEvent::TokenRefresh]);
    // The new tokens were persisted.
    let stored = storage
        .keys()
        .into_iter()
        .find(|k| k.ends_with(".accessToken"))
        .expect("stored access token");
    let value = storage.get(&stored).await.expect("get").expect("value");
    assert!(
        value == after_access,
        "the refreshed access token is persisted"
    );
}

on_both!(
    force_refresh,
    BedOptions::default(),
    force_refresh_gives_new_tokens
);
on_both!(
    force_refresh_with_client_secret,
    BedOptions {
        client_secret: true,
        ..BedOptions::default()
    },
    force_refresh_gives_new_tokens
);

async fn expired_tokens_are_refreshed_when_the_clock_moves(bed: &Bed) {
    let (plugin, _storage, clock, _u) = signed_in(bed, AuthFlowType::UserPasswordAuth).await;
    let mut events = plugin.inner_subscribe();
    let before = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    let exp = before
        .tokens()
        .expect("tokens")
        .access_token
        .expires_at()
        .expect("exp");
    // Within the 60 s margin of expiry: refreshed.
    clock.set_millis((exp - 30) * 1000);
    let after = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    assert!(
        before.tokens().expect("t").access_token.as_compact_str()
            != after.tokens().expect("t").access_token.as_compact_str(),
        "the access token was refreshed"
    );
    // The drift measured at refresh makes the new tokens valid for this clock:
    // no second refresh.
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("session");
    plugin.get_current_user().await.expect("user");
    assert_eq!(drain(&mut events), vec![AuthEvent::TokenRefresh]);
}

on_both!(
    auto_refresh,
    BedOptions::default(),
    expired_tokens_are_refreshed_when_the_clock_moves
);

async fn global_sign_out_elsewhere_expires_the_session(bed: &Bed) {
    let (plugin, storage, _clock, username) = signed_in(bed, AuthFlowType::UserPasswordAuth).await;
    let mut events = plugin.inner_subscribe();
    // The same user signs out globally on another device.
    let (other, _s, _c) = bed.plugin();
    other
        .sign_in(&username, PASSWORD, SignInOptions::default())
        .await
        .expect("second device");
    let out = other
        .sign_out(SignOutOptions::global())
        .await
        .expect("global sign-out");
    assert!(out.remote_signed_out, "{:?}", out.remote_error);
    let err = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .map(|s| s.is_signed_in())
        .expect_err("refresh after global sign-out");
    assert!(matches!(err, AuthError::SessionExpired { .. }), "{err:?}");
    let evs = drain(&mut events);
    assert!(
        matches!(
            evs.first(),
            Some(AuthEvent::TokenRefreshFailure {
                definitive: true,
                ..
            })
        ),
        "{evs:?}"
    );
    assert_eq!(
        evs.iter()
            .filter(|e| **e == AuthEvent::SessionExpired)
            .count(),
        1,
        "{evs:?}"
    );
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("signed-out session");
    assert!(!s.is_signed_in());
    assert!(s.tokens().is_none());
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SessionExpired { .. })
    ));
    assert!(
        storage.keys().iter().all(|k| !k.contains("Token")),
        "tokens left in storage: {:?}",
        storage.keys()
    );
    assert!(
        drain(&mut events).is_empty(),
        "SessionExpired is emitted once"
    );
}

on_both!(
    global_sign_out,
    BedOptions::default(),
    global_sign_out_elsewhere_expires_the_session
);

async fn sign_out_clears_the_session(bed: &Bed) {
    for global in [false, true] {
        let (plugin, storage, _clock, _u) = signed_in(bed, AuthFlowType::UserSrpAuth).await;
        let mut events = plugin.inner_subscribe();
        let r = plugin
            .sign_out(SignOutOptions::default().with_global(global))
            .await
            .expect("sign out");
        if global {
            assert!(r.remote_signed_out, "{:?}", r.remote_error);
        }
        assert_eq!(drain(&mut events), vec![AuthEvent::SignedOut]);
        assert!(storage.is_empty(), "{:?}", storage.keys());
        assert!(matches!(
            plugin.get_current_user().await,
            Err(AuthError::SignedOut)
        ));
        let s = plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("session");
        assert!(!s.is_signed_in());
    }
}

on_both!(sign_out, BedOptions::default(), sign_out_clears_the_session);

async fn session_is_restored_from_storage(bed: &Bed) {
    let (plugin, storage, clock, username) = signed_in(bed, AuthFlowType::UserSrpAuth).await;
    let first = plugin.get_current_user().await.expect("user");
    let again = bed.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
    let user = again.get_current_user().await.expect("restored user");
    assert_eq!(user, first);
    assert_eq!(user.username, username);
    assert_eq!(
        user.sign_in_details.map(|d| d.auth_flow_type),
        Some(AuthFlowType::UserSrpAuth)
    );
}

on_both!(
    restore,
    BedOptions::default(),
    session_is_restored_from_storage
);

async fn no_secret_reaches_logs_debug_or_errors(bed: &Bed) {
    let logs = LogCapture::start();
    let username = format!("user{}", &support::uuid()[..10]);
    bed.create_user(&username, PASSWORD).await;
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned()];
    let mut seen = String::new();
    for flow in [AuthFlowType::UserSrpAuth, AuthFlowType::UserPasswordAuth] {
        let (plugin, storage, clock) = bed.plugin();
        let r = plugin
            .sign_in(&username, PASSWORD, SignInOptions::with_flow(flow))
            .await
            .expect("sign in");
        seen.push_str(&format!("{r:?}{plugin:?}{storage:?}"));
        let s = plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("s");
        seen.push_str(&format!("{s:?}"));
        for k in storage.keys() {
            if k.ends_with("Token") {
                secrets.push(storage.get(&k).await.expect("get").expect("value"));
            }
        }
        clock.advance_secs(7200);
        let s = plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("refresh");
        seen.push_str(&format!("{s:?}"));
        let c = plugin
            .fetch_cognito_session(FetchAuthSessionOptions::force_refresh())
            .await;
        seen.push_str(&format!("{c:?}"));
        for k in storage.keys() {
            if k.ends_with("Token") {
                secrets.push(storage.get(&k).await.expect("get").expect("value"));
            }
        }
        let e = plugin
            .sign_in(&username, "Wrong-Password-1", SignInOptions::default())
            .await
            .expect_err("signed in");
        seen.push_str(&format!("{e:?}{e}"));
        let out = plugin
            .sign_out(SignOutOptions::global())
            .await
            .expect("sign out");
        seen.push_str(&format!("{out:?}"));
        let e = plugin
            .sign_in(
                &username,
                "Wrong-Password-1",
                SignInOptions::with_flow(flow),
            )
            .await;
        seen.push_str(&format!("{e:?}"));
        if let Err(e) = e {
            seen.push_str(&e.to_string());
        }
    }
    assert!(secrets.len() >= 7, "collected {} secrets", secrets.len());
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let log_text = logs.text();
    assert!(
        log_text.contains("InitiateAuth"),
        "logs were captured: {log_text}"
    );
    assert_no_secret("trace logs", &log_text, &secret_refs);
    assert_no_secret("Debug/Display output", &seen, &secret_refs);
    assert!(!seen.contains("Wrong-Password-1"));
    assert!(!log_text.contains("Wrong-Password-1"));
}

#[tokio::test(flavor = "current_thread")]
async fn emulator_no_secret_in_logs() {
    let bed = Bed::emulator(BedOptions {
        client_secret: true,
        ..BedOptions::default()
    })
    .await;
    no_secret_reaches_logs_debug_or_errors(&bed).await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
async fn moto_no_secret_in_logs() {
    let bed = Bed::moto(BedOptions::default()).await;
    no_secret_reaches_logs_debug_or_errors(&bed).await;
}

/// Subscribing through the `AuthPlugin` trait.
trait SubscribeExt {
    fn inner_subscribe(&self) -> Receiver<AuthEvent>;
}

impl SubscribeExt for CognitoAuthPlugin {
    fn inner_subscribe(&self) -> Receiver<AuthEvent> {
        AuthPlugin::subscribe(self)
    }
}
