//! `CognitoConfig`: which user pool, app client and identity pool to use,
//! parsed from `amplify_outputs.json` or built by hand.

use std::fmt;
use std::time::Duration;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::Value;

/// Environment variable that overrides the user-pool endpoint.
pub const ENV_USER_POOL_ENDPOINT: &str = "AMPLIFY_AUTH_USER_POOL_ENDPOINT";
/// Environment variable that overrides the identity-pool endpoint.
pub const ENV_IDENTITY_POOL_ENDPOINT: &str = "AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT";

/// The OAuth (hosted UI) section of `amplify_outputs.json`, kept for apps
/// that use it; this crate does not drive the hosted UI itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OAuthConfig {
    /// The hosted UI domain.
    pub domain: String,
    /// Scopes requested.
    pub scopes: Vec<String>,
    /// Sign-in redirect URIs.
    pub redirect_sign_in_uri: Vec<String>,
    /// Sign-out redirect URIs.
    pub redirect_sign_out_uri: Vec<String>,
    /// `code` or `token`.
    pub response_type: String,
}

/// Timeouts and margins of the plugin. The defaults follow BEHAVIOUR.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuning {
    /// A token counts as expired this long before its `exp` (default 60 s).
    pub token_expiry_margin: Duration,
    /// AWS credentials count as expired this long before `Expiration` (default 5 min).
    pub credentials_expiry_margin: Duration,
    /// Timeout to connect to a service (default 5 s).
    pub connect_timeout: Duration,
    /// Timeout of one whole request (default 15 s).
    pub request_timeout: Duration,
    /// After a transient refresh failure, wait at least this long before the
    /// next network attempt (default 1 s, doubling up to `max_retry_backoff`).
    pub retry_backoff: Duration,
    /// The longest backoff (default 30 s).
    pub max_retry_backoff: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            token_expiry_margin: Duration::from_secs(60),
            credentials_expiry_margin: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            retry_backoff: Duration::from_secs(1),
            max_retry_backoff: Duration::from_secs(30),
        }
    }
}

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
    region: String,
    user_pool_id: Option<String>,
    user_pool_client_id: Option<String>,
    client_secret: Option<SecretString>,
    identity_pool_id: Option<String>,
    unauthenticated_identities_enabled: bool,
    user_pool_endpoint: Option<String>,
    identity_pool_endpoint: Option<String>,
    oauth: Option<OAuthConfig>,
    tuning: Tuning,
}

impl fmt::Debug for CognitoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfig")
            .field("region", &self.region)
            .field("user_pool_id", &self.user_pool_id)
            .field("user_pool_client_id", &self.user_pool_client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("identity_pool_id", &self.identity_pool_id)
            .field(
                "unauthenticated_identities_enabled",
                &self.unauthenticated_identities_enabled,
            )
            .field("user_pool_endpoint", &self.user_pool_endpoint)
            .field("identity_pool_endpoint", &self.identity_pool_endpoint)
            .field("oauth", &self.oauth)
            .field("tuning", &self.tuning)
            .finish()
    }
}

