//! The account flows, end to end against an in-process Cognito emulator:
//! sign-up with auto sign-in, a password change, attributes (with a
//! verification code), a password reset, and the account's deletion.
//!
//! ```text
//! cargo run --example accounts
//! ```
//!
//! The codes a real pool would e-mail are read from the emulator's test
//! controls. It prints where codes went (masked, as Cognito masks them) and
//! the events; never a password, a code or a token.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use amplify_auth::cognito::{
    ConfirmSignUpOptions, SignUpOptions, SignUpStep, UpdateUserAttributeStep,
};
use amplify_auth::prelude::*;
use cognito_emulator::{ClientOptions, DemoSetup, Emulator};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Fixed passwords for a throwaway local emulator.
const PASSWORD: &str = "Example-Passw0rd!";
const CHANGED: &str = "Changed-Passw0rd!";
const RESET: &str = "Reset-Passw0rd!";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("accounts: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A pool that auto-verifies e-mail, a client that allows `USER_AUTH` (auto
/// sign-in) and an identity pool with guests, as `amplify_outputs.json`.
fn set_up(emulator: &Emulator) -> Result<String, BoxError> {
    let pool = emulator.create_user_pool("accounts-example")?;
    let flows = [
        "ALLOW_USER_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ];
    let client = emulator.create_user_pool_client(
        &pool,
        ClientOptions {
            explicit_auth_flows: Some(flows.iter().map(|f| (*f).to_owned()).collect()),
            ..ClientOptions::default()
        },
    )?;
    let provider = emulator.cognito_provider_name(&pool);
    let identity_pool_id = emulator.create_identity_pool(true, &[(&provider, &client.id)], &[])?;
    let setup = DemoSetup {
        endpoint: emulator.endpoint(),
        region: emulator.region(),
        user_pool_id: pool,
        client_id: client.id,
        identity_pool_id,
        ..DemoSetup::default()
    };
    Ok(setup.amplify_outputs_json())
}

async fn run() -> Result<(), BoxError> {
    let emulator = Emulator::start().await?;
    let config = CognitoConfig::from_amplify_outputs(&set_up(&emulator)?)?;
    let pool = config.user_pool_id().unwrap_or_default().to_owned();
    let cognito = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let mut events = AuthPlugin::subscribe(&cognito);
    let user = "alice";

    println!("1. sign_up (auto sign-in asked for)");
    let options = SignUpOptions::default()
        .with_attribute("email", "alice@example.com")
        .with_auto_sign_in(true);
    let signed_up = cognito.sign_up(user, PASSWORD, options).await?;
    if let SignUpStep::ConfirmSignUp {
        code_delivery_details: Some(d),
    } = &signed_up.next_step
    {
        println!(
            "   a code went to {} ({:?})",
            d.destination.as_deref().unwrap_or("-"),
            d.delivery_medium
        );
    }

    println!("2. confirm_sign_up, then auto_sign_in (no password sent)");
    let code = emulator
        .confirmation_code(&pool, user)
        .ok_or("no confirmation code")?;
    let confirmed = cognito
        .confirm_sign_up(user, &code, ConfirmSignUpOptions::default())
        .await?;
    if confirmed.next_step != SignUpStep::CompleteAutoSignIn {
        return Err(format!("no auto sign-in: {:?}", confirmed.auto_sign_in_unavailable).into());
    }
    let signed_in = cognito.auto_sign_in().await?;
    println!(
        "   signed in: {}, as {}",
        signed_in.is_signed_in,
        cognito.get_current_user().await?.username
    );

    println!("3. update_password");
    cognito.update_password(PASSWORD, CHANGED).await?;

    println!("4. update_user_attributes, confirm_user_attribute");
    let changes = BTreeMap::from([
        ("email".to_owned(), "alice.new@example.com".to_owned()),
        ("nickname".to_owned(), "al".to_owned()),
    ]);
    for (name, r) in cognito.update_user_attributes(changes).await? {
        let sent = matches!(
            r.next_step,
            UpdateUserAttributeStep::ConfirmAttributeWithCode { .. }
        );
        println!("   {name}: verification code sent: {sent}");
    }
    let code = emulator
        .attribute_verification_code(&pool, user, "email")
        .ok_or("no verification code")?;
    cognito.confirm_user_attribute("email", &code).await?;
    let attributes = cognito.fetch_user_attributes().await?;
    println!(
        "   email {} (verified: {})",
        attributes.get("email").map_or("-", String::as_str),
        attributes.get("email_verified").map_or("-", String::as_str)
    );

    println!("5. sign out, reset_password, confirm_reset_password, sign in");
    cognito.sign_out(SignOutOptions::default()).await?;
    let reset = cognito.reset_password(user).await?;
    println!("   {:?}", reset.next_step);
    let code = emulator
        .forgot_password_code(&pool, user)
        .ok_or("no reset code")?;
    cognito.confirm_reset_password(user, &code, RESET).await?;
    cognito
        .sign_in(user, RESET, SignInOptions::default())
        .await?;

    println!("6. delete_user (then signed out locally)");
    cognito.delete_user().await?;
    match cognito.sign_in(user, RESET, SignInOptions::default()).await {
        Err(e) => println!("   signing in again: {e}"),
        Ok(_) => return Err("the deleted user signed in".into()),
    }

    println!("\nevents:");
    while let Ok(event) = events.try_recv() {
        println!("   {event:?}");
    }
    emulator.shutdown().await;
    Ok(())
}
