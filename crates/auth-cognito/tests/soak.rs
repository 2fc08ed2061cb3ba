//! Soak: 64 concurrent tasks against the emulator with short token and
//! credential lifetimes and random injected faults, for a bounded time.
//!
//! The test is ignored by the test suites, so that it runs once, alone:
//! `cargo xtask soak --secs N` runs it for N seconds (`cargo xtask ci`: 20).
//! `SOAK_SECS` sets the duration (5 s when unset, as when run by hand with
//! `cargo test -p auth-cognito --test soak -- --ignored`). It reports calls,
//! refreshes, faults, sessions lost (must be 0: every fault injected is
//! transient), peak RSS and the RSS trend, and writes them to
//! `target/reliability/soak.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth_cognito::{CognitoAuthPlugin, SignInOptions, Tuning};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use cognito_emulator::Fault;
use support::{Bed, BedOptions, PASSWORD};

const TASKS: usize = 64;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A small deterministic PRNG, so that a failing run can be replayed.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the soak runs once, alone: cargo xtask soak (cargo xtask ci runs it)"]
async fn soak_with_short_lifetimes_and_random_transient_faults() {
    let secs: u64 = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let bed = Bed::emulator(BedOptions {
        identity_pool: Some(true),
        access_ttl_secs: Some(2),
        credentials_ttl_secs: Some(303),
        ..BedOptions::default()
    })
    .await;
    let tuning = Tuning::default()
        .with_token_expiry_margin(Duration::from_millis(500))
        .with_request_timeout(Duration::from_millis(600))
        .with_connect_timeout(Duration::from_millis(600))
        .with_retry_backoff(Duration::from_millis(50))
        .with_max_retry_backoff(Duration::from_millis(400));
    // 8 users, 8 tasks each on a shared plugin per user.
    let mut plugins = Vec::new();
    for i in 0..8 {
        let name = format!("soak{i}");
        bed.create_user(&name, PASSWORD).await;
        let p = CognitoAuthPlugin::builder(bed.config_with(tuning.clone()))
            .storage(Arc::new(MemoryStorage::new()))
            .build()
            .expect("plugin");
        p.sign_in(&name, PASSWORD, SignInOptions::default())
            .await
            .expect("sign in");
        plugins.push(p);
    }
    let calls = Arc::new(AtomicU64::new(0));
    let transient_errors = Arc::new(AtomicU64::new(0));
    let lost = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let p = plugins[t % plugins.len()].clone();
        let (calls, transient_errors, lost) =
            (calls.clone(), transient_errors.clone(), lost.clone());
        handles.push(tokio::spawn(async move {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
            while Instant::now() < deadline {
                let force = rng.next().is_multiple_of(1000);
                let r = if rng.next().is_multiple_of(3) {
                    p.get_current_user().await.map(|_| ())
                } else {
                    p.fetch_auth_session(
                        FetchAuthSessionOptions::default().with_force_refresh(force),
                    )
                    .await
                    .map(|_| ())
                };
                calls.fetch_add(1, Ordering::Relaxed);
                match r {
                    Ok(()) => {}
                    Err(e) if e.is_transient() => {
                        transient_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => panic!("task {t}: non-transient error under transient faults: {e:?}"),
                }
                if !p.is_signed_in_cached() {
                    lost.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(rng.next() % 5)).await;
            }
        }));
    }
    // The fault injector and the RSS sampler.
    let mut rng = XorShift(42);
    let kinds = [
        "GetTokensFromRefreshToken",
        "GetCredentialsForIdentity",
        "GetId",
    ];
    let mut faults = 0u64;
    let mut samples = Vec::new();
    let start_rss = rss_kib();
    while Instant::now() < deadline {
        let op = kinds[(rng.next() % 3) as usize];
        let fault = match rng.next() % 5 {
            0 => Fault::Status {
                status: 500,
                type_: "InternalErrorException".into(),
                message: "soak".into(),
            },
            1 => Fault::Status {
                status: 400,
                type_: "TooManyRequestsException".into(),
                message: "soak".into(),
            },
            2 => Fault::Drop,
            3 => Fault::MalformedBody,
            _ => Fault::Latency(Duration::from_millis(800)),
        };
        bed.emu().inject_fault(op, fault, 1);
        faults += 1;
        samples.push(rss_kib());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for h in handles {
        h.await.expect("no task panicked");
    }
    let refreshes = bed.emu().count("GetTokensFromRefreshToken");
    let creds = bed.emu().count("GetCredentialsForIdentity");
    let half = samples.len() / 2;
    let avg = |s: &[u64]| {
        if s.is_empty() {
            0
        } else {
            s.iter().sum::<u64>() / s.len() as u64
        }
    };
    let (first, second) = (avg(&samples[..half]), avg(&samples[half..]));
    let report = format!(
        "| duration | tasks | calls | token refreshes | credential fetches | faults injected | transient errors seen | sessions lost | RSS start | RSS 1st half avg | RSS 2nd half avg | peak RSS |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n\
         | {secs} s | {TASKS} | {} | {refreshes} | {creds} | {faults} | {} | {} | {start_rss} KiB | {first} KiB | {second} KiB | {} KiB |\n",
        calls.load(Ordering::Relaxed),
        transient_errors.load(Ordering::Relaxed),
        lost.load(Ordering::Relaxed),
        peak_rss_kib(),
    );
    println!("\n{report}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/reliability");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("soak.md"), &report);
    }
    assert_eq!(
        lost.load(Ordering::Relaxed),
        0,
        "no session is lost to transient faults"
    );
    assert!(
        refreshes >= secs / 2,
        "short lifetimes forced refreshes ({refreshes})"
    );
    assert!(calls.load(Ordering::Relaxed) > 100);
    // Memory stays flat: the second half grows by less than 16 MiB over the first.
    assert!(
        second < first + 16 * 1024,
        "RSS grew from {first} to {second} KiB"
    );
}
