//! Crash safety of `FileStorage`: a writer killed with SIGKILL at a random
//! moment leaves the old session or the new one, never a torn file; and two
//! processes refreshing one session under `lock()` end with one consistent
//! session.
//!
//! The test binary spawns copies of itself; in a copy, the `child_*` tests
//! find their instructions in the environment and do the work. In a normal
//! test run they find none and return at once.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use auth_storage::{FileStorage, KeyValueStorage, StorageChange};

const MODE_ENV: &str = "AUTH_STORAGE_CRASH_MODE";
const PATH_ENV: &str = "AUTH_STORAGE_CRASH_PATH";
const READY_ENV: &str = "AUTH_STORAGE_CRASH_READY";
const ID_ENV: &str = "AUTH_STORAGE_CRASH_ID";

/// Kill iterations, and the time they may take together.
const KILL_ITERATIONS: usize = 250;
const MIN_KILL_ITERATIONS: usize = 200;
const KILL_BUDGET: Duration = Duration::from_secs(50);
/// The longest random delay between "the writer is ready" and SIGKILL.
const MAX_KILL_DELAY_MICROS: u64 = 20_000;

const REFRESHERS: usize = 2;
const REFRESHES_EACH: u64 = 50;
const REFRESH_DEADLINE: Duration = Duration::from_secs(50);

const PREFIX: &str = "CognitoIdentityServiceProvider.client123.alice";

/// Session A: five keys, the three tokens about 8 KB each.
fn state_a() -> BTreeMap<String, String> {
    session("A", &["signInDetails"])
}

/// Session B: a different key set (`signInDetails` removed, `deviceKey`
/// added) and different values.
fn state_b() -> BTreeMap<String, String> {
    session("B", &["deviceKey"])
}

fn session(tag: &str, extra: &[&str]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (field, len) in [
        ("accessToken", 8 * 1024),
        ("idToken", 8 * 1024),
        ("refreshToken", 8 * 1024),
        ("clockDrift", 0),
    ]
    .iter()
    .map(|(f, l)| (*f, *l))
    .chain(extra.iter().map(|f| (*f, 64)))
    {
        m.insert(format!("{PREFIX}.{field}"), value(tag, field, len));
    }
    m.insert(
        "CognitoIdentityServiceProvider.client123.LastAuthUser".to_owned(),
        format!("alice-{tag}"),
    );
    m
}

/// A deterministic JWT-looking value: `<tag>.<field>.` then base64url-ish
/// filler to `len` bytes, then `.<tag>` (so truncation shows).
fn value(tag: &str, field: &str, len: usize) -> String {
    let mut s = format!("eyJ{tag}.{field}.");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x: u32 = (field.len() as u32).wrapping_mul(2_654_435_761) | 1;
    while s.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s.push(alphabet[(x % 64) as usize] as char);
    }
    s.push('.');
    s.push_str(tag);
    s
}

/// The batch that turns the store into `to`, whatever it held before.
fn batch_to(to: &BTreeMap<String, String>, other: &BTreeMap<String, String>) -> Vec<StorageChange> {
    let mut changes: Vec<StorageChange> = to
        .iter()
        .map(|(k, v)| StorageChange::Set(k.clone(), v.clone()))
        .collect();
    for k in other.keys().filter(|k| !to.contains_key(*k)) {
        changes.push(StorageChange::Remove(k.clone()));
    }
    changes
}

/// The child side of the kill test: announce readiness, then write A, B,
/// A, B, ... until killed (or a bound is reached, so an orphan ends).
#[tokio::test]
async fn child_alternating_writer() {
    if std::env::var(MODE_ENV).as_deref() != Ok("writer") {
        return;
    }
    let path = std::env::var(PATH_ENV).unwrap();
    let ready = std::env::var(READY_ENV).unwrap();
    let store = FileStorage::open(&path).expect("open");
    let (a, b) = (state_a(), state_b());
    let (to_a, to_b) = (batch_to(&a, &b), batch_to(&b, &a));
    std::fs::write(&ready, b"ready").expect("ready marker");
    let started = Instant::now();
    let mut i = 0u64;
    while started.elapsed() < Duration::from_secs(10) {
        let batch = if i.is_multiple_of(2) { &to_a } else { &to_b };
        store.apply(batch.clone()).await.expect("apply");
        i += 1;
    }
}

