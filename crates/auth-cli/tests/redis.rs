//! `amplify-auth --storage-url redis://...`: processes that share a session
//! only through a real `redis-server` (each with its own `--storage-dir`),
//! against the emulator with refresh-token rotation and a grace period of 0,
//! so that a retired refresh token presented once ends the session (exit 4).
//!
//! Skips with a message without `redis-server` (installed by `cargo xtask
//! ci`, which sets `AMPLIFY_AUTH_REQUIRE_REDIS=1` so that nothing skips).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use auth_storage_redis::testing::RedisServer;
use cognito_emulator::{ClientOptions, Fault};
use predicates::prelude::*;
use support::{BIN, Bed, PASSWORD, closed_port};

const URL_ENV: &str = "AMPLIFY_AUTH_STORAGE_URL";
const PROCESSES: usize = 6;

/// The emulator, a redis-server, and the URL every process uses.
struct Shared {
    bed: Bed,
    server: RedisServer,
    url: String,
    /// How far the clocks have been moved, in seconds.
    offset: std::cell::Cell<i64>,
}

fn shared(query: &str) -> Option<Shared> {
    let server = RedisServer::start().unwrap()?;
    let bed = Bed::with_client(ClientOptions {
        refresh_token_rotation: Some(Duration::ZERO),
        ..Default::default()
    });
    let url = server.url(query);
    Some(Shared {
        bed,
        server,
        url,
        offset: std::cell::Cell::new(0),
    })
}

impl Shared {
    /// A storage directory of its own for process `name`.
    fn dir(&self, name: &str) -> PathBuf {
        self.bed.dir.path().join(format!("dir-{name}"))
    }

