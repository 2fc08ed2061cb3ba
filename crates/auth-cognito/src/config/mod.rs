//! `CognitoConfig`: which user pool, app client and identity pool to use,
//! parsed from `amplify_outputs.json` or built by hand.
//!
//! | file          | what it holds                                              |
//! |---------------|------------------------------------------------------------|
//! | `mod.rs`      | [`CognitoConfig`] and its accessors (endpoints, logins key) |
//! | `outputs.rs`  | parsing `amplify_outputs.json`                             |
//! | `builder.rs`  | [`CognitoConfigBuilder`]: validation, regions, endpoint overrides |
//! | `oauth.rs`    | [`OAuthConfig`], the `auth.oauth` section                  |
//! | `passwordless.rs` | [`PasswordlessConfig`], the `auth.passwordless` section |
//! | `tuning.rs`   | [`Tuning`]: margins, timeouts, backoff                     |

use std::fmt;
use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;

mod builder;
mod oauth;
mod outputs;
mod passwordless;
mod tuning;

#[cfg(test)]
mod tests;

pub use builder::CognitoConfigBuilder;
pub use oauth::OAuthConfig;
pub use passwordless::PasswordlessConfig;
pub use tuning::Tuning;

/// Environment variable that overrides the user-pool endpoint.
pub const ENV_USER_POOL_ENDPOINT: &str = "AMPLIFY_AUTH_USER_POOL_ENDPOINT";
/// Environment variable that overrides the identity-pool endpoint.
pub const ENV_IDENTITY_POOL_ENDPOINT: &str = "AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT";
/// Environment variable that overrides the hosted-UI base URL (it replaces
/// `https://{auth.oauth.domain}`).
pub const ENV_OAUTH_ENDPOINT: &str = "AMPLIFY_AUTH_OAUTH_ENDPOINT";

/// The Cognito plugin's configuration.
///
/// ```
/// use auth_cognito::config::CognitoConfig;
/// let json = r#"{"version":"1.3","auth":{
///     "aws_region":"eu-west-1",
///     "user_pool_id":"eu-west-1_AbCdEf123",
///     "user_pool_client_id":"4tq1example",
///     "identity_pool_id":"eu-west-1:11111111-2222-3333-4444-555555555555",
///     "unauthenticated_identities_enabled":true}}"#;
/// let config = CognitoConfig::from_amplify_outputs(json)?;
/// assert_eq!(config.region(), "eu-west-1");
/// assert!(config.unauthenticated_identities_enabled());
/// # Ok::<(), auth_core::error::AuthError>(())
/// ```
#[derive(Clone)]
pub struct CognitoConfig {
    /// Shared: a config is cloned into every plugin (one per session in a
    /// server), and it never changes once built.
    f: Arc<Fields>,
}

/// The fields of a [`CognitoConfig`], shared by its clones.
#[derive(Clone)]
struct Fields {
    region: String,
    user_pool_id: Option<String>,
    user_pool_client_id: Option<String>,
    client_secret: Option<SecretString>,
    identity_pool_id: Option<String>,
    unauthenticated_identities_enabled: bool,
    user_pool_endpoint: Option<String>,
    identity_pool_endpoint: Option<String>,
    oauth: Option<OAuthConfig>,
    oauth_endpoint: Option<String>,
    passwordless: Option<PasswordlessConfig>,
    tuning: Tuning,
    /// The prefix of the user pool's storage keys, made by the first plugin
    /// and shared by the plugins of every clone (one per session in a
    /// server), rather than one copy each.
    storage_prefix: std::sync::OnceLock<Arc<str>>,
}

impl fmt::Debug for CognitoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfig")
            .field("region", &self.f.region)
            .field("user_pool_id", &self.f.user_pool_id)
            .field("user_pool_client_id", &self.f.user_pool_client_id)
            .field(
                "client_secret",
                &self.f.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("identity_pool_id", &self.f.identity_pool_id)
            .field(
                "unauthenticated_identities_enabled",
                &self.f.unauthenticated_identities_enabled,
            )
            .field("user_pool_endpoint", &self.f.user_pool_endpoint)
            .field("identity_pool_endpoint", &self.f.identity_pool_endpoint)
            .field("oauth", &self.f.oauth)
            .field("oauth_endpoint", &self.f.oauth_endpoint)
            .field("passwordless", &self.f.passwordless)
            .field("tuning", &self.f.tuning)
            .finish()
    }
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> AuthError {
    AuthError::InvalidConfig {
        field: field.to_owned(),
        message: message.into(),
    }
}

