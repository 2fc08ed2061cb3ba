//! Backend-for-frontend sessions: the browser holds only a random cookie;
//! the server signs the user in with the hosted UI, keeps the tokens and AWS
//! credentials in a [`SessionStore`] (memory, or Redis shared by every
//! instance), refreshes them and calls AWS as the user (Amplify's server-side
//! model, shared across instances instead of per request).
//!
//! - [`BffSessions`]: the configuration and the session manager, an LRU of
//!   per-session plugins bounded by entries, loaded from the store on demand.
//! - [`BffSessions::routes`]: `GET /auth/sign-in[?provider=&return_to=]`,
//!   `GET /auth/callback` and `POST /auth/sign-out`.
//! - [`SignedInUser`]: the extractor for handlers: the user, the session
//!   ([`fetch_auth_session`](SignedInUser::fetch_auth_session)), AWS
//!   credentials.
//! - [`BffRejection`]: 400 / 401 / 403 / 503 answers with a JSON body.
//!
//! ```no_run
//! use auth_axum::bff::{BffSessions, SessionStore, SignedInUser};
//! use auth_cognito::CognitoConfig;
//! use axum::{Extension, Json, Router, routing::get};
//!
//! async fn me(user: SignedInUser) -> Result<Json<serde_json::Value>, auth_axum::bff::BffRejection> {
//!     let u = user.user().await?;
//!     Ok(Json(serde_json::json!({ "username": u.username })))
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = CognitoConfig::from_amplify_outputs_file("amplify_outputs.json")?;
//! // The app client must allow https://app.example.com/auth/callback.
//! let bff = BffSessions::builder(config, "https://app.example.com")
//!     .store(SessionStore::memory())
//!     .build()?;
//! let app = Router::new()
//!     .route("/me", get(me))
//!     .merge(bff.routes())
//!     .layer(Extension(bff));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! # Security
//! - The session cookie holds a 256-bit random id only (HttpOnly,
//!   `SameSite=Lax`, `Path=/`; `Secure` and `__Host-` under https). The
//!   store knows it by `sha256(id)`.
//! - The hosted-UI `state` and PKCE verifier stay server-side in a
//!   10-minute, single-use pre-session tied to its own cookie; the callback's
//!   `state` is compared in constant time, and a forged, missing or expired
//!   one gets a 400 and no session.
//! - Sign-out is `POST` only (a `GET` is 405), and a cross-origin `Origin`
//!   is refused.
//! - No token, code, state or verifier reaches a cookie, a log line, an
//!   error or `Debug`.
//!
//! Modules: `session_id.rs` (ids and cookies), `store.rs` (the store and its
//! records), `lru.rs`, `manager.rs` (the cache and loading), `pre_session.rs`
//! (sign-in and callback), `routes.rs`, `signed_in.rs`, `rejection.rs`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_cognito::CognitoConfig;
use auth_core::clock::{Clock, SystemClock};
use auth_core::error::AuthError;

mod lru;
mod manager;
mod pre_session;
mod rejection;
mod routes;
mod session_id;
mod signed_in;
mod store;

pub use rejection::BffRejection;
pub use signed_in::SignedInUser;
pub use store::SessionStore;

use manager::Cached;
use session_id::CookiePolicy;

/// The default bound of the session cache (entries).
pub const DEFAULT_MAX_CACHED_SESSIONS: usize = 10_000;
/// How long a pre-session (a sign-in waiting for its callback) lives.
pub const PRE_SESSION_TTL: Duration = Duration::from_secs(10 * 60);
/// The default `Max-Age` of the session cookie (30 days, Cognito's default
/// refresh-token validity).
pub const DEFAULT_SESSION_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// The default idle expiry of a session in a store that expires records
/// ([`SessionStore::from_fn_with_expiry`]): 30 days without a write (Cognito's
/// default refresh-token validity).
pub const DEFAULT_SESSION_IDLE_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// BFF sessions for one app client: the configuration, the store and the
/// session manager. Cheap to clone (one shared inner); put it in the
/// router's extensions (`axum::Extension(bff)`) for [`SignedInUser`].
///
/// The manager keeps at most [`max_cached_sessions`](BffSessionsBuilder::max_cached_sessions)
/// sessions' plugins in memory (least recently used evicted) and loads a
/// session from the store when it is not cached. Before a cached session
/// is used, its marker is re-read from the store (one round trip), unless
/// it was checked less than [`revalidate_after`](BffSessionsBuilder::revalidate_after)
/// ago: so a sign-out on another instance is seen at once by default.
///
/// Refresh is single flight per session: within an instance through the
/// session's one plugin, across instances through the store's lock (the
/// Redis lease), under which the plugin re-reads the stored tokens and
/// adopts those another instance refreshed, so no retired refresh token is
/// presented under rotation.
///
/// ```
/// use auth_axum::bff::BffSessions;
/// use auth_cognito::CognitoConfig;
/// use auth_cognito::config::OAuthConfig;
///
/// let config = CognitoConfig::builder()
///     .user_pool("us-east-1_AbCdEf123", "client-id")
///     .oauth(
///         OAuthConfig::new("auth.example.com")
///             .with_redirect_sign_in_uri(["https://app.example.com/auth/callback"])
///             .with_redirect_sign_out_uri(["https://app.example.com/"]),
///     )
///     .build()?;
/// let bff = BffSessions::builder(config, "https://app.example.com/").build()?;
/// assert_eq!(bff.callback_url(), "https://app.example.com/auth/callback");
/// assert_eq!(bff.session_cookie_name(), "__Host-amplify_session");
/// # Ok::<(), auth_core::error::AuthError>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct BffSessions {
    inner: Arc<Inner>,
}

