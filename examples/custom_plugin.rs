//! A plugin for another provider, written against `auth-core` alone.
//!
//! ```text
//! cargo run --example custom_plugin
//! ```
//!
//! `StaticTokenPlugin` stands for an OIDC provider whose token the app got
//! elsewhere (a device flow, a parent process, a CI secret). It implements
//! `AuthPlugin`, is registered in `Auth`, answers `get_current_user`,
//! `fetch_auth_session` and `sign_out`, emits events, and offers its own typed
//! API through `auth.get_plugin::<StaticTokenPlugin>()`, as the Cognito plugin
//! does. Nothing in this file comes from `auth-cognito` or `auth-storage`:
//! every auth name is from `amplify_auth::core`, which is `auth-core`.

use std::any::Any;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use amplify_auth::core::clock::{Clock, SystemClock};
use amplify_auth::core::error::AuthError;
use amplify_auth::core::events::{AuthEvent, AuthHub, AuthState};
use amplify_auth::core::jwt::JwtToken;
use amplify_auth::core::plugin::{Auth, AuthPlugin};
use amplify_auth::core::types::{
    AuthSession, AuthTokens, AuthUser, FetchAuthSessionOptions, SharedStr, SignOutOptions,
    SignOutResult,
};
use async_trait::async_trait;
use tokio::sync::broadcast;

/// An unsigned demo token (`alg: none`) from "https://login.example.com":
/// `{"iss":"https://login.example.com","sub":"oidc-user-42",
/// "preferred_username":"ada","aud":"my-app","iat":1767225600,"exp":4102444800}`.
const DEMO_TOKEN: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUuY29tIiwic3ViIjoib2lkYy11c2VyLTQyIiwicHJlZmVycmVkX3VzZXJuYW1lIjoiYWRhIiwiYXVkIjoibXktYXBwIiwiaWF0IjoxNzY3MjI1NjAwLCJleHAiOjQxMDI0NDQ4MDB9.";

/// The same claims, but expired in 2020.
const EXPIRED_TOKEN: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUuY29tIiwic3ViIjoib2lkYy11c2VyLTQyIiwicHJlZmVycmVkX3VzZXJuYW1lIjoiYWRhIiwiYXVkIjoibXktYXBwIiwiaWF0IjoxNTc3ODM2ODAwLCJleHAiOjE1Nzc4NDA0MDB9.";

/// An auth plugin that holds one bearer token from an OIDC provider. It
/// cannot refresh it: a new token must be handed in with
/// [`StaticTokenPlugin::set_token`].
///
/// `Debug` shows the token's claims only (`JwtToken` redacts the token).
#[derive(Debug)]
struct StaticTokenPlugin {
    issuer: String,
    token: RwLock<Option<JwtToken>>,
    hub: AuthHub,
    clock: Arc<dyn Clock>,
}

fn poisoned() -> AuthError {
    AuthError::InvalidState("the token lock is poisoned".into())
}

impl StaticTokenPlugin {
    /// A plugin that accepts tokens from `issuer`.
    fn new(issuer: impl Into<String>) -> Self {
        let hub = AuthHub::default();
        hub.set_state(AuthState::SignedOut);
        Self {
            issuer: issuer.into(),
            token: RwLock::new(None),
            hub,
            clock: Arc::new(SystemClock),
        }
    }

    /// The plugin's own API: installs a token (its "sign-in"). The token must
    /// come from the configured issuer and must not be expired.
    fn set_token(&self, compact: &str) -> Result<AuthUser, AuthError> {
        let token = JwtToken::parse(compact).map_err(|e| AuthError::InvalidParameter {
            name: "token".into(),
            message: e.to_string(),
        })?;
        if token.claims().get_str("iss") != Some(self.issuer.as_str()) {
            return Err(AuthError::InvalidParameter {
                name: "token".into(),
                message: format!("the issuer is not {}", self.issuer),
            });
        }
        if token
            .expires_at()
            .is_some_and(|exp| exp <= self.clock.now_secs())
        {
            return Err(AuthError::InvalidParameter {
                name: "token".into(),
                message: "the token has expired".into(),
            });
        }
        let user = user_of(&token)?;
        *self.token.write().map_err(|_| poisoned())? = Some(token);
        self.hub.set_state(AuthState::SignedIn);
        self.hub.emit(AuthEvent::SignedIn {
            username: user.username.clone(),
        });
        Ok(user)
    }

