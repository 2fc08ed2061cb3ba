//! The Cognito session, field by field, as in Amplify Swift's
//! `AuthCognitoIdentityProvider` / `AuthAWSCredentialsProvider` /
//! `AuthCognitoTokensProvider` and Kotlin's `AWSCognitoAuthSession`: each
//! field is a `Result` whose error says why the value is missing.
//!
//! ```text
//! cargo run --example cognito_session
//! ```
//!
//! Three states, on an in-process emulator: a signed-in user; a guest (no
//! user, guests allowed); and a plugin configured without an identity pool.

use std::process::ExitCode;
use std::sync::Arc;

use amplify_auth::prelude::*;
use cognito_emulator::Emulator;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cognito_session: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints each field of the Cognito session: the value (never a secret) or
/// why it is missing.
fn show(title: &str, s: &CognitoAuthSession) {
    println!("{title}");
    println!("  is_signed_in             {}", s.is_signed_in);
    // Swift: `try identityProvider.getUserSub().get()`
    match &s.user_sub_result {
        Ok(sub) => println!("  user_sub_result          Ok({sub})"),
        Err(why) => println!("  user_sub_result          Err: {why}"),
    }
    // Swift: `try identityProvider.getIdentityId().get()`
    match &s.identity_id_result {
        Ok(id) => println!("  identity_id_result       Ok({id})"),
        Err(why) => println!("  identity_id_result       Err: {why}"),
    }
    // Swift: `try awsCredentialsProvider.getAWSCredentials().get()`
    match &s.aws_credentials_result {
        Ok(c) => println!(
            "  aws_credentials_result   Ok(access key id {}, expiration {}; secret key and session token not shown)",
            c.access_key_id,
            c.expiration
                .map_or_else(|| "-".to_owned(), |e| e.to_string())
        ),
        Err(why) => println!("  aws_credentials_result   Err: {why}"),
    }
    // Swift: `try cognitoTokenProvider.getCognitoTokens().get()`
    match &s.user_pool_tokens_result {
        Ok(t) => println!(
            "  user_pool_tokens_result  Ok(access token for `{}`, expires {}; id token: {})",
            t.access_token.claims().get_str("username").unwrap_or("-"),
            t.access_token
                .expires_at()
                .map_or_else(|| "-".to_owned(), |e| e.to_string()),
            if t.id_token.is_some() { "yes" } else { "no" }
        ),
        Err(why) => println!("  user_pool_tokens_result  Err: {why}"),
    }
    println!();
}

async fn run() -> Result<(), BoxError> {
    let (emulator, demo) = Emulator::start_demo().await?;
    let config = CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json())?;
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let auth = Auth::new(Arc::new(plugin));
    // Amplify's `getPlugin(AmplifyAuthCognito.pluginKey)`.
    let cognito = auth
        .get_plugin::<CognitoAuthPlugin>()
        .ok_or("the Cognito plugin is not registered")?;

    cognito
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await?;
    let s = cognito
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    show("1. Signed in (user pool + identity pool)", &s);

    auth.sign_out(SignOutOptions::default()).await?;
    let s = cognito
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    show(
        "2. Guest: nobody signed in, the identity pool allows guests",
        &s,
    );

    // The same user pool, configured by hand without an identity pool.
    let no_identity_pool = CognitoConfig::builder()
        .user_pool(demo.user_pool_id.as_str(), demo.client_id.as_str())
        .user_pool_endpoint(demo.endpoint.as_str())
        .build()?;
    let plain = CognitoAuthPlugin::builder(no_identity_pool)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    plain
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await?;
    let s = plain
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    show("3. Signed in, but no identity pool configured", &s);
    plain.sign_out(SignOutOptions::default()).await?;
    let s = plain
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    show("4. Signed out, no identity pool configured", &s);

    emulator.shutdown().await;
    Ok(())
}
