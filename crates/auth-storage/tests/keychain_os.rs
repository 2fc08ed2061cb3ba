//! `KeychainStorage` on the real Linux keychains: the Secret Service
//! (gnome-keyring under its own `dbus-run-session`) and the kernel keyutils.
//!
//! The Secret Service test starts a private session bus and an unlocked
//! gnome-keyring-daemon in a temporary home, then runs the worker test of
//! this binary inside that session (the bus address reaches the worker only
//! through its environment). The daemon and the bus end with the session.
//! Without `dbus-run-session` or `gnome-keyring-daemon` the test skips with
//! a message, unless `AMPLIFY_AUTH_REQUIRE_KEYCHAIN=1` (set by `cargo xtask
//! ci`, which installs them) makes it fail.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use auth_storage::contract::{self, Backend};
use auth_storage::{KeyValueStorage, KeychainBackend, KeychainStorage, StorageError};

const WORKER_ENV: &str = "AUTH_STORAGE_KEYCHAIN_WORKER_DIR";
const REQUIRE_ENV: &str = "AMPLIFY_AUTH_REQUIRE_KEYCHAIN";
const DEADLINE: Duration = Duration::from_secs(120);

struct Keychain {
    dir: std::path::PathBuf,
    backend: KeychainBackend,
}

#[async_trait]
impl Backend for Keychain {
    async fn open(
        &self,
        name: &str,
        lock_timeout: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, String> {
        let store = KeychainStorage::builder(name, self.dir.join(format!("{name}.lock")))
            .service("amplify-auth-tests")
            .backend(self.backend)
            .lock_timeout(lock_timeout)
            .open()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(store))
    }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1")
}

fn wait_bounded(mut child: Child, deadline: Instant) -> std::process::Output {
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "keychain worker timed out; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The parent: a private session bus with an unlocked gnome-keyring, and
/// the worker inside it.
#[test]
fn secret_service_under_dbus_run_session_meets_the_storage_contract() {
    let missing: Vec<&str> = ["dbus-run-session", "gnome-keyring-daemon", "dbus-send"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if !missing.is_empty() {
        assert!(
            !required(),
            "{REQUIRE_ENV}=1 but {missing:?} are missing (cargo xtask ci installs dbus and gnome-keyring)"
        );
        eprintln!("SKIP: the Secret Service test needs {missing:?} (Debian: dbus, gnome-keyring)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let runtime = dir.path().join("run");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    // The keyring's password is a test value of this temporary home only.
    let script = r#"printf %s "$KEYRING_TEST_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null || exit 90
exec "$0" "$@""#;
    let exe = std::env::current_exe().unwrap();
    let child = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .arg(&exe)
        .args([
            "secret_service_worker",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("KEYRING_TEST_PASSWORD", "test-keyring-password")
        .env(WORKER_ENV, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_bounded(child, Instant::now() + DEADLINE);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "worker failed: {}\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("1 passed"), "worker did not run: {stdout}");
    eprintln!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.starts_with("keychain:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Locks the login collection through the Secret Service's own API.
fn lock_login_collection() {
    let status = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "dbus-send Lock failed: {status}");
}

/// The worker: runs inside the parent's session, and only there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_service_worker() {
    let Ok(dir) = std::env::var(WORKER_ENV) else {
        return;
    };
    let dir = Path::new(&dir).join("locks");
    let auto = KeychainStorage::builder("auto-probe", dir.join("auto.lock"))
        .open()
        .unwrap();
    assert_eq!(
        auto.backend(),
        KeychainBackend::SecretService,
        "Auto did not pick the Secret Service"
    );

    let started = Instant::now();
    let backend = Keychain {
        dir: dir.clone(),
        backend: KeychainBackend::SecretService,
    };
    let report = contract::run_all(&backend, "secret-service").await;
    assert!(report.is_ok(), "{report}");
    println!(
        "keychain: Secret Service (gnome-keyring) passed {} contract checks in {:?}",
        report.ran.len(),
        started.elapsed()
    );

    // A session stored, then the keychain locked: a typed, transient error
    // that says what to do; nothing is overwritten.
    let store = KeychainStorage::builder("locked-probe", dir.join("locked.lock"))
        .service("amplify-auth-tests")
        .backend(KeychainBackend::SecretService)
        .call_timeout(Duration::from_secs(5))
        .open()
        .unwrap();
    store.set("accessToken", "kept").await.unwrap();
    lock_login_collection();
    let err = store.get("accessToken").await.unwrap_err();
    let StorageError::Unavailable { detail } = &err else {
        panic!("expected Unavailable from a locked keychain, got {err:?}");
    };
    assert!(err.is_transient(), "{err:?}");
    assert!(
        detail.contains("lock") || detail.contains("prompt"),
        "{detail}"
    );
    assert!(!detail.contains("kept"), "{detail}");
    println!("keychain: a locked collection gives: {err}");
}

/// keyutils: the worker runs in a session keyring of its own (`keyctl
/// session -`), as a login session has one (pam_keyinit). Without one, the
/// kernel's default user-session keyring does not count as possessed and
/// reads are refused (`KeychainBackend::Auto` then reports no usable
/// keychain rather than fall back to it).
#[test]
fn keyutils_in_a_session_keyring_meets_the_storage_contract() {
    if !on_path("keyctl") {
        assert!(
            !required(),
            "{REQUIRE_ENV}=1 but keyctl is missing (cargo xtask ci installs keyutils)"
        );
        eprintln!("SKIP: the keyutils test needs keyctl (Debian: keyutils)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let child = Command::new("keyctl")
        .args(["session", "-"])
        .arg(&exe)
        .args([
            "keyutils_worker",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(WORKER_ENV, dir.path())
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
    eprintln!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.starts_with("keychain:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyutils_worker() {
    let Ok(dir) = std::env::var(WORKER_ENV) else {
        return;
    };
    let dir = Path::new(&dir).join("locks");
    let started = Instant::now();
    let backend = Keychain {
        dir: dir.clone(),
        backend: KeychainBackend::Keyutils,
    };
    // Items outlive the process (until logout or reboot): names of this run only.
    let run = format!("keyutils-{}", std::process::id());
    let report = contract::run_all(&backend, &run).await;
    assert!(report.is_ok(), "{report}");
    println!(
        "keychain: keyutils passed {} contract checks in {:?}",
        report.ran.len(),
        started.elapsed()
    );
}
