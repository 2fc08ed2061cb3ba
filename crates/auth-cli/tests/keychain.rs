//! `amplify-auth --storage-url keychain:...` on the real Linux keychains:
//! the Secret Service (gnome-keyring under a private `dbus-run-session`) and
//! the kernel's keyutils (in a session keyring of its own, `keyctl session`).
//!
//! Each parent test starts the keychain's session and runs this binary's
//! worker test inside it; the worker starts the emulator and drives the real
//! binary: sign in, read the session from other processes, concurrent forced
//! refreshes with rotation (the lock file beside the profile keeps them
//! apart), sign out. Without the tools the parents skip with a message,
//! unless `AMPLIFY_AUTH_REQUIRE_KEYCHAIN=1` (set by `cargo xtask ci`, which
//! installs dbus, gnome-keyring and keyutils) makes them fail.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cognito_emulator::ClientOptions;
use predicates::prelude::*;
use support::{Bed, PASSWORD};

const WORKER_ENV: &str = "AUTH_CLI_KEYCHAIN_WORKER_URL";
const REQUIRE_ENV: &str = "AMPLIFY_AUTH_REQUIRE_KEYCHAIN";
const DEADLINE: Duration = Duration::from_secs(180);

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

/// Whether `tools` are there; when not, skips with a message, or fails
/// when the environment requires the keychain tests.
fn have(tools: &[&str], packages: &str) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var(REQUIRE_ENV).as_deref() != Ok("1"),
        "{REQUIRE_ENV}=1 but {missing:?} are missing (cargo xtask ci installs {packages})"
    );
    eprintln!("SKIP: needs {missing:?} (Debian: {packages})");
    false
}

/// Runs the worker under `launcher` and checks that it ran and passed.
fn run_worker(mut launcher: Command, url: &str) {
    let child = launcher
        .arg(std::env::current_exe().unwrap())
        .args([
            "keychain_cli_worker",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(WORKER_ENV, url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_bounded(child, Instant::now() + DEADLINE);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "worker failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "worker did not run: {stdout}");
    for line in stdout.lines().filter(|l| l.starts_with("keychain:")) {
        eprintln!("{line}");
    }
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
                "keychain worker timed out; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_cli_keeps_its_session_in_the_secret_service() {
    if !have(
        &["dbus-run-session", "gnome-keyring-daemon"],
        "dbus, gnome-keyring",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let runtime = dir.path().join("run");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    // The keyring's password is a test value of this temporary home only.
    let script = r#"printf %s "$KEYRING_TEST_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null || exit 90
exec "$0" "$@""#;
    let mut launcher = Command::new("dbus-run-session");
    launcher
        .args(["--", "sh", "-c", script])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("KEYRING_TEST_PASSWORD", "test-keyring-password");
    run_worker(launcher, "keychain:secret-service");
}

#[test]
fn the_cli_keeps_its_session_in_a_keyutils_session_keyring() {
    if !have(&["keyctl"], "keyutils") {
        return;
    }
    let mut launcher = Command::new("keyctl");
    launcher.args(["session", "-"]);
    run_worker(launcher, "keychain:keyutils");
}

/// `amplify-auth --storage-url URL` with the bed's outputs and storage dir.
fn cli(bed: &Bed, url: &str, args: &[&str]) -> assert_cmd::Command {
    let mut c = bed.cmd(args);
    c.env("AMPLIFY_AUTH_STORAGE_URL", url);
    c
}

/// The worker: runs inside a parent's keychain session, and only there.
#[test]
fn keychain_cli_worker() {
    let Ok(url) = std::env::var(WORKER_ENV) else {
        return;
    };
    let started = Instant::now();
    let bed = Bed::with_client(ClientOptions {
        refresh_token_rotation: Some(Duration::ZERO),
        ..Default::default()
    });
    cli(
        &bed,
        &url,
        &["sign-in", "--username", "demo", "--password-stdin"],
    )
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .success();
    assert!(
        !bed.storage.join("default").join("session.json").exists(),
        "no session file beside the keychain"
    );
    assert!(bed.storage.join("default").join("keychain.lock").exists());
    cli(&bed, &url, &["whoami"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("demo "));
    // Without the URL, the files are used, and hold nothing.
    bed.cmd(&["whoami"]).assert().code(3);

    // Concurrent forced refreshes with rotation and grace 0: the lock file
    // keeps them apart, so none presents a retired refresh token (exit 4).
    bed.emu().reset_counters();
    let children: Vec<Child> = (0..4)
        .map(|_| {
            let mut c = bed.std_cmd(&["token", "--access", "--force-refresh"]);
            c.env("AMPLIFY_AUTH_STORAGE_URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for out in children.into_iter().map(|c| c.wait_with_output().unwrap()) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let calls = bed.emu().count("GetTokensFromRefreshToken");
    cli(&bed, &url, &["session", "--json"]).assert().success();

    cli(&bed, &url, &["sign-out"]).assert().success();
    cli(&bed, &url, &["whoami"]).assert().code(3);
    println!(
        "keychain: the CLI on {url}: sign-in, reads, 4 concurrent forced refreshes ({calls} calls), sign-out in {:?}",
        started.elapsed()
    );
}
