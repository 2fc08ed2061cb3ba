//! The storage rows of `BENCHMARKS.md`, side by side, as `BENCH {json}`
//! lines for `cargo xtask bench` (xtask/src/bench/storage.rs runs it):
//!
//! - `storage_restore`: a new plugin on a stored session, then its first
//!   `fetch_auth_session` (and, alone, `get_current_user`: the tokens only),
//!   from `FileStorage` and from Redis (a new session handle on a connected
//!   store, as a service does per user, and a whole new connection, as a
//!   CLI process does);
//! - `storage_forced_refresh`: `fetch_user_pool_tokens(force_refresh)` on
//!   Redis under its lease, on Redis without any lock, and on `FileStorage`
//!   under its lock file;
//! - `storage_redis_memory`: `MEMORY USAGE` of one stored session's hash,
//!   and `used_memory` growth per session over many stored sessions.
//!
//! Redis is a real `redis-server` on a free loopback port (started and
//! stopped by `auth_storage_redis::testing`, installed by xtask). The
//! emulator is the one xtask started (`AMPLIFY_AUTH_BENCH_OUTPUTS`,
//! `AMPLIFY_AUTH_BENCH_USERNAME`, `AMPLIFY_AUTH_PASSWORD`), else an
//! in-process one. `--test` runs a few iterations only; `--quick` fewer than
//! the default.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::time::Instant;

use amplify_auth::prelude::*;
use async_trait::async_trait;
use auth_storage_redis::testing::RedisServer;
use auth_storage_redis::{RedisStorage, RedisStore};
use cognito_emulator::Emulator;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Smoke,
    Quick,
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

struct Bed {
    outputs: String,
    username: String,
    password: String,
    _emu: Option<Emulator>,
}

impl Bed {
    async fn start() -> Bed {
        if let Ok(path) = std::env::var("AMPLIFY_AUTH_BENCH_OUTPUTS") {
            return Bed {
                outputs: std::fs::read_to_string(&path).expect("read AMPLIFY_AUTH_BENCH_OUTPUTS"),
                username: std::env::var("AMPLIFY_AUTH_BENCH_USERNAME").unwrap_or("demo".into()),
                password: std::env::var("AMPLIFY_AUTH_PASSWORD").expect("AMPLIFY_AUTH_PASSWORD"),
                _emu: None,
            };
        }
        let (emu, demo) = Emulator::start_demo().await.expect("emulator");
        Bed {
            outputs: demo.amplify_outputs_json(),
            username: demo.username.clone(),
            password: demo.password.clone(),
            _emu: Some(emu),
        }
    }

    fn plugin(&self, storage: Arc<dyn KeyValueStorage>) -> CognitoAuthPlugin {
        let config = CognitoConfig::from_amplify_outputs(&self.outputs).expect("config");
        CognitoAuthPlugin::builder(config)
            .storage(storage)
            .build()
            .expect("plugin")
    }

    async fn signed_in(&self, storage: Arc<dyn KeyValueStorage>) -> CognitoAuthPlugin {
        let plugin = self.plugin(storage);
        plugin
            .sign_in(&self.username, &self.password, SignInOptions::default())
            .await
            .expect("sign in");
        plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .expect("fetch");
        plugin
    }
}

/// The same Redis store without its lock: what the refresh costs when
/// nothing keeps other processes out.
#[derive(Debug)]
struct WithoutLock(RedisStorage);

#[async_trait]
impl KeyValueStorage for WithoutLock {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.0.get(key).await
    }
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        self.0.get_many(keys).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.0.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.0.remove(key).await
    }
    async fn clear(&self) -> Result<(), StorageError> {
        self.0.clear().await
    }
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.0.apply(changes).await
    }
}

fn emit(row: &str, value: f64, unit: &str, extra: Value) {
    let line = json!({ "impl": "rust", "row": row, "value": value, "unit": unit, "extra": extra });
    println!("BENCH {line}");
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        return f64::NAN;
    }
    xs[xs.len() / 2]
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// A new plugin on a stored session: its first `fetch_auth_session`, and
/// its first `get_current_user` alone.
async fn restore_once(bed: &Bed, storage: Arc<dyn KeyValueStorage>) -> (f64, f64) {
    let t = Instant::now();
    let plugin = bed.plugin(storage.clone());
    let s = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("restored fetch");
    let fetch = ms_since(t);
    assert!(s.is_signed_in(), "restored session is signed in");
    let t = Instant::now();
    let plugin = bed.plugin(storage);
    plugin.get_current_user().await.expect("restored user");
    (fetch, ms_since(t))
}

