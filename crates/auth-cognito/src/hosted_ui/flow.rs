//! [`PendingRedirect`]: a hosted-UI sign-in between the authorize URL and
//! the redirect. It holds the PKCE verifier and the state, which are
//! secrets: `Debug` redacts them, and the one way to take them out of the
//! process is [`PendingRedirect::export_secret`], for a server that keeps
//! the flow in its own session store between two requests.

use std::fmt;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde::{Deserialize, Serialize};

use super::pkce;
use crate::plugin::CognitoAuthPlugin;
use crate::sign_in::SignInResult;

/// How long a pending flow may wait for its redirect: a user who comes
/// back later starts again.
pub(crate) const MAX_AGE_MS: i64 = 30 * 60 * 1000;

/// The version of the exported form.
const EXPORT_VERSION: u32 = 1;

/// What a pending flow is made of; the exported form is its JSON.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct FlowData {
    /// The form's version.
    pub(crate) v: u32,
    /// The app client it belongs to.
    pub(crate) client_id: String,
    /// The redirect URI sent to `/oauth2/authorize` (and so to `/oauth2/token`).
    pub(crate) redirect_uri: String,
    /// The `identity_provider` asked for.
    pub(crate) provider: String,
    /// The `state`. A secret.
    pub(crate) state: String,
    /// The PKCE code verifier. A secret.
    pub(crate) code_verifier: String,
    /// The URL to open.
    pub(crate) authorize_url: String,
    /// When the flow started, by the plugin's clock (ms).
    pub(crate) created_at_ms: i64,
}

/// A hosted-UI sign-in waiting for its redirect: the result of
/// [`CognitoAuthPlugin::sign_in_with_redirect`]. Open
/// [`authorize_url`](Self::authorize_url) in a browser, then hand the URL
/// the browser was redirected to to [`complete`](Self::complete).
///
/// It holds the PKCE code verifier and the `state`, both secrets: `Debug`
/// shows neither (nor the authorize URL, which carries the state). A
/// server that must keep the flow between the request that starts it and
/// the callback request (possibly on another instance) stores
/// [`export_secret`](Self::export_secret) in its own server-side session
/// store and rebuilds the flow with
/// [`CognitoAuthPlugin::resume_sign_in_with_redirect`].
///
/// ```no_run
/// # use auth_cognito::{CognitoAuthPlugin, hosted_ui::SignInWithRedirectOptions};
/// # async fn demo(plugin: CognitoAuthPlugin, redirect_url: &str) -> Result<(), auth_core::error::AuthError> {
/// let flow = plugin.sign_in_with_redirect(SignInWithRedirectOptions::default()).await?;
/// println!("open {}", flow.authorize_url());
/// // ... the browser comes back to the redirect URI with ?code=..&state=..
/// flow.complete(redirect_url).await?;
/// # Ok(()) }
/// ```
pub struct PendingRedirect {
    pub(crate) plugin: CognitoAuthPlugin,
    pub(crate) data: FlowData,
}

impl fmt::Debug for PendingRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingRedirect")
            .field("client_id", &self.data.client_id)
            .field("redirect_uri", &self.data.redirect_uri)
            .field("provider", &self.data.provider)
            .field("state", &"[redacted]")
            .field("code_verifier", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl PendingRedirect {
    /// The URL to open in the browser: `/oauth2/authorize` with
    /// `response_type=code`, the client id, the redirect URI, the scopes,
    /// the identity provider, the state and the PKCE challenge.
    ///
    /// # Security warning
    ///
    /// It carries the state: open it (or print it for the user to open),
    /// but do not log it.
    pub fn authorize_url(&self) -> &str {
        &self.data.authorize_url
    }

    /// The redirect URI the hosted UI will send the browser back to.
    pub fn redirect_uri(&self) -> &str {
        &self.data.redirect_uri
    }

    /// The `identity_provider` asked for (`COGNITO`, `Google`, a custom name).
    pub fn provider(&self) -> &str {
        &self.data.provider
    }

    /// Finishes the sign-in with the URL the browser was redirected to
    /// (Amplify's redirect handling after `signInWithRedirect`).
    ///
    /// In order: the URL must be the redirect URI's; its `state` must be
    /// this flow's (checked in constant time, else
    /// [`AuthError::StateMismatch`] and nothing is exchanged); an `error`
    /// becomes [`AuthError::SignInCancelled`] (`access_denied`) or
    /// [`AuthError::OAuth`]; the `code` is exchanged at `/oauth2/token` with
    /// the PKCE verifier and the same redirect URI (and the client secret as
    /// HTTP Basic when one is configured); the tokens are installed as by
    /// any sign-in: persisted, `SignedIn` emitted, a guest identity
    /// upgraded. The session has no `sign_in_details`, as in Amplify, and is
    /// refreshed like any other.
    ///
    /// The flow is used up either way: start a new one after a failure.
    pub async fn complete(self, redirect_url: &str) -> Result<SignInResult, AuthError> {
        let Self { plugin, data } = self;
        plugin.complete_redirect(data, redirect_url).await
    }

    /// The flow as a string, to keep in a **server-side** session store
    /// until the callback request arrives; rebuild it with
    /// [`CognitoAuthPlugin::resume_sign_in_with_redirect`].
    ///
    /// # Security warning
    ///
    /// The string contains the PKCE code verifier and the state: whoever
    /// holds it (and an authorization code) can finish the sign-in. Keep it
    /// server-side (Redis, a database), never in a cookie, a URL or a log,
    /// and delete it once the flow is completed.
    pub fn export_secret(&self) -> SecretString {
        SecretString::from(serde_json::to_string(&self.data).unwrap_or_default())
    }
}

impl FlowData {
    /// Parses an exported flow and checks it belongs to `client_id`.
    pub(crate) fn import(exported: &str, client_id: &str) -> Result<Self, AuthError> {
        let bad = |m: &str| AuthError::InvalidParameter {
            name: "exported_flow".into(),
            message: m.to_owned(),
        };
        let data: FlowData = serde_json::from_str(exported)
            .map_err(|_| bad("not a flow exported by PendingRedirect::export_secret"))?;
        if data.v != EXPORT_VERSION {
            return Err(bad("exported by an incompatible version"));
        }
        if data.client_id != client_id {
            return Err(bad("belongs to another app client"));
        }
        if !pkce::is_valid_verifier(&data.code_verifier) || data.state.len() < 22 {
            return Err(bad("has a malformed verifier or state"));
        }
        Ok(data)
    }

    /// A new flow's data.
    pub(crate) fn new(
        client_id: &str,
        redirect_uri: &str,
        provider: &str,
        state: &SecretString,
        verifier: &SecretString,
        authorize_url: String,
        now_ms: i64,
    ) -> Self {
        Self {
            v: EXPORT_VERSION,
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            provider: provider.to_owned(),
            state: state.expose_secret().to_owned(),
            code_verifier: verifier.expose_secret().to_owned(),
            authorize_url,
            created_at_ms: now_ms,
        }
    }
}
