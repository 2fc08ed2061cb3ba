//! A backend for frontend on Amplify Auth: the browser signs in with the
//! hosted UI through this server and keeps only a session cookie; the
//! server keeps the tokens (in memory, or in Redis shared by every
//! instance), refreshes them and answers `/me`. `GET /api/claims` verifies a
//! bearer access token, for API clients.
//!
//! ```text
//! cargo run -p auth-axum --example axum_bff                  # on an in-process emulator
//! cargo run -p auth-axum --example axum_bff -- --check       # also signs in through itself, then exits
//! cargo run -p auth-axum --example axum_bff -- --outputs amplify_outputs.json \
//!     --listen 127.0.0.1:8080 --public-url http://127.0.0.1:8080 --storage-url redis://127.0.0.1:6379/0
//! ```
//!
//! Routes: `GET /me[?force_refresh=true]` (200 `{username, user_id,
//! identity_id}` or 401 JSON), `GET /auth/sign-in[?provider=NAME]`,
//! `GET /auth/callback`, `POST /auth/sign-out`, `GET /api/claims`, and `GET /`
//! (a short text page). The HTTP contract is written out in the README's
//! "Servers" section.
//!
//! With no `--outputs` it starts the Cognito emulator in process, with the
//! demo pool and user (`demo` / `DemoPassw0rd!`), an app client whose
//! callback is `{public-url}/auth/callback` (with refresh-token rotation) and
//! an identity pool, and needs nothing configured. With `--outputs`, the
//! file needs an `auth.oauth` section; `{public-url}/auth/callback` is added
//! to its `redirect_sign_in_uri` when missing, and the app client must allow
//! it.
//!
//! The server prints no token, code, state or cookie: its log (stderr,
//! `RUST_LOG`, default `info`) names sessions by the first 8 hex digits of
//! `sha256(cookie)`.

mod check;
mod demo;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use auth_axum::bff::{BffRejection, BffSessions, SessionStore, SignedInUser};
use auth_axum::{CognitoAccessClaims, CognitoAuthLayer, JwksVerifier};
use auth_cognito::CognitoConfig;
use auth_core::storage::KeyValueStorage;
use axum::extract::Query;
use axum::routing::get;
use axum::{Extension, Json, Router};
use clap::Parser;
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The flags.
#[derive(Debug, Parser)]
#[command(
    about = "A backend for frontend on Amplify Auth (hosted-UI sign-in, server-side sessions)"
)]
struct Flags {
    /// The address to listen on (port 0: a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// This server's own base URL as browsers see it; the hosted UI
    /// redirects to `{public-url}/auth/callback`. Default: the listen
    /// address over http. Under https the cookies are `Secure` and `__Host-`.
    #[arg(long)]
    public_url: Option<String>,
    /// An `amplify_outputs.json` for a real user pool (or an emulator). Without
    /// it, an in-process emulator with a demo pool and user is started.
    #[arg(long)]
    outputs: Option<std::path::PathBuf>,
    /// Where sessions are stored: `redis://...` (shared by every instance
    /// given the same URL). Default: this process's memory.
    #[arg(long)]
    storage_url: Option<String>,
    /// How many sessions are kept in this instance's memory (LRU).
    #[arg(long, default_value_t = auth_axum::bff::DEFAULT_MAX_CACHED_SESSIONS)]
    max_cached_sessions: usize,
    /// Trust a cached session for this many milliseconds before re-reading
    /// its record from the store (0: every request reads it, so a sign-out
    /// on another instance is seen at once).
    #[arg(long, default_value_t = 0)]
    revalidate_ms: u64,
    /// With `--storage-url`: a session nobody writes to (sign-in, token
    /// refresh) for this many seconds expires from Redis (default 30 days,
    /// Cognito's default refresh-token validity; 0: never). Pre-sessions
    /// always expire after 10 minutes.
    #[arg(long, value_name = "SECONDS", default_value_t = auth_axum::bff::DEFAULT_SESSION_IDLE_TTL.as_secs())]
    session_idle_ttl: u64,
    /// Sign in through this server with a cookie-jar client (emulator only),
    /// call `/me`, a forced refresh, sign-out and `/api/claims`, print the
    /// statuses, and exit.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum_bff: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The query of `/me`.
#[derive(Debug, serde::Deserialize)]
struct MeQuery {
    #[serde(default)]
    force_refresh: bool,
}

/// `GET /me`: the signed-in user of the session cookie (401 JSON otherwise);
/// `?force_refresh=true` refreshes the tokens first.
async fn me(user: SignedInUser, Query(q): Query<MeQuery>) -> Result<Json<Value>, BffRejection> {
    let session = user.fetch_auth_session(q.force_refresh).await?;
    let who = user.user().await?;
    Ok(Json(json!({
        "username": who.username,
        "user_id": who.user_id,
        "identity_id": session.identity_id(),
    })))
}

/// `GET /api/claims`: the verified access-token claims (the layer answered
/// 401 already if there are none).
async fn api_claims(claims: CognitoAccessClaims) -> Json<Value> {
    Json(Value::Object(claims.claims().as_map().clone()))
}

/// `GET /`: where the callback lands by default.
async fn home(user: Option<SignedInUser>) -> String {
    match user {
        Some(_) => "signed in: GET /me, POST /auth/sign-out\n".to_owned(),
        None => "signed out: GET /auth/sign-in\n".to_owned(),
    }
}

/// The application's routes.
fn app(verifier: JwksVerifier, bff: BffSessions) -> Router {
    let api = Router::new()
        .route("/api/claims", get(api_claims))
        .layer(CognitoAuthLayer::new(verifier));
    Router::new()
        .route("/", get(home))
        .route("/signed-out", get(|| async { "signed out\n" }))
        .route("/me", get(me))
        .merge(bff.routes())
        .merge(api)
        .layer(Extension(bff))
}

/// The config of `--outputs`, with `{public_url}/auth/callback` added to
/// `auth.oauth.redirect_sign_in_uri` when the file does not list it (so
/// several instances, each with its own public URL, can share one file; the
/// app client must still allow each callback).
fn outputs_config(path: &std::path::Path, public_url: &str) -> Result<CognitoConfig, BoxError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut outputs: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let callback = format!("{public_url}/auth/callback");
    if let Some(list) = outputs
        .pointer_mut("/auth/oauth/redirect_sign_in_uri")
        .and_then(Value::as_array_mut)
        && !list.iter().any(|u| u.as_str() == Some(callback.as_str()))
    {
        println!(
            "axum_bff: note: {callback} added to the outputs' redirect_sign_in_uri (the app client must allow it)"
        );
        list.push(Value::String(callback));
    }
    Ok(CognitoConfig::from_amplify_outputs(&outputs.to_string())?)
}