async fn restore(bed: &Bed, server: &RedisServer, mode: Mode) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.json");
    bed.signed_in(Arc::new(FileStorage::open(&path).expect("file")))
        .await;
    let url = server.url("");
    let store = RedisStore::builder(&url)
        .unwrap()
        .connect()
        .await
        .expect("redis");
    bed.signed_in(Arc::new(store.storage("bench:restore").unwrap()))
        .await;

    let n = mode.pick(2, 50, 300);
    let (mut file, mut file_user) = (Vec::new(), Vec::new());
    let (mut shared, mut shared_user) = (Vec::new(), Vec::new());
    let (mut fresh, mut fresh_user) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let (f, u) = restore_once(bed, Arc::new(FileStorage::open(&path).expect("file"))).await;
        file.push(f);
        file_user.push(u);
        let (f, u) = restore_once(bed, Arc::new(store.storage("bench:restore").unwrap())).await;
        shared.push(f);
        shared_user.push(u);
        // A new process: connects first.
        let t = Instant::now();
        let own = RedisStore::builder(&url).unwrap().connect().await.unwrap();
        let connect = ms_since(t);
        let (f, u) = restore_once(bed, Arc::new(own.storage("bench:restore").unwrap())).await;
        fresh.push(connect + f);
        fresh_user.push(connect + u);
    }
    emit(
        "storage_restore",
        median(shared.clone()),
        "ms",
        json!({
            "runs": n,
            "redis_ms": median(shared),
            "redis_new_connection_ms": median(fresh),
            "file_ms": median(file),
            "redis_tokens_only_ms": median(shared_user),
            "redis_new_connection_tokens_only_ms": median(fresh_user),
            "file_tokens_only_ms": median(file_user),
        }),
    );
}

async fn forced_refresh(bed: &Bed, server: &RedisServer, mode: Mode) {
    let store = RedisStore::builder(&server.url(""))
        .unwrap()
        .connect()
        .await
        .expect("redis");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = FileStorage::open(dir.path().join("session.json")).expect("file");
    let leased = bed
        .signed_in(Arc::new(store.storage("bench:leased").unwrap()))
        .await;
    let unlocked = bed
        .signed_in(Arc::new(WithoutLock(
            store.storage("bench:unlocked").unwrap(),
        )))
        .await;
    let file_locked = bed.signed_in(Arc::new(file)).await;
    let n = mode.pick(2, 50, 300);
    let (mut with_lease, mut without, mut with_file) = (Vec::new(), Vec::new(), Vec::new());
    let forced = FetchAuthSessionOptions::default().with_force_refresh(true);
    for _ in 0..n {
        for (plugin, times) in [
            (&leased, &mut with_lease),
            (&unlocked, &mut without),
            (&file_locked, &mut with_file),
        ] {
            let t = Instant::now();
            plugin
                .fetch_user_pool_tokens(forced)
                .await
                .expect("forced refresh");
            times.push(ms_since(t));
        }
    }
    let (lease, none) = (median(with_lease), median(without));
    emit(
        "storage_forced_refresh",
        lease,
        "ms",
        json!({
            "runs": n,
            "redis_lease_ms": lease,
            "redis_no_lock_ms": none,
            "file_lock_ms": median(with_file),
            "lock_overhead_ms": lease - none,
        }),
    );
}

fn redis_number(server: &RedisServer, args: &[&str]) -> f64 {
    server
        .cli(args)
        .expect("redis-cli")
        .trim()
        .parse()
        .expect("a number")
}

fn used_memory(server: &RedisServer) -> f64 {
    let info = server.cli(&["INFO", "memory"]).expect("INFO memory");
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .expect("used_memory")
        .trim()
        .parse()
        .expect("a number")
}

async fn memory(bed: &Bed, server: &RedisServer, mode: Mode) {
    let store = RedisStore::builder(&server.url(""))
        .unwrap()
        .connect()
        .await
        .expect("redis");
    let seed = store.storage("bench:memory-seed").unwrap();
    bed.signed_in(Arc::new(seed.clone())).await;
    let key = format!("{}:{{bench:memory-seed}}:session", store.key_prefix());
    let one = redis_number(server, &["MEMORY", "USAGE", &key, "SAMPLES", "0"]);
    let fields: Vec<String> = server
        .cli(&["HKEYS", &key])
        .expect("HKEYS")
        .lines()
        .map(str::to_owned)
        .collect();
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let values = seed.get_many(&names).await.expect("get_many");
    let changes: Vec<StorageChange> = names
        .iter()
        .zip(values)
        .filter_map(|(k, v)| Some(StorageChange::Set((*k).to_owned(), v?)))
        .collect();
    let stored_bytes: usize = changes
        .iter()
        .map(|c| match c.clone().into_key_value() {
            (k, Some(v)) => k.len() + v.len(),
            (k, None) => k.len(),
        })
        .sum();
    let sessions = mode.pick(20, 1_000, 10_000);
    let before = used_memory(server);
    for i in 0..sessions {
        let storage = store.storage(&format!("bench:memory-{i}")).unwrap();
        storage.apply(changes.clone()).await.expect("apply");
    }
    let per = (used_memory(server) - before) / sessions as f64;
    emit(
        "storage_redis_memory",
        one,
        "B",
        json!({
            "memory_usage_bytes": one,
            "used_memory_per_session_bytes": per,
            "sessions": sessions,
            "stored_bytes_per_session": stored_bytes,
            "fields": names.len(),
        }),
    );
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = RedisServer::start()
        .expect("redis-server")
        .expect("the storage benchmarks need redis-server (cargo xtask bench installs it)");
    rt.block_on(async {
        let bed = Bed::start().await;
        restore(&bed, &server, mode).await;
        forced_refresh(&bed, &server, mode).await;
        memory(&bed, &server, mode).await;
    });
}
