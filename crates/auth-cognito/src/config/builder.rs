//! [`CognitoConfigBuilder`]: a config by hand, and the validation every
//! config goes through (pool ids, regions, endpoints and their environment
//! overrides).

use std::fmt;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;

use super::{
    CognitoConfig, ENV_IDENTITY_POOL_ENDPOINT, ENV_OAUTH_ENDPOINT, ENV_USER_POOL_ENDPOINT,
    OAuthConfig, PasswordlessConfig, Tuning, invalid,
};

/// Builds a [`CognitoConfig`] by hand.
///
/// ```
/// use auth_cognito::config::CognitoConfig;
/// let config = CognitoConfig::builder()
///     .user_pool("us-east-1_AbCdEf123", "client-id")
///     .identity_pool("us-east-1:11111111-2222-3333-4444-555555555555", true)
///     .user_pool_endpoint("http://127.0.0.1:9229")
///     .build()?;
/// assert_eq!(config.user_pool_endpoint(), "http://127.0.0.1:9229");
/// # Ok::<(), auth_core::error::AuthError>(())
/// ```
#[derive(Default)]
pub struct CognitoConfigBuilder {
    pub(super) region: Option<String>,
    pub(super) user_pool_id: Option<String>,
    pub(super) user_pool_client_id: Option<String>,
    pub(super) client_secret: Option<SecretString>,
    pub(super) identity_pool_id: Option<String>,
    pub(super) unauthenticated_identities_enabled: bool,
    pub(super) user_pool_endpoint: Option<String>,
    pub(super) identity_pool_endpoint: Option<String>,
    pub(super) oauth: Option<OAuthConfig>,
    pub(super) oauth_endpoint: Option<String>,
    pub(super) passwordless: Option<PasswordlessConfig>,
    pub(super) tuning: Tuning,
    pub(super) field_prefix: &'static str,
    pub(super) read_env: bool,
}

impl fmt::Debug for CognitoConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfigBuilder")
            .field("user_pool_id", &self.user_pool_id)
            .field("identity_pool_id", &self.identity_pool_id)
            .finish_non_exhaustive()
    }
}

