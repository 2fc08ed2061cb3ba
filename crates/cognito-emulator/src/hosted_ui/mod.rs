//! The hosted UI (managed login) on the emulator's own port: real HTML pages and the
//! OAuth 2.0 endpoints, for the code grant with PKCE, external identity providers
//! (a mock provider's consent page) and sign-out.
//!
//! | file           | what it holds |
//! |----------------|---------------|
//! | `mod.rs`       | [`HostedUiState`], [`OAuthClient`] (an app client's OAuth settings), the routes |
//! | `admin.rs`     | `UpdateUserPoolClient`, `Create/Describe/DeleteUserPoolDomain`, `Create/Describe/ListIdentityProviders` |
//! | `authorize.rs` | `GET /oauth2/authorize`: the checks, then the login form or the provider's page |
//! | `login.rs`     | `GET`/`POST /login` (the password form), `GET /mock-idp/authorize` (the mock provider's page) and `POST /oauth2/idpresponse` (its answer), `GET /logout` |
//! | `federation.rs`| creating or linking the federated user `<Provider>_<id>` |
//! | `token.rs`     | `POST /oauth2/token`, `POST /oauth2/revoke`, `GET /oauth2/userInfo` |
//! | `pages.rs`     | the HTML pages; everything they echo is escaped |
//!
//! Requests are counted like operations, under their path (`oauth2/token`, `login`...).
//! The pages carry no secret: the authorize request is kept server-side, and the forms
//! carry only its random id.

use std::collections::HashMap;

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::server::Shared;

mod admin;
mod authorize;
mod federation;
mod login;
mod pages;
mod token;

pub(crate) use admin::{OPERATIONS, create_identity_provider, create_user_pool_domain};

/// How long an authorization code is valid: Cognito's 5 minutes.
pub(crate) const CODE_TTL_SECS: i64 = 300;
/// How long an authorize request waits for the login form.
pub(crate) const TXN_TTL_SECS: i64 = 3600;
/// How long the hosted UI's own session (its cookie) lasts: Cognito's 1 hour.
pub(crate) const SESSION_TTL_SECS: i64 = 3600;
/// The hosted UI's session cookie.
pub(crate) const COOKIE: &str = "emulator-hosted-ui";

/// An app client's OAuth settings, as `CreateUserPoolClient` takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct OAuthClient {
    /// `AllowedOAuthFlowsUserPoolClient`.
    pub(crate) enabled: bool,
    /// `AllowedOAuthFlows`: `code`, `implicit`, `client_credentials`.
    pub(crate) flows: Vec<String>,
    /// `AllowedOAuthScopes`.
    pub(crate) scopes: Vec<String>,
    /// `CallbackURLs`, matched exactly.
    pub(crate) callback_urls: Vec<String>,
    /// `LogoutURLs`, matched exactly.
    pub(crate) logout_urls: Vec<String>,
    /// `SupportedIdentityProviders`: `COGNITO` and provider names.
    pub(crate) identity_providers: Vec<String>,
}

fn string_list(req: &Value, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    match req.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::invalid_parameter(format!("{key} must be a list of strings"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::invalid_parameter(format!(
            "{key} must be a list of strings"
        ))),
    }
}

impl OAuthClient {
    /// The settings of a `CreateUserPoolClient` request.
    pub(crate) fn from_request(req: &Value) -> Result<Self, ApiError> {
        let mut c = Self::default();
        c.update(req)?;
        Ok(c)
    }

    /// Applies the OAuth members present in an `UpdateUserPoolClient` request.
    pub(crate) fn update(&mut self, req: &Value) -> Result<(), ApiError> {
        if let Some(v) = req.get("AllowedOAuthFlowsUserPoolClient") {
            self.enabled = v.as_bool().unwrap_or(false);
        }
        for (key, slot) in [
            ("AllowedOAuthFlows", &mut self.flows),
            ("AllowedOAuthScopes", &mut self.scopes),
            ("CallbackURLs", &mut self.callback_urls),
            ("LogoutURLs", &mut self.logout_urls),
            ("SupportedIdentityProviders", &mut self.identity_providers),
        ] {
            if let Some(list) = string_list(req, key)? {
                *slot = list;
            }
        }
        if let Some(bad) = self
            .flows
            .iter()
            .find(|f| !["code", "implicit", "client_credentials"].contains(&f.as_str()))
        {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid AllowedOAuthFlows value: {bad}"
            )));
        }
        if let Some(bad) = self
            .callback_urls
            .iter()
            .chain(&self.logout_urls)
            .find(|u| !u.contains(':') || u.contains(char::is_whitespace))
        {
            return Err(ApiError::invalid_parameter(format!("Invalid URL: {bad}")));
        }
        Ok(())
    }

    /// Adds the settings to a `UserPoolClient` description.
    pub(crate) fn write_json(&self, v: &mut Value) {
        let Some(o) = v.as_object_mut() else { return };
        o.insert(
            "AllowedOAuthFlowsUserPoolClient".into(),
            json!(self.enabled),
        );
        for (key, list) in [
            ("AllowedOAuthFlows", &self.flows),
            ("AllowedOAuthScopes", &self.scopes),
            ("CallbackURLs", &self.callback_urls),
            ("LogoutURLs", &self.logout_urls),
            ("SupportedIdentityProviders", &self.identity_providers),
        ] {
            if !list.is_empty() {
                o.insert(key.into(), json!(list));
            }
        }
    }
}

