//! Sign-in with the hosted UI (managed login): the OAuth 2.0 authorization
//! code grant with PKCE `S256` (Amplify's `signInWithRedirect`), for desktop
//! apps and CLIs (a loopback listener, RFC 8252), apps with a custom URL
//! scheme (they call [`PendingRedirect::complete`] themselves) and servers
//! (they keep the pending flow in their own session store).
//!
//! | file                | what it holds                                               |
//! |---------------------|-------------------------------------------------------------|
//! | `mod.rs`            | starting and completing a flow; the `/logout` URL           |
//! | `options.rs`        | [`SignInWithRedirectOptions`], [`HostedUiProvider`], [`Prompt`] |
//! | `flow.rs`           | [`PendingRedirect`]: the flow, redacted, exportable for servers |
//! | `pkce.rs`           | the code verifier, its `S256` challenge, the state and its check |
//! | `authorize.rs`      | the redirect URI and the `/oauth2/authorize` URL            |
//! | `callback.rs`       | reading the redirect: state, code, `error`                  |
//! | `token_endpoint.rs` | `POST /oauth2/token`                                        |
//! | `listener.rs`       | [`LoopbackListener`]                                        |
//! | `browser.rs`        | [`open_browser`]: `$BROWSER`, then the platform's opener    |
//!
//! The tokens end in the same place as every sign-in's
//! (`Orchestrator::complete_sign_in`), marked as coming from the hosted UI,
//! so that sign-out also offers [`logout_url`]'s page.
//!
//! # Security
//! The verifier, the code, the state and the tokens are never logged and
//! never in `Debug`; the listener binds loopback only and its page echoes
//! nothing; the redirect URI is always one the config registered, so there
//! is no open redirect; a state that does not match refuses the redirect
//! before any code is exchanged.

use std::time::Duration;

use auth_core::error::AuthError;

use crate::config::CognitoConfig;
use crate::orchestrator::Orchestrator;
use crate::session::SignInOrigin;
use crate::sign_in::SignInResult;

mod authorize;
mod browser;
mod callback;
mod flow;
mod listener;
mod options;
mod pkce;
mod token_endpoint;

pub use browser::open_browser;
pub use flow::PendingRedirect;
pub use listener::{
    DEFAULT_TIMEOUT, LoopbackListener, first_loopback_uri, is_loopback_redirect_uri,
};
pub use options::{HostedUiProvider, Prompt, SignInWithRedirectOptions};

pub(crate) use flow::FlowData;

/// Options of the loopback helper
/// ([`CognitoAuthPlugin::sign_in_with_loopback`](crate::CognitoAuthPlugin::sign_in_with_loopback)).
///
/// ```
/// use std::time::Duration;
/// use auth_cognito::hosted_ui::LoopbackOptions;
/// let options = LoopbackOptions::default().with_timeout(Duration::from_secs(120));
/// assert!(options.open_browser);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoopbackOptions {
    /// How long to wait for the redirect (default 5 minutes).
    pub timeout: Duration,
    /// Open the system browser ([`open_browser`]) on the authorize URL
    /// (default `true`).
    pub open_browser: bool,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            open_browser: true,
        }
    }
}

impl LoopbackOptions {
    /// These options with another timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// These options, opening the browser or not.
    pub fn with_open_browser(mut self, open: bool) -> Self {
        self.open_browser = open;
        self
    }
}

/// The loopback redirect URI of the config: `wanted` (which must be a
/// registered loopback URI) or the first loopback one.
pub(crate) fn loopback_redirect_uri(
    config: &CognitoConfig,
    wanted: Option<&str>,
) -> Result<String, AuthError> {
    let oauth = authorize::oauth_config(config)?;
    if let Some(w) = wanted {
        let uri = authorize::redirect_uri(oauth, Some(w))?;
        if !is_loopback_redirect_uri(uri) {
            return Err(AuthError::InvalidParameter {
                name: "redirect_uri".into(),
                message: "is not a loopback URI with a port (http://127.0.0.1:PORT/...)".into(),
            });
        }
        return Ok(uri.to_owned());
    }
    first_loopback_uri(&oauth.redirect_sign_in_uri)
        .map(str::to_owned)
        .ok_or_else(|| AuthError::InvalidConfig {
            field: "auth.oauth.redirect_sign_in_uri".into(),
            message: "has no loopback URI (http://127.0.0.1:PORT/..., http://localhost:PORT/... \
                      or http://[::1]:PORT/...) for the loopback listener; register one as a \
                      callback URL of the app client"
                .into(),
        })
}

