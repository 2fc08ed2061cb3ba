//! The BFF rows of `BENCHMARKS.md`, printed as `BENCH {json}` lines for
//! `cargo xtask bench`:
//!
//! - `bff_me_cached` and `bff_me_redis`: `GET /me` with a warm session on
//!   one process of `examples/axum_bff` (sessions in a real redis-server),
//!   requests per second and p50/p99 latency from 8 concurrent keep-alive
//!   clients. *Cached*: the instance trusts its cached session
//!   (`--revalidate-ms 3600000`); *Redis*: it re-reads the session record on
//!   every request (`--revalidate-ms 0`, the default, so a sign-out on another
//!   instance is seen at once). Extra `redis_commands_per_request`: Redis's
//!   own command count over the run ÷ requests.
//! - `bff_memory_per_session`: N distinct sessions signed in through the
//!   hosted UI and each loaded by one `GET /me`, in one instance that caches
//!   them all; the RSS growth of that process ÷ N (as the library's memory
//!   row measures). N is 10,000 with `--full`.
//!
//! The emulator (the hosted UI, the token endpoint) runs in this process,
//! the instance in its own, so the emulator's memory is not counted. The
//! instance is the example executable cargo built beside this bench
//! (`target/<profile>/examples/axum_bff`; `cargo xtask bench` builds it).
//! `--test` runs a few iterations (CI's `bench --smoke`), `--quick` fewer
//! than the default `--full`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    dead_code,
    unreachable_pub
)]

#[path = "../tests/bff_e2e/harness/browser.rs"]
mod browser;
#[path = "../tests/bff_e2e/harness/instance.rs"]
mod instance;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth_storage_redis::testing::RedisServer;
use browser::Browser;
use cognito_emulator::{ClientOptions, DemoSetup, Emulator, HostedUiClient};
use instance::Instance;
use serde_json::{Value, json};

const USERNAME: &str = "bench";
const PASSWORD: &str = "Bench-Passw0rd-42";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Smoke,
    Quick,
    Full,
}

impl Mode {
    fn from_args() -> Self {
        let args: Vec<String> = std::env::args().collect();
        if args.iter().any(|a| a == "--test") {
            Mode::Smoke
        } else if args.iter().any(|a| a == "--quick") {
            Mode::Quick
        } else {
            Mode::Full
        }
    }

    fn pick<T>(self, smoke: T, quick: T, full: T) -> T {
        match self {
            Mode::Smoke => smoke,
            Mode::Quick => quick,
            Mode::Full => full,
        }
    }
}

