//! [`CognitoAuthPlugin`]: the plugin's public API, one `impl` block per
//! concern (set-up, sign-in, sessions, identity pool, sign-out; the
//! account flows in `account.rs`, devices in `devices.rs`), each
//! method handing the work to the module that does it; the hot path of
//! `fetch_auth_session` is `orchestrator/snapshot_hot.rs`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use auth_core::error::AuthError;
use auth_core::events::{AuthEvent, AuthState};
use auth_core::plugin::AuthPlugin;
use auth_core::types::{
    AuthSession, AuthTokens, AuthUser, FetchAuthSessionOptions, SignOutOptions, SignOutResult,
};
use tokio::sync::broadcast;

use crate::cognito_session::{self, CognitoAuthSession, Tickets};
use crate::config::CognitoConfig;
use crate::expired_flight::{self, Answer, BoxedFetch, ExpiredFlight};
use crate::hosted_ui::{
    self, LoopbackListener, LoopbackOptions, PendingRedirect, SignInWithRedirectOptions,
};
use crate::identity::{FederateToIdentityPoolResult, IdentityPool};
use crate::orchestrator::Orchestrator;
use crate::sign_in::{self, Pending, SignInOptions, SignInResult};
use crate::sign_out;

mod account;
mod builder;
mod devices;
mod mfa;

pub use builder::CognitoAuthPluginBuilder;

/// The key of the Cognito plugin (Amplify's `AWSCognitoAuthPlugin` key).
pub const PLUGIN_KEY: &str = "awsCognitoAuthPlugin";

/// What clones of a plugin share. Private to this module: the modules that
/// do the work get only the parts they need.
struct Inner {
    /// The user-pool session and everything that changes it.
    session: Orchestrator,
    /// The identity pool, when one is configured.
    identity: Option<IdentityPool>,
    /// The sign-in challenge waiting for `confirm_sign_in`.
    pending: Pending,
    /// The auto sign-in waiting for `confirm_sign_up` or `auto_sign_in`.
    auto_sign_in: crate::account::auto_sign_in::AutoSignIn,
    /// The unforced fetch of callers whose tokens expired together
    /// (`expired_flight.rs`).
    expired: ExpiredFlight,
}

/// The Amazon Cognito auth plugin (Amplify's `AWSCognitoAuthPlugin`).
///
/// Cloning is cheap; clones share one session.
///
/// ```no_run
/// use std::sync::Arc;
/// use auth_cognito::{CognitoAuthPlugin, CognitoConfig};
/// use auth_core::prelude::*;
/// # async fn demo(storage: Arc<dyn KeyValueStorage>) -> Result<(), AuthError> {
/// let config = CognitoConfig::from_amplify_outputs_file("amplify_outputs.json")?;
/// let plugin = CognitoAuthPlugin::builder(config).storage(storage).build()?;
/// let auth = Auth::new(Arc::new(plugin));
///
/// let user = auth.get_current_user().await?;
/// println!("{} ({})", user.username, user.user_id);
///
/// let session = auth.fetch_auth_session(FetchAuthSessionOptions::default()).await?;
/// if let Some(tokens) = session.tokens() {
///     println!("access token expires at {:?}", tokens.access_token.expires_at());
/// }
///
/// // The Cognito view, with one result per field.
/// let cognito = auth.get_plugin::<CognitoAuthPlugin>().expect("registered");
/// let s = cognito.fetch_cognito_session(FetchAuthSessionOptions::force_refresh()).await;
/// match &s.identity_id_result {
///     Ok(id) => println!("identity id {id}"),
///     Err(why) => println!("no identity id: {why}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CognitoAuthPlugin {
    inner: Arc<Inner>,
}

impl fmt::Debug for CognitoAuthPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.inner.session.state.load();
        f.debug_struct("CognitoAuthPlugin")
            .field("config", &self.inner.session.config)
            .field("signed_in", &snap.user.is_some())
            .finish_non_exhaustive()
    }
}

/// Set-up and state.
impl CognitoAuthPlugin {
    /// Starts building a plugin for `config`.
    pub fn builder(config: CognitoConfig) -> CognitoAuthPluginBuilder {
        CognitoAuthPluginBuilder::new(config)
    }

    /// The configuration.
    pub fn config(&self) -> &CognitoConfig {
        &self.inner.session.config
    }

