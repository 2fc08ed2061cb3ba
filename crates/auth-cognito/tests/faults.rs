//! The fault-injection suite: every operation × every fault, against the
//! emulator's fault controls, asserting BEHAVIOUR.md's failure policy.
//!
//! It prints a summary table (and writes it to
//! `target/reliability/faults.md` for `RELIABILITY.md`): faults tried,
//! sessions kept, sessions correctly cleared, typed errors, panics, hangs.
//!
//! No assertion reads the wall clock. That a call does not outlive its
//! request timeout is shown by the "timeout" fault: the emulator answers
//! normally after the timeout plus 700 ms, so a client that waited would
//! succeed; each operation's assertions require the outcome of a cut-off
//! call. A hang is a call that has not returned after [`HANG`], a deadlock
//! guard far beyond any timeout.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::fmt::Write as _;
use std::time::Duration;

use auth_cognito::{CognitoAuthPlugin, SignInOptions, Tuning};
use auth_core::prelude::*;
use cognito_emulator::Fault;
use support::{Bed, BedOptions, PASSWORD};

const TIMEOUT: Duration = Duration::from_millis(800);
/// A call that has not returned after this long never will: a deadlock
/// guard, not a performance bound.
const HANG: Duration = Duration::from_secs(60);

fn faults() -> Vec<(&'static str, Fault, bool)> {
    let status = |status: u16, t: &str| Fault::Status {
        status,
        type_: t.into(),
        message: "injected".into(),
    };
    // (name, fault, definitive for a refresh)
    vec![
        (
            "500 InternalErrorException",
            status(500, "InternalErrorException"),
            false,
        ),
        (
            "400 TooManyRequestsException",
            status(400, "TooManyRequestsException"),
            false,
        ),
        (
            "timeout",
            Fault::Latency(TIMEOUT + Duration::from_millis(700)),
            false,
        ),
        ("dropped connection", Fault::Drop, false),
        ("malformed JSON", Fault::MalformedBody, false),
        ("missing fields", Fault::MissingFields, false),
        (
            "NotAuthorizedException",
            status(400, "NotAuthorizedException"),
            true,
        ),
        (
            "RefreshTokenReuseException",
            status(400, "RefreshTokenReuseException"),
            true,
        ),
    ]
}

#[derive(Default)]
struct Tally {
    tried: usize,
    kept: usize,
    cleared: usize,
    typed_errors: usize,
    recovered: usize,
    panics: usize,
    hangs: usize,
}

fn tuning() -> Tuning {
    Tuning::default()
        .with_request_timeout(TIMEOUT)
        .with_connect_timeout(TIMEOUT)
        .with_retry_backoff(Duration::ZERO)
}

async fn bed() -> Bed {
    let bed = Bed::emulator(BedOptions {
        identity_pool: Some(true),
        ..BedOptions::default()
    })
    .await;
    bed.create_user("alice", PASSWORD).await;
    bed
}

fn plugin(bed: &Bed) -> (CognitoAuthPlugin, auth_storage::MemoryStorage, ManualClock) {
    let storage = auth_storage::MemoryStorage::new();
    let clock = ManualClock::new();
    let p = CognitoAuthPlugin::builder(bed.config_with(tuning()))
        .storage(std::sync::Arc::new(storage.clone()))
        .clock(std::sync::Arc::new(clock.clone()))
        .build()
        .expect("plugin");
    (p, storage, clock)
}

/// Runs `f` in its own task, catching a panic and a hang (no return
/// within [`HANG`]).
async fn guarded<T: Send + 'static>(
    t: &mut Tally,
    f: impl std::future::Future<Output = T> + Send + 'static,
) -> Option<T> {
    let task = tokio::spawn(f);
    let abort = task.abort_handle();
    match tokio::time::timeout(HANG, task).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) if e.is_panic() => {
            t.panics += 1;
            None
        }
        Ok(Err(_)) => None,
        Err(_) => {
            abort.abort();
            t.hangs += 1;
            None
        }
    }
}

