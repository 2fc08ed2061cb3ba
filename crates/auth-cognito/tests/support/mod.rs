//! Test beds shared by the integration tests: the in-process emulator and
//! the moto server (started by `cargo xtask ci`, found through `MOTO_ENDPOINT`).
//!
//! Both are driven through Cognito's admin API on the wire, so the same
//! scenario code runs against either.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_cognito::{CognitoAuthPlugin, CognitoConfig, Tuning};
use auth_core::clock::{Clock, ManualClock};
use auth_core::storage::KeyValueStorage;
use auth_storage::MemoryStorage;
use cognito_emulator::{ClientOptions, Emulator};
use serde_json::{Value, json};

pub const PASSWORD: &str = "Correct-Horse-Battery-9";

/// What a test bed should create.
#[derive(Debug, Clone, Default)]
pub struct BedOptions {
    pub client_secret: bool,
    /// `Some(allow_guests)` creates an identity pool linked to the user pool.
    pub identity_pool: Option<bool>,
    /// Emulator only: token lifetimes in seconds.
    pub access_ttl_secs: Option<u64>,
    /// Emulator only: refresh-token rotation with this grace period.
    pub rotation_grace_secs: Option<u64>,
    /// Emulator only: credentials lifetime.
    pub credentials_ttl_secs: Option<u64>,
    /// Emulator only: the client's `ExplicitAuthFlows` include `ALLOW_USER_AUTH`.
    pub user_auth: bool,
    /// Emulator only: the client's `AuthSessionValidity` in minutes.
    pub auth_session_validity_mins: Option<u32>,
}

pub struct Bed {
    pub name: &'static str,
    pub endpoint: String,
    pub region: String,
    pub pool_id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub identity_pool_id: Option<String>,
    pub guests: bool,
    pub emulator: Option<Emulator>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Bed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bed")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The moto endpoint from `MOTO_ENDPOINT`. The moto tests are
/// `#[ignore = "needs MOTO_ENDPOINT: ..."]` and named `moto`: `cargo xtask ci`
/// starts moto and runs exactly them; run by hand without moto, they fail
/// with this message rather than pass.
pub fn moto_endpoint() -> String {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "this moto test needs MOTO_ENDPOINT: run `cargo xtask ci`, or `cargo xtask moto` and set MOTO_ENDPOINT"
        ),
    }
}