    /// The issuer this plugin trusts.
    fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The current token, if it is still valid.
    fn valid_token(&self) -> Result<Option<JwtToken>, AuthError> {
        let guard = self.token.read().map_err(|_| poisoned())?;
        match guard.as_ref() {
            None => Ok(None),
            Some(t) if t.expires_at().is_some_and(|e| e <= self.clock.now_secs()) => {
                Err(AuthError::SessionExpired {
                    reason: "the provider token expired and cannot be refreshed".into(),
                })
            }
            Some(t) => Ok(Some(t.clone())),
        }
    }
}

/// The user of a token: `preferred_username` (or `sub`) and `sub`.
fn user_of(token: &JwtToken) -> Result<AuthUser, AuthError> {
    let sub = token
        .claims()
        .sub()
        .ok_or_else(|| AuthError::InvalidParameter {
            name: "token".into(),
            message: "no `sub` claim".into(),
        })?;
    let username = token.claims().get_str("preferred_username").unwrap_or(sub);
    // No sign-in details, like hosted-UI sign-ins: the plugin did not see a
    // login id.
    Ok(AuthUser::new(username, sub))
}

#[async_trait]
impl AuthPlugin for StaticTokenPlugin {
    fn key(&self) -> &'static str {
        "staticTokenPlugin"
    }

    async fn get_current_user(&self) -> Result<AuthUser, AuthError> {
        let token = self.valid_token()?.ok_or(AuthError::SignedOut)?;
        user_of(&token)
    }

    async fn fetch_auth_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> Result<AuthSession, AuthError> {
        let Some(token) = self.valid_token()? else {
            return Ok(AuthSession::signed_out());
        };
        if options.force_refresh {
            // There is no refresh token: say so, never loop or sign out.
            return Err(AuthError::NoRefreshToken);
        }
        let user_sub = token.claims().sub().map(SharedStr::from);
        // No identity pool behind this provider: no identity id, no AWS
        // credentials.
        Ok(AuthSession::from_parts(
            true,
            Some(AuthTokens::new(token, None)),
            None,
            None,
            user_sub,
        ))
    }

    async fn sign_out(&self, _options: SignOutOptions) -> Result<SignOutResult, AuthError> {
        *self.token.write().map_err(|_| poisoned())? = None;
        self.hub.set_state(AuthState::SignedOut);
        self.hub.emit(AuthEvent::SignedOut);
        Ok(SignOutResult::default())
    }

    fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.hub.subscribe()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Prints the events received since the last call.
fn drain(events: &mut broadcast::Receiver<AuthEvent>) {
    while let Ok(event) = events.try_recv() {
        println!("   >> event: {event:?}");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custom_plugin: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let auth = Auth::new(Arc::new(StaticTokenPlugin::new(
        "https://login.example.com",
    )));
    let mut events = auth.subscribe();

    println!("1. Before any token");
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    println!("   is_signed_in {}", session.is_signed_in());
    match auth.get_current_user().await {
        Ok(u) => println!("   unexpected user {}", u.username),
        Err(e) => println!("   get_current_user: {e}"),
    }

    println!("\n2. The plugin's own API, through auth.get_plugin::<StaticTokenPlugin>()");
    let plugin = auth
        .get_plugin::<StaticTokenPlugin>()
        .ok_or("StaticTokenPlugin is not registered")?;
    println!("   key {}, issuer {}", plugin.key(), plugin.issuer());
    match plugin.set_token(EXPIRED_TOKEN) {
        Ok(_) => println!("   unexpected: an expired token was accepted"),
        Err(e) => println!("   set_token(expired token): {e}"),
    }
    let user = plugin.set_token(DEMO_TOKEN)?;
    println!("   set_token(token): signed in as {}", user.username);
    drain(&mut events);

    println!("\n3. The portable API, forwarded to the plugin by Auth");
    let user = auth.get_current_user().await?;
    println!(
        "   get_current_user: username {}, user id {}, sign-in details {:?}",
        user.username, user.user_id, user.sign_in_details
    );
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    println!(
        "   fetch_auth_session: is_signed_in {}, user sub {}",
        session.is_signed_in(),
        session.user_sub().unwrap_or("-")
    );
    if let Some(tokens) = session.tokens() {
        let claims = tokens.access_token.claims();
        println!(
            "   access token claims: iss {}, aud {}, exp {}",
            claims.get_str("iss").unwrap_or("-"),
            claims.get_str("aud").unwrap_or("-"),
            claims.exp().unwrap_or_default()
        );
        println!("   Debug of the token: {:?}", tokens.access_token);
    }
    match auth
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
    {
        Ok(_) => println!("   unexpected: force_refresh succeeded"),
        Err(e) => println!("   fetch_auth_session(force_refresh): {e}"),
    }

    println!("\n4. sign_out()");
    auth.sign_out(SignOutOptions::default()).await?;
    drain(&mut events);
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    println!("   is_signed_in {}", session.is_signed_in());
    Ok(())
}
