//! In-process admin helpers of the [`Emulator`]: user pools, app clients
//! ([`ClientOptions`], [`Client`]), users and identity pools, through the same handlers
//! as the HTTP operations.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::Emulator;
use crate::error::EmulatorError;
use crate::identity;
use crate::state::UserStatus;
use crate::user_pool::{lookup, pools, revoke, users};

/// Options of [`Emulator::create_user_pool_client`]. `Default` gives Cognito's defaults
/// (no secret, 1 h access and id tokens, 30 d refresh tokens, no rotation, revocation on).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Client name (default `"client"`).
    pub name: Option<String>,
    /// Generate a client secret (`GenerateSecret`).
    pub generate_secret: bool,
    /// Access-token lifetime, whole seconds (default 1 h).
    pub access_token_ttl: Option<Duration>,
    /// Id-token lifetime, whole seconds (default 1 h).
    pub id_token_ttl: Option<Duration>,
    /// Refresh-token lifetime, whole seconds (default 30 d).
    pub refresh_token_ttl: Option<Duration>,
    /// `Some(grace)` enables refresh-token rotation with this retry grace period (0–60 s).
    pub refresh_token_rotation: Option<Duration>,
    /// Turn off `EnableTokenRevocation` (it is on by default, as in Cognito).
    pub disable_token_revocation: bool,
    /// `PreventUserExistenceErrors: ENABLED` (unknown users look like wrong passwords).
    pub prevent_user_existence_errors: bool,
    /// `ExplicitAuthFlows`, e.g. `["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    /// "ALLOW_USER_AUTH"]` (default: Cognito's, without `ALLOW_USER_AUTH`). Only
    /// `ALLOW_USER_AUTH` is enforced: `USER_AUTH` (a first factor, or the `Session` of
    /// `ConfirmSignUp`) is accepted only with it.
    pub explicit_auth_flows: Option<Vec<String>>,
    /// `AuthSessionValidity`: how long challenge sessions last, in minutes (3 to 15,
    /// default 3).
    pub auth_session_validity_mins: Option<u32>,
    /// The hosted UI settings; `None`: OAuth is off for the client.
    pub oauth: Option<HostedUiClient>,
}

/// The hosted UI settings of an app client ([`ClientOptions::oauth`]): the `code` grant
/// with these URLs, scopes and identity providers.
#[derive(Debug, Clone, Default)]
pub struct HostedUiClient {
    /// `CallbackURLs`: where `/oauth2/authorize` may redirect (matched exactly).
    pub callback_urls: Vec<String>,
    /// `LogoutURLs`: where `/logout` may redirect.
    pub logout_urls: Vec<String>,
    /// `AllowedOAuthScopes`; empty: `openid`, `email`, `profile`,
    /// `aws.cognito.signin.user.admin`.
    pub scopes: Vec<String>,
    /// `SupportedIdentityProviders`; empty: `COGNITO` only.
    pub identity_providers: Vec<String>,
}

impl HostedUiClient {
    /// The settings with one callback URL and one sign-out URL.
    pub fn new(callback_url: impl Into<String>, logout_url: impl Into<String>) -> Self {
        Self {
            callback_urls: vec![callback_url.into()],
            logout_urls: vec![logout_url.into()],
            ..Self::default()
        }
    }

    /// These settings with these `SupportedIdentityProviders` (`COGNITO` and provider
    /// names made with [`Emulator::create_identity_provider`]).
    pub fn with_identity_providers<S: Into<String>>(
        mut self,
        providers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.identity_providers = providers.into_iter().map(Into::into).collect();
        self
    }
}

/// An app client made by [`Emulator::create_user_pool_client`].
#[derive(Clone)]
pub struct Client {
    /// The client id.
    pub id: String,
    /// The client secret, when one was generated. **Security warning**: a secret.
    pub secret: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// The string at `path` in a handler's answer (always there when the handler succeeded).
fn field(v: &Value, path: &[&str]) -> Result<String, EmulatorError> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p).unwrap_or(&Value::Null);
    }
    cur.as_str()
        .map(str::to_owned)
        .ok_or_else(|| EmulatorError::Io(format!("internal: missing {}", path.join("."))))
}

