//! The in-process emulator of the example: the emulator's demo (pool, user
//! `demo`, hosted-UI domain, mock Google) plus an app client whose callback
//! is this server's `/auth/callback`, with refresh-token rotation, and an
//! identity pool that trusts it.

use std::time::Duration;

use cognito_emulator::{ClientOptions, DemoSetup, Emulator, HostedUiClient};

use crate::BoxError;

/// Starts the emulator and seeds it for a BFF served at `public_url`.
pub(crate) async fn start(public_url: &str) -> Result<(Emulator, DemoSetup), BoxError> {
    let emulator = Emulator::start().await?;
    let seeded = emulator.seed_demo()?;
    let callback = format!("{public_url}/auth/callback");
    let signed_out = format!("{public_url}/signed-out");
    let client = emulator.create_user_pool_client(
        &seeded.user_pool_id,
        ClientOptions {
            name: Some("demo-bff".to_owned()),
            refresh_token_rotation: Some(Duration::ZERO),
            oauth: Some(
                HostedUiClient::new(&callback, &signed_out)
                    .with_identity_providers(["COGNITO", seeded.identity_provider.as_str()]),
            ),
            ..ClientOptions::default()
        },
    )?;
    let provider = emulator.cognito_provider_name(&seeded.user_pool_id);
    let identity_pool_id = emulator.create_identity_pool(true, &[(&provider, &client.id)], &[])?;
    let setup = DemoSetup {
        client_id: client.id,
        identity_pool_id,
        redirect_sign_in_uri: callback,
        redirect_sign_out_uri: signed_out,
        ..seeded
    };
    Ok((emulator, setup))
}
