//! The account flows end to end: the plugin against the in-process emulator, and the
//! moto twins (ignored tests named `moto`, run by `cargo xtask ci` with
//! `MOTO_ENDPOINT`) for what moto implements: sign-up, confirmation, password reset
//! and change, and reading and updating attributes. One test binary, a module per
//! concern.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../support/mod.rs"]
mod support;

mod attributes;
mod moto;
mod passwords;
mod secrets;
mod sign_up;

use auth_cognito::{CognitoAuthPlugin, ConfirmSignUpOptions, SignUpOptions, SignUpStep};
use auth_core::events::AuthEvent;
use auth_core::plugin::AuthPlugin;
use cognito_emulator::ClientOptions;
use serde_json::json;
use support::{Bed, BedOptions, PASSWORD};
use tokio::sync::broadcast::Receiver;

/// What an account test bed has.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountBed {
    /// The app client has a secret.
    pub secret: bool,
    /// The app client allows `USER_AUTH` (auto sign-in after confirmation).
    pub user_auth: bool,
    /// `Some(guests)`: an identity pool for the pool's client.
    pub identity_pool: Option<bool>,
}

/// An emulator bed whose pool auto-verifies e-mail, with a client as asked.
pub async fn emulator(opts: AccountBed) -> Bed {
    let mut bed = Bed::emulator(BedOptions::default()).await;
    let emu = bed.emu();
    let mut flows = vec!["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
    if opts.user_auth {
        flows.push("ALLOW_USER_AUTH");
    }
    let client = emu
        .create_user_pool_client(
            &bed.pool_id,
            ClientOptions {
                generate_secret: opts.secret,
                explicit_auth_flows: Some(flows.iter().map(|f| (*f).to_owned()).collect()),
                ..ClientOptions::default()
            },
        )
        .unwrap();
    let identity_pool = opts.identity_pool.map(|guests| {
        let provider = emu.cognito_provider_name(&bed.pool_id);
        emu.create_identity_pool(guests, &[(&provider, &client.id)], &[])
            .unwrap()
    });
    bed.client_id = client.id;
    bed.client_secret = client.secret;
    if let Some(id) = identity_pool {
        bed.identity_pool_id = Some(id);
        bed.guests = opts.identity_pool == Some(true);
    }
    bed
}

/// A fresh username.
pub fn username() -> String {
    format!("user{}", &support::uuid()[..10])
}

pub fn email(username: &str) -> String {
    format!("{username}@example.com")
}

/// Every event received so far.
pub fn drain(rx: &mut Receiver<AuthEvent>) -> Vec<AuthEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

pub fn events(plugin: &CognitoAuthPlugin) -> Receiver<AuthEvent> {
    AuthPlugin::subscribe(plugin)
}

/// Signs `username` up with an e-mail (auto sign-in as asked) and confirms it with the
/// emulator's code; the confirmation's result.
pub async fn signed_up(
    bed: &Bed,
    plugin: &CognitoAuthPlugin,
    username: &str,
    auto_sign_in: bool,
) -> auth_cognito::SignUpResult {
    let options = SignUpOptions::default()
        .with_attribute("email", email(username))
        .with_auto_sign_in(auto_sign_in);
    let r = plugin.sign_up(username, PASSWORD, options).await.unwrap();
    assert!(matches!(r.next_step, SignUpStep::ConfirmSignUp { .. }));
    let code = bed.emu().confirmation_code(&bed.pool_id, username).unwrap();
    plugin
        .confirm_sign_up(username, &code, ConfirmSignUpOptions::default())
        .await
        .unwrap()
}

/// A signed-in user of a fresh plugin, signed up and confirmed through the plugin.
pub async fn signed_in(bed: &Bed) -> (CognitoAuthPlugin, auth_storage::MemoryStorage, String) {
    let (plugin, storage, _clock) = bed.plugin();
    let user = username();
    signed_up(bed, &plugin, &user, false).await;
    plugin
        .sign_in(&user, PASSWORD, auth_cognito::SignInOptions::default())
        .await
        .unwrap();
    (plugin, storage, user)
}

/// The `(pool, client)` created over the wire on moto (or any endpoint), with e-mail
/// auto-verified, replacing the bed's.
pub async fn wire_pool(bed: &mut Bed, settings: serde_json::Value) {
    let mut req = json!({"PoolName": format!("accounts-{}", &support::uuid()[..8]), "AutoVerifiedAttributes": ["email"]});
    if let (Some(o), Some(extra)) = (req.as_object_mut(), settings.as_object()) {
        o.extend(extra.clone());
    }
    let pool = bed
        .idp("CreateUserPool", req)
        .await
        .expect("CreateUserPool");
    bed.pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = bed
        .idp(
            "CreateUserPoolClient",
            json!({"UserPoolId": bed.pool_id, "ClientName": "accounts",
                   "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await
        .expect("CreateUserPoolClient");
    bed.client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    bed.client_secret = None;
}
