//! The benchmark report: every row of `BENCHMARKS.md`, measured in one
//! process and printed as `BENCH {json}` lines for `cargo xtask bench`.
//!
//! Run it through `cargo xtask bench [--quick | --smoke]`, which starts one
//! cognito-emulator for this binary and for the peers (Amplify JS,
//! pycognito), or on its own:
//!
//! ```text
//! cargo bench -p auth-cognito --bench report -- [--quick | --test]
//! ```
//!
//! On its own it starts an in-process emulator. With
//! `AMPLIFY_AUTH_BENCH_OUTPUTS=<amplify_outputs.json>`,
//! `AMPLIFY_AUTH_BENCH_USERNAME` and `AMPLIFY_AUTH_PASSWORD` it uses that
//! (external) emulator instead, and reads its counters over HTTP.
//!
//! `--callgrind N` signs in, then calls the cached `fetch_auth_session` N
//! times inside `callgrind_hot_loop`, for
//! `valgrind --tool=callgrind --toggle-collect='*callgrind_hot_loop*'`.
//!
//! The hot-path rows poll the future once with a no-op waker: on valid
//! cached tokens and credentials the call never waits, so this measures the
//! library, not an executor. A call that does wait falls back to the Tokio
//! runtime and is counted in the row's `pending` field.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub,
    clippy::cast_precision_loss
)]

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth_cognito::srp::{self, PasswordVerifierChallenge, SrpClient, SrpServer};
use auth_cognito::{CognitoAuthPlugin, SignInOptions};
use auth_core::prelude::*;
use auth_storage::{FileStorage, MemoryStorage};
use serde_json::{Value, json};

#[path = "report/bed.rs"]
mod bed;
#[path = "report/callgrind.rs"]
mod callgrind;
#[path = "report/concurrent.rs"]
mod concurrent;

use bed::Bed;

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A few iterations of everything: proves it builds and runs.
    Smoke,
    /// Under 3 minutes for the whole `cargo xtask bench --quick`.
    Quick,
    /// The default.
    Full,
}

impl Mode {
    fn pick(self, smoke: usize, quick: usize, full: usize) -> usize {
        match self {
            Mode::Smoke => smoke,
            Mode::Quick => quick,
            Mode::Full => full,
        }
    }
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>, op: &str) -> u64 {
    after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0)
}

fn emit(row: &str, value: f64, unit: &str, extra: Value) {
    let line = json!({ "impl": "rust", "row": row, "value": value, "unit": unit, "extra": extra });
    println!("BENCH {line}");
}

/// Polls `fut` once with a no-op waker; if it waits, finishes it on `rt`.
pub(crate) fn run_now<F: Future>(
    rt: &tokio::runtime::Handle,
    pending: &AtomicU64,
    fut: F,
) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => {
            pending.fetch_add(1, Ordering::Relaxed);
            tokio::task::block_in_place(|| rt.block_on(fut))
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        return f64::NAN;
    }
    xs[xs.len() / 2]
}

fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

/// Median ns per call of `f`, over `samples` batches of `batch` calls.
fn per_call_ns(samples: usize, batch: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..batch {
        f();
    }
    let mut xs = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        xs.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    let p10 = percentile(&xs, 0.1);
    let p90 = percentile(&xs, 0.9);
    (median(xs), p10, p90)
}

fn hot_path(rt: &tokio::runtime::Handle, mode: Mode, plugin: &CognitoAuthPlugin) {
    let pending = AtomicU64::new(0);
    let samples = mode.pick(3, 200, 1000);
    let batch = mode.pick(10, 1000, 1000);

    let (med, p10, p90) = per_call_ns(samples, batch, || {
        let s = run_now(
            rt,
            &pending,
            plugin.fetch_auth_session(FetchAuthSessionOptions::default()),
        );
        black_box(s.expect("fetch_auth_session"));
    });
    emit(
        "fetch_auth_session_cached",
        med,
        "ns",
        json!({ "p10": p10, "p90": p90, "pending": pending.swap(0, Ordering::Relaxed), "calls": samples * batch }),
    );

    let (med, p10, p90) = per_call_ns(samples, batch, || {
        let u = run_now(rt, &pending, plugin.get_current_user());
        black_box(u.expect("get_current_user"));
    });
    emit(
        "get_current_user",
        med,
        "ns",
        json!({ "p10": p10, "p90": p90, "pending": pending.swap(0, Ordering::Relaxed), "calls": samples * batch }),
    );

    // Throughput with 1 and 2 threads over the same fixed time.
    let secs = match mode {
        Mode::Smoke => 0.05,
        Mode::Quick => 1.0,
        Mode::Full => 3.0,
    };
    let rates: Vec<f64> = [1usize, 2]
        .iter()
        .map(|&threads| {
            let total = AtomicU64::new(0);
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        let _guard = rt.enter();
                        let deadline = Instant::now() + Duration::from_secs_f64(secs);
                        let mut n = 0u64;
                        while Instant::now() < deadline {
                            for _ in 0..256 {
                                let r = run_now(
                                    rt,
                                    &pending,
                                    plugin.fetch_auth_session(FetchAuthSessionOptions::default()),
                                );
                                black_box(r.expect("fetch"));
                            }
                            n += 256;
                        }
                        total.fetch_add(n, Ordering::Relaxed);
                    });
                }
            });
            total.load(Ordering::Relaxed) as f64 / secs
        })
        .collect();
    emit(
        "hot_path_2_threads",
        rates[1] / rates[0],
        "x",
        json!({ "one_thread_per_s": rates[0], "two_threads_per_s": rates[1], "secs": secs }),
    );
}