impl Bed {
    /// A bed on the moto server at `MOTO_ENDPOINT`.
    pub async fn moto(opts: BedOptions) -> Self {
        let endpoint = moto_endpoint();
        let mut bed = Self::empty("moto", endpoint, "us-east-1".into(), None);
        let pool = bed
            .idp(
                "CreateUserPool",
                json!({"PoolName": format!("p-{}", uuid())}),
            )
            .await
            .expect("CreateUserPool");
        bed.pool_id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
        let client = bed
            .idp(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": bed.pool_id,
                    "ClientName": "c",
                    "GenerateSecret": opts.client_secret,
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }),
            )
            .await
            .expect("CreateUserPoolClient");
        bed.client_id = client["UserPoolClient"]["ClientId"]
            .as_str()
            .expect("client id")
            .to_owned();
        bed.client_secret = client["UserPoolClient"]["ClientSecret"]
            .as_str()
            .map(str::to_owned);
        if let Some(guests) = opts.identity_pool {
            bed.create_identity_pool(guests).await;
        }
        bed
    }

    /// A bed on a fresh in-process emulator.
    pub async fn emulator(opts: BedOptions) -> Self {
        let mut builder = Emulator::builder();
        if let Some(ttl) = opts.credentials_ttl_secs {
            builder = builder.credentials_ttl(Duration::from_secs(ttl));
        }
        let emu = builder.start().await.expect("emulator starts");
        let endpoint = emu.endpoint();
        let region = emu.region();
        let pool_id = emu.create_user_pool("pool").expect("pool");
        let client = emu
            .create_user_pool_client(
                &pool_id,
                ClientOptions {
                    generate_secret: opts.client_secret,
                    access_token_ttl: opts.access_ttl_secs.map(Duration::from_secs),
                    id_token_ttl: opts.access_ttl_secs.map(Duration::from_secs),
                    refresh_token_rotation: opts.rotation_grace_secs.map(Duration::from_secs),
                    explicit_auth_flows: opts.user_auth.then(|| {
                        [
                            "ALLOW_USER_AUTH",
                            "ALLOW_USER_SRP_AUTH",
                            "ALLOW_REFRESH_TOKEN_AUTH",
                        ]
                        .map(String::from)
                        .to_vec()
                    }),
                    auth_session_validity_mins: opts.auth_session_validity_mins,
                    ..ClientOptions::default()
                },
            )
            .expect("client");
        let mut bed = Self::empty("emulator", endpoint, region, Some(emu));
        bed.pool_id = pool_id;
        bed.client_id = client.id;
        bed.client_secret = client.secret;
        if let Some(guests) = opts.identity_pool {
            bed.create_identity_pool(guests).await;
        }
        bed
    }

    fn empty(
        name: &'static str,
        endpoint: String,
        region: String,
        emulator: Option<Emulator>,
    ) -> Self {
        Self {
            name,
            endpoint,
            region,
            pool_id: String::new(),
            client_id: String::new(),
            client_secret: None,
            identity_pool_id: None,
            guests: false,
            emulator,
            http: reqwest::Client::new(),
        }
    }

    pub fn emu(&self) -> &Emulator {
        self.emulator.as_ref().expect("an emulator bed")
    }

    async fn create_identity_pool(&mut self, guests: bool) {
        let provider = format!("cognito-idp.{}.amazonaws.com/{}", self.region, self.pool_id);
        let v = self
            .call(
                "AWSCognitoIdentityService",
                "CreateIdentityPool",
                json!({
                    "IdentityPoolName": format!("ip{}", &uuid()[..8]),
                    "AllowUnauthenticatedIdentities": guests,
                    "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": self.client_id}],
                    "SupportedLoginProviders": {"accounts.google.com": "google-client"},
                }),
            )
            .await
            .expect("CreateIdentityPool");
        self.identity_pool_id = Some(
            v["IdentityPoolId"]
                .as_str()
                .expect("identity pool id")
                .to_owned(),
        );
        self.guests = guests;
    }

    /// Calls a user-pool operation on the wire.
    pub async fn idp(&self, op: &str, body: Value) -> Result<Value, (u16, String)> {
        self.call("AWSCognitoIdentityProviderService", op, body)
            .await
    }

    pub async fn call(&self, prefix: &str, op: &str, body: Value) -> Result<Value, (u16, String)> {
        let r = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", format!("{prefix}.{op}"))
            .header(
                "Authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0",
                    if prefix.contains("IdentityProvider") { "cognito-idp" } else { "cognito-identity" }
                ),
            )
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| (0, e.to_string()))?;
        let status = r.status().as_u16();
        let text = r.text().await.map_err(|e| (status, e.to_string()))?;
        if status != 200 {
            return Err((status, text));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Creates a confirmed user with a permanent password.
    pub async fn create_user(&self, username: &str, password: &str) {
        self.idp(
            "AdminCreateUser",
            json!({
                "UserPoolId": self.pool_id,
                "Username": username,
                "TemporaryPassword": "Temp-Passw0rd-1!",
                "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}],
            }),
        )
        .await
        .expect("AdminCreateUser");
        self.idp(
            "AdminSetUserPassword",
            json!({"UserPoolId": self.pool_id, "Username": username, "Password": password, "Permanent": true}),
        )
        .await
        .expect("AdminSetUserPassword");
    }

    /// Signs a user out everywhere through the admin API.
    pub async fn admin_global_sign_out(&self, username: &str) {
        self.idp(
            "AdminUserGlobalSignOut",
            json!({"UserPoolId": self.pool_id, "Username": username}),
        )
        .await
        .expect("AdminUserGlobalSignOut");
    }

    pub fn config(&self) -> CognitoConfig {
        self.config_with(
            Tuning::default()
                .with_retry_backoff(Duration::ZERO)
                .with_connect_timeout(Duration::from_secs(2))
                .with_request_timeout(Duration::from_secs(3)),
        )
    }

    pub fn config_with(&self, tuning: Tuning) -> CognitoConfig {
        let mut b = CognitoConfig::builder()
            .user_pool(&self.pool_id, &self.client_id)
            .user_pool_endpoint(&self.endpoint)
            .identity_pool_endpoint(&self.endpoint)
            .tuning(tuning);
        if let Some(s) = &self.client_secret {
            b = b.client_secret(s.as_str());
        }
        if let Some(ip) = &self.identity_pool_id {
            b = b.identity_pool(ip, self.guests);
        }
        b.build().expect("config")
    }

    pub fn plugin_with(
        &self,
        storage: Arc<dyn KeyValueStorage>,
        clock: Arc<dyn Clock>,
    ) -> CognitoAuthPlugin {
        CognitoAuthPlugin::builder(self.config())
            .storage(storage)
            .clock(clock)
            .build()
            .expect("plugin")
    }

    /// A plugin on a fresh memory store with a manual clock.
    pub fn plugin(&self) -> (CognitoAuthPlugin, MemoryStorage, ManualClock) {
        let storage = MemoryStorage::new();
        let clock = ManualClock::new();
        let p = self.plugin_with(Arc::new(storage.clone()), Arc::new(clock.clone()));
        (p, storage, clock)
    }
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Captures every tracing event at TRACE level, from every test of this
/// binary (a global subscriber: tracing caches per-callsite interest, so a
/// thread-local one would miss events whose callsite another test hit first).
pub struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
}

