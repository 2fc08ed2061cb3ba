//! Amplify's "Manage user sessions" page, step by step, against a real or an
//! emulated Cognito described by an `amplify_outputs.json`.
//!
//! ```text
//! AMPLIFY_AUTH_PASSWORD=... cargo run --example manage_sessions -- \
//!     --outputs amplify_outputs.json --username alice [--auth-flow srp|password] [--json] [--global]
//! cargo run --example manage_sessions -- --outputs amplify_outputs.json --guest [--json]
//! ```
//!
//! Steps: sign in, get the current user, fetch the session, print the token
//! claims, force a refresh, sign out. With `--guest` there is no sign-in: it
//! fetches a guest session (identity id and AWS credentials) only.
//!
//! With `--json` it prints one JSON object on stdout:
//! `current_user`, `session`, `refreshed_session` and `signed_out` (only
//! `session` with `--guest`). Tokens, secret keys and session tokens are never
//! printed: only token claims and the access key id.
//!
//! Any failure exits non-zero with one line on stderr.

use std::process::ExitCode;
use std::sync::Arc;

use amplify_auth::prelude::*;
use serde_json::{Value, json};

const USAGE: &str = "usage: manage_sessions --outputs <amplify_outputs.json> \
(--username <name> | --guest) [--auth-flow srp|password] [--json] [--global]
  the password is read from the environment variable AMPLIFY_AUTH_PASSWORD";

/// The environment variable that holds the password.
const PASSWORD_ENV: &str = "AMPLIFY_AUTH_PASSWORD";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
struct Args {
    outputs: String,
    username: Option<String>,
    flow: AuthFlowType,
    json: bool,
    guest: bool,
    global: bool,
}