struct Inner {
    config: CognitoConfig,
    public_url: String,
    public_origin: String,
    callback_url: String,
    cookies: CookiePolicy,
    store: SessionStore,
    clock: Arc<dyn Clock>,
    cache: Mutex<lru::Lru<Arc<Cached>>>,
    revalidate_ms: i64,
    session_max_age: Duration,
    session_idle_ttl: Duration,
}

impl fmt::Debug for BffSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BffSessions")
            .field("public_url", &self.inner.public_url)
            .field("store", &self.inner.store)
            .field("cached_sessions", &self.cached_sessions())
            .finish_non_exhaustive()
    }
}

/// Builds [`BffSessions`]; see [`BffSessions::builder`].
///
/// ```
/// # use auth_axum::bff::{BffSessions, SessionStore};
/// # use auth_cognito::{CognitoConfig, config::OAuthConfig};
/// # let config = CognitoConfig::builder().user_pool("us-east-1_A", "c")
/// #     .oauth(OAuthConfig::new("d.example.com").with_redirect_sign_in_uri(["http://127.0.0.1:8080/auth/callback"]))
/// #     .build()?;
/// let bff = BffSessions::builder(config, "http://127.0.0.1:8080")
///     .store(SessionStore::memory())
///     .max_cached_sessions(1_000)
///     .revalidate_after(std::time::Duration::from_secs(1))
///     .build()?;
/// assert_eq!(bff.session_cookie_name(), "amplify_session");
/// # Ok::<(), auth_core::error::AuthError>(())
/// ```
#[non_exhaustive]
pub struct BffSessionsBuilder {
    config: CognitoConfig,
    public_url: String,
    store: SessionStore,
    clock: Arc<dyn Clock>,
    max_cached: usize,
    revalidate_after: Duration,
    session_max_age: Duration,
    session_idle_ttl: Duration,
}

impl fmt::Debug for BffSessionsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BffSessionsBuilder")
            .field("public_url", &self.public_url)
            .field("store", &self.store)
            .field("max_cached", &self.max_cached)
            .finish_non_exhaustive()
    }
}

impl BffSessions {
    /// Starts building BFF sessions for `config` (which needs its `oauth`
    /// section: the hosted UI's domain) served at `public_url`, this
    /// server's own base URL as browsers see it. The hosted UI redirects to
    /// `{public_url}/auth/callback`, which must be one of the config's
    /// `redirect_sign_in_uri` (and of the app client's callback URLs).
    pub fn builder(config: CognitoConfig, public_url: impl Into<String>) -> BffSessionsBuilder {
        BffSessionsBuilder {
            config,
            public_url: public_url.into(),
            store: SessionStore::memory(),
            clock: Arc::new(SystemClock),
            max_cached: DEFAULT_MAX_CACHED_SESSIONS,
            revalidate_after: Duration::ZERO,
            session_max_age: DEFAULT_SESSION_MAX_AGE,
            session_idle_ttl: DEFAULT_SESSION_IDLE_TTL,
        }
    }

    /// The hosted UI's redirect target: `{public_url}/auth/callback`.
    pub fn callback_url(&self) -> &str {
        &self.inner.callback_url
    }

    /// The public base URL, without a trailing `/`.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// The session cookie's name: `__Host-amplify_session` under https,
    /// `amplify_session` otherwise.
    pub fn session_cookie_name(&self) -> String {
        self.inner.cookies.name(session_id::SESSION_COOKIE)
    }