#[derive(Clone)]
struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

impl LogCapture {
    pub fn start() -> Self {
        let buf = LOGS
            .get_or_init(|| {
                let buf = Arc::new(Mutex::new(Vec::new()));
                let writer = BufWriter(buf.clone());
                let subscriber = tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::TRACE)
                    .with_ansi(false)
                    // No timestamps: their digits could match a 6-digit code by chance.
                    .without_time()
                    .with_writer(move || writer.clone())
                    .finish();
                tracing::subscriber::set_global_default(subscriber)
                    .expect("the log capture is the only global subscriber");
                buf
            })
            .clone();
        Self { buf }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().expect("log buffer")).into_owned()
    }
}

/// Fails when a short code (digits) appears in `haystack` as a number of its own (not
/// inside a longer run of digits).
pub fn assert_no_code(what: &str, haystack: &str, code: &str) {
    let bytes = haystack.as_bytes();
    for (pos, _) in haystack.match_indices(code) {
        let before = pos.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(pos + code.len()).copied();
        let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
        assert!(
            digit(before) || digit(after),
            "{what} contains a one-time code"
        );
    }
}

/// Fails when any 20-character window of any secret appears in `haystack`.
pub fn assert_no_secret(what: &str, haystack: &str, secrets: &[&str]) {
    for secret in secrets {
        if secret.is_empty() {
            continue;
        }
        let chars: Vec<char> = secret.chars().collect();
        if chars.len() < 20 {
            assert!(!haystack.contains(secret), "{what} contains a secret");
            continue;
        }
        for w in chars.windows(20) {
            let window: String = w.iter().collect();
            if let Some(pos) = haystack.find(&window) {
                // Name the place (the line's prefix), never the secret.
                let line_start = haystack[..pos].rfind('\n').map_or(0, |i| i + 1);
                let context: String = haystack[line_start..pos]
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                panic!("{what} contains a 20-character piece of a secret, after: {context:?}");
            }
        }
    }
}