fn emit(row: &str, value: f64, unit: &str, extra: Value) {
    let line = json!({ "impl": "rust", "row": row, "value": value, "unit": unit, "extra": extra });
    println!("BENCH {line}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The emulator's pool, hosted-UI client and user, for instances on `ports`.
struct Setup {
    emu: Emulator,
    outputs: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn setup(ports: &[u16]) -> Setup {
    let emu = Emulator::start().await.expect("emulator");
    let pool = emu.create_user_pool("bff-bench").expect("pool");
    emu.create_user_pool_domain(&pool, "bff-bench")
        .expect("domain");
    let bases: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let callbacks: Vec<String> = bases.iter().map(|b| format!("{b}/auth/callback")).collect();
    let sign_outs: Vec<String> = bases.iter().map(|b| format!("{b}/")).collect();
    let client = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                oauth: Some(HostedUiClient {
                    callback_urls: callbacks.clone(),
                    logout_urls: sign_outs.clone(),
                    ..HostedUiClient::default()
                }),
                ..ClientOptions::default()
            },
        )
        .expect("client");
    emu.admin_create_user_with_attributes(
        &pool,
        USERNAME,
        PASSWORD,
        true,
        &[("email", "bench@example.com")],
    )
    .expect("user");
    let provider = emu.cognito_provider_name(&pool);
    let identity_pool = emu
        .create_identity_pool(true, &[(&provider, &client.id)], &[])
        .expect("identity pool");
    let setup = DemoSetup {
        endpoint: emu.endpoint(),
        region: emu.region(),
        user_pool_id: pool,
        client_id: client.id,
        identity_pool_id: identity_pool,
        username: USERNAME.to_owned(),
        oauth_domain: "bff-bench".to_owned(),
        redirect_sign_in_uri: callbacks[0].clone(),
        redirect_sign_out_uri: sign_outs[0].clone(),
        identity_provider: "Google".to_owned(),
        ..DemoSetup::default()
    };
    let mut v: Value = serde_json::from_str(&setup.amplify_outputs_json()).expect("outputs");
    v["auth"]["oauth"]["redirect_sign_in_uri"] = json!(callbacks);
    v["auth"]["oauth"]["redirect_sign_out_uri"] = json!(sign_outs);
    let dir = tempfile::tempdir().expect("temp dir");
    let outputs = dir.path().join("amplify_outputs.json");
    std::fs::write(&outputs, v.to_string()).expect("write outputs");
    Setup {
        emu,
        outputs,
        _dir: dir,
    }
}

/// A signed-in browser of `base`, checked with one `GET /me`.
async fn signed_in(base: &str) -> Browser {
    let browser = Browser::new();
    let callback = browser.sign_in(base, USERNAME, PASSWORD).await;
    assert!(
        (300..400).contains(&callback.status),
        "the callback answered {}: {}",
        callback.status,
        callback.body
    );
    let me = browser.get(&format!("{base}/me")).await;
    assert_eq!(me.status, 200, "{}", me.body);
    browser
}

/// Redis's `total_commands_processed`.
fn redis_commands(redis: &RedisServer) -> u64 {
    redis
        .cli(&["INFO", "stats"])
        .expect("INFO")
        .lines()
        .find_map(|l| l.trim().strip_prefix("total_commands_processed:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("total_commands_processed")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `GET /me` with a warm session from `concurrency` keep-alive clients for
/// `secs` seconds, on an instance started with `revalidate_ms`.
async fn me_row(
    row: &str,
    setup: &Setup,
    redis: &RedisServer,
    port: u16,
    revalidate_ms: &str,
    secs: f64,
) {
    let instance = tokio::task::block_in_place(|| {
        Instance::start_with(
            "bench",
            port,
            &setup.outputs,
            &redis.url(""),
            &["--revalidate-ms", revalidate_ms],
            "warn",
        )
    });
    let browser = signed_in(&instance.base).await;
    let cookie: String = browser
        .cookies()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let url = format!("{}/me", instance.base);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    // Warm: connections open, the session cached.
    for _ in 0..20 {
        let r = http
            .get(&url)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.bytes().await.unwrap();
    }
    let concurrency = 8;
    let failures = Arc::new(AtomicU64::new(0));
    let commands_before = redis_commands(redis);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(secs);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, url, cookie, failures) = (
            http.clone(),
            url.clone(),
            cookie.clone(),
            Arc::clone(&failures),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http.get(&url).header("cookie", &cookie).send().await;
                match r {
                    Ok(r) if r.status().as_u16() == 200 => {
                        r.bytes().await.unwrap();
                    }
                    _ => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let commands = redis_commands(redis) - commands_before;
    let failed = failures.load(Ordering::Relaxed);
    assert_eq!(failed, 0, "{row}: {failed} requests did not answer 200");
    latencies.sort_by(f64::total_cmp);
    let n = latencies.len();
    emit(
        row,
        n as f64 / elapsed,
        "req/s",
        json!({
            "requests": n,
            "concurrency": concurrency,
            "seconds": elapsed,
            "p50_ms": percentile(&latencies, 0.5),
            "p99_ms": percentile(&latencies, 0.99),
            // INFO itself is one command.
            "redis_commands_per_request": commands.saturating_sub(1) as f64 / n as f64,
            "revalidate_ms": revalidate_ms.parse::<u64>().unwrap_or(0),
        }),
    );
    drop(instance);
}

/// N distinct sessions in one instance: its RSS growth ÷ N.
async fn memory_row(setup: &Setup, redis: &RedisServer, port: u16, sessions: usize) {
    let cap = (sessions + 100).to_string();
    let instance = tokio::task::block_in_place(|| {
        Instance::start_with(
            "bench",
            port,
            &setup.outputs,
            &redis.url(""),
            &["--revalidate-ms", "3600000", "--max-cached-sessions", &cap],
            "warn",
        )
    });
    let base = instance.base.clone();
    // One session first, so that what every process allocates once (the
    // HTTP clients, the JWKS, the Redis connection) is not counted.
    let _first = signed_in(&base).await;
    let before = instance.rss_bytes();
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (base, next) = (base.clone(), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            while (next.fetch_add(1, Ordering::Relaxed) as usize) < sessions {
                // Each browser is dropped after its /me: the instance keeps
                // the session, this process keeps nothing.
                drop(signed_in(&base).await);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let sign_in_secs = started.elapsed().as_secs_f64();
    let after = instance.rss_bytes();
    let per = after.saturating_sub(before) as f64 / sessions as f64;
    emit(
        "bff_memory_per_session",
        per / 1024.0,
        "KiB",
        json!({
            "sessions": sessions,
            "rss_before_bytes": before,
            "rss_delta_bytes": after.saturating_sub(before),
            "sign_ins_per_s": sessions as f64 / sign_in_secs,
        }),
    );
    drop(instance);
    let _ = setup.emu.count("oauth2/token");
}

fn main() {
    let mode = Mode::from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let redis = RedisServer::start()
        .expect("redis-server")
        .expect("the BFF rows need redis-server (cargo xtask bench installs it)");
    let ports = [free_port(), free_port(), free_port()];
    rt.block_on(async {
        let setup = setup(&ports).await;
        let secs = mode.pick(0.5, 3.0, 10.0);
        me_row("bff_me_cached", &setup, &redis, ports[0], "3600000", secs).await;
        me_row("bff_me_redis", &setup, &redis, ports[1], "0", secs).await;
        let sessions = std::env::var("AMPLIFY_AUTH_BENCH_BFF_SESSIONS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| mode.pick(50, 2_000, 10_000));
        memory_row(&setup, &redis, ports[2], sessions).await;
    });
}
