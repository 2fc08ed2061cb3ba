//! The multi-instance bed: an emulator with refresh-token rotation (grace 0:
//! a retired refresh token presented once is refused) and the hosted UI, a
//! real `redis-server`, and two processes of `examples/axum_bff.rs` sharing
//! it, each on its own 127.0.0.1 port with its own public URL, both
//! registered as callbacks of the one app client.
//!
//! Every server is on a free loopback port and is stopped when the bed is
//! dropped, by its pid (the instances, Redis) or its handle (the emulator,
//! in this process: its counters are read directly).

pub mod browser;
pub mod instance;
pub mod scan;

use std::path::PathBuf;
use std::time::Duration;

use auth_storage_redis::testing::RedisServer;
use cognito_emulator::{ClientOptions, DemoSetup, Emulator, HostedUiClient};
use serde_json::Value;

pub use browser::Browser;
pub use instance::Instance;

pub const USERNAME: &str = "alice";
pub const PASSWORD: &str = "Bff-Passw0rd-42";
/// What the emulator counts for each refresh token presented after rotation
/// retired it.
pub const RETIRED_PRESENTED: &str = "refresh_token.retired_presented";

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Bed {
    pub emu: Emulator,
    pub pool: String,
    pub client_id: String,
    pub redis: RedisServer,
    pub a: Instance,
    pub b: Instance,
    pub outputs: PathBuf,
    _dir: tempfile::TempDir,
}

impl Bed {
    /// The whole bed, or `None` (after a message) when `redis-server` is not
    /// installed and `AMPLIFY_AUTH_REQUIRE_REDIS` is not `1`.
    pub async fn start() -> Option<Self> {
        let redis = RedisServer::start().expect("redis-server")?;
        let emu = Emulator::start().await.expect("emulator");
        let pool = emu.create_user_pool("bff").expect("pool");
        emu.create_identity_provider(&pool, "Google", "Google")
            .expect("provider");
        emu.create_user_pool_domain(&pool, "bff").expect("domain");
        let (port_a, port_b) = (free_port(), free_port());
        let bases = [port_a, port_b].map(|p| format!("http://127.0.0.1:{p}"));
        let callbacks: Vec<String> = bases.iter().map(|b| format!("{b}/auth/callback")).collect();
        let sign_outs: Vec<String> = bases
            .iter()
            .flat_map(|b| [format!("{b}/"), b.clone(), format!("{b}/signed-out")])
            .collect();
        let client = emu
            .create_user_pool_client(
                &pool,
                ClientOptions {
                    name: Some("bff".to_owned()),
                    refresh_token_rotation: Some(Duration::ZERO),
                    oauth: Some(
                        HostedUiClient {
                            callback_urls: callbacks.clone(),
                            logout_urls: sign_outs.clone(),
                            ..HostedUiClient::default()
                        }
                        .with_identity_providers(["COGNITO", "Google"]),
                    ),
                    ..ClientOptions::default()
                },
            )
            .expect("client");
        emu.admin_create_user_with_attributes(
            &pool,
            USERNAME,
            PASSWORD,
            true,
            &[("email", "alice@example.com"), ("email_verified", "true")],
        )
        .expect("user");
        let provider = emu.cognito_provider_name(&pool);
        let identity_pool = emu
            .create_identity_pool(true, &[(&provider, &client.id)], &[])
            .expect("identity pool");
        let dir = tempfile::tempdir().expect("temp dir");
        let outputs = dir.path().join("amplify_outputs.json");
        let json = outputs_json(
            &DemoSetup {
                endpoint: emu.endpoint(),
                region: emu.region(),
                user_pool_id: pool.clone(),
                client_id: client.id.clone(),
                identity_pool_id: identity_pool,
                username: USERNAME.to_owned(),
                oauth_domain: "bff".to_owned(),
                redirect_sign_in_uri: callbacks[0].clone(),
                redirect_sign_out_uri: sign_outs[0].clone(),
                identity_provider: "Google".to_owned(),
                ..DemoSetup::default()
            },
            &callbacks,
            &sign_outs,
        );
        std::fs::write(&outputs, json).expect("write outputs");
        let storage = redis.url("");
        let (a, b) = tokio::task::block_in_place(|| {
            (
                Instance::start("A", port_a, &outputs, &storage),
                Instance::start("B", port_b, &outputs, &storage),
            )
        });
        Some(Self {
            emu,
            pool,
            client_id: client.id,
            redis,
            a,
            b,
            outputs,
            _dir: dir,
        })
    }

    /// Restarts instance A (SIGKILL, then the same flags and port).
    pub fn restart_a(&mut self) {
        tokio::task::block_in_place(|| self.a.restart());
    }

    /// Token calls the emulator served: refreshes through the API and the
    /// OAuth token endpoint.
    pub fn refresh_calls(&self) -> u64 {
        self.emu.count("GetTokensFromRefreshToken") + self.emu.count("InitiateAuth")
    }

    /// Refresh tokens presented after rotation retired them.
    pub fn retired_presented(&self) -> u64 {
        self.emu.count(RETIRED_PRESENTED)
    }

    /// Asserts that no JWT is in any `Set-Cookie` the browsers were sent nor
    /// in either instance's output (every run), and that the output is the
    /// trace-level log (so the scan is not of an empty log).
    pub fn assert_no_jwt_anywhere(&self, browsers: &[&Browser]) {
        for (i, browser) in browsers.iter().enumerate() {
            for c in browser.seen_set_cookies() {
                let found = scan::jwts(&c);
                assert!(
                    found.is_empty(),
                    "browser {i}: a JWT in Set-Cookie: {found:?}"
                );
            }
        }
        for instance in [&self.a, &self.b] {
            let log = instance.log();
            let found = scan::jwts(&log);
            assert!(
                found.is_empty(),
                "instance {}: {} JWT(s) in its log, starting {found:?}",
                instance.name,
                found.len()
            );
            assert!(
                log.contains("TRACE") || log.contains("DEBUG"),
                "instance {} printed no trace-level log (RUST_LOG=trace), so the scan would prove nothing:\n{log}",
                instance.name
            );
        }
    }
}

/// The demo's `amplify_outputs.json` with every callback and sign-out URL.
fn outputs_json(setup: &DemoSetup, callbacks: &[String], sign_outs: &[String]) -> String {
    let mut v: Value = serde_json::from_str(&setup.amplify_outputs_json()).expect("outputs");
    let oauth = &mut v["auth"]["oauth"];
    oauth["redirect_sign_in_uri"] = serde_json::json!(callbacks);
    oauth["redirect_sign_out_uri"] = serde_json::json!(sign_outs);
    serde_json::to_string_pretty(&v).expect("json")
}

/// 256 random bits, base64url: the shape of a session id or a state.
pub fn random_token() -> String {
    use base64::Engine as _;
    use rand::Rng as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
