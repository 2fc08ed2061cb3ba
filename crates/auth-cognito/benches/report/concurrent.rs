//! The concurrent rows: 10,000 callers on expired tokens, and 10,000 forced
//! refreshes, counted in emulator calls and timed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_cognito::{CognitoAuthPlugin, SignInOptions};
use auth_core::clock::ManualClock;
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use serde_json::json;

use super::{Bed, Mode, delta, emit, median, system_millis};

/// Calls and time of one burst.
struct Burst {
    ok: usize,
    ms: f64,
    token_calls: u64,
    get_id_calls: u64,
    credential_calls: u64,
}

/// N concurrent callers on expired tokens and credentials (the clock moves
/// 2 h forward; several such bursts), then N forced callers: counts the
/// emulator calls and times each burst against one caller's refresh round
/// trip.
pub(crate) async fn concurrent_expired(bed: &Bed, mode: Mode) {
    let callers = std::env::var("AMPLIFY_AUTH_BENCH_CALLERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| mode.pick(100, 10_000, 10_000));
    let clock = ManualClock::at_millis(system_millis());
    let plugin = CognitoAuthPlugin::builder(bed.config())
        .storage(Arc::new(MemoryStorage::new()))
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("plugin");
    // 'static, so that futures borrowing it can be spawned (the bench's
    // one plugin lives as long as the process anyway).
    let plugin: &'static CognitoAuthPlugin = Box::leak(Box::new(plugin));
    plugin
        .sign_in(&bed.username, &bed.password, SignInOptions::default())
        .await
        .expect("sign in");
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("first fetch");

    // One caller alone: the refresh round trip (tokens + credentials).
    let mut one = Vec::new();
    for _ in 0..3 {
        clock.advance_secs(2 * 3600);
        let t = Instant::now();
        plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("one expired fetch");
        one.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let round_trip = median(one);

    // Several bursts, each on newly expired tokens and credentials: one
    // burst's time moves with whatever else the two vCPUs run, so the row
    // is their median, beside the worst; its calls are the most that any
    // burst made, and its `ok` the fewest successes.
    let runs = mode.pick(1, 5, 9);
    let mut bursts = Vec::with_capacity(runs);
    for _ in 0..runs {
        clock.advance_secs(2 * 3600);
        bursts.push(gated(bed, plugin, callers, false).await);
    }
    let times: Vec<f64> = bursts.iter().map(|b| b.ms).collect();
    let most = |calls: fn(&Burst) -> u64| bursts.iter().map(calls).max().unwrap_or(0);
    emit(
        "concurrent_expired_10k",
        median(times.clone()),
        "ms",
        json!({
            "callers": callers,
            "ok": bursts.iter().map(|b| b.ok).min().unwrap_or(0),
            "token_calls": most(|b| b.token_calls),
            "get_id_calls": most(|b| b.get_id_calls),
            "credential_calls": most(|b| b.credential_calls),
            "bursts": runs,
            "worst_ms": times.iter().copied().fold(0.0, f64::max),
            "one_caller_round_trip_ms": round_trip,
            "budget_ms": round_trip + 20.0,
        }),
    );

    // As the peer row: the calls made in one loop, then run.
    let forced = one_loop(bed, plugin, callers).await;
    // And tasks that each call only after a gate opens.
    let gated_forced = gated(bed, plugin, callers, true).await;
    emit(
        "concurrent_force_refresh_10k",
        forced.ms,
        "ms",
        json!({
            "callers": callers,
            "ok": forced.ok,
            "token_calls": forced.token_calls,
            "get_id_calls": forced.get_id_calls,
            "credential_calls": forced.credential_calls,
            "one_caller_round_trip_ms": round_trip,
            "gated_ok": gated_forced.ok,
            "gated_ms": gated_forced.ms,
            "gated_token_calls": gated_forced.token_calls,
            "gated_credential_calls": gated_forced.credential_calls,
        }),
    );
}

/// `callers` forced `fetch_auth_session` calls made in one synchronous loop
/// (as Amplify JS's peer makes them), then spawned onto the runtime's two
/// workers and awaited.
async fn one_loop(bed: &Bed, plugin: &'static CognitoAuthPlugin, callers: usize) -> Burst {
    let before = bed.counters().await;
    let t = Instant::now();
    let calls: Vec<_> = (0..callers)
        .map(|_| plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
        .collect();
    let tasks: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut ok = 0usize;
    for task in tasks {
        ok += usize::from(task.await.expect("join").is_ok());
    }
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let after = bed.counters().await;
    burst(ok, ms, &before, &after)
}

/// `callers` tasks that wait at a gate, so that all of them are in flight
/// together (spawning 10,000 tasks takes longer than a round trip), and
/// each call `fetch_auth_session` once the gate opens.
async fn gated(
    bed: &Bed,
    plugin: &'static CognitoAuthPlugin,
    callers: usize,
    force: bool,
) -> Burst {
    let (go, gate) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let mut gate = gate.clone();
            tokio::spawn(async move {
                let _ = gate.wait_for(|open| *open).await;
                let r = plugin
                    .fetch_auth_session(
                        FetchAuthSessionOptions::default().with_force_refresh(force),
                    )
                    .await;
                (r.is_ok(), Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = bed.counters().await;
    let t = Instant::now();
    let _ = go.send(true);
    let mut ok = 0usize;
    let mut last = t;
    for task in tasks {
        let (good, done) = task.await.expect("join");
        ok += usize::from(good);
        last = last.max(done);
    }
    let ms = (last - t).as_secs_f64() * 1e3;
    let after = bed.counters().await;
    burst(ok, ms, &before, &after)
}

fn burst(
    ok: usize,
    ms: f64,
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
) -> Burst {
    Burst {
        ok,
        ms,
        token_calls: delta(before, after, "GetTokensFromRefreshToken")
            + delta(before, after, "InitiateAuth"),
        get_id_calls: delta(before, after, "GetId"),
        credential_calls: delta(before, after, "GetCredentialsForIdentity"),
    }
}
