//! The demo: Amplify's "Manage user sessions" page, run end to end against
//! an in-process Cognito emulator. Nothing to configure, no network beyond
//! 127.0.0.1.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It signs the demo user in with SRP, reads the current user and the
//! session, looks at the Cognito view (identity id, AWS credentials), forces
//! a refresh, signs out, and then fetches a guest session, printing the auth
//! events as they arrive. It prints token claims and the access key id, never
//! a token, a secret key or a session token.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amplify_auth::prelude::*;
use cognito_emulator::Emulator;
use tokio::sync::broadcast::error::RecvError;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Seconds from now until `at` (epoch seconds), for readable expiries.
fn from_now(at: Option<i64>) -> String {
    match at {
        Some(at) => {
            let left = at - SystemClock.now_secs();
            format!("{at} (in {}m {:02}s)", left / 60, left % 60)
        }
        None => "none".to_owned(),
    }
}

/// A string claim, or `-`.
fn claim<'a>(token: &'a JwtToken, name: &str) -> &'a str {
    token.claims().get_str(name).unwrap_or("-")
}

/// Lets the event listener print what the last step emitted, so that events
/// appear under the step that caused them (the runtime has one thread).
async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

async fn run() -> Result<(), BoxError> {
    let started = Instant::now();
    println!("Amplify Auth for Rust: quickstart on an in-process Cognito emulator\n");

    // 0. A local Cognito with a demo user pool, app client, user and an
    //    identity pool that allows guests; its amplify_outputs.json is what a
    //    real app would ship.
    let (emulator, demo) = Emulator::start_demo().await?;
    let config = CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json())?;
    println!("0. Configure from amplify_outputs.json");
    println!("   endpoint        {}", config.user_pool_endpoint());
    println!("   region          {}", config.region());
    println!(
        "   user pool       {}",
        config.user_pool_id().unwrap_or("-")
    );
    println!(
        "   app client      {}",
        config.user_pool_client_id().unwrap_or("-")
    );
    println!(
        "   identity pool   {} (guests allowed: {})",
        config.identity_pool_id().unwrap_or("-"),
        config.unauthenticated_identities_enabled()
    );

    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let auth = Auth::new(Arc::new(plugin));
    let cognito = auth
        .get_plugin::<CognitoAuthPlugin>()
        .ok_or("the Cognito plugin is not registered")?;

    // Amplify Hub's `auth` channel: print events as they arrive.
    let mut events = auth.subscribe();
    let listener = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => println!("   >> event: {event:?}"),
                Err(RecvError::Lagged(n)) => println!("   >> ({n} events missed)"),
                Err(RecvError::Closed) => break,
            }
        }
    });

    println!("\n1. Sign in as `{}` (USER_SRP_AUTH)", demo.username);
    let result = cognito
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await?;
    println!(
        "   is_signed_in {}, next step {:?}",
        result.is_signed_in, result.next_step
    );
    settle().await;

    println!("\n2. get_current_user()");
    let user = auth.get_current_user().await?;
    println!("   username        {}", user.username);
    println!("   user id         {}", user.user_id);
    match &user.sign_in_details {
        Some(d) => println!(
            "   sign-in details login id {}, flow {}",
            d.login_id.as_deref().unwrap_or("-"),
            d.auth_flow_type
        ),
        None => println!("   sign-in details none (hosted UI or redirect sign-in)"),
    }

    println!("\n3. fetch_auth_session()");
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    println!("   is_signed_in    {}", session.is_signed_in());
    println!("   user sub        {}", session.user_sub().unwrap_or("-"));
    let tokens = session.tokens().ok_or("a signed-in session has tokens")?;
    let access = &tokens.access_token;
    println!(
        "   access token    token_use {}, client_id {}, scope {}",
        claim(access, "token_use"),
        claim(access, "client_id"),
        claim(access, "scope")
    );
    println!(
        "                   expires {}",
        from_now(access.expires_at())
    );
    if let Some(id) = &tokens.id_token {
        println!(
            "   id token        cognito:username {}, email {}, aud {}",
            claim(id, "cognito:username"),
            claim(id, "email"),
            claim(id, "aud")
        );
        println!("                   expires {}", from_now(id.expires_at()));
    }
    println!("   (the tokens themselves are secrets: only their claims are printed)");

    println!(
        "\n4. The Cognito session: auth.get_plugin::<CognitoAuthPlugin>()?.fetch_cognito_session()"
    );
    let cs = cognito
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    match &cs.identity_id_result {
        Ok(id) => println!("   identity id     {id}"),
        Err(why) => println!("   identity id     unavailable: {why}"),
    }
    let first_key = match &cs.aws_credentials_result {
        Ok(c) => {
            println!(
                "   credentials     access key id {}, expires {}",
                c.access_key_id,
                from_now(c.expiration)
            );
            Some(c.access_key_id.clone())
        }
        Err(why) => {
            println!("   credentials     unavailable: {why}");
            None
        }
    };

    println!("\n5. fetch_auth_session(force_refresh) after 1 s");
    // `iat` has a resolution of one second; wait so that it visibly changes.
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    let refreshed = auth
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await?;
    settle().await;
    let new_access = &refreshed
        .tokens()
        .ok_or("a refreshed session has tokens")?
        .access_token;
    println!(
        "   access token jti {} -> {}",
        claim(access, "jti"),
        claim(new_access, "jti")
    );
    println!(
        "   access token iat {} -> {}",
        access.issued_at().unwrap_or_default(),
        new_access.issued_at().unwrap_or_default()
    );
    if let (Some(old), Some(new)) = (&first_key, refreshed.credentials()) {
        println!(
            "   access key id    {old} -> {} (credentials are refreshed too)",
            new.access_key_id
        );
    }

    println!("\n6. sign_out()");
    let out = auth.sign_out(SignOutOptions::default()).await?;
    settle().await;
    println!(
        "   local session cleared; refresh token revoked on the server: {}",
        out.remote_signed_out
    );
    if let Some(e) = &out.remote_error {
        println!("   (server-side step failed: {e})");
    }
    match auth.get_current_user().await {
        Ok(u) => println!("   unexpected: still signed in as {}", u.username),
        Err(e) => println!("   get_current_user() now fails: {e}"),
    }

    println!("\n7. Guest session (no user signed in, guests allowed)");
    let guest = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    println!("   is_signed_in    {}", guest.is_signed_in());
    println!("   identity id     {}", guest.identity_id().unwrap_or("-"));
    match guest.credentials() {
        Some(c) => println!(
            "   credentials     access key id {}, expires {}",
            c.access_key_id,
            from_now(c.expiration)
        ),
        None => println!("   credentials     none"),
    }
    let gs = cognito
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    match &gs.user_sub_result {
        Ok(sub) => println!("   user sub        {sub}"),
        Err(why) => println!("   user sub        unavailable: {why}"),
    }

    listener.abort();
    emulator.shutdown().await;
    println!(
        "\nDone in {:.1} s. Next: `cargo run --example manage_sessions -- --help`.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