/// The session store of `--storage-url`.
async fn session_store(url: Option<&str>) -> Result<SessionStore, BoxError> {
    let Some(url) = url else {
        return Ok(SessionStore::memory());
    };
    let redis = auth_storage_redis::RedisStore::builder(url)?
        .connect()
        .await?;
    println!("axum_bff: sessions in Redis at {}", redis.url());
    Ok(SessionStore::from_fn_with_expiry(move |namespace, idle| {
        Ok(Arc::new(redis.storage(namespace)?.with_expiry(idle)) as Arc<dyn KeyValueStorage>)
    }))
}

async fn run(flags: Flags) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(flags.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = flags
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let public_url = public_url.trim_end_matches('/').to_owned();
    let (emulator, demo, config) = match &flags.outputs {
        Some(path) => (None, None, outputs_config(path, &public_url)?),
        None => {
            let (emulator, demo) = demo::start(&public_url).await?;
            let config = CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json())?;
            (Some(emulator), Some(demo), config)
        }
    };
    let verifier = JwksVerifier::for_config(&config)?;
    let store = session_store(flags.storage_url.as_deref()).await?;
    let bff = BffSessions::builder(config.clone(), public_url.clone())
        .store(store)
        .max_cached_sessions(flags.max_cached_sessions)
        .revalidate_after(Duration::from_millis(flags.revalidate_ms))
        .session_idle_ttl(Duration::from_secs(flags.session_idle_ttl))
        .build()?;
    println!(
        "axum_bff: user pool {}, callback {}",
        config.user_pool_id().unwrap_or("-"),
        bff.callback_url()
    );
    if let Some(emulator) = &emulator {
        println!(
            "axum_bff: in-process Cognito emulator at {}",
            emulator.endpoint()
        );
    }
    println!(
        "axum_bff: routes: GET /me[?force_refresh=true], GET /auth/sign-in[?provider=], GET /auth/callback, POST /auth/sign-out, GET /api/claims"
    );
    let server = tokio::spawn(async move { axum::serve(listener, app(verifier, bff)).await });
    println!("axum_bff: listening on http://{addr} (public URL {public_url})");
    if flags.check {
        let demo = demo.ok_or("--check signs the emulator's demo user in: drop --outputs")?;
        let result = check::run(&config, &demo, &format!("http://{addr}")).await;
        server.abort();
        return result;
    }
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        r = server => r??,
    }
    Ok(())
}
