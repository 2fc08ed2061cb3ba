//! An `aws_credential_types::provider::ProvideCredentials` backed by the
//! plugin, so that any `aws-sdk-*` client runs as the signed-in or guest user.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::types::FetchAuthSessionOptions;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials};

use crate::plugin::CognitoAuthPlugin;

/// AWS credentials from the Cognito identity pool, for `aws-sdk-*` clients.
///
/// Each call returns the plugin's cached credentials (refreshing them in
/// single flight when they are about to expire), with their expiry set so the
/// SDK's identity cache knows when to ask again.
///
/// ```no_run
/// # use auth_cognito::{CognitoAuthPlugin, CognitoCredentialsProvider};
/// # fn demo(plugin: CognitoAuthPlugin) {
/// let provider = CognitoCredentialsProvider::new(plugin);
/// // aws_config::defaults(BehaviorVersion::latest()).credentials_provider(provider) ...
/// # let _ = provider;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CognitoCredentialsProvider {
    plugin: CognitoAuthPlugin,
}

impl CognitoCredentialsProvider {
    /// A provider over `plugin`'s session.
    pub fn new(plugin: CognitoAuthPlugin) -> Self {
        Self { plugin }
    }

    async fn load(&self) -> provider::Result {
        let session = self
            .plugin
            .fetch_cognito_session(FetchAuthSessionOptions::default())
            .await;
        let creds = session
            .aws_credentials_result
            .map_err(CredentialsError::provider_error)?;
        let expiry = creds
            .expiration
            .and_then(|s| u64::try_from(s).ok())
            .map(|s| UNIX_EPOCH + Duration::from_secs(s));
        Ok(Credentials::new(
            creds.access_key_id,
            creds.secret_access_key.expose_secret(),
            creds
                .session_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            expiry.filter(|e| *e > SystemTime::UNIX_EPOCH),
            "amplify-auth-cognito",
        ))
    }
}

impl ProvideCredentials for CognitoCredentialsProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.load())
    }
}
