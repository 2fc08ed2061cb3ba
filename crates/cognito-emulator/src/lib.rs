//! A local Amazon Cognito — user pools and identity pools — for demos and hermetic tests.
//!
//! It speaks the real wire protocol (`POST /`, `Content-Type: application/x-amz-json-1.1`,
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>` or `AWSCognitoIdentityService.<Op>`),
//! so unmodified clients (boto3, pycognito, Amplify JS, `aws-sdk-cognitoidentity`) can use
//! it with a custom endpoint. It shares no code with the client crates of this workspace:
//! its SRP is its own server-side implementation, so a client bug is not masked.
//!
//! # Contents
//! - [Quick start](#quick-start)
//! - [Operations](#operations)
//! - [Choices where Cognito is ambiguous](#choices-where-cognito-is-ambiguous)
//! - [Test controls](#test-controls)
//! - [Security](#security)
//!
//! # Quick start
//! ```no_run
//! # async fn demo() -> Result<(), cognito_emulator::EmulatorError> {
//! use cognito_emulator::{ClientOptions, Emulator};
//! use std::time::Duration;
//!
//! let emu = Emulator::start().await?; // 127.0.0.1, a free port
//! let pool = emu.create_user_pool("my-pool")?;
//! let client = emu.create_user_pool_client(
//!     &pool,
//!     ClientOptions { access_token_ttl: Some(Duration::from_secs(5)), ..Default::default() },
//! )?;
//! emu.admin_create_user(&pool, "alice", "Passw0rd!", true)?;
//! let provider = emu.cognito_provider_name(&pool);
//! let identity_pool = emu.create_identity_pool(true, &[(&provider, &client.id)], &[])?;
//! println!("endpoint {}", emu.endpoint());
//! emu.shutdown().await;
//! # let _ = identity_pool; Ok(()) }
//! ```
//! [`Emulator::start_demo`] makes a ready pool, client, user and identity pool and can
//! print the matching `amplify_outputs.json`. The `cognito-emulator` binary wraps it:
//! `cognito-emulator --port 0 --bind 127.0.0.1 --seed-demo`.
//!
//! # Operations
//! User pools: `CreateUserPool`, `DescribeUserPool`, `CreateUserPoolClient`,
//! `DescribeUserPoolClient`, `AdminCreateUser`, `AdminSetUserPassword`, `AdminDeleteUser`,
//! `AdminDisableUser`, `AdminEnableUser`, `AdminUserGlobalSignOut`, `AdminConfirmSignUp`,
//! `AdminGetUser`, `AdminSetUserMFAPreference`, `SignUp`, `ConfirmSignUp`, `InitiateAuth`
//! and `AdminInitiateAuth` (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`,
//! `ADMIN_USER_PASSWORD_AUTH`/`ADMIN_NO_SRP_AUTH`, `REFRESH_TOKEN_AUTH`/`REFRESH_TOKEN`),
//! `RespondToAuthChallenge` and `AdminRespondToAuthChallenge` (`PASSWORD_VERIFIER`,
//! `NEW_PASSWORD_REQUIRED`, `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `SELECT_MFA_TYPE`),
//! `GetTokensFromRefreshToken`, `GetUser`, `GlobalSignOut`, `RevokeToken`, `ChangePassword`,
//! `AssociateSoftwareToken`, `VerifySoftwareToken`, `SetUserMFAPreference`.
//! `GET /<poolId>/.well-known/jwks.json` and `/<poolId>/.well-known/openid-configuration`.
//!
//! Identity pools: `CreateIdentityPool`, `DescribeIdentityPool`, `GetId`,
//! `GetCredentialsForIdentity`, `GetOpenIdToken`.
//!
//! Admin operations accept any SigV4 signature, or none. Errors are HTTP 400 (500 for
//! internal ones) with `{"__type": .., "message": ..}` and an `x-amzn-ErrorType` header;
//! every response has `x-amzn-RequestId`. An unknown operation is
//! `UnknownOperationException`; an unparsable body is `SerializationException`. `OPTIONS`
//! on any path answers a permissive CORS preflight, and every response carries
//! `Access-Control-Allow-Origin: *`.
//!
//! # Choices where Cognito is ambiguous
//! - **Issuer**: `https://cognito-idp.<region>.amazonaws.com/<poolId>` by default, so the
//!   identity-pool provider name `cognito-idp.<region>.amazonaws.com/<poolId>` lines up.
//!   [`EmulatorBuilder::issuer_from_endpoint`] makes it `http://127.0.0.1:PORT/<poolId>`,
//!   and [`EmulatorBuilder::issuer_base`] sets any prefix.
//! - **Unknown user at sign-in**: `UserNotFoundException "User does not exist."` (the
//!   API's `PreventUserExistenceErrors: LEGACY` default). A client created with
//!   `PreventUserExistenceErrors: ENABLED` (or [`ClientOptions::prevent_user_existence_errors`])
//!   gets `NotAuthorizedException "Incorrect username or password."` instead.
//! - **Token lifetimes**: `TokenValidityUnits` accepts `seconds`, `minutes`, `hours`,
//!   `days`, with no minimums (real Cognito requires at least 5 minutes for access and
//!   id tokens). Defaults: 1 hour, 1 hour, 30 days.
//! - **Refresh rotation** (`RefreshTokenRotation: {Feature: ENABLED, RetryGracePeriodSeconds}`):
//!   `GetTokensFromRefreshToken` returns a new refresh token of the same family
//!   (same `origin_jti`); the used one keeps working for the grace period, then gives
//!   `RefreshTokenReuseException`. `InitiateAuth` `REFRESH_TOKEN_AUTH` on such a client
//!   gives `NotAuthorizedException`. Without rotation, neither returns a refresh token.
//! - **Refresh failures**: unknown token or wrong client → `NotAuthorizedException
//!   "Invalid Refresh Token"`; revoked (RevokeToken, GlobalSignOut) → `NotAuthorizedException
//!   "Refresh Token has been revoked"`; expired → `NotAuthorizedException "Refresh Token has
//!   expired"`; deleted user → `UserNotFoundException`; disabled → `NotAuthorizedException
//!   "User is disabled."`.
//! - **Revocation**: `RevokeToken` revokes the refresh token's whole family (its
//!   `origin_jti`), which also invalidates the access tokens of that sign-in for `GetUser`
//!   and friends. An unknown refresh token is accepted silently (RFC 7009); a JWT is
//!   `UnsupportedTokenTypeException`; a wrong `ClientSecret` is `UnauthorizedException`.
//!   `GlobalSignOut` revokes every family of the user.
//! - **Refresh tokens** are opaque random strings.
//! - **`REFRESH_TOKEN_AUTH` with a client secret** accepts a `SECRET_HASH` computed over the
//!   username or the `sub`.
//! - **`ExplicitAuthFlows`** is stored and echoed but not enforced.
//! - **MFA**: any user with TOTP or SMS MFA enabled gets the challenge (the pool's
//!   `MfaConfiguration` is not consulted). TOTP is RFC 6238 (SHA-1, 6 digits, 30 s, ±1
//!   step) on the emulator clock (clock offset included).
//! - **External identity providers** (`SupportedLoginProviders`): any non-empty token is
//!   accepted. The identity key is the token's unverified `sub` claim when it looks like a
//!   JWT, else the whole token string.
//! - **Identity ids** are `<region>:<uuid>`. `GetId` without logins makes a new guest
//!   identity each call (as Cognito does). `GetCredentialsForIdentity` with logins on a guest
//!   identity links (upgrades) it; a later `GetId` with the same login returns it. Logins
//!   already linked to another identity give `NotAuthorizedException "Logins don't match..."`.
//!   An authenticated identity without logins gives `NotAuthorizedException "Access to
//!   Identity '..' is forbidden."`.
//! - **Credentials**: `AccessKeyId` `ASIA` + 16 characters, `Expiration` in epoch seconds
//!   as a JSON number; lifetime [`EmulatorBuilder::credentials_ttl`] (default 1 hour).
//!   They sign nothing real.
//!
//! # Test controls
//! In process: [`Emulator::count`], [`Emulator::counters`], [`Emulator::reset_counters`],
//! [`Emulator::inject_fault`] with a [`Fault`], [`Emulator::set_clock_offset`],
//! [`Emulator::confirmation_code`], [`Emulator::sms_code`], [`Emulator::set_totp_secret`],
//! [`Emulator::enable_sms_mfa`], [`Emulator::identity_for_access_key`].
//! Counters count HTTP requests per operation name (e.g. `"GetId"`), faulted ones
//! included; in-process calls are not counted.
//!
//! Over HTTP, under `/_emulator/` (no production client calls these):
//! - `GET /_emulator/health`
//! - `GET /_emulator/counters` → `{"GetId": 2, ..}`; `POST /_emulator/counters/reset`
//! - `POST /_emulator/faults` with `{"operation": "GetId", "times": 1, "fault": F}`, where
//!   F is `{"kind": "status", "status": 500, "type": "InternalErrorException", "message": ".."}`,
//!   `{"kind": "latency", "ms": 200}`, `{"kind": "drop"}`, `{"kind": "malformed_body"}` or
//!   `{"kind": "missing_fields"}`; `DELETE /_emulator/faults` clears them
//! - `POST /_emulator/clock` with `{"offset_seconds": 3600}`
//! - `GET /_emulator/users/<poolId>/<username>/codes` → `{"confirmation_code", "sms_mfa_code"}`
//! - `POST /_emulator/users/<poolId>/<username>/totp` with `{"secret": "<base32>"}`
//! - `POST /_emulator/users/<poolId>/<username>/sms-mfa` with `{"phone_number": ".."}`
//! - `GET /_emulator/credentials/<accessKeyId>` → `{"identity_id": ..}`
//!
//! # Security
//! This is a test tool: it keeps state in memory, trusts every admin caller, and its
//! signing key is made fresh in each process. Passwords are stored only as SRP verifiers.
//! Types here that hold secrets ([`Client`], [`DemoSetup`]) redact them in `Debug`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod error;
mod identity;
mod server;
mod srp;
mod state;
mod tokens;
mod totp;
mod user_pool;