    /// The pre-session cookie's name (a sign-in waiting for its callback):
    /// `__Host-amplify_pre_session` under https, `amplify_pre_session`
    /// otherwise.
    pub fn pre_session_cookie_name(&self) -> String {
        self.inner.cookies.name(session_id::PRE_SESSION_COOKIE)
    }

    /// How many sessions' plugins this instance holds in memory now.
    pub fn cached_sessions(&self) -> usize {
        self.inner.cache.lock().map(|c| c.len()).unwrap_or_default()
    }

    /// The hosted UI's sign-out page for the app client (its first
    /// `redirect_sign_out_uri`), when the config has one: what
    /// `POST /auth/sign-out` answers as `logout_url`.
    pub fn logout_url(&self) -> Option<String> {
        auth_cognito::hosted_ui::logout_url(&self.inner.config)
    }

    fn now_ms(&self) -> i64 {
        self.inner.clock.now_millis()
    }
}

impl BffSessionsBuilder {
    /// Where sessions are stored (default [`SessionStore::memory`]).
    pub fn store(mut self, store: SessionStore) -> Self {
        self.store = store;
        self
    }

    /// The clock of pre-session expiry, revalidation and the sessions'
    /// plugins (default: the system clock). Tests pass a `ManualClock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// At most this many sessions' plugins are kept in memory (default
    /// [`DEFAULT_MAX_CACHED_SESSIONS`]); the least recently used are
    /// evicted and reloaded from the store when next used.
    pub fn max_cached_sessions(mut self, max: usize) -> Self {
        self.max_cached = max;
        self
    }

    /// How long a cached session is trusted without re-reading its marker
    /// from the store (default zero: every request reads it, one store
    /// round trip, so a sign-out on another instance is seen at once). A
    /// longer time saves the round trip and lets a sign-out elsewhere go
    /// unseen for up to that long.
    pub fn revalidate_after(mut self, after: Duration) -> Self {
        self.revalidate_after = after;
        self
    }

    /// The session cookie's `Max-Age` (default [`DEFAULT_SESSION_MAX_AGE`]).
    pub fn session_max_age(mut self, max_age: Duration) -> Self {
        self.session_max_age = max_age;
        self
    }

    /// How long a session may go without a write before a store that
    /// expires records ([`SessionStore::from_fn_with_expiry`]) drops it
    /// (default [`DEFAULT_SESSION_IDLE_TTL`]). A session is written when it
    /// is created and at every token refresh, so a session in use stays;
    /// one whose cookie never comes back, or token entries left by a
    /// refresh that raced a sign-out, go after this long. Keep it at least
    /// the app client's refresh-token validity. The memory store ignores
    /// it. Zero means no expiry.
    pub fn session_idle_ttl(mut self, idle: Duration) -> Self {
        self.session_idle_ttl = idle;
        self
    }

    /// Checks the configuration and builds the sessions.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when `public_url` is not an http(s) URL
    /// without query or fragment, when the config has no `oauth` section,
    /// or when `{public_url}/auth/callback` is not one of its
    /// `redirect_sign_in_uri`.
    pub fn build(self) -> Result<BffSessions, AuthError> {
        let bad = |field: &str, message: String| AuthError::InvalidConfig {
            field: field.into(),
            message,
        };
        let public_url = self.public_url.trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&public_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .filter(|u| u.query().is_none() && u.fragment().is_none())
            .ok_or_else(|| {
                bad(
                    "public_url",
                    "must be an http:// or https:// base URL without query or fragment".into(),
                )
            })?;
        let public_origin = parsed.origin().ascii_serialization();
        let callback_url = format!("{public_url}/auth/callback");
        let oauth = self.config.oauth().ok_or_else(|| {
            bad(
                "auth.oauth",
                "BFF sessions sign in with the hosted UI: the config needs an oauth section".into(),
            )
        })?;
        if !oauth.redirect_sign_in_uri.contains(&callback_url) {
            return Err(bad(
                "auth.oauth.redirect_sign_in_uri",
                format!(
                    "must contain {callback_url} (the BFF callback; allow it in the app client too)"
                ),
            ));
        }
        Ok(BffSessions {
            inner: Arc::new(Inner {
                cookies: CookiePolicy::for_public_url(&public_url),
                config: self.config,
                public_url,
                public_origin,
                callback_url,
                store: self.store,
                clock: self.clock,
                cache: Mutex::new(lru::Lru::new(self.max_cached)),
                revalidate_ms: i64::try_from(self.revalidate_after.as_millis()).unwrap_or(i64::MAX),
                session_max_age: self.session_max_age,
                session_idle_ttl: self.session_idle_ttl,
            }),
        })
    }
}