impl Emulator {
    /// `CreateUserPool`; returns the pool id `<region>_<9 alnum>`. The pool has
    /// Cognito's default password policy and auto-verifies `email`: a sign-up with an
    /// e-mail address gets a confirmation code. Other settings (`UsernameAttributes`,
    /// `AliasAttributes`, `Policies`) are made with `CreateUserPool` over HTTP.
    pub fn create_user_pool(&self, name: &str) -> Result<String, EmulatorError> {
        let v = self.call(
            pools::create_user_pool,
            json!({"PoolName": name, "AutoVerifiedAttributes": ["email"]}),
        )?;
        field(&v, &["UserPool", "Id"])
    }

    /// `CreateUserPoolClient` with lifetimes in seconds (units `seconds`).
    pub fn create_user_pool_client(
        &self,
        pool_id: &str,
        opts: ClientOptions,
    ) -> Result<Client, EmulatorError> {
        let secs = |d: Option<Duration>, default: u64| d.map_or(default, |d| d.as_secs().max(1));
        let mut req = json!({
            "UserPoolId": pool_id,
            "ClientName": opts.name.as_deref().unwrap_or("client"),
            "GenerateSecret": opts.generate_secret,
            "AccessTokenValidity": secs(opts.access_token_ttl, 3600),
            "IdTokenValidity": secs(opts.id_token_ttl, 3600),
            "RefreshTokenValidity": secs(opts.refresh_token_ttl, 30 * 86_400),
            "TokenValidityUnits": {"AccessToken": "seconds", "IdToken": "seconds", "RefreshToken": "seconds"},
            "EnableTokenRevocation": !opts.disable_token_revocation,
            "PreventUserExistenceErrors": if opts.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        });
        if let Some(o) = req.as_object_mut() {
            if let Some(flows) = &opts.explicit_auth_flows {
                o.insert("ExplicitAuthFlows".into(), json!(flows));
            }
            if let Some(mins) = opts.auth_session_validity_mins {
                o.insert("AuthSessionValidity".into(), json!(mins));
            }
        }
        if let (Some(oauth), Some(o)) = (&opts.oauth, req.as_object_mut()) {
            let or_default = |list: &[String], default: &[&str]| -> Vec<String> {
                if list.is_empty() {
                    default.iter().map(|s| (*s).to_owned()).collect()
                } else {
                    list.to_vec()
                }
            };
            o.insert("AllowedOAuthFlowsUserPoolClient".into(), json!(true));
            o.insert("AllowedOAuthFlows".into(), json!(["code"]));
            o.insert(
                "AllowedOAuthScopes".into(),
                json!(or_default(
                    &oauth.scopes,
                    &[
                        "openid",
                        "email",
                        "profile",
                        "aws.cognito.signin.user.admin"
                    ]
                )),
            );
            o.insert("CallbackURLs".into(), json!(oauth.callback_urls));
            o.insert("LogoutURLs".into(), json!(oauth.logout_urls));
            o.insert(
                "SupportedIdentityProviders".into(),
                json!(or_default(&oauth.identity_providers, &["COGNITO"])),
            );
        }
        if let (Some(grace), Some(o)) = (opts.refresh_token_rotation, req.as_object_mut()) {
            o.insert(
                "RefreshTokenRotation".into(),
                json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": grace.as_secs()}),
            );
        }
        let v = self.call(pools::create_user_pool_client, req)?;
        Ok(Client {
            id: field(&v, &["UserPoolClient", "ClientId"])?,
            secret: field(&v, &["UserPoolClient", "ClientSecret"]).ok(),
        })
    }