pub use error::EmulatorError;
pub use totp::totp_code;
pub use user_pool::secret_hash;

use error::ApiError;
use server::{Shared, lock};
use state::{Config, MfaKind, QueuedFault, State};

/// A fault to inject into the next calls of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and `{"__type": type_, "message": message}`.
    Status {
        /// HTTP status code, e.g. 500 or 400.
        status: u16,
        /// The `__type`, e.g. `InternalErrorException` or `TooManyRequestsException`.
        type_: String,
        /// The message.
        message: String,
    },
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Close the TCP connection without any HTTP response.
    Drop,
    /// Answer 200 with a truncated JSON body (`{"Authentic`).
    MalformedBody,
    /// Answer 200 with valid JSON that lacks every field (`{}`).
    MissingFields,
}

/// Options of [`Emulator::create_user_pool_client`]. `Default` gives Cognito's defaults
/// (no secret, 1 h access and id tokens, 30 d refresh tokens, no rotation, revocation on).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Client name (default `"client"`).
    pub name: Option<String>,
    /// Generate a client secret (`GenerateSecret`).
    pub generate_secret: bool,
    /// Access-token lifetime, whole seconds (default 1 h).
    pub access_token_ttl: Option<Duration>,
    /// Id-token lifetime, whole seconds (default 1 h).
    pub id_token_ttl: Option<Duration>,
    /// Refresh-token lifetime, whole seconds (default 30 d).
    pub refresh_token_ttl: Option<Duration>,
    /// `Some(grace)` enables refresh-token rotation with this retry grace period (0–60 s).
    pub refresh_token_rotation: Option<Duration>,
    /// Turn off `EnableTokenRevocation` (it is on by default, as in Cognito).
    pub disable_token_revocation: bool,
    /// `PreventUserExistenceErrors: ENABLED` (unknown users look like wrong passwords).
    pub prevent_user_existence_errors: bool,
}