fn invalid(field: &str, message: impl Into<String>) -> AuthError {
    AuthError::InvalidConfig {
        field: field.to_owned(),
        message: message.into(),
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

impl CognitoConfig {
    /// Starts a config for a user pool and app client.
    pub fn builder() -> CognitoConfigBuilder {
        CognitoConfigBuilder::default()
    }

    /// Parses the text of an `amplify_outputs.json` file (Gen 2 format).
    ///
    /// Endpoint overrides come from `auth.user_pool_endpoint` and
    /// `auth.identity_pool_endpoint`, then from the environment variables
    /// [`ENV_USER_POOL_ENDPOINT`] and [`ENV_IDENTITY_POOL_ENDPOINT`], which win.
    pub fn from_amplify_outputs(json: &str) -> Result<Self, AuthError> {
        let root: Value = serde_json::from_str(json).map_err(|e| {
            invalid(
                "amplify_outputs.json",
                format!("not valid JSON (line {}, column {})", e.line(), e.column()),
            )
        })?;
        let auth = root.get("auth").ok_or_else(|| invalid("auth", "missing"))?;
        if !auth.is_object() {
            return Err(invalid("auth", "expected an object"));
        }
        let string = |name: &str| -> Result<Option<String>, AuthError> {
            match auth.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(&format!("auth.{name}"), "expected a string")),
            }
        };
        let unauthenticated_identities_enabled =
            match auth.get("unauthenticated_identities_enabled") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(v)) => *v,
                Some(_) => {
                    return Err(invalid(
                        "auth.unauthenticated_identities_enabled",
                        "expected true or false",
                    ));
                }
            };
        let b = CognitoConfigBuilder {
            user_pool_id: string("user_pool_id")?,
            user_pool_client_id: string("user_pool_client_id")?,
            identity_pool_id: string("identity_pool_id")?,
            region: string("aws_region")?,
            user_pool_endpoint: string("user_pool_endpoint")?,
            identity_pool_endpoint: string("identity_pool_endpoint")?,
            unauthenticated_identities_enabled,
            oauth: auth.get("oauth").map(parse_oauth).transpose()?,
            field_prefix: "auth.",
            read_env: true,
            ..CognitoConfigBuilder::default()
        };
        b.build()
    }

    /// Reads and parses an `amplify_outputs.json` file.
    pub fn from_amplify_outputs_file(path: impl AsRef<std::path::Path>) -> Result<Self, AuthError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid(
                "amplify_outputs.json",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        Self::from_amplify_outputs(&text)
    }

    /// The AWS region, taken from the pool ids.
    pub fn region(&self) -> &str {
        &self.region
    }
    /// The user pool id, for example `us-east-1_AbCdEf123`.
    pub fn user_pool_id(&self) -> Option<&str> {
        self.user_pool_id.as_deref()
    }
    /// The app client id.
    pub fn user_pool_client_id(&self) -> Option<&str> {
        self.user_pool_client_id.as_deref()
    }
    /// The app client's secret, for clients created with one.
    pub fn client_secret(&self) -> Option<&SecretString> {
        self.client_secret.as_ref()
    }
    /// The identity pool id.
    pub fn identity_pool_id(&self) -> Option<&str> {
        self.identity_pool_id.as_deref()
    }
    /// Whether guests get an identity and credentials.
    pub fn unauthenticated_identities_enabled(&self) -> bool {
        self.unauthenticated_identities_enabled
    }
    /// The OAuth section, if any.
    pub fn oauth(&self) -> Option<&OAuthConfig> {
        self.oauth.as_ref()
    }
    /// Timeouts and margins.
    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }
    /// A copy with other timeouts and margins.
    pub fn with_tuning(mut self, tuning: Tuning) -> Self {
        self.tuning = tuning;
        self
    }

    /// The user-pool service URL: the override, or
    /// `https://cognito-idp.<region>.amazonaws.com`.
    pub fn user_pool_endpoint(&self) -> String {
        self.user_pool_endpoint
            .clone()
            .unwrap_or_else(|| format!("https://cognito-idp.{}.amazonaws.com", self.region))
    }

    /// The identity-pool service URL: the override, or
    /// `https://cognito-identity.<region>.amazonaws.com`.
    pub fn identity_pool_endpoint(&self) -> String {
        self.identity_pool_endpoint
            .clone()
            .unwrap_or_else(|| format!("https://cognito-identity.{}.amazonaws.com", self.region))
    }

    /// The identity-pool logins key of the user pool:
    /// `cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub fn user_pool_provider_name(&self) -> Option<String> {
        self.user_pool_id
            .as_ref()
            .map(|id| format!("cognito-idp.{}.amazonaws.com/{id}", self.region))
    }
}