impl CognitoConfigBuilder {
    /// The user pool and its app client.
    pub fn user_pool(mut self, pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        self.user_pool_id = Some(pool_id.into());
        self.user_pool_client_id = Some(client_id.into());
        self
    }
    /// The app client's secret, for clients created with one.
    pub fn client_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }
    /// The identity pool, and whether guests may use it.
    pub fn identity_pool(mut self, pool_id: impl Into<String>, allow_guests: bool) -> Self {
        self.identity_pool_id = Some(pool_id.into());
        self.unauthenticated_identities_enabled = allow_guests;
        self
    }
    /// An explicit region; it must match the pool ids.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// A custom user-pool endpoint (an emulator or a proxy).
    pub fn user_pool_endpoint(mut self, url: impl Into<String>) -> Self {
        self.user_pool_endpoint = Some(url.into());
        self
    }
    /// A custom identity-pool endpoint.
    pub fn identity_pool_endpoint(mut self, url: impl Into<String>) -> Self {
        self.identity_pool_endpoint = Some(url.into());
        self
    }
    /// The OAuth section.
    pub fn oauth(mut self, oauth: OAuthConfig) -> Self {
        self.oauth = Some(oauth);
        self
    }
    /// A custom hosted-UI base URL that replaces `https://{domain}` (an
    /// emulator or a proxy), for `/oauth2/authorize`, `/oauth2/token` and
    /// `/logout`.
    pub fn oauth_endpoint(mut self, url: impl Into<String>) -> Self {
        self.oauth_endpoint = Some(url.into());
        self
    }

    /// The passwordless section: the defaults of `USER_AUTH` sign-in.
    pub fn passwordless(mut self, passwordless: PasswordlessConfig) -> Self {
        self.passwordless = Some(passwordless);
        self
    }
    /// Timeouts and margins.
    pub fn tuning(mut self, tuning: Tuning) -> Self {
        self.tuning = tuning;
        self
    }
    /// Also apply the endpoint environment variables (`from_amplify_outputs` does).
    pub fn with_env_overrides(mut self) -> Self {
        self.read_env = true;
        self
    }

    /// Checks the fields and builds the config.
    pub fn build(mut self) -> Result<CognitoConfig, AuthError> {
        let p = self.field_prefix;
        let f = |name: &str| format!("{p}{name}");
        if self.read_env {
            if let Ok(v) = std::env::var(ENV_USER_POOL_ENDPOINT)
                && !v.trim().is_empty()
            {
                self.user_pool_endpoint = Some(v);
            }
            if let Ok(v) = std::env::var(ENV_IDENTITY_POOL_ENDPOINT)
                && !v.trim().is_empty()
            {
                self.identity_pool_endpoint = Some(v);
            }
            if let Ok(v) = std::env::var(ENV_OAUTH_ENDPOINT)
                && !v.trim().is_empty()
            {
                self.oauth_endpoint = Some(v);
            }
        }
        if self.user_pool_id.is_none() && self.identity_pool_id.is_none() {
            return Err(invalid(
                &f("user_pool_id"),
                "neither a user pool nor an identity pool is configured",
            ));
        }
        let mut region = None;
        if let Some(id) = &self.user_pool_id {
            region = Some(region_of(id, '_', &f("user_pool_id"))?);
            match &self.user_pool_client_id {
                None => return Err(invalid(&f("user_pool_client_id"), "missing")),
                Some(c) if c.trim().is_empty() => {
                    return Err(invalid(&f("user_pool_client_id"), "empty"));
                }
                Some(_) => {}
            }
        }
        if let Some(id) = &self.identity_pool_id {
            let r = region_of(id, ':', &f("identity_pool_id"))?;
            if let Some(up) = &region
                && *up != r
            {
                return Err(invalid(
                    &f("identity_pool_id"),
                    format!("region `{r}` differs from the user pool's `{up}`"),
                ));
            }
            region = Some(r);
        }
        let region = region.unwrap_or_default();
        if let Some(explicit) = &self.region
            && *explicit != region
        {
            return Err(invalid(
                &f("aws_region"),
                format!("`{explicit}` differs from the pool id's region `{region}`"),
            ));
        }
        let user_pool_endpoint = self
            .user_pool_endpoint
            .as_deref()
            .map(|u| check_endpoint(&f("user_pool_endpoint"), u))
            .transpose()?;
        let identity_pool_endpoint = self
            .identity_pool_endpoint
            .as_deref()
            .map(|u| check_endpoint(&f("identity_pool_endpoint"), u))
            .transpose()?;
        let oauth_endpoint = self
            .oauth_endpoint
            .as_deref()
            .map(|u| check_endpoint(&f("oauth_endpoint"), u))
            .transpose()?;
        if let Some(oauth) = &self.oauth {
            oauth.check(p)?;
        }
        Ok(CognitoConfig::from_fields(super::Fields {
            region,
            user_pool_id: self.user_pool_id,
            user_pool_client_id: self.user_pool_client_id,
            client_secret: self.client_secret,
            identity_pool_id: self.identity_pool_id,
            unauthenticated_identities_enabled: self.unauthenticated_identities_enabled,
            user_pool_endpoint,
            identity_pool_endpoint,
            oauth: self.oauth,
            oauth_endpoint,
            passwordless: self.passwordless,
            tuning: self.tuning,
            storage_prefix: std::sync::OnceLock::new(),
        }))
    }
}

/// The region part of a pool id (`us-east-1_AbC` or `us-east-1:uuid`).
fn region_of(id: &str, sep: char, field: &str) -> Result<String, AuthError> {
    let (region, rest) = id
        .split_once(sep)
        .ok_or_else(|| invalid(field, format!("expected `<region>{sep}<id>`")))?;
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.contains('-');
    if !region_ok {
        return Err(invalid(field, format!("`{region}` is not an AWS region")));
    }
    if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            field,
            "the id after the region is empty or has spaces",
        ));
    }
    Ok(region.to_owned())
}

fn check_endpoint(field: &str, url: &str) -> Result<String, AuthError> {
    let url = url.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
        return Err(invalid(field, "expected an http:// or https:// URL"));
    }
    Ok(url.to_owned())
}