/// An app client made by [`Emulator::create_user_pool_client`].
#[derive(Clone)]
pub struct Client {
    /// The client id.
    pub id: String,
    /// The client secret, when one was generated. **Security warning**: a secret.
    pub secret: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// What [`Emulator::start_demo`] created.
#[derive(Clone)]
pub struct DemoSetup {
    /// The emulator's base URL, e.g. `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Region of every id.
    pub region: String,
    /// The user pool id.
    pub user_pool_id: String,
    /// The app client id (no secret, as Amplify requires).
    pub client_id: String,
    /// The identity pool id (guests allowed, linked to the user pool client).
    pub identity_pool_id: String,
    /// The demo user's username (`demo`).
    pub username: String,
    /// The demo user's password. **Security warning**: a secret (a fixed demo one).
    pub password: String,
}

impl std::fmt::Debug for DemoSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSetup")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("identity_pool_id", &self.identity_pool_id)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl DemoSetup {
    /// An Amplify Gen 2 `amplify_outputs.json` for this setup, with the emulator as
    /// `auth.user_pool_endpoint` and `auth.identity_pool_endpoint`.
    pub fn amplify_outputs_json(&self) -> String {
        let v = json!({
            "version": "1.3",
            "auth": {
                "aws_region": self.region,
                "user_pool_id": self.user_pool_id,
                "user_pool_client_id": self.client_id,
                "identity_pool_id": self.identity_pool_id,
                "unauthenticated_identities_enabled": true,
                "user_pool_endpoint": self.endpoint,
                "identity_pool_endpoint": self.endpoint,
                "standard_required_attributes": ["email"],
                "username_attributes": [],
                "user_verification_types": ["email"],
                "mfa_configuration": "OPTIONAL",
                "mfa_methods": ["TOTP"],
                "password_policy": {
                    "min_length": 8,
                    "require_lowercase": false,
                    "require_numbers": false,
                    "require_symbols": false,
                    "require_uppercase": false
                }
            }
        });
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }
}