    /// `amplify-auth` with the URL in its environment and its own storage dir.
    fn cmd(&self, name: &str, args: &[&str]) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::new(BIN);
        support::hermetic(&mut c);
        c.env(URL_ENV, &self.url)
            .arg("--outputs")
            .arg(&self.bed.outputs)
            .arg("--storage-dir")
            .arg(self.dir(name))
            .args(args)
            .timeout(Duration::from_secs(60));
        c
    }

    /// The same, started in the background with its output captured.
    fn spawn(&self, name: &str, args: &[&str]) -> Child {
        let mut c = std::process::Command::new(BIN);
        support::hermetic_std(&mut c);
        c.env(URL_ENV, &self.url)
            .arg("--outputs")
            .arg(&self.bed.outputs)
            .arg("--storage-dir")
            .arg(self.dir(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn sign_in(&self) {
        self.cmd(
            "signer",
            &["sign-in", "--username", "demo", "--password-stdin"],
        )
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success()
        .stdout("Signed in as demo.\n");
    }

    /// The Redis keys of the default profile's session and lock.
    fn key(&self, which: &str) -> String {
        format!(
            "amplify-auth:{{{}:default}}:{which}",
            self.bed.setup.client_id
        )
    }

    fn redis(&self, args: &[&str]) -> String {
        self.server.cli(args).unwrap().trim().to_owned()
    }

    /// The stored access token.
    fn stored_access_token(&self) -> String {
        let key = self.key("session");
        let fields = self.redis(&["HKEYS", &key]);
        let field = fields
            .lines()
            .find(|f| f.ends_with(".accessToken"))
            .expect("a stored access token")
            .to_owned();
        self.redis(&["HGET", &key, &field])
    }

    /// Lets `secs` pass for the emulator and for every process, without
    /// waiting: the emulator's clock moves, and so does the stored
    /// `clockDrift` by which each process judges expiry.
    fn advance_clocks(&self, secs: i64) {
        self.offset.set(self.offset.get() + secs);
        self.bed.emu().set_clock_offset(self.offset.get());
        let key = self.key("session");
        let fields = self.redis(&["HKEYS", &key]);
        let field = fields
            .lines()
            .find(|f| f.ends_with(".clockDrift"))
            .expect("a stored clockDrift")
            .to_owned();
        let drift: i64 = self.redis(&["HGET", &key, &field]).parse().unwrap();
        let moved = (drift + secs * 1000).to_string();
        self.redis(&["HSET", &key, &field, &moved]);
    }
}

fn finish(children: Vec<Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn assert_all_succeeded(outputs: &[Output]) {
    for (i, o) in outputs.iter().enumerate() {
        assert!(
            o.status.success(),
            "process {i}: {} {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The access token lifetime of the emulator's default client.
const LIFETIME_SECS: i64 = 3600;

#[test]
fn a_session_in_redis_is_seen_by_every_process_whatever_its_storage_dir() {
    let Some(s) = shared("") else { return };
    s.sign_in();
    s.cmd("other", &["whoami"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("demo "));
    let token = s.cmd("third", &["token", "--access"]).output().unwrap();
    assert!(token.status.success());
    assert_eq!(stdout(&token), s.stored_access_token());
    for dir in ["signer", "other", "third"] {
        assert!(
            !s.dir(dir).join("default").join("session.json").exists(),
            "nothing is stored in --storage-dir {dir}"
        );
    }
    // The session is in one hash, and no lease is left behind.
    assert_eq!(s.redis(&["TYPE", &s.key("session")]), "hash");
    assert_eq!(s.redis(&["EXISTS", &s.key("lock")]), "0");
    // Files stay the default: without the URL, nobody is signed in here.
    let mut files = assert_cmd::Command::new(BIN);
    support::hermetic(&mut files);
    files
        .arg("--outputs")
        .arg(&s.bed.outputs)
        .arg("--storage-dir")
        .arg(s.dir("other"))
        .arg("whoami")
        .timeout(Duration::from_secs(60))
        .assert()
        .code(3);
    // Signing out through one process signs every process out.
    s.cmd("other", &["sign-out"]).assert().success();
    s.cmd("signer", &["whoami"]).assert().code(3);
}

#[test]
fn six_processes_forcing_a_refresh_at_once_all_stay_signed_in() {
    let Some(s) = shared("") else { return };
    s.sign_in();
    s.bed.emu().reset_counters();
    let children: Vec<Child> = (0..PROCESSES)
        .map(|i| s.spawn(&i.to_string(), &["token", "--access", "--force-refresh"]))
        .collect();
    let outputs = finish(children);
    // A retired refresh token presented once would have ended the session
    // (RefreshTokenReuseException: exit 4) for that process.
    assert_all_succeeded(&outputs);
    let calls = s.bed.emu().count("GetTokensFromRefreshToken");
    assert!(
        (1..=PROCESSES as u64).contains(&calls),
        "{calls} refresh calls"
    );
    // Everyone ends signed in, on the tokens the last refresh stored.
    let stored = s.stored_access_token();
    assert!(outputs.iter().any(|o| stdout(o) == stored));
    let after = s.cmd("after", &["session", "--json"]).output().unwrap();
    assert!(after.status.success());
    let v: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(v["is_signed_in"], true);
    // The stored refresh token is the live one: one more refresh works.
    s.cmd("after", &["token", "--access", "--force-refresh"])
        .assert()
        .success();
    assert_eq!(s.redis(&["EXISTS", &s.key("lock")]), "0");
    eprintln!(
        "{PROCESSES} concurrent forced refreshes: {calls} GetTokensFromRefreshToken calls, all signed in"
    );
}

#[test]
fn processes_on_expired_tokens_cause_one_refresh_call() {
    let Some(s) = shared("") else { return };
    s.sign_in();
    let old = s.stored_access_token();
    s.advance_clocks(LIFETIME_SECS);
    s.bed.emu().reset_counters();
    let children: Vec<Child> = (0..PROCESSES)
        .map(|i| s.spawn(&i.to_string(), &["token", "--access"]))
        .collect();
    let outputs = finish(children);
    assert_all_succeeded(&outputs);
    assert_eq!(
        s.bed.emu().count("GetTokensFromRefreshToken"),
        1,
        "counters: {:?}",
        s.bed.emu().counters()
    );
    let new = s.stored_access_token();
    assert_ne!(new, old);
    for o in &outputs {
        assert_eq!(
            stdout(o),
            new,
            "every process prints the one refreshed token"
        );
    }
}

#[test]
fn a_lock_holder_killed_mid_refresh_holds_the_others_up_for_one_lease_at_most() {
    // Lease 2 s; a waiter gives up after 5 s: it can only get through if the
    // dead holder's lease ran out, not by waiting for anything longer.
    let Some(s) = shared("?lease_ms=2000&lock_timeout_ms=5000") else {
        return;
    };
    s.sign_in();
    let old = s.stored_access_token();
    s.bed.emu().reset_counters();
    // The holder's request waits in the emulator (counted on arrival)
    // longer than the whole test, so Cognito never processes it before the
    // holder dies.
    s.bed.emu().inject_fault(
        "GetTokensFromRefreshToken",
        Fault::Latency(Duration::from_secs(120)),
        1,
    );
    let mut holder = s.spawn("holder", &["token", "--access", "--force-refresh"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while s.bed.emu().count("GetTokensFromRefreshToken") == 0 {
        assert!(
            holder.try_wait().unwrap().is_none(),
            "the holder ended early"
        );
        assert!(
            Instant::now() < deadline,
            "the holder never sent its refresh"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        s.redis(&["EXISTS", &s.key("lock")]),
        "1",
        "the holder holds the lease while its refresh is in flight"
    );
    holder.kill().unwrap(); // SIGKILL: no release, no renewal
    let _ = holder.wait();

    let started = Instant::now();
    let out = s
        .cmd("next", &["token", "--access", "--force-refresh"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    assert!(
        out.status.success(),
        "the next process got through after the dead holder's lease: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = stdout(&out);
    assert_ne!(new, old);
    assert_eq!(new, s.stored_access_token());
    assert_eq!(s.bed.emu().count("GetTokensFromRefreshToken"), 2);
    s.cmd("later", &["whoami"]).assert().success();
    eprintln!("the process after the SIGKILLed holder finished in {waited:?} (lease 2 s)");
}

#[test]
fn redis_killed_and_restarted_loses_no_session() {
    let Some(mut s) = shared("?timeout_ms=500") else {
        return;
    };
    s.sign_in();
    let before = s.stored_access_token();
    s.server.kill();
    s.cmd("a", &["whoami"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("Redis at 127.0.0.1:"))
        .stderr(predicate::str::contains("retry"));
    s.server.restart().unwrap();
    s.cmd("b", &["whoami"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("demo "));
    assert_eq!(
        s.stored_access_token(),
        before,
        "the same session came back"
    );
    s.cmd("c", &["token", "--access", "--force-refresh"])
        .assert()
        .success();
    assert_ne!(s.stored_access_token(), before);
}

#[test]
fn redis_down_is_exit_5_naming_redis_for_every_command() {
    let bed = Bed::with_client(ClientOptions::default());
    let port = closed_port();
    let url = format!("redis://app:hunter2secret@127.0.0.1:{port}/0?timeout_ms=500");
    for args in [
        vec!["whoami"],
        vec!["token", "--access"],
        vec!["session", "--json"],
        vec!["sign-out"],
    ] {
        let mut c = bed.cmd(&args);
        c.env(URL_ENV, &url)
            .assert()
            .code(5)
            .stderr(predicate::str::contains(format!(
                "Redis at 127.0.0.1:{port}"
            )))
            .stderr(predicate::str::contains("hunter2secret").not());
    }
    // A sign-in that cannot be stored fails as a whole, also with exit 5.
    bed.cmd(&["sign-in", "--username", "demo", "--password-stdin"])
        .env(URL_ENV, &url)
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(5)
        .stderr(predicate::str::contains("Redis"));
    // A malformed URL is bad input, and its password is not echoed.
    bed.cmd(&["whoami"])
        .env(URL_ENV, "redis://app:hunter2secret@127.0.0.1:1/0?nope=1")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("hunter2secret").not());
    // --help does not show the environment variable's value.
    bed.cmd(&["--help"])
        .env(URL_ENV, &url)
        .assert()
        .success()
        .stdout(predicate::str::contains("--storage-url"))
        .stdout(predicate::str::contains("hunter2secret").not());
}
