//! Parsing `amplify_outputs.json` (the Gen 2 format): the `auth` section,
//! its endpoint overrides and its `oauth` and `passwordless` sections.

use auth_core::error::AuthError;
use serde_json::Value;

use super::{CognitoConfig, CognitoConfigBuilder, OAuthConfig, PasswordlessConfig, invalid};

impl CognitoConfig {
    /// Parses the text of an `amplify_outputs.json` file (Gen 2 format).
    ///
    /// Endpoint overrides come from `auth.user_pool_endpoint`,
    /// `auth.identity_pool_endpoint` and `auth.oauth_endpoint` (none of them
    /// written by Amplify), then from the environment variables
    /// [`ENV_USER_POOL_ENDPOINT`](super::ENV_USER_POOL_ENDPOINT),
    /// [`ENV_IDENTITY_POOL_ENDPOINT`](super::ENV_IDENTITY_POOL_ENDPOINT) and
    /// [`ENV_OAUTH_ENDPOINT`](super::ENV_OAUTH_ENDPOINT), which win.
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
            oauth_endpoint: string("oauth_endpoint")?,
            unauthenticated_identities_enabled,
            oauth: auth.get("oauth").map(parse_oauth).transpose()?,
            passwordless: auth
                .get("passwordless")
                .filter(|v| !v.is_null())
                .map(PasswordlessConfig::parse)
                .transpose()?,
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
        identity_providers: list("identity_providers")?,
    })
}