/// Builder for [`Emulator`]: region, issuer, credentials lifetime, bind address and port.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    region: String,
    issuer_base: Option<String>,
    issuer_is_endpoint: bool,
    credentials_ttl: Duration,
    bind: IpAddr,
    port: u16,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            issuer_base: None,
            issuer_is_endpoint: false,
            credentials_ttl: Duration::from_secs(3600),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
        }
    }
}

impl EmulatorBuilder {
    /// Region of pool and identity ids (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Issuer prefix; tokens get `iss = <base>/<poolId>`. Default:
    /// `https://cognito-idp.<region>.amazonaws.com`.
    pub fn issuer_base(mut self, base: impl Into<String>) -> Self {
        self.issuer_base = Some(base.into());
        self
    }

    /// Use the emulator's own endpoint (`http://127.0.0.1:PORT`) as the issuer prefix, so
    /// that `iss` + `/.well-known/jwks.json` resolves to this emulator.
    pub fn issuer_from_endpoint(mut self) -> Self {
        self.issuer_is_endpoint = true;
        self
    }

    /// Lifetime of identity-pool credentials (default 1 hour).
    pub fn credentials_ttl(mut self, ttl: Duration) -> Self {
        self.credentials_ttl = ttl;
        self
    }

    /// Address to bind (default 127.0.0.1).
    pub fn bind(mut self, ip: IpAddr) -> Self {
        self.bind = ip;
        self
    }