impl CognitoConfig {
    fn from_fields(f: Fields) -> Self {
        Self { f: Arc::new(f) }
    }

    /// Starts a config for a user pool and app client.
    pub fn builder() -> CognitoConfigBuilder {
        CognitoConfigBuilder::default()
    }

    /// The AWS region, taken from the pool ids.
    pub fn region(&self) -> &str {
        &self.f.region
    }
    /// The user pool id, for example `us-east-1_AbCdEf123`.
    pub fn user_pool_id(&self) -> Option<&str> {
        self.f.user_pool_id.as_deref()
    }
    /// The app client id.
    pub fn user_pool_client_id(&self) -> Option<&str> {
        self.f.user_pool_client_id.as_deref()
    }
    /// The app client's secret, for clients created with one.
    pub fn client_secret(&self) -> Option<&SecretString> {
        self.f.client_secret.as_ref()
    }
    /// The identity pool id.
    pub fn identity_pool_id(&self) -> Option<&str> {
        self.f.identity_pool_id.as_deref()
    }
    /// Whether guests get an identity and credentials.
    pub fn unauthenticated_identities_enabled(&self) -> bool {
        self.f.unauthenticated_identities_enabled
    }
    /// The OAuth section, if any.
    pub fn oauth(&self) -> Option<&OAuthConfig> {
        self.f.oauth.as_ref()
    }
    /// The `auth.passwordless` section: the defaults of `USER_AUTH` sign-in.
    pub fn passwordless(&self) -> Option<&PasswordlessConfig> {
        self.f.passwordless.as_ref()
    }
    /// Timeouts and margins.
    pub fn tuning(&self) -> &Tuning {
        &self.f.tuning
    }
    /// A copy with other timeouts and margins.
    pub fn with_tuning(mut self, tuning: Tuning) -> Self {
        Arc::make_mut(&mut self.f).tuning = tuning;
        self
    }

    /// The user-pool service URL: the override, or
    /// `https://cognito-idp.<region>.amazonaws.com`.
    pub fn user_pool_endpoint(&self) -> String {
        self.f
            .user_pool_endpoint
            .clone()
            .unwrap_or_else(|| format!("https://cognito-idp.{}.amazonaws.com", self.f.region))
    }

    /// The identity-pool service URL: the override, or
    /// `https://cognito-identity.<region>.amazonaws.com`.
    pub fn identity_pool_endpoint(&self) -> String {
        self.f
            .identity_pool_endpoint
            .clone()
            .unwrap_or_else(|| format!("https://cognito-identity.{}.amazonaws.com", self.f.region))
    }

    /// The hosted UI's base URL: the override (the builder's
    /// `oauth_endpoint`, `auth.oauth_endpoint`, or
    /// [`ENV_OAUTH_ENDPOINT`]), else `https://{oauth.domain}`; `None` when
    /// neither is configured.
    pub fn oauth_endpoint(&self) -> Option<String> {
        if let Some(url) = &self.f.oauth_endpoint {
            return Some(url.clone());
        }
        self.f
            .oauth
            .as_ref()
            .map(|o| o.domain.trim())
            .filter(|d| !d.is_empty())
            .map(|d| format!("https://{d}"))
    }

    /// `CognitoIdentityServiceProvider.<clientId>`: the prefix of the user
    /// pool's storage keys (Amplify JS v6's layout, see `session.rs`), one
    /// allocation shared by the clones of this config.
    pub(crate) fn storage_prefix(&self) -> Option<Arc<str>> {
        let client_id = self.f.user_pool_client_id.as_deref()?;
        let prefix = self
            .f
            .storage_prefix
            .get_or_init(|| format!("CognitoIdentityServiceProvider.{client_id}").into());
        Some(prefix.clone())
    }

    /// The identity-pool logins key of the user pool:
    /// `cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub fn user_pool_provider_name(&self) -> Option<String> {
        self.f
            .user_pool_id
            .as_ref()
            .map(|id| format!("cognito-idp.{}.amazonaws.com/{id}", self.f.region))
    }
}