/// The child side of the refresh test: `REFRESHES_EACH` locked
/// read-modify-writes of a generation and its tokens.
#[tokio::test]
async fn child_refresher() {
    if std::env::var(MODE_ENV).as_deref() != Ok("refresher") {
        return;
    }
    let path = std::env::var(PATH_ENV).unwrap();
    let id = std::env::var(ID_ENV).unwrap();
    let store = FileStorage::open(&path)
        .expect("open")
        .with_lock_timeout(Duration::from_secs(30));
    for _ in 0..REFRESHES_EACH {
        let _guard = store.lock().await.expect("lock");
        let generation: u64 = store
            .get(&format!("{PREFIX}.generation"))
            .await
            .expect("get")
            .map_or(0, |v| v.parse().expect("generation is a number"));
        // What we read under the lock is one consistent session.
        for field in ["accessToken", "idToken", "refreshToken"] {
            let v = store.get(&format!("{PREFIX}.{field}")).await.expect("get");
            if generation == 0 {
                assert_eq!(v, None);
            } else {
                let v = v.expect("token present");
                assert!(
                    v.starts_with(&format!("{field}-{generation}-")),
                    "{field} does not match generation {generation}"
                );
            }
        }
        // Widen the window in which a missing lock would interleave.
        tokio::time::sleep(Duration::from_millis(1)).await;
        let next = generation + 1;
        let mut changes = vec![StorageChange::Set(
            format!("{PREFIX}.generation"),
            next.to_string(),
        )];
        for field in ["accessToken", "idToken", "refreshToken"] {
            changes.push(StorageChange::Set(
                format!("{PREFIX}.{field}"),
                format!("{field}-{next}-by-{id}-{}", "x".repeat(2048)),
            ));
        }
        store.apply(changes).await.expect("apply");
    }
}

/// xorshift64*, seeded from the clock: no dependency, and the seed is printed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn spawn_child(test: &str, envs: &[(&str, &Path)], extra: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--test-threads=1", "--nocapture"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

#[derive(Debug, Default)]
struct Tally {
    a: usize,
    b: usize,
    absent: usize,
    other: usize,
    /// Kills that came before the writer announced readiness (never, with
    /// the marker wait, unless the child failed to start).
    not_ready: usize,
    /// Temporary files left behind by killed writers, at the end.
    orphaned_temp_files: usize,
}

/// The file's entries, read the way a user of the crate reads them (through
/// a fresh handle) and checked against the raw JSON.
async fn read_entries(path: &Path, keys: &[String]) -> Option<BTreeMap<String, String>> {
    if !path.exists() {
        return None;
    }
    let store = FileStorage::open(path).unwrap();
    let mut via_api = BTreeMap::new();
    for k in keys {
        match store.get(k).await {
            Ok(Some(v)) => {
                via_api.insert(k.clone(), v);
            }
            Ok(None) => {}
            Err(e) => panic!("the store does not read after a kill: {e}"),
        }
    }
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap())
        .expect("the file parses as JSON after a kill");
    let raw: BTreeMap<String, String> = raw["entries"]
        .as_object()
        .expect("entries")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
        .collect();
    assert_eq!(raw, via_api, "the API and the raw file agree");
    Some(via_api)
}