    /// Port to bind (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Generate (once per process) the signing key, bind, and start serving.
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        tokio::task::spawn_blocking(|| tokens::key().map(|_| ()))
            .await
            .map_err(|e| EmulatorError::Io(format!("key generation task failed: {e}")))?
            .map_err(EmulatorError::Io)?;
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(self.bind, self.port))
            .await
            .map_err(|e| EmulatorError::Io(format!("bind failed: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| EmulatorError::Io(e.to_string()))?;
        let mut st = State::new(Config {
            region: self.region,
            issuer_base: self.issuer_base,
            issuer_is_endpoint: self.issuer_is_endpoint,
            credentials_ttl: self.credentials_ttl,
        });
        st.endpoint = format!("http://{addr}");
        let shared: Shared = Arc::new(Mutex::new(st));
        let (tx, rx) = watch::channel(false);
        let app = server::router(shared.clone());
        let task = tokio::spawn(server::serve(listener, app, rx));
        Ok(Emulator {
            shared,
            addr,
            shutdown: tx,
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server; [`Emulator::shutdown`] also waits.
pub struct Emulator {
    shared: Shared,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn field(v: &Value, path: &[&str]) -> Result<String, EmulatorError> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p).unwrap_or(&Value::Null);
    }
    cur.as_str()
        .map(str::to_owned)
        .ok_or_else(|| EmulatorError::Io(format!("internal: missing {}", path.join("."))))
}

pub(crate) fn push_fault(st: &mut State, op: &str, fault: Fault, times: usize) {
    if times == 0 {
        return;
    }
    st.faults
        .entry(op.to_owned())
        .or_default()
        .push_back(QueuedFault {
            fault,
            remaining: times,
        });
}

pub(crate) fn set_totp(
    st: &mut State,
    pool_id: &str,
    username: &str,
    base32_secret: &str,
) -> Result<(), ApiError> {
    let secret = totp::base32_decode(base32_secret)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("secret is not valid base32"))?;
    let u = user_pool::user_mut(st, pool_id, username)?;
    u.totp_secret = Some(secret);
    u.totp_enabled = true;
    u.preferred_mfa = Some(MfaKind::Totp);
    Ok(())
}

pub(crate) fn set_sms(
    st: &mut State,
    pool_id: &str,
    username: &str,
    phone: Option<&str>,
) -> Result<(), ApiError> {
    let u = user_pool::user_mut(st, pool_id, username)?;
    let phone = phone.unwrap_or("+15555550100");
    u.attributes
        .entry("phone_number".to_owned())
        .or_insert_with(|| phone.to_owned());
    u.sms_enabled = true;
    u.preferred_mfa = Some(MfaKind::Sms);
    Ok(())
}

impl Emulator {
    /// Start with the defaults: 127.0.0.1, a free port, region `us-east-1`.
    pub async fn start() -> Result<Self, EmulatorError> {
        Self::builder().start().await
    }

    /// A builder for non-default settings.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Start and seed a demo: pool `demo-pool`, a client without secret, user `demo`
    /// (confirmed, email `demo@example.com`), and an identity pool that allows guests and
    /// trusts the client.
    pub async fn start_demo() -> Result<(Self, DemoSetup), EmulatorError> {
        let emu = Self::start().await?;
        let setup = emu.seed_demo()?;
        Ok((emu, setup))
    }

    /// Seed the demo set-up of [`Emulator::start_demo`] into this emulator.
    pub fn seed_demo(&self) -> Result<DemoSetup, EmulatorError> {
        let pool = self.create_user_pool("demo-pool")?;
        let client = self.create_user_pool_client(
            &pool,
            ClientOptions {
                name: Some("demo-app".to_owned()),
                ..Default::default()
            },
        )?;
        let (username, password) = ("demo".to_owned(), "DemoPassw0rd!".to_owned());
        self.admin_create_user_with_attributes(
            &pool,
            &username,
            &password,
            true,
            &[("email", "demo@example.com"), ("email_verified", "true")],
        )?;
        let provider = self.cognito_provider_name(&pool);
        let identity_pool_id = self.create_identity_pool(true, &[(&provider, &client.id)], &[])?;
        Ok(DemoSetup {
            endpoint: self.endpoint(),
            region: self.region(),
            user_pool_id: pool,
            client_id: client.id,
            identity_pool_id,
            username,
            password,
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:PORT` (no trailing slash).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The region of ids.
    pub fn region(&self) -> String {
        lock(&self.shared).config.region.clone()
    }

    /// The `iss` claim of tokens of `pool_id`.
    pub fn issuer(&self, pool_id: &str) -> String {
        lock(&self.shared).issuer(pool_id)
    }

    /// The identity-pool provider name of `pool_id`: the issuer without its scheme, e.g.
    /// `cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz`.
    pub fn cognito_provider_name(&self, pool_id: &str) -> String {
        let iss = self.issuer(pool_id);
        iss.strip_prefix("https://")
            .or_else(|| iss.strip_prefix("http://"))
            .unwrap_or(&iss)
            .to_owned()
    }

    /// The JWKS document (`{"keys": [..]}`) served for every pool.
    pub fn jwks(&self) -> Value {
        tokens::jwks()
    }

    fn call(
        &self,
        f: fn(&mut State, &Value) -> Result<Value, ApiError>,
        req: Value,
    ) -> Result<Value, EmulatorError> {
        Ok(f(&mut lock(&self.shared), &req)?)
    }

    /// `CreateUserPool`; returns the pool id `<region>_<9 alnum>`.
    pub fn create_user_pool(&self, name: &str) -> Result<String, EmulatorError> {
        let v = self.call(user_pool::create_user_pool, json!({"PoolName": name}))?;
        field(&v, &["UserPool", "Id"])
    }

    /// `CreateUserPoolClient` with lifetimes in seconds (units `seconds`).
    pub fn create_user_pool_client(
        &self,
        pool_id: &str,
        opts: ClientOptions,
    ) -> Result<Client, EmulatorError> {
        let secs = |d: Option<Duration>, default: u64| d.map_or(default, |d| d.as_secs().max(1));
        let mut req = json!({
            "UserPoolId": pool_id,
            "ClientName": opts.name.as_deref().unwrap_or("client"),
            "GenerateSecret": opts.generate_secret,
            "AccessTokenValidity": secs(opts.access_token_ttl, 3600),
            "IdTokenValidity": secs(opts.id_token_ttl, 3600),
            "RefreshTokenValidity": secs(opts.refresh_token_ttl, 30 * 86_400),
            "TokenValidityUnits": {"AccessToken": "seconds", "IdToken": "seconds", "RefreshToken": "seconds"},
            "EnableTokenRevocation": !opts.disable_token_revocation,
            "PreventUserExistenceErrors": if opts.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        });
        if let (Some(grace), Some(o)) = (opts.refresh_token_rotation, req.as_object_mut()) {
            o.insert(
                "RefreshTokenRotation".into(),
                json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": grace.as_secs()}),
            );
        }
        let v = self.call(user_pool::create_user_pool_client, req)?;
        Ok(Client {
            id: field(&v, &["UserPoolClient", "ClientId"])?,
            secret: field(&v, &["UserPoolClient", "ClientSecret"]).ok(),
        })
    }

    /// `AdminCreateUser` + `AdminSetUserPassword`: `permanent` makes the user `CONFIRMED`,
    /// otherwise it is `FORCE_CHANGE_PASSWORD` with `password` as temporary password.
    /// Returns the user's `sub`.
    pub fn admin_create_user(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<String, EmulatorError> {
        self.admin_create_user_with_attributes(pool_id, username, password, permanent, &[])
    }

    /// [`Emulator::admin_create_user`] with attributes, e.g. `[("email", "a@example.com")]`.
    pub fn admin_create_user_with_attributes(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
        attributes: &[(&str, &str)],
    ) -> Result<String, EmulatorError> {
        let status = if permanent {
            state::UserStatus::Confirmed
        } else {
            state::UserStatus::ForceChangePassword
        };
        let attrs: BTreeMap<String, String> = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut st = lock(&self.shared);
        user_pool::insert_user(&mut st, pool_id, username, password, attrs, status)?;
        Ok(user_pool::user(&st, pool_id, username)?.sub.clone())
    }

    /// `AdminSetUserPassword`.
    pub fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), EmulatorError> {
        self.call(
            user_pool::admin_set_user_password,
            json!({"UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": permanent}),
        )
        .map(|_| ())
    }

    /// Enable or disable a user (`AdminEnableUser` / `AdminDisableUser`).
    pub fn set_user_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> Result<(), EmulatorError> {
        let mut st = lock(&self.shared);
        user_pool::user_mut(&mut st, pool_id, username)?.enabled = enabled;
        Ok(())
    }

    /// `AdminUserGlobalSignOut`: revoke every refresh and access token of the user.
    pub fn admin_user_global_sign_out(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<(), EmulatorError> {
        let mut st = lock(&self.shared);
        user_pool::user(&st, pool_id, username)?;
        user_pool::sign_out_user(&mut st, pool_id, username);
        Ok(())
    }

    /// `CreateIdentityPool`. `cognito_providers` are (provider name, client id) pairs, see
    /// [`Emulator::cognito_provider_name`]; `supported_login_providers` are (provider, app
    /// id) pairs, e.g. `("accounts.google.com", "x")`. Returns `<region>:<uuid>`.
    pub fn create_identity_pool(
        &self,
        allow_unauthenticated: bool,
        cognito_providers: &[(&str, &str)],
        supported_login_providers: &[(&str, &str)],
    ) -> Result<String, EmulatorError> {
        let providers: Vec<Value> = cognito_providers
            .iter()
            .map(|(p, c)| json!({"ProviderName": p, "ClientId": c}))
            .collect();
        let supported: serde_json::Map<String, Value> = supported_login_providers
            .iter()
            .map(|(p, a)| ((*p).to_owned(), json!(a)))
            .collect();
        let v = self.call(
            identity::create_identity_pool,
            json!({
                "IdentityPoolName": "pool",
                "AllowUnauthenticatedIdentities": allow_unauthenticated,
                "CognitoIdentityProviders": providers,
                "SupportedLoginProviders": supported,
            }),
        )?;
        field(&v, &["IdentityPoolId"])
    }

    /// HTTP requests received for operation `op` (e.g. `"GetId"`) since the last reset.
    pub fn count(&self, op: &str) -> u64 {
        lock(&self.shared).counters.get(op).copied().unwrap_or(0)
    }

    /// All per-operation request counts.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        lock(&self.shared).counters.clone()
    }

    /// Reset every counter to zero.
    pub fn reset_counters(&self) {
        lock(&self.shared).counters.clear();
    }

    /// Apply `fault` to the next `times` HTTP calls of `op`. Faults queue in order.
    pub fn inject_fault(&self, op: &str, fault: Fault, times: usize) {
        push_fault(&mut lock(&self.shared), op, fault, times);
    }

    /// Remove every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared).faults.clear();
    }

    /// Shift the emulator clock (used for `iat`, `exp`, and every expiry check) by
    /// `secs` seconds from the system clock.
    pub fn set_clock_offset(&self, secs: i64) {
        lock(&self.shared).clock_offset = secs;
    }

    /// The emulator clock, in unix seconds.
    pub fn now(&self) -> i64 {
        lock(&self.shared).now()
    }

    /// The `SignUp` confirmation code of a user not yet confirmed.
    pub fn confirmation_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        user_pool::user(&st, pool_id, username)
            .ok()?
            .confirmation_code
            .clone()
    }

    /// The last `SMS_MFA` code "sent" to a user.
    pub fn sms_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        user_pool::user(&st, pool_id, username)
            .ok()?
            .last_sms_code
            .clone()
    }

    /// Give a user a verified TOTP secret (base32) and make `SOFTWARE_TOKEN_MFA` its
    /// enabled, preferred MFA. Compute codes with [`totp_code`] and [`Emulator::now`].
    pub fn set_totp_secret(
        &self,
        pool_id: &str,
        username: &str,
        base32_secret: &str,
    ) -> Result<(), EmulatorError> {
        Ok(set_totp(
            &mut lock(&self.shared),
            pool_id,
            username,
            base32_secret,
        )?)
    }

    /// Enable and prefer `SMS_MFA` for a user (setting `phone_number` if it has none).
    pub fn enable_sms_mfa(
        &self,
        pool_id: &str,
        username: &str,
        phone_number: Option<&str>,
    ) -> Result<(), EmulatorError> {
        Ok(set_sms(
            &mut lock(&self.shared),
            pool_id,
            username,
            phone_number,
        )?)
    }

    /// The identity id that an issued `AccessKeyId` belongs to.
    pub fn identity_for_access_key(&self, access_key_id: &str) -> Option<String> {
        lock(&self.shared).issued_keys.get(access_key_id).cloned()
    }

    /// The (provider, subject) logins linked to an identity; empty for a guest, `None` if
    /// unknown.
    pub fn identity_logins(&self, identity_id: &str) -> Option<Vec<(String, String)>> {
        lock(&self.shared)
            .identities
            .get(identity_id)
            .map(|i| i.logins.clone())
    }

    /// Stop serving and wait for the accept loop to end. Open connections are closed.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}
