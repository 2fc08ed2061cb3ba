//! AWS credentials from the Cognito identity pool for any `aws-sdk-*` client,
//! through `CognitoCredentialsProvider` (an
//! `aws_credential_types::provider::ProvideCredentials`).
//!
//! ```text
//! cargo run --example aws_sdk_credentials                               # offline
//! cargo run --example aws_sdk_credentials -- --sts-endpoint http://127.0.0.1:PORT
//! ```
//!
//! It signs the demo user in on an in-process emulator, builds an STS client
//! whose credentials come from the plugin, and prints the access key id the
//! SDK will sign with. The emulator does not speak STS, so `GetCallerIdentity`
//! is called only when `--sts-endpoint` names an STS endpoint (for example a
//! local moto server); otherwise nothing leaves this process. It then signs
//! out and shows that the same provider hands out guest credentials.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use amplify_auth::prelude::*;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::DisplayErrorContext;
use cognito_emulator::Emulator;

const USAGE: &str = "usage: aws_sdk_credentials [--sts-endpoint URL]";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut sts_endpoint = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--sts-endpoint", Some(url)) => sts_endpoint = Some(url),
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("aws_sdk_credentials: bad argument `{arg}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(sts_endpoint).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aws_sdk_credentials: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Asks the provider for credentials, as the SDK does before signing, and
/// prints the access key id (never the secret key or the session token).
async fn show_credentials(
    provider: &CognitoCredentialsProvider,
    emulator: &Emulator,
) -> Result<(), BoxError> {
    let creds = provider.provide_credentials().await?;
    let expiry = creds
        .expiry()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or_else(|| "-".to_owned(), |d| d.as_secs().to_string());
    println!("   access key id   {}", creds.access_key_id());
    println!("   expires         {expiry} (epoch seconds)");
    println!(
        "   session token   {}",
        if creds.session_token().is_some() {
            "present (not shown)"
        } else {
            "none"
        }
    );
    // The emulator knows which identity it issued the key to.
    println!(
        "   issued to       {}",
        emulator
            .identity_for_access_key(creds.access_key_id())
            .as_deref()
            .unwrap_or("unknown identity")
    );
    Ok(())
}

async fn run(sts_endpoint: Option<String>) -> Result<(), BoxError> {
    let (emulator, demo) = Emulator::start_demo().await?;
    let config = CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json())?;
    let region = config.region().to_owned();
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    // The provider shares the plugin's session (clones share one session).
    let provider = CognitoCredentialsProvider::new(plugin.clone());
    let auth = Auth::new(Arc::new(plugin));
    let cognito = auth
        .get_plugin::<CognitoAuthPlugin>()
        .ok_or("the Cognito plugin is not registered")?;

    println!("1. Sign in as `{}`", demo.username);
    cognito
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await?;
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    println!(
        "   identity id     {}",
        session.identity_id().unwrap_or("-")
    );

    println!("\n2. The credentials an aws-sdk client signs with (ProvideCredentials)");
    show_credentials(&provider, &emulator).await?;

    // Any aws-sdk-* client takes the provider the same way.
    let mut sts_config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(provider.clone())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(10))
                .build(),
        );
    println!("\n3. STS GetCallerIdentity with an aws-sdk-sts client using the provider");
    match &sts_endpoint {
        Some(url) => {
            sts_config = sts_config.endpoint_url(url.as_str());
            let sts = aws_sdk_sts::Client::from_conf(sts_config.build());
            let who =
                sts.get_caller_identity().send().await.map_err(|e| {
                    format!("GetCallerIdentity failed: {}", DisplayErrorContext(&e))
                })?;
            println!("   endpoint        {url}");
            println!("   account         {}", who.account().unwrap_or("-"));
            println!("   arn             {}", who.arn().unwrap_or("-"));
            println!("   user id         {}", who.user_id().unwrap_or("-"));
        }
        None => {
            let _sts = aws_sdk_sts::Client::from_conf(sts_config.build());
            println!(
                "   client built; not called (pass --sts-endpoint URL to call an STS endpoint)"
            );
        }
    }

    println!("\n4. Sign out: the same provider now hands out guest credentials");
    auth.sign_out(SignOutOptions::default()).await?;
    show_credentials(&provider, &emulator).await?;

    emulator.shutdown().await;
    Ok(())
}