async fn sign_in_faults(t: &mut Tally) {
    for (name, fault, _) in faults() {
        for op in ["InitiateAuth", "RespondToAuthChallenge"] {
            let bed = bed().await;
            let (p, storage, _c) = plugin(&bed);
            bed.emu().inject_fault(op, fault.clone(), 1);
            t.tried += 1;
            let p2 = p.clone();
            let r = guarded(t, async move {
                p2.sign_in("alice", PASSWORD, SignInOptions::default())
                    .await
            })
            .await;
            let err = r.expect("no panic and no hang").expect_err(name);
            assert!(
                !matches!(err, AuthError::SessionExpired { .. }),
                "{op}/{name}: {err:?}"
            );
            t.typed_errors += 1;
            assert!(storage.is_empty(), "{op}/{name}: nothing half-written");
            assert!(!p.is_signed_in_cached());
            p.sign_in("alice", PASSWORD, SignInOptions::default())
                .await
                .unwrap_or_else(|e| panic!("{op}/{name}: recovery: {e:?}"));
            t.recovered += 1;
        }
    }
}

async fn refresh_faults(t: &mut Tally) {
    for (name, fault, definitive) in faults() {
        let bed = bed().await;
        let (p, storage, clock) = plugin(&bed);
        p.sign_in("alice", PASSWORD, SignInOptions::default())
            .await
            .expect("sign in");
        let mut events = AuthPlugin::subscribe(&p);
        let stored = storage.keys();
        clock.advance_secs(2 * 3600);
        bed.emu()
            .inject_fault("GetTokensFromRefreshToken", fault, 1);
        t.tried += 1;
        let p2 = p.clone();
        let r = guarded(t, async move {
            p2.fetch_auth_session(FetchAuthSessionOptions::default())
                .await
        })
        .await;
        let err = r.expect("no panic and no hang").expect_err(name);
        t.typed_errors += 1;
        if definitive {
            assert!(
                matches!(err, AuthError::SessionExpired { .. }),
                "{name}: {err:?}"
            );
            assert!(
                storage.keys().iter().all(|k| !k.contains("Token")),
                "{name}: cleared"
            );
            let evs: Vec<_> = std::iter::from_fn(|| events.try_recv().ok()).collect();
            assert_eq!(
                evs.iter()
                    .filter(|e| **e == AuthEvent::SessionExpired)
                    .count(),
                1,
                "{name}"
            );
            assert!(matches!(
                p.get_current_user().await,
                Err(AuthError::SessionExpired { .. })
            ));
            t.cleared += 1;
        } else {
            assert!(err.is_transient(), "{name}: {err:?}");
            assert_eq!(storage.keys(), stored, "{name}: storage kept");
            assert!(p.is_signed_in_cached(), "{name}: session kept");
            t.kept += 1;
            p.fetch_auth_session(FetchAuthSessionOptions::default())
                .await
                .unwrap_or_else(|e| panic!("{name}: recovery: {e:?}"));
            t.recovered += 1;
        }
        // A forced refresh of a still-valid token serves it on a transient fault.
        if !definitive {
            let before = p
                .fetch_auth_session(FetchAuthSessionOptions::default())
                .await
                .expect("s");
            bed.emu().inject_fault(
                "GetTokensFromRefreshToken",
                faults().into_iter().find(|f| f.0 == name).expect("f").1,
                1,
            );
            t.tried += 1;
            let p2 = p.clone();
            let soft = guarded(t, async move {
                p2.fetch_auth_session(FetchAuthSessionOptions::force_refresh())
                    .await
            })
            .await;
            let soft = soft
                .expect("no panic and no hang")
                .unwrap_or_else(|e| panic!("{name}: soft refresh: {e:?}"));
            assert!(
                soft.tokens().expect("t").access_token.as_compact_str()
                    == before.tokens().expect("t").access_token.as_compact_str(),
                "{name}: the still-valid token is served"
            );
            t.kept += 1;
        }
    }
}