fn parse_oauth(v: &Value) -> Result<OAuthConfig, AuthError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("auth.oauth", "expected an object"))?;
    let s = |k: &str| -> Result<String, AuthError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(invalid(&format!("auth.oauth.{k}"), "expected a string")),
        }
    };
    let list = |k: &str| -> Result<Vec<String>, AuthError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str().map(str::to_owned).ok_or_else(|| {
                        invalid(&format!("auth.oauth.{k}"), "expected an array of strings")
                    })
                })
                .collect(),
            Some(_) => Err(invalid(&format!("auth.oauth.{k}"), "expected an array")),
        }
    };
    Ok(OAuthConfig {
        domain: s("domain")?,
        scopes: list("scopes")?,
        redirect_sign_in_uri: list("redirect_sign_in_uri")?,
        redirect_sign_out_uri: list("redirect_sign_out_uri")?,
        response_type: s("response_type")?,
    })
}

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
    region: Option<String>,
    user_pool_id: Option<String>,
    user_pool_client_id: Option<String>,
    client_secret: Option<SecretString>,
    identity_pool_id: Option<String>,
    unauthenticated_identities_enabled: bool,
    user_pool_endpoint: Option<String>,
    identity_pool_endpoint: Option<String>,
    oauth: Option<OAuthConfig>,
    tuning: Tuning,
    field_prefix: &'static str,
    read_env: bool,
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
        Ok(CognitoConfig {
            region,
            user_pool_id: self.user_pool_id,
            user_pool_client_id: self.user_pool_client_id,
            client_secret: self.client_secret,
            identity_pool_id: self.identity_pool_id,
            unauthenticated_identities_enabled: self.unauthenticated_identities_enabled,
            user_pool_endpoint,
            identity_pool_endpoint,
            oauth: self.oauth,
            tuning: self.tuning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: AuthError) -> String {
        match e {
            AuthError::InvalidConfig { field, .. } => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    fn parse(auth: &str) -> Result<CognitoConfig, AuthError> {
        CognitoConfig::from_amplify_outputs(&format!(r#"{{"version":"1.3","auth":{auth}}}"#))
    }

    #[test]
    fn region_comes_from_the_pool_id() {
        let c =
            parse(r#"{"user_pool_id":"ap-south-1_abc","user_pool_client_id":"c"}"#).expect("valid");
        assert_eq!(c.region(), "ap-south-1");
        assert_eq!(
            c.user_pool_provider_name().as_deref(),
            Some("cognito-idp.ap-south-1.amazonaws.com/ap-south-1_abc")
        );
        assert_eq!(
            c.user_pool_endpoint(),
            "https://cognito-idp.ap-south-1.amazonaws.com"
        );
    }

    #[test]
    fn malformed_config_names_the_field() {
        assert_eq!(
            field_of(CognitoConfig::from_amplify_outputs("{").expect_err("err")),
            "amplify_outputs.json"
        );
        assert_eq!(
            field_of(CognitoConfig::from_amplify_outputs("{}").expect_err("err")),
            "auth"
        );
        assert_eq!(
            field_of(
                parse(r#"{"user_pool_id":"nope","user_pool_client_id":"c"}"#).expect_err("err")
            ),
            "auth.user_pool_id"
        );
        assert_eq!(
            field_of(parse(r#"{"user_pool_id":"us-east-1_x"}"#).expect_err("err")),
            "auth.user_pool_client_id"
        );
        assert_eq!(
            field_of(parse(r#"{"user_pool_id":5,"user_pool_client_id":"c"}"#).expect_err("err")),
            "auth.user_pool_id"
        );
        assert_eq!(
            field_of(
                parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","identity_pool_id":"eu-west-1:abc"}"#)
                    .expect_err("err")
            ),
            "auth.identity_pool_id"
        );
        assert_eq!(
            field_of(
                parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","unauthenticated_identities_enabled":"yes"}"#)
                    .expect_err("err")
            ),
            "auth.unauthenticated_identities_enabled"
        );
        assert_eq!(
            field_of(
                parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","user_pool_endpoint":"ftp://x"}"#)
                    .expect_err("err")
            ),
            "auth.user_pool_endpoint"
        );
        assert_eq!(
            field_of(
                parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","aws_region":"eu-west-1"}"#)
                    .expect_err("err")
            ),
            "auth.aws_region"
        );
    }

    #[test]
    fn endpoints_can_be_overridden_in_the_file() {
        let c = parse(
            r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c",
                "identity_pool_id":"us-east-1:1234","unauthenticated_identities_enabled":true,
                "user_pool_endpoint":"http://127.0.0.1:1/","identity_pool_endpoint":"http://127.0.0.1:2",
                "oauth":{"domain":"d","scopes":["openid"],"redirect_sign_in_uri":["a://"],"redirect_sign_out_uri":[],"response_type":"code"}}"#,
        )
        .expect("valid");
        // The env vars may be set by the test runner; only check when they are not.
        if std::env::var(ENV_USER_POOL_ENDPOINT).is_err() {
            assert_eq!(c.user_pool_endpoint(), "http://127.0.0.1:1");
        }
        if std::env::var(ENV_IDENTITY_POOL_ENDPOINT).is_err() {
            assert_eq!(c.identity_pool_endpoint(), "http://127.0.0.1:2");
        }
        assert_eq!(
            c.oauth().map(|o| o.scopes.clone()),
            Some(vec!["openid".to_owned()])
        );
        assert!(c.unauthenticated_identities_enabled());
    }

    #[test]
    fn debug_redacts_the_client_secret() {
        let c = CognitoConfig::builder()
            .user_pool("us-east-1_x", "c")
            .client_secret("top-secret-value")
            .build()
            .expect("valid");
        assert!(!format!("{c:?}").contains("top-secret-value"));
    }
}