    /// A watch of the coarse auth state.
    pub fn watch_state(&self) -> tokio::sync::watch::Receiver<AuthState> {
        self.inner.session.hub.watch_state()
    }

    /// Whether a user-pool user is signed in, from memory (no I/O). Before
    /// the first call that reads storage this is `false`.
    pub fn is_signed_in_cached(&self) -> bool {
        self.inner.session.state.load().user.is_some()
    }
}

/// Sign-in (`sign_in/`).
impl CognitoAuthPlugin {
    /// Signs a user in (Amplify's `signIn`).
    ///
    /// With `USER_SRP_AUTH` (the default) the password never leaves this
    /// process: only an SRP proof is sent. A wrong password is
    /// [`AuthError::NotAuthorized`]. When Cognito asks for more, the result's
    /// `next_step` says what, and [`confirm_sign_in`](Self::confirm_sign_in)
    /// continues.
    ///
    /// ```no_run
    /// # use auth_cognito::{CognitoAuthPlugin, SignInOptions, SignInStep};
    /// # async fn demo(plugin: CognitoAuthPlugin) -> Result<(), auth_core::error::AuthError> {
    /// let result = plugin.sign_in("alice", "correct horse", SignInOptions::default()).await?;
    /// if let SignInStep::ConfirmSignInWithTotpCode = result.next_step {
    ///     plugin.confirm_sign_in("123456").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        options: SignInOptions,
    ) -> Result<SignInResult, AuthError> {
        let inner = &*self.inner;
        sign_in::sign_in(&inner.session, &inner.pending, username, password, options).await
    }

    /// Answers the pending sign-in challenge (Amplify's `confirmSignIn`): a new
    /// password, a TOTP, SMS or email code, an MFA choice, a first factor of `USER_AUTH`
    /// (`"EMAIL_OTP"`, `"PASSWORD_SRP"`...) then the password, or the code of a TOTP
    /// set-up. After a wrong code the same challenge can be answered again.
    pub async fn confirm_sign_in(
        &self,
        challenge_response: &str,
    ) -> Result<SignInResult, AuthError> {
        let inner = &*self.inner;
        sign_in::confirm(&inner.session, &inner.pending, challenge_response).await
    }
}