/// The client's SRP maths for one sign-in, with fixed server inputs: a fresh
/// `a` and `A = g^a`, then `x`, `S`, HKDF and the signature.
fn srp_maths(mode: Mode) {
    let salt = "9f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let verifier = srp::compute_verifier("AbCdEfGhI", "alice", "Passw0rd!", salt).unwrap();
    let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
    let b_hex = server.b_public_hex();
    let challenge = PasswordVerifierChallenge::new("AbCdEfGhI", "alice")
        .with_salt_hex(salt)
        .with_srp_b_hex(&b_hex)
        .with_secret_block_b64("c2VjcmV0IGJsb2Nr");
    let ts = srp::format_timestamp(1_762_247_103);
    let n = mode.pick(3, 30, 200);
    let mut rng = rand::rng();
    let mut whole = Vec::with_capacity(n);
    let mut a_only = Vec::with_capacity(n);
    for _ in 0..n + 2 {
        let t = Instant::now();
        let client = SrpClient::new(&mut rng);
        let ta = t.elapsed();
        let claim = client
            .password_verifier(&challenge, "Passw0rd!", &ts)
            .unwrap();
        black_box(claim);
        whole.push(t.elapsed().as_secs_f64() * 1e3);
        a_only.push(ta.as_secs_f64() * 1e3);
    }
    let a_med = median(a_only);
    let med = median(whole);
    emit(
        "srp_maths",
        med,
        "ms",
        json!({ "a_ms": a_med, "after_password_ms": med - a_med, "runs": n }),
    );
}

/// This process's CPU time so far (user + system, `/proc/self/stat`), in
/// ms; 10 ms ticks, so only a difference over many operations means much.
fn process_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    ticks as f64 * 10.0
}

async fn full_sign_in(bed: &Bed, mode: Mode) {
    let n = mode.pick(2, 20, 100);
    let mut xs = Vec::with_capacity(n);
    let before = bed.counters().await;
    let cpu_before = process_cpu_ms();
    for _ in 0..n + 1 {
        let plugin = bed.plugin(Arc::new(MemoryStorage::new()));
        let t = Instant::now();
        plugin
            .sign_in(&bed.username, &bed.password, SignInOptions::default())
            .await
            .expect("sign in");
        xs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let cpu_ms = (process_cpu_ms() - cpu_before) / (n + 1) as f64;
    xs.remove(0);
    let after = bed.counters().await;
    emit(
        "srp_sign_in_full",
        median(xs.clone()),
        "ms",
        json!({
            "p90_ms": percentile(&xs, 0.9),
            // CPU per sign-in of this process (with an in-process emulator, its too).
            "client_cpu_ms": cpu_ms,
            "in_process_emulator": bed.emu.is_some(),
            "runs": n,
            "initiate_auth_calls": delta(&before, &after, "InitiateAuth"),
            "respond_calls": delta(&before, &after, "RespondToAuthChallenge"),
        }),
    );
}

fn system_millis() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(0)
}

