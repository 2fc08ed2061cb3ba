//! An axum server on Amplify Auth: `GET /api/claims` answers the verified
//! claims of an access token sent as `Authorization: Bearer`, or 401.
//!
//! ```text
//! cargo run -p auth-axum --example axum_bff                  # on an in-process emulator
//! cargo run -p auth-axum --example axum_bff -- --check       # also calls itself once, then exits
//! cargo run -p auth-axum --example axum_bff -- --outputs amplify_outputs.json --listen 127.0.0.1:8080
//! ```
//!
//! With no `--outputs` it starts the Cognito emulator in process, with its
//! demo pool, app client and user, and needs nothing configured.
//!
//! **Not done yet** (the backend-for-frontend half of issue 14): the
//! `/me`, `/auth/sign-in`, `/auth/callback` and `/auth/sign-out` routes and
//! server-side sessions. Those routes do not exist (they answer 404), and
//! `--storage-url` (where the sessions will live) is refused with a message
//! rather than ignored. `--public-url` is the base URL the sign-in callback
//! will use; today it is only printed.
//!
//! The server prints no token: the `--check` sign-in prints the claims'
//! username and the HTTP statuses only.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use auth_axum::{CognitoAccessClaims, CognitoAuthLayer, JwksVerifier};
use auth_cognito::{CognitoAuthPlugin, CognitoConfig, SignInOptions};
use auth_core::prelude::{Auth, FetchAuthSessionOptions};
use auth_storage::MemoryStorage;
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use cognito_emulator::{DemoSetup, Emulator};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The flags.
#[derive(Debug, Parser)]
#[command(about = "An axum API verifying Cognito bearer tokens (GET /api/claims)")]
struct Flags {
    /// The address to listen on (port 0: a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// This server's own base URL (the hosted-UI callback will be
    /// `{public-url}/auth/callback` once the BFF routes exist). Default: the
    /// listen address over http.
    #[arg(long)]
    public_url: Option<String>,
    /// An `amplify_outputs.json` for a real user pool. Without it, an
    /// in-process emulator with a demo pool and user is started.
    #[arg(long)]
    outputs: Option<std::path::PathBuf>,
    /// Where BFF sessions will be stored (redis://...). Not implemented yet:
    /// refused.
    #[arg(long)]
    storage_url: Option<String>,
    /// Sign the demo user in (emulator only), call `GET /api/claims` with and
    /// without its access token, print the statuses, and exit.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    if flags.storage_url.is_some() {
        eprintln!(
            "axum_bff: --storage-url is not supported yet: BFF sessions (/me, /auth/*) are not implemented; /api/claims needs no storage"
        );
        return ExitCode::from(2);
    }
    match run(flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum_bff: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `GET /api/claims`: the verified access-token claims (the layer answered
/// 401 already if there are none).
async fn api_claims(claims: CognitoAccessClaims) -> Json<serde_json::Value> {
    Json(serde_json::Value::Object(claims.claims().as_map().clone()))
}

/// The application's routes.
fn app(verifier: JwksVerifier) -> Router {
    Router::new()
        .route("/api/claims", get(api_claims))
        .layer(CognitoAuthLayer::new(verifier))
}

async fn run(flags: Flags) -> Result<(), BoxError> {
    let (emulator, demo, config) = match &flags.outputs {
        Some(path) => (None, None, CognitoConfig::from_amplify_outputs_file(path)?),
        None => {
            let (emulator, demo) = Emulator::start_demo().await?;
            let config = CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json())?;
            (Some(emulator), Some(demo), config)
        }
    };
    let verifier = JwksVerifier::for_config(&config)?;
    let listener = tokio::net::TcpListener::bind(flags.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = flags
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    println!("axum_bff: listening on http://{addr} (public URL {public_url})");
    println!(
        "axum_bff: user pool {}",
        config.user_pool_id().unwrap_or("-")
    );
    if let Some(emulator) = &emulator {
        println!(
            "axum_bff: in-process Cognito emulator at {}",
            emulator.endpoint()
        );
    }
    println!(
        "axum_bff: routes: GET /api/claims (the BFF routes /me and /auth/* are not implemented yet)"
    );
    let server = tokio::spawn(async move { axum::serve(listener, app(verifier)).await });
    if flags.check {
        let demo = demo.ok_or("--check signs the emulator's demo user in: drop --outputs")?;
        let result = check(&config, &demo, &public_url).await;
        server.abort();
        return result;
    }
    tokio::signal::ctrl_c().await?;
    server.abort();
    Ok(())
}

/// Calls `GET /api/claims` without a token and with the demo user's access
/// token, and fails unless the answers are 401 and 200.
async fn check(config: &CognitoConfig, demo: &DemoSetup, base: &str) -> Result<(), BoxError> {
    let plugin = CognitoAuthPlugin::builder(config.clone())
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let auth = Auth::new(Arc::new(plugin));
    let cognito = auth
        .get_plugin::<CognitoAuthPlugin>()
        .ok_or("the Cognito plugin is not registered")?;
    cognito
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await?;
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    let tokens = session.tokens.ok_or("a signed-in session has tokens")?;
    let http = reqwest::Client::new();
    let url = format!("{base}/api/claims");
    let without = http.get(&url).send().await?;
    println!(
        "check: GET /api/claims without a token -> {} ({})",
        without.status().as_u16(),
        without
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
    );
    let with = http
        .get(&url)
        .bearer_auth(tokens.access_token.as_compact_str())
        .send()
        .await?;
    let status = with.status().as_u16();
    let body: serde_json::Value = with.json().await?;
    println!(
        "check: GET /api/claims with the access token -> {status} (username {}, token_use {})",
        body.get("username").and_then(|v| v.as_str()).unwrap_or("-"),
        body.get("token_use")
            .and_then(|v| v.as_str())
            .unwrap_or("-"),
    );
    let without = without.status().as_u16();
    if without != 401 || status != 200 {
        return Err(format!(
            "expected 401 without a token and 200 with one, got {without} and {status}"
        )
        .into());
    }
    println!("check: ok");
    Ok(())
}