/// Hosted UI (`hosted_ui/`).
impl CognitoAuthPlugin {
    /// Starts a sign-in with the hosted UI (Amplify's `signInWithRedirect`):
    /// the OAuth 2.0 authorization code grant with PKCE `S256`. Open the
    /// returned flow's [`authorize_url`](PendingRedirect::authorize_url) in a
    /// browser, then hand the URL the browser comes back to to
    /// [`PendingRedirect::complete`].
    ///
    /// Needs `auth.oauth` in the config (a domain and a redirect URI); the
    /// redirect URI is `options.redirect_uri` when it is registered, else the
    /// first of `redirect_sign_in_uri`. Fails with
    /// [`AuthError::AlreadySignedIn`] when a user is signed in. Desktop apps
    /// and CLIs use [`sign_in_with_loopback`](Self::sign_in_with_loopback).
    ///
    /// ```no_run
    /// # use auth_cognito::CognitoAuthPlugin;
    /// # use auth_cognito::hosted_ui::{HostedUiProvider, SignInWithRedirectOptions};
    /// # async fn demo(plugin: CognitoAuthPlugin, redirected_to: String) -> Result<(), auth_core::error::AuthError> {
    /// let options = SignInWithRedirectOptions::default().with_provider(HostedUiProvider::Google);
    /// let flow = plugin.sign_in_with_redirect(options).await?;
    /// // A mobile or Tauri app opens flow.authorize_url() and receives
    /// // myapp://callback?code=..&state=.. through its deep link:
    /// flow.complete(&redirected_to).await?;
    /// assert!(plugin.get_current_user().await?.sign_in_details.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn sign_in_with_redirect(
        &self,
        options: SignInWithRedirectOptions,
    ) -> Result<PendingRedirect, AuthError> {
        let data = hosted_ui::start(&self.inner.session, &options).await?;
        Ok(PendingRedirect {
            plugin: self.clone(),
            data,
        })
    }

    /// Rebuilds a flow that a server kept in its session store
    /// ([`PendingRedirect::export_secret`]), so that the callback request can
    /// complete it, on this instance or another one with the same config.
    /// Fails with [`AuthError::InvalidParameter`] for a string that is not
    /// an exported flow of this app client.
    pub fn resume_sign_in_with_redirect(
        &self,
        exported: &str,
    ) -> Result<PendingRedirect, AuthError> {
        let data = hosted_ui::resume(&self.inner.session, exported)?;
        Ok(PendingRedirect {
            plugin: self.clone(),
            data,
        })
    }

    /// Binds the loopback listener of the first loopback redirect URI (or of
    /// `options.redirect_uri`) and starts a flow that redirects to it: the
    /// parts of [`sign_in_with_loopback`](Self::sign_in_with_loopback), for
    /// callers that show the authorize URL themselves. Fails with a config
    /// error naming `auth.oauth.redirect_sign_in_uri` when it has no
    /// loopback URI.
    pub async fn prepare_loopback_sign_in(
        &self,
        options: SignInWithRedirectOptions,
    ) -> Result<(PendingRedirect, LoopbackListener), AuthError> {
        let uri = hosted_ui::loopback_redirect_uri(self.config(), options.redirect_uri.as_deref())?;
        let listener = LoopbackListener::bind(&uri).await?;
        let flow = self
            .sign_in_with_redirect(options.with_redirect_uri(uri))
            .await?;
        Ok((flow, listener))
    }

    /// Signs in with the hosted UI from a desktop app or a CLI (RFC 8252):
    /// binds the loopback redirect URI, opens the system browser on the
    /// authorize URL (`$BROWSER` first), waits for the one redirect (5
    /// minutes by default, then [`AuthError::RedirectTimeout`]) and
    /// completes the sign-in.
    pub async fn sign_in_with_loopback(
        &self,
        options: SignInWithRedirectOptions,
        loopback: LoopbackOptions,
    ) -> Result<SignInResult, AuthError> {
        let (flow, listener) = self.prepare_loopback_sign_in(options).await?;
        if loopback.open_browser {
            hosted_ui::open_browser(flow.authorize_url())?;
        }
        let redirect = listener.wait_for_redirect(loopback.timeout).await?;
        flow.complete(redirect.expose_secret()).await
    }

    /// The hosted UI's sign-out page for this app client
    /// (`https://{domain}/logout?client_id=..&logout_uri=..`), when the config
    /// has one. [`sign_out`](Self::sign_out) returns it in
    /// `SignOutResult::sign_out_url` for sessions from the hosted UI.
    pub fn hosted_ui_sign_out_url(&self) -> Option<String> {
        hosted_ui::logout_url(self.config())
    }

    /// The end of [`PendingRedirect::complete`].
    pub(crate) async fn complete_redirect(
        &self,
        data: hosted_ui::FlowData,
        redirect_url: &str,
    ) -> Result<SignInResult, AuthError> {
        hosted_ui::complete(&self.inner.session, data, redirect_url).await
    }
}

/// Sessions (`orchestrator/`, `identity/`, `cognito_session.rs`).
impl CognitoAuthPlugin {
    /// The current user, from the tokens (refreshed first when expired).
    pub async fn get_current_user(&self) -> Result<AuthUser, AuthError> {
        if let Some(user) = self.inner.session.cached_user() {
            return Ok(user);
        }
        let tokens = self.inner.session.current_tokens(false).await?;
        Ok(tokens.auth_user())
    }