/// Opens a `FileStorage` holding a signed-in session, builds a plugin and
/// serves the first `fetch_auth_session`.
async fn restore_from_file(bed: &Bed, mode: Mode) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.json");
    {
        let storage = FileStorage::open(&path).expect("file storage");
        let plugin = bed.signed_in(Arc::new(storage)).await;
        plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("fetch");
    }
    let n = mode.pick(2, 50, 300);
    let mut total = Vec::with_capacity(n);
    let mut user_only = Vec::with_capacity(n);
    let mut build_only = Vec::with_capacity(n);
    let before = bed.counters().await;
    for _ in 0..n {
        let t = Instant::now();
        let storage = FileStorage::open(&path).expect("file storage");
        let plugin = bed.plugin(Arc::new(storage));
        let s = plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("restored fetch");
        total.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(s.is_signed_in(), "restored session is signed in");
        // The user-pool half alone (no identity-pool round trip), and the
        // plugin's construction alone.
        let t = Instant::now();
        let storage = FileStorage::open(&path).expect("file storage");
        let plugin = bed.plugin(Arc::new(storage));
        build_only.push(t.elapsed().as_secs_f64() * 1e3);
        black_box(plugin.get_current_user().await.expect("user"));
        user_only.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let after = bed.counters().await;
    emit(
        "restore_file_storage",
        median(total),
        "ms",
        json!({
            "runs": n,
            "tokens_only_ms": median(user_only),
            "build_plugin_ms": median(build_only),
            "credential_calls_per_restore": delta(&before, &after, "GetCredentialsForIdentity") as f64 / n as f64,
        }),
    );
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// RSS growth per signed-in session, with N plugins each restored from a copy
/// of one real session and fetched once.
async fn memory_per_session(bed: &Bed, mode: Mode) {
    // Each session keeps an idle connection to the identity endpoint; an
    // in-process emulator holds the other end too, so it halves what the
    // open-file limit allows.
    let full = if bed.emu.is_some() { 4_000 } else { 10_000 };
    let sessions = std::env::var("AMPLIFY_AUTH_BENCH_SESSIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| mode.pick(50, full, full));
    let seed = MemoryStorage::new();
    {
        let plugin = bed.signed_in(Arc::new(seed.clone())).await;
        plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("fetch");
    }
    let mut entries = Vec::new();
    for key in seed.keys() {
        if let Some(v) = seed.get(&key).await.expect("get") {
            entries.push((key, v));
        }
    }
    let stored_bytes: usize = entries.iter().map(|(k, v)| k.len() + v.len()).sum();
    let config = bed.config();
    let before = rss_bytes();
    let mut held = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        let storage = MemoryStorage::new();
        for (k, v) in &entries {
            storage.set(k, v).await.expect("set");
        }
        let plugin = CognitoAuthPlugin::builder(config.clone())
            .storage(Arc::new(storage))
            .build()
            .expect("plugin");
        let s = plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("fetch");
        assert!(s.is_signed_in());
        held.push(plugin);
    }
    let after = rss_bytes();
    let per = (after.saturating_sub(before)) as f64 / sessions as f64;
    emit(
        "memory_per_session",
        per / 1024.0,
        "KiB",
        json!({ "sessions": sessions, "rss_delta_bytes": after.saturating_sub(before), "stored_bytes_per_session": stored_bytes }),
    );
    drop(held);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = if args.iter().any(|a| a == "--test" || a == "--smoke") {
        Mode::Smoke
    } else if args.iter().any(|a| a == "--quick") {
        Mode::Quick
    } else {
        Mode::Full
    };
    let callgrind: Option<u64> = args
        .iter()
        .position(|a| a == "--callgrind")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());
    let only: Option<String> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let wants = |name: &str| {
        only.as_deref()
            .is_none_or(|o| name.contains(o) || o.contains(name))
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let handle = rt.handle().clone();
    let _guard = rt.enter();
    let bed = rt.block_on(Bed::start());

    if let Some(n) = callgrind {
        let what = args
            .iter()
            .position(|a| a == "--callgrind-what")
            .and_then(|i| args.get(i + 1))
            .map_or("fetch", String::as_str);
        callgrind::callgrind_loop(&rt, &bed, what, n);
        return;
    }

    // First, so that memory freed by the other rows does not hide growth.
    if wants("memory") {
        rt.block_on(memory_per_session(&bed, mode));
    }
    if wants("hot_path") {
        let plugin = rt.block_on(bed.signed_in(Arc::new(MemoryStorage::new())));
        rt.block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::default()))
            .expect("warm fetch");
        hot_path(&handle, mode, &plugin);
    }
    if wants("srp_maths") {
        srp_maths(mode);
    }
    if wants("srp_sign_in_full") {
        rt.block_on(full_sign_in(&bed, mode));
    }
    if wants("concurrent") {
        rt.block_on(concurrent::concurrent_expired(&bed, mode));
    }
    if wants("restore") {
        rt.block_on(restore_from_file(&bed, mode));
    }
}
