//! The demo set-up: [`Emulator::start_demo`] / [`Emulator::seed_demo`] make a pool, a
//! client, a user, an identity pool and the hosted UI (a domain, a mock Google);
//! [`DemoSetup`] describes them and prints the matching `amplify_outputs.json`.

use serde_json::json;

use super::{ClientOptions, Emulator, HostedUiClient};
use crate::error::EmulatorError;

/// What [`Emulator::start_demo`] created. A set-up of one's own (its own pool and
/// client) can fill in what it has and take the rest from `..DemoSetup::default()`
/// (empty: no hosted UI, so no `oauth` section in the outputs).
#[derive(Clone, Default)]
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
    /// The hosted UI's domain prefix (`demo`); its pages are on [`DemoSetup::endpoint`].
    pub oauth_domain: String,
    /// The client's callback URL: `http://127.0.0.1:<a port free when seeded>/callback`,
    /// for the loopback listener of a CLI or a desktop app.
    pub redirect_sign_in_uri: String,
    /// The client's sign-out URL: the same port, `/signed-out`.
    pub redirect_sign_out_uri: String,
    /// The mock external identity provider (`Google`).
    pub identity_provider: String,
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
            .field("redirect_sign_in_uri", &self.redirect_sign_in_uri)
            .finish_non_exhaustive()
    }
}

impl DemoSetup {
    /// An Amplify Gen 2 `amplify_outputs.json` for this setup, with the emulator as
    /// `auth.user_pool_endpoint`, `auth.identity_pool_endpoint` and `auth.oauth_endpoint`
    /// (none of them written by Amplify), and, when the set-up has a hosted UI, an `oauth`
    /// section whose `domain` is the emulator's host and port.
    pub fn amplify_outputs_json(&self) -> String {
        let mut v = json!({
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
        if !self.redirect_sign_in_uri.is_empty()
            && let Some(auth) = v.get_mut("auth").and_then(|a| a.as_object_mut())
        {
            auth.insert("oauth_endpoint".into(), json!(self.endpoint));
            auth.insert(
                "oauth".into(),
                json!({
                    "identity_providers": ["GOOGLE"],
                    "domain": self.endpoint.trim_start_matches("http://"),
                    "scopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
                    "redirect_sign_in_uri": [self.redirect_sign_in_uri],
                    "redirect_sign_out_uri": [self.redirect_sign_out_uri],
                    "response_type": "code"
                }),
            );
        }
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }
}

impl Emulator {
    /// Start and seed a demo: pool `demo-pool`, a client without secret, user `demo`
    /// (confirmed, email `demo@example.com`), and an identity pool that allows guests and
    /// trusts the client.
    pub async fn start_demo() -> Result<(Self, DemoSetup), EmulatorError> {
        let emu = Self::start().await?;
        let setup = emu.seed_demo()?;
        Ok((emu, setup))
    }

    /// Seed the demo set-up of [`Emulator::start_demo`] into this emulator. The hosted
    /// UI's callback URL gets a loopback port that is free at this moment.
    pub fn seed_demo(&self) -> Result<DemoSetup, EmulatorError> {
        let pool = self.create_user_pool("demo-pool")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| EmulatorError::Io(format!("cannot find a free port: {e}")))?
            .port();
        let redirect_sign_in_uri = format!("http://127.0.0.1:{port}/callback");
        let redirect_sign_out_uri = format!("http://127.0.0.1:{port}/signed-out");
        let identity_provider = "Google".to_owned();
        self.create_identity_provider(&pool, &identity_provider, "Google")?;
        let oauth_domain = "demo".to_owned();
        self.create_user_pool_domain(&pool, &oauth_domain)?;
        let client = self.create_user_pool_client(
            &pool,
            ClientOptions {
                name: Some("demo-app".to_owned()),
                oauth: Some(
                    HostedUiClient::new(&redirect_sign_in_uri, &redirect_sign_out_uri)
                        .with_identity_providers(["COGNITO", identity_provider.as_str()]),
                ),
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
            oauth_domain,
            redirect_sign_in_uri,
            redirect_sign_out_uri,
            identity_provider,
        })
    }
}