    /// The portable session. Fails only when tokens or credentials that
    /// should exist cannot be obtained (a transient or service error);
    /// a signed-out or guest session is `Ok`.
    ///
    /// With `force_refresh` the call counts from when it is *made*, not
    /// from when its future is first polled: a forced refresh that starts
    /// after the call is adopted, even if it has completed by the time the
    /// future runs (as in Amplify JS, whose call runs up to its first
    /// `await` at once). So 10,000 forced calls made in one loop make one
    /// token call and one credentials call, while a forced call made after
    /// a forced refresh completed makes a new one.
    ///
    /// ```no_run
    /// # use auth_cognito::CognitoAuthPlugin;
    /// # use auth_core::types::FetchAuthSessionOptions;
    /// # async fn demo(plugin: CognitoAuthPlugin) {
    /// let calls: Vec<_> = (0..100)
    ///     .map(|_| plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
    ///     .collect();
    /// // One refresh, whichever future runs first and however late the rest run.
    /// for call in calls {
    ///     let _ = call.await;
    /// }
    /// # }
    /// ```
    pub fn fetch_auth_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> impl Future<Output = Result<AuthSession, AuthError>> + Send + '_ {
        // A forced call's tickets are taken now. Boxed, out of line: the
        // unforced call (the hot path) pays a branch and one null pointer.
        let tickets = if options.force_refresh {
            self.boxed_tickets()
        } else {
            None
        };
        async move {
            if !options.force_refresh
                && let Some(session) = self.cached_auth_session()
            {
                // An unforced call has no tickets: forgetting the `None`
                // leaks nothing and spares the hot path a call to its drop.
                debug_assert!(tickets.is_none());
                std::mem::forget(tickets);
                return Ok(session);
            }
            // Boxed: the general path's future is large, and an unboxed one
            // would be copied into every call's future, the fast one included.
            self.general(options, tickets.map(|t| *t)).await
        }
    }

    /// The tickets of a forced call made now (`cognito_session.rs`).
    #[inline]
    fn tickets(&self, force_refresh: bool) -> Option<Tickets<'_>> {
        let inner = &*self.inner;
        Tickets::take(force_refresh, &inner.session, inner.identity.as_ref())
    }

    /// [`tickets`](Self::tickets) of a forced call, boxed.
    #[cold]
    #[inline(never)]
    fn boxed_tickets(&self) -> Option<Box<Tickets<'_>>> {
        self.tickets(true).map(Box::new)
    }

    /// The hot path, synchronously: the session when the signed-in user's
    /// tokens (and, with an identity pool, credentials) are loaded and
    /// valid, else `None` (take the general path). No I/O, no lock, no
    /// write to memory shared between threads: this thread's replica of the
    /// session (`orchestrator/snapshot_hot.rs`).
    #[inline]
    fn cached_auth_session(&self) -> Option<AuthSession> {
        let inner = &*self.inner;
        inner.session.cached_auth_session(inner.identity.is_some())
    }

    /// The user-pool tokens only, refreshed first when they are within the
    /// margin of expiry (or always with `force_refresh`). Unlike
    /// [`fetch_cognito_session`](Self::fetch_cognito_session) it never calls
    /// the identity pool: use it when all you need is a bearer token.
    /// As [`fetch_auth_session`](Self::fetch_auth_session), a forced call
    /// counts from when it is made.
    pub fn fetch_user_pool_tokens(
        &self,
        options: FetchAuthSessionOptions,
    ) -> impl Future<Output = Result<AuthTokens, AuthError>> + Send + '_ {
        let session = &self.inner.session;
        let ticket = options.force_refresh.then(|| session.refresh_ticket());
        async move {
            let tokens = session
                .current_tokens_after(options.force_refresh, ticket)
                .await?;
            Ok(tokens.auth_tokens())
        }
    }

    /// The session with one result per field (Swift's and Kotlin's
    /// `AWSCognitoAuthSession`). It never fails as a whole: each field says
    /// why it is missing. As [`fetch_auth_session`](Self::fetch_auth_session),
    /// a forced call counts from when it is made.
    pub fn fetch_cognito_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> impl Future<Output = CognitoAuthSession> + Send + '_ {
        let tickets = self.tickets(options.force_refresh);
        // What an unforced call joins is decided when it runs, as before.
        async move { self.general(options, tickets).await }
    }

    /// The general path of `fetch_auth_session` and `fetch_cognito_session`
    /// (`R` is the answer wanted), with the tickets taken when it was
    /// called: a forced call fetches with them; an unforced one may join
    /// the flight of callers on the same expired tokens, in a small future
    /// (`expired_flight.rs`).
    fn general<'a, R: Answer + 'a>(
        &'a self,
        options: FetchAuthSessionOptions,
        tickets: Option<Tickets<'a>>,
    ) -> BoxedFetch<'a, R> {
        let inner = &*self.inner;
        let identity = inner.identity.as_ref();
        if options.force_refresh {
            Box::pin(async move {
                R::of_session(
                    cognito_session::fetch(&inner.session, identity, options, tickets).await,
                )
            })
        } else {
            expired_flight::fetch_unforced(&inner.expired, &inner.session, identity)
        }
    }
}