/// Starts a flow (see `CognitoAuthPlugin::sign_in_with_redirect`).
pub(crate) async fn start(
    session: &Orchestrator,
    options: &SignInWithRedirectOptions,
) -> Result<FlowData, AuthError> {
    let oauth = authorize::oauth_config(&session.config)?;
    let redirect_uri = authorize::redirect_uri(oauth, options.redirect_uri.as_deref())?.to_owned();
    session.ensure_loaded().await?;
    if session.state.load().user.is_some() {
        return Err(AuthError::AlreadySignedIn);
    }
    let data = authorize::start(&session.config, options, &redirect_uri, session.now_ms())?;
    tracing::debug!(provider = %data.provider, "hosted UI sign-in started");
    Ok(data)
}

/// Rebuilds an exported flow (see `CognitoAuthPlugin::resume_sign_in_with_redirect`).
pub(crate) fn resume(session: &Orchestrator, exported: &str) -> Result<FlowData, AuthError> {
    FlowData::import(exported, session.client_id()?)
}

/// Completes a flow (see [`PendingRedirect::complete`]).
pub(crate) async fn complete(
    session: &Orchestrator,
    flow: FlowData,
    redirect_url: &str,
) -> Result<SignInResult, AuthError> {
    if session.now_ms() - flow.created_at_ms > flow::MAX_AGE_MS {
        return Err(AuthError::InvalidState(
            "this hosted-UI sign-in waited more than 30 minutes for its redirect; start it again"
                .into(),
        ));
    }
    let code = callback::code_of(&flow, redirect_url)?;
    session.ensure_loaded().await?;
    if session.state.load().user.is_some() {
        return Err(AuthError::AlreadySignedIn);
    }
    let endpoint = authorize::endpoint(&session.config)?;
    let request = token_endpoint::CodeExchange {
        endpoint: &endpoint,
        client_id: session.client_id()?,
        client_secret: session.config.client_secret(),
        code: &code,
        redirect_uri: &flow.redirect_uri,
        code_verifier: &flow.code_verifier,
    };
    let result = token_endpoint::exchange_code(&request, session.config.tuning()).await?;
    drop(code);
    session
        .complete_sign_in_from(
            SignInOrigin::HostedUi,
            token_endpoint::OPERATION,
            result,
            None,
            || Ok(()),
        )
        .await?;
    tracing::debug!("signed in with the hosted UI");
    Ok(SignInResult::done())
}

/// The hosted UI's sign-out page for this config:
/// `{endpoint}/logout?client_id=..&logout_uri=<first redirect_sign_out_uri>`;
/// `None` without an OAuth section, a domain or a sign-out URI.
pub fn logout_url(config: &CognitoConfig) -> Option<String> {
    let oauth = config.oauth()?;
    let logout_uri = oauth.redirect_sign_out_uri.first()?;
    let base = config.oauth_endpoint()?;
    let client_id = config.user_pool_client_id()?;
    let mut url = url::Url::parse(&format!("{base}/logout")).ok()?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("logout_uri", logout_uri);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OAuthConfig;

    fn config(uris: &[&str]) -> CognitoConfig {
        CognitoConfig::builder()
            .user_pool("us-east-1_abc", "client-1")
            .oauth(
                OAuthConfig::new("auth.example.com")
                    .with_redirect_sign_in_uri(uris.iter().copied())
                    .with_redirect_sign_out_uri(["http://127.0.0.1:9/bye"]),
            )
            .build()
            .expect("valid")
    }

    #[test]
    fn the_logout_url_names_the_client_and_the_first_sign_out_uri() {
        assert_eq!(
            logout_url(&config(&["myapp://cb"])).as_deref(),
            Some(
                "https://auth.example.com/logout?client_id=client-1&logout_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye"
            )
        );
        let none = CognitoConfig::builder()
            .user_pool("us-east-1_abc", "c")
            .build()
            .expect("valid");
        assert_eq!(logout_url(&none), None);
    }

    #[test]
    fn the_loopback_helper_needs_a_loopback_uri_and_names_the_field() {
        let c = config(&["myapp://cb", "http://127.0.0.1:8765/callback"]);
        assert_eq!(
            loopback_redirect_uri(&c, None).expect("found"),
            "http://127.0.0.1:8765/callback"
        );
        assert!(matches!(
            loopback_redirect_uri(&c, Some("myapp://cb")),
            Err(AuthError::InvalidParameter { .. })
        ));
        match loopback_redirect_uri(&config(&["myapp://cb"]), None) {
            Err(AuthError::InvalidConfig { field, .. }) => {
                assert_eq!(field, "auth.oauth.redirect_sign_in_uri");
            }
            other => panic!("{other:?}"),
        }
    }
}