async fn identity_faults(t: &mut Tally) {
    for op in ["GetId", "GetCredentialsForIdentity"] {
        for (name, fault, _) in faults() {
            let bed = bed().await;
            let (p, storage, _c) = plugin(&bed);
            p.sign_in("alice", PASSWORD, SignInOptions::default())
                .await
                .expect("sign in");
            let stored = storage.keys();
            bed.emu().inject_fault(op, fault, 1);
            t.tried += 1;
            let p2 = p.clone();
            let c = guarded(t, async move {
                p2.fetch_cognito_session(FetchAuthSessionOptions::default())
                    .await
            })
            .await
            .expect("no panic and no hang");
            assert!(
                c.user_pool_tokens_result.is_ok(),
                "{op}/{name}: tokens unaffected"
            );
            assert!(p.is_signed_in_cached(), "{op}/{name}: session kept");
            let user_keys: Vec<_> = storage
                .keys()
                .into_iter()
                .filter(|k| k.contains("Token"))
                .collect();
            assert_eq!(
                user_keys,
                stored
                    .iter()
                    .filter(|k| k.contains("Token"))
                    .cloned()
                    .collect::<Vec<_>>()
            );
            t.kept += 1;
            match &c.aws_credentials_result {
                Err(e) => {
                    assert!(
                        !matches!(e, AuthError::SessionExpired { .. }),
                        "{op}/{name}: {e:?}"
                    );
                    t.typed_errors += 1;
                }
                // A rejected id (NotAuthorized on GetCredentialsForIdentity)
                // is dropped and fetched again once within the same call.
                Ok(_) => assert!(
                    op == "GetCredentialsForIdentity" && name == "NotAuthorizedException",
                    "{op}/{name} cannot succeed"
                ),
            }
            let again = p
                .fetch_cognito_session(FetchAuthSessionOptions::default())
                .await;
            again
                .aws_credentials_result
                .unwrap_or_else(|e| panic!("{op}/{name}: recovery: {e:?}"));
            t.recovered += 1;
        }
    }
}

async fn global_sign_out_faults(t: &mut Tally) {
    for (name, fault, _) in faults() {
        let bed = bed().await;
        let (p, storage, _c) = plugin(&bed);
        p.sign_in("alice", PASSWORD, SignInOptions::default())
            .await
            .expect("sign in");
        bed.emu().inject_fault("GlobalSignOut", fault, 1);
        t.tried += 1;
        let p2 = p.clone();
        let r = guarded(
            t,
            async move { p2.sign_out(SignOutOptions::global()).await },
        )
        .await
        .expect("no panic and no hang")
        .expect("local sign-out never fails on a remote fault");
        if name == "missing fields" {
            // GlobalSignOut's real answer is `{}`: indistinguishable.
            assert!(r.remote_signed_out, "{name}");
        } else {
            assert!(!r.remote_signed_out, "{name}");
            assert!(r.remote_error.is_some(), "{name}: reported");
            t.typed_errors += 1;
        }
        assert!(
            storage.keys().iter().all(|k| !k.contains("Token")),
            "{name}: cleared locally"
        );
        t.cleared += 1;
        // Recovery: sign in and out again.
        p.sign_in("alice", PASSWORD, SignInOptions::default())
            .await
            .expect("sign in");
        let ok = p
            .sign_out(SignOutOptions::global())
            .await
            .expect("sign out");
        assert!(ok.remote_signed_out, "{name}: recovered");
        t.recovered += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault_follows_the_policy() {
    let mut rows = Vec::new();
    for (op, f) in [
        ("sign-in", 0),
        ("refresh", 1),
        ("GetId + GetCredentialsForIdentity", 2),
        ("GlobalSignOut", 3),
    ] {
        let mut t = Tally::default();
        match f {
            0 => sign_in_faults(&mut t).await,
            1 => refresh_faults(&mut t).await,
            2 => identity_faults(&mut t).await,
            _ => global_sign_out_faults(&mut t).await,
        }
        assert_eq!(t.panics, 0, "{op}: panics");
        assert_eq!(t.hangs, 0, "{op}: hangs");
        rows.push((op, t));
    }
    let mut table = String::from(
        "| operation | faults tried | sessions kept | sessions correctly cleared | typed errors | recovered next call | panics | hangs |\n|---|---|---|---|---|---|---|---|\n",
    );
    let mut total = Tally::default();
    for (op, t) in &rows {
        writeln!(
            table,
            "| {op} | {} | {} | {} | {} | {} | {} | {} |",
            t.tried, t.kept, t.cleared, t.typed_errors, t.recovered, t.panics, t.hangs
        )
        .expect("write");
        total.tried += t.tried;
        total.kept += t.kept;
        total.cleared += t.cleared;
        total.typed_errors += t.typed_errors;
        total.recovered += t.recovered;
    }
    writeln!(
        table,
        "| **total** | {} | {} | {} | {} | {} | 0 | 0 |",
        total.tried, total.kept, total.cleared, total.typed_errors, total.recovered
    )
    .expect("write");
    println!("\n{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/reliability");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("faults.md"), &table);
    }
    assert!(total.tried >= 40);
}