/// Parses the command line; `Err` is the message to print above the usage.
fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut outputs = None;
    let mut username = None;
    let mut flow = AuthFlowType::UserSrpAuth;
    let (mut json, mut guest, mut global) = (false, false, false);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--outputs" => outputs = Some(value("--outputs")?),
            "--username" => username = Some(value("--username")?),
            "--auth-flow" => {
                flow = match value("--auth-flow")?.as_str() {
                    "srp" => AuthFlowType::UserSrpAuth,
                    "password" => AuthFlowType::UserPasswordAuth,
                    other => return Err(format!("unknown --auth-flow `{other}`")),
                }
            }
            "--json" => json = true,
            "--guest" => guest = true,
            "--global" => global = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let outputs = outputs.ok_or("--outputs is required")?;
    if guest && username.is_some() {
        return Err("--guest and --username exclude each other".into());
    }
    if !guest && username.is_none() {
        return Err("--username is required (or --guest)".into());
    }
    Ok(Some(Args {
        outputs,
        username,
        flow,
        json,
        guest,
        global,
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("manage_sessions: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Display of our errors never contains a secret; keep it to one line.
            let line = e.to_string().replace('\n', " ");
            eprintln!("manage_sessions: {line}");
            ExitCode::FAILURE
        }
    }
}

/// Prints a human-readable line, unless the output is JSON.
macro_rules! say {
    ($args:expr, $($fmt:tt)*) => {
        if !$args.json {
            println!($($fmt)*);
        }
    };
}

async fn run(args: &Args) -> Result<(), BoxError> {
    let config = CognitoConfig::from_amplify_outputs_file(&args.outputs)?;
    // A CLI keeps the session in memory; a long-lived app would use
    // `FileStorage::open(path)` so that the session survives restarts.
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let auth = Auth::new(Arc::new(plugin));
    let cognito = auth
        .get_plugin::<CognitoAuthPlugin>()
        .ok_or("the Cognito plugin is not registered")?;

    if args.guest {
        say!(
            args,
            "1. Guest session: fetch_auth_session() with nobody signed in"
        );
        let session = auth
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await?;
        let view = session_json(&session);
        if args.json {
            println!("{}", json!({ "session": view }));
        } else {
            print_session(&view);
        }
        return Ok(());
    }

    let username = args.username.as_deref().ok_or("--username is required")?;
    let password = std::env::var(PASSWORD_ENV)
        .map_err(|_| format!("set the password in the environment variable {PASSWORD_ENV}"))?;

    say!(args, "1. Sign in as `{username}` ({})", args.flow);
    let result = cognito
        .sign_in(username, &password, SignInOptions::with_flow(args.flow))
        .await?;
    drop(password);
    if result.next_step != SignInStep::Done {
        return Err(format!(
            "sign-in needs another step ({:?}), which this example does not handle",
            result.next_step
        )
        .into());
    }
    say!(args, "   signed in");

    say!(args, "2. get_current_user()");
    let user = auth.get_current_user().await?;
    let current_user = json!({
        "username": user.username,
        "user_id": user.user_id,
        "sign_in_details": user.sign_in_details.as_ref().map(|d| json!({
            "login_id": d.login_id,
            "auth_flow_type": d.auth_flow_type.as_str(),
        })),
    });
    say!(
        args,
        "   username {}, user id {}",
        user.username,
        user.user_id
    );
    if let Some(d) = &user.sign_in_details {
        say!(
            args,
            "   sign-in details: login id {}, flow {}",
            d.login_id.as_deref().unwrap_or("-"),
            d.auth_flow_type
        );
    }

    say!(args, "3. fetch_auth_session() and 4. the token claims");
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    let session = session_json(&session);
    if !args.json {
        print_session(&session);
    }

    say!(args, "5. fetch_auth_session(force_refresh: true)");
    let refreshed = auth
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await?;
    let refreshed = session_json(&refreshed);
    if !args.json {
        print_session(&refreshed);
    }

    say!(
        args,
        "6. sign_out({})",
        if args.global { "global" } else { "local" }
    );
    let out = auth
        .sign_out(SignOutOptions::default().with_global(args.global))
        .await?;
    if let Some(e) = &out.remote_error {
        say!(
            args,
            "   server-side sign-out failed (the local session is cleared): {e}"
        );
    }
    let after = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    let signed_out =
        !after.is_signed_in() && matches!(auth.get_current_user().await, Err(AuthError::SignedOut));
    say!(
        args,
        "   signed out: {signed_out} (server-side: {})",
        out.remote_signed_out
    );

    if args.json {
        println!(
            "{}",
            json!({
                "current_user": current_user,
                "session": session,
                "refreshed_session": refreshed,
                "signed_out": signed_out,
            })
        );
    }
    Ok(())
}

/// The session as JSON, without any secret: claims, never the tokens; the
/// access key id and expiration, never the secret key or session token.
fn session_json(s: &AuthSession) -> Value {
    let claims = |t: Option<&JwtToken>| t.map(|t| Value::Object(t.claims().as_map().clone()));
    json!({
        "is_signed_in": s.is_signed_in(),
        "user_sub": s.user_sub(),
        "identity_id": s.identity_id(),
        "credentials": s.credentials().map(|c| json!({
            "access_key_id": c.access_key_id,
            "expiration": c.expiration,
        })),
        "access_token_claims": claims(s.tokens().map(|t| &t.access_token)),
        "id_token_claims": claims(s.tokens().and_then(|t| t.id_token.as_ref())),
    })
}

fn print_session(v: &Value) {
    let text = |k: &str| match &v[k] {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    println!("   is_signed_in {}", text("is_signed_in"));
    println!("   user sub     {}", text("user_sub"));
    println!("   identity id  {}", text("identity_id"));
    match &v["credentials"] {
        Value::Null => println!("   credentials  -"),
        c => println!(
            "   credentials  access key id {}, expiration {}",
            c["access_key_id"].as_str().unwrap_or("-"),
            c["expiration"]
        ),
    }
    for (label, key) in [
        ("access token", "access_token_claims"),
        ("id token", "id_token_claims"),
    ] {
        if let Value::Object(claims) = &v[key] {
            println!("   {label} claims:");
            for (name, value) in claims {
                println!("     {name:<18} {value}");
            }
        }
    }
}