#[tokio::test]
async fn writer_killed_mid_write_leaves_old_or_new_session_never_torn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    let (a, b) = (state_a(), state_b());
    let keys: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash_kill seed {seed}");
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut iterations = 0;
    let mut seen_complete = false;

    while iterations < KILL_ITERATIONS && started.elapsed() < KILL_BUDGET {
        let ready = dir.path().join(format!("ready-{iterations}"));
        let mut child = spawn_child(
            "child_alternating_writer",
            &[(PATH_ENV, &path), (READY_ENV, &ready)],
            &[(MODE_ENV, "writer".to_owned())],
        );
        // Wait (bounded) for the writer to be running, then a random delay.
        let wait_start = Instant::now();
        while !ready.exists() && wait_start.elapsed() < Duration::from_secs(10) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if !ready.exists() {
            tally.not_ready += 1;
        }
        let delay = rng.next() % (MAX_KILL_DELAY_MICROS + 1);
        std::thread::sleep(Duration::from_micros(delay));
        let exited_early = child.try_wait().unwrap();
        child.kill().unwrap(); // SIGKILL
        let output = child.wait_with_output().unwrap();
        assert!(
            exited_early.is_none(),
            "the writer ended before it was killed: {:?}\n{}",
            exited_early,
            String::from_utf8_lossy(&output.stderr)
        );

        match read_entries(&path, &keys).await {
            None => {
                assert!(
                    !seen_complete,
                    "the file vanished after a complete write (iteration {iterations})"
                );
                tally.absent += 1;
            }
            Some(entries) if entries == a => {
                seen_complete = true;
                tally.a += 1;
            }
            Some(entries) if entries == b => {
                seen_complete = true;
                tally.b += 1;
            }
            Some(entries) => {
                tally.other += 1;
                eprintln!(
                    "iteration {iterations}: torn store with keys {:?}",
                    entries.keys().collect::<Vec<_>>()
                );
            }
        }
        iterations += 1;
    }

    // Whatever the killed writers left behind is never the store.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with(".session.json.tmp-") {
            tally.orphaned_temp_files += 1;
        } else {
            assert!(
                name == "session.json" || name == "session.json.lock" || name.starts_with("ready-"),
                "unexpected file {name}"
            );
        }
    }
    // And the store is still writable: no lock is left held by the dead.
    let store = FileStorage::open(&path)
        .unwrap()
        .with_lock_timeout(Duration::from_secs(5));
    store
        .apply(batch_to(&a, &b))
        .await
        .expect("write after kills");
    assert_eq!(read_entries(&path, &keys).await, Some(a.clone()));
    // Opening the store removed the temporary files of the dead writers.
    #[cfg(target_os = "linux")]
    {
        let left = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".session.json.tmp-")
            })
            .count();
        assert_eq!(left, 0, "stale temporary files were cleaned up");
    }

    eprintln!(
        "crash_kill: {iterations} kills in {:?}: A={} B={} absent={} other={} not_ready={} orphaned_temp_files={}",
        started.elapsed(),
        tally.a,
        tally.b,
        tally.absent,
        tally.other,
        tally.not_ready,
        tally.orphaned_temp_files
    );
    assert!(
        iterations >= MIN_KILL_ITERATIONS,
        "only {iterations} iterations in {KILL_BUDGET:?}"
    );
    assert_eq!(tally.other, 0, "torn stores: {tally:?}");
    assert_eq!(tally.not_ready, 0, "writers that never started: {tally:?}");
    assert!(
        tally.a > 0 && tally.b > 0,
        "kills should land on both states: {tally:?}"
    );
}

fn wait_bounded(mut child: Child, deadline: Instant) -> std::process::Output {
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "refresher timed out; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn two_processes_refreshing_under_lock_end_with_one_consistent_session() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("session.json");
    let started = Instant::now();
    let children: Vec<Child> = (0..REFRESHERS)
        .map(|id| {
            spawn_child(
                "child_refresher",
                &[(PATH_ENV, &path)],
                &[(MODE_ENV, "refresher".to_owned()), (ID_ENV, id.to_string())],
            )
        })
        .collect();
    let deadline = started + REFRESH_DEADLINE;
    for child in children {
        let output = wait_bounded(child, deadline);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "refresher failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("1 passed"),
            "refresher did not run: {stdout}"
        );
    }

    let store = FileStorage::open(&path).unwrap();
    let total = REFRESHERS as u64 * REFRESHES_EACH;
    let generation = store
        .get(&format!("{PREFIX}.generation"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(generation, total.to_string());
    let mut writers = Vec::new();
    for field in ["accessToken", "idToken", "refreshToken"] {
        let v = store
            .get(&format!("{PREFIX}.{field}"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            v.starts_with(&format!("{field}-{total}-by-")),
            "{field} is not of generation {total}"
        );
        writers.push(v.split("-by-").nth(1).unwrap()[..1].to_owned());
    }
    writers.dedup();
    assert_eq!(writers.len(), 1, "all tokens come from one refresh");
    eprintln!(
        "{REFRESHERS} processes x {REFRESHES_EACH} locked refreshes in {:?}: generation {generation}",
        started.elapsed()
    );
}