/// Identity pool (`identity/`).
impl CognitoAuthPlugin {
    /// Federates an external provider's token (Google, Apple, SAML, OIDC) to
    /// the identity pool (Amplify's `federateToIdentityPool`): the session
    /// then has an identity id and AWS credentials, but no user-pool tokens.
    ///
    /// `provider_name` is the identity pool's logins key, for example
    /// `accounts.google.com`. Allowed only when no user-pool user is signed
    /// in. The session cannot be refreshed without a new token: call this
    /// again when the credentials expire.
    pub async fn federate_to_identity_pool(
        &self,
        provider_name: &str,
        token: &str,
    ) -> Result<FederateToIdentityPoolResult, AuthError> {
        let inner = &*self.inner;
        let pool = inner.identity.as_ref().ok_or(AuthError::NoIdentityPool)?;
        IdentityPool::check_federation_input(provider_name, token)?;
        inner.session.ensure_loaded().await?;
        pool.federate(&inner.session, provider_name, token).await
    }

    /// Ends a federated session (Amplify's `clearFederationToIdentityPool`).
    pub async fn clear_federation_to_identity_pool(&self) -> Result<(), AuthError> {
        let inner = &*self.inner;
        match &inner.identity {
            Some(pool) => pool.clear_federation(&inner.session).await,
            None => Err(AuthError::InvalidState(
                "the session is not federated to the identity pool".into(),
            )),
        }
    }
}

/// Sign-out (`sign_out.rs`).
impl CognitoAuthPlugin {
    /// Signs out: clears the local session first, then, for a global
    /// sign-out, calls `GlobalSignOut`; for a local one, revokes the refresh
    /// token when the access token has `origin_jti` (as Amplify JS does).
    /// A failure of the remote step is reported in the result and never
    /// keeps the local session.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutResult, AuthError> {
        let inner = &*self.inner;
        sign_out::sign_out(
            &inner.session,
            inner.identity.as_ref(),
            &inner.pending,
            options,
        )
        .await
    }
}

/// Storage shared with other processes (`orchestrator/shared.rs`).
impl CognitoAuthPlugin {
    /// Whether refreshed tokens could not be written to storage and live in
    /// this process only (no I/O). With refresh-token rotation the store
    /// then holds a retired refresh token: another process that presents it
    /// ends the session. The plugin retries the write by itself (when the
    /// session is next read, after the refresh backoff); see
    /// [`save_session`](Self::save_session).
    pub fn has_unsaved_session(&self) -> bool {
        self.inner.session.state.load().unsaved.is_some()
    }

    /// Writes refreshed tokens that an earlier write could not, under the
    /// store's cross-process lock, and only while the store still holds the
    /// tokens they replaced (a sign-out or a new sign-in elsewhere wins).
    /// Returns at once when nothing is unsaved. A short-lived program (a
    /// CLI) calls it before it exits, so that the tokens are not lost with it.
    ///
    /// ```no_run
    /// # async fn demo(plugin: auth_cognito::CognitoAuthPlugin) {
    /// if let Err(e) = plugin.save_session().await {
    ///     eprintln!("the refreshed session could not be saved: {e}");
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`AuthError::Storage`] when the store still cannot be locked, read or
    /// written; the tokens stay in memory and unsaved.
    pub async fn save_session(&self) -> Result<(), AuthError> {
        self.inner.session.save_session().await
    }
}

#[async_trait]
impl AuthPlugin for CognitoAuthPlugin {
    fn key(&self) -> &'static str {
        PLUGIN_KEY
    }

    async fn get_current_user(&self) -> Result<AuthUser, AuthError> {
        CognitoAuthPlugin::get_current_user(self).await
    }

    // Written out as `async_trait` expands it, so that the call is eager:
    // a forced call's tickets are taken here, when it is made.
    fn fetch_auth_session<'life0, 'async_trait>(
        &'life0 self,
        options: FetchAuthSessionOptions,
    ) -> Pin<Box<dyn Future<Output = Result<AuthSession, AuthError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(CognitoAuthPlugin::fetch_auth_session(self, options))
    }

    async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutResult, AuthError> {
        CognitoAuthPlugin::sign_out(self, options).await
    }

    fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.inner.session.hub.subscribe()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