/// An external identity provider of a pool (`CreateIdentityProvider`).
#[derive(Debug, Clone)]
pub(crate) struct IdentityProvider {
    pub(crate) pool_id: String,
    pub(crate) name: String,
    /// `Google`, `Facebook`, `LoginWithAmazon`, `SignInWithApple`, `OIDC`, `SAML`.
    pub(crate) provider_type: String,
    pub(crate) details: serde_json::Map<String, Value>,
    pub(crate) attribute_mapping: serde_json::Map<String, Value>,
    pub(crate) idp_identifiers: Vec<String>,
    pub(crate) created: i64,
}

/// An `/oauth2/authorize` request waiting for the login form or the provider's page.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizeRequest {
    pub(crate) client_id: String,
    pub(crate) pool_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) scopes: Vec<String>,
    /// `(method, challenge)` of PKCE.
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) nonce: Option<String>,
    /// The identity provider asked for, `COGNITO` by default.
    pub(crate) provider: String,
    pub(crate) login_hint: Option<String>,
    pub(crate) expires_at: i64,
}

/// An authorization code, usable once.
#[derive(Debug, Clone)]
pub(crate) struct CodeRecord {
    pub(crate) client_id: String,
    pub(crate) pool_id: String,
    pub(crate) username: String,
    pub(crate) redirect_uri: String,
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) scopes: Vec<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) auth_time: i64,
    pub(crate) expires_at: i64,
    pub(crate) used: bool,
}

/// The hosted UI's own session, behind its cookie.
#[derive(Debug, Clone)]
pub(crate) struct BrowserSession {
    pub(crate) pool_id: String,
    pub(crate) username: String,
    pub(crate) auth_time: i64,
    pub(crate) expires_at: i64,
}

/// Everything the hosted UI keeps.
#[derive(Debug, Default)]
pub(crate) struct HostedUiState {
    /// Domain prefix (or custom domain) → pool id.
    pub(crate) domains: HashMap<String, String>,
    /// (pool id, provider name) → provider.
    pub(crate) providers: HashMap<(String, String), IdentityProvider>,
    /// Authorize request id → request.
    pub(crate) requests: HashMap<String, AuthorizeRequest>,
    /// Code → record.
    pub(crate) codes: HashMap<String, CodeRecord>,
    /// Cookie value → session.
    pub(crate) sessions: HashMap<String, BrowserSession>,
}

impl HostedUiState {
    /// Drops what has expired (used codes are kept until they expire, so that a replay is
    /// recognised as one).
    pub(crate) fn sweep(&mut self, now: i64) {
        self.requests.retain(|_, r| r.expires_at > now);
        self.codes.retain(|_, c| c.expires_at > now);
        self.sessions.retain(|_, s| s.expires_at > now);
    }

    /// The domain of a pool, if it has one.
    pub(crate) fn domain_of(&self, pool_id: &str) -> Option<&str> {
        self.domains
            .iter()
            .find(|(_, p)| p.as_str() == pool_id)
            .map(|(d, _)| d.as_str())
    }
}

/// The hosted UI's routes, to merge into the emulator's router.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/mock-idp/authorize", get(login::mock_idp_page))
        .route("/oauth2/idpresponse", post(login::idp_response))
        .route("/logout", get(login::logout))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/revoke", post(token::revoke))
        .route(
            "/oauth2/userInfo",
            get(token::user_info).post(token::user_info),
        )
}

/// Counts one hosted-UI request under `name` and takes a fault queued for it.
pub(crate) fn count(shared: &Shared, name: &str) -> Option<crate::Fault> {
    let mut st = crate::server::lock(shared);
    *st.counters.entry(name.to_owned()).or_insert(0) += 1;
    st.take_fault(name)
}