    /// `AdminCreateUser` + `AdminSetUserPassword`: `permanent` makes the user `CONFIRMED`,
    /// otherwise it is `FORCE_CHANGE_PASSWORD` with `password` as temporary password.
    /// Returns the user's `sub`.
    pub fn admin_create_user(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<String, EmulatorError> {
        self.admin_create_user_with_attributes(pool_id, username, password, permanent, &[])
    }

    /// [`Emulator::admin_create_user`] with attributes, e.g. `[("email", "a@example.com")]`.
    pub fn admin_create_user_with_attributes(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
        attributes: &[(&str, &str)],
    ) -> Result<String, EmulatorError> {
        let status = if permanent {
            UserStatus::Confirmed
        } else {
            UserStatus::ForceChangePassword
        };
        let attrs: BTreeMap<String, String> = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.with_state(|st| {
            users::insert_user(st, pool_id, username, password, attrs, status)?;
            Ok(lookup::user(st, pool_id, username)?.sub.clone())
        })
    }

    /// `AdminSetUserPassword`.
    pub fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), EmulatorError> {
        self.call(
            users::admin_set_user_password,
            json!({"UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": permanent}),
        )
        .map(|_| ())
    }

    /// Enable or disable a user (`AdminEnableUser` / `AdminDisableUser`).
    pub fn set_user_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> Result<(), EmulatorError> {
        self.with_state(|st| {
            lookup::user_mut(st, pool_id, username)?.enabled = enabled;
            Ok(())
        })
    }

    /// `AdminUserGlobalSignOut`: revoke every refresh and access token of the user.
    pub fn admin_user_global_sign_out(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<(), EmulatorError> {
        self.with_state(|st| {
            lookup::user(st, pool_id, username)?;
            revoke::sign_out_user(st, pool_id, username);
            Ok(())
        })
    }

    /// `CreateUserPoolDomain`: the hosted UI's domain prefix of `pool_id` (the pages are
    /// served on the emulator's own port, whatever the domain).
    pub fn create_user_pool_domain(
        &self,
        pool_id: &str,
        domain: &str,
    ) -> Result<(), EmulatorError> {
        self.call(
            crate::hosted_ui::create_user_pool_domain,
            json!({"UserPoolId": pool_id, "Domain": domain}),
        )
        .map(|_| ())
    }

    /// `CreateIdentityProvider`: an external provider `name` of `provider_type`
    /// (`Google`, `Facebook`, `LoginWithAmazon`, `SignInWithApple`, `OIDC`, `SAML`). The
    /// hosted UI shows a mock of it: a consent page that signs in as any user id.
    pub fn create_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
        provider_type: &str,
    ) -> Result<(), EmulatorError> {
        self.call(
            crate::hosted_ui::create_identity_provider,
            json!({
                "UserPoolId": pool_id,
                "ProviderName": name,
                "ProviderType": provider_type,
                "ProviderDetails": {"client_id": "mock", "client_secret": "mock", "authorize_scopes": "openid email"},
                "AttributeMapping": {"email": "email"},
            }),
        )
        .map(|_| ())
    }

    /// `CreateIdentityPool`. `cognito_providers` are (provider name, client id) pairs, see
    /// [`Emulator::cognito_provider_name`]; `supported_login_providers` are (provider, app
    /// id) pairs, e.g. `("accounts.google.com", "x")`. Returns `<region>:<uuid>`.
    pub fn create_identity_pool(
        &self,
        allow_unauthenticated: bool,
        cognito_providers: &[(&str, &str)],
        supported_login_providers: &[(&str, &str)],
    ) -> Result<String, EmulatorError> {
        let providers: Vec<Value> = cognito_providers
            .iter()
            .map(|(p, c)| json!({"ProviderName": p, "ClientId": c}))
            .collect();
        let supported: serde_json::Map<String, Value> = supported_login_providers
            .iter()
            .map(|(p, a)| ((*p).to_owned(), json!(a)))
            .collect();
        let v = self.call(
            identity::create_identity_pool,
            json!({
                "IdentityPoolName": "pool",
                "AllowUnauthenticatedIdentities": allow_unauthenticated,
                "CognitoIdentityProviders": providers,
                "SupportedLoginProviders": supported,
            }),
        )?;
        field(&v, &["IdentityPoolId"])
    }
}
