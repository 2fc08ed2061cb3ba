//! A test bed: the emulator in process, an `amplify_outputs.json` and a
//! storage directory in a tempdir, and the real `amplify-auth` binary.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use cognito_emulator::{ClientOptions, DemoSetup, Emulator};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_amplify-auth");

/// The password of every test user (the emulator's demo password).
pub const PASSWORD: &str = "DemoPassw0rd!";

pub struct Bed {
    pub emu: Option<Emulator>,
    pub setup: DemoSetup,
    pub dir: tempfile::TempDir,
    pub outputs: PathBuf,
    pub storage: PathBuf,
    /// How far [`Bed::advance_clocks`] has moved time, in seconds.
    clock_offset: std::cell::Cell<i64>,
    rt: tokio::runtime::Runtime,
}

impl Bed {
    /// The emulator's demo set-up (`Emulator::seed_demo`: user `demo` /
    /// [`PASSWORD`], guests allowed).
    pub fn demo() -> Self {
        let rt = runtime();
        let emu = rt.block_on(Emulator::start()).unwrap();
        let setup = emu.seed_demo().unwrap();
        assert_eq!(setup.password, PASSWORD);
        Self::new(rt, emu, setup)
    }

    /// A pool with a client made with `opts`, user `demo` / [`PASSWORD`], and
    /// an identity pool that allows guests and trusts the client.
    pub fn with_client(opts: ClientOptions) -> Self {
        let rt = runtime();
        let emu = rt.block_on(Emulator::start()).unwrap();
        let pool = emu.create_user_pool("cli-pool").unwrap();
        let client = emu.create_user_pool_client(&pool, opts).unwrap();
        emu.admin_create_user(&pool, "demo", PASSWORD, true)
            .unwrap();
        let provider = emu.cognito_provider_name(&pool);
        let identity_pool_id = emu
            .create_identity_pool(true, &[(&provider, &client.id)], &[])
            .unwrap();
        let setup = DemoSetup {
            endpoint: emu.endpoint(),
            region: emu.region(),
            user_pool_id: pool,
            client_id: client.id,
            identity_pool_id,
            username: "demo".into(),
            password: PASSWORD.into(),
        };
        Self::new(rt, emu, setup)
    }

    fn new(rt: tokio::runtime::Runtime, emu: Emulator, setup: DemoSetup) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let outputs = dir.path().join("amplify_outputs.json");
        std::fs::write(&outputs, setup.amplify_outputs_json()).unwrap();
        let storage = dir.path().join("store");
        Self {
            emu: Some(emu),
            setup,
            dir,
            outputs,
            storage,
            clock_offset: std::cell::Cell::new(0),
            rt,
        }
    }

    pub fn emu(&self) -> &Emulator {
        self.emu.as_ref().unwrap()
    }

    pub fn pool(&self) -> &str {
        &self.setup.user_pool_id
    }

    /// `amplify-auth --outputs <tmp> --storage-dir <tmp> ARGS`, hermetic and bounded.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        hermetic(&mut c);
        c.arg("--outputs")
            .arg(&self.outputs)
            .arg("--storage-dir")
            .arg(&self.storage)
            .args(args)
            .timeout(Duration::from_secs(60));
        c
    }

    /// The same command line as a `std::process::Command`, for running several at once.
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(BIN);
        for k in ENV_KEYS {
            c.env_remove(k);
        }
        c.arg("--outputs")
            .arg(&self.outputs)
            .arg("--storage-dir")
            .arg(&self.storage)
            .args(args);
        c
    }

    /// Signs `demo` in through the CLI.
    pub fn sign_in(&self) {
        self.cmd(&["sign-in", "--username", "demo", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
    }

    /// `session --json`, parsed.
    pub fn session_json(&self) -> serde_json::Value {
        let out = self.cmd(&["session", "--json"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The stored session file's text (holds secrets: for leak checks).
    pub fn stored(&self, profile: &str) -> String {
        std::fs::read_to_string(self.storage.join(profile).join("session.json")).unwrap_or_default()
    }

    /// Every stored value, for leak checks.
    pub fn stored_secrets(&self, profile: &str) -> Vec<String> {
        let text = self.stored(profile);
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Vec::new();
        };
        v["entries"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| {
                        k.ends_with("accessToken")
                            || k.ends_with("idToken")
                            || k.ends_with("refreshToken")
                    })
                    .filter_map(|(_, v)| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Lets `secs` seconds pass, for the emulator and for the CLI, without
    /// waiting: the emulator's clock moves forward, and so does the clock
    /// the CLI reads the stored session by. Each `amplify-auth` process
    /// decides expiry as `local now + clockDrift + margin >= exp`, where
    /// `clockDrift` (server time minus local time, in ms) is persisted with
    /// the session; adding `secs` to it is what `secs` more of local time
    /// would do. Call it between processes (none may hold the session).
    pub fn advance_clocks(&self, profile: &str, secs: i64) {
        let offset = self.clock_offset.get() + secs;
        self.clock_offset.set(offset);
        self.emu().set_clock_offset(offset);
        let path = self.storage.join(profile).join("session.json");
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let entries = doc["entries"].as_object_mut().unwrap();
        let (key, drift) = entries
            .iter()
            .find(|(k, _)| k.ends_with(".clockDrift"))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().parse::<i64>().unwrap()))
            .expect("a stored session with a clockDrift");
        entries.insert(key, (drift + secs * 1000).to_string().into());
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

impl Drop for Bed {
    fn drop(&mut self) {
        if let Some(emu) = self.emu.take() {
            self.rt.block_on(emu.shutdown());
        }
    }
}

const ENV_KEYS: [&str; 6] = [
    "AMPLIFY_AUTH_OUTPUTS",
    "AMPLIFY_AUTH_PROFILE",
    "AMPLIFY_AUTH_STORAGE_DIR",
    "AMPLIFY_AUTH_STORAGE_URL",
    "AMPLIFY_AUTH_USER_POOL_ENDPOINT",
    "AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT",
];

/// Removes the environment variables that would change what the binary does.
pub fn hermetic(c: &mut Command) {
    for k in ENV_KEYS {
        c.env_remove(k);
    }
}

/// [`hermetic`] for a `std::process::Command`.
pub fn hermetic_std(c: &mut std::process::Command) {
    for k in ENV_KEYS {
        c.env_remove(k);
    }
}

/// Fails when any secret appears in `haystack` (or a 24-character piece of one).
pub fn assert_no_secret(what: &str, haystack: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!s.is_empty());
        let piece = &s[..s.len().min(24)];
        assert!(
            !haystack.contains(piece),
            "{what} leaks a secret (starting {}...)",
            &s[..s.len().min(4)]
        );
    }
}

/// Decodes RFC 4648 base32 (no padding), for TOTP secrets.
pub fn base32_decode(s: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(s.trim_end_matches('=').as_bytes())
        .expect("not base32")
}

/// A port with nothing listening on 127.0.0.1.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Waits until `path` no longer exists (bounded).
pub fn wait_gone(path: &Path, within: Duration) -> bool {
    let end = std::time::Instant::now() + within;
    while std::time::Instant::now() < end {
        if !path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    !path.exists()
}
