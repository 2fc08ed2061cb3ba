//! [`SignedInUser`]: the extractor for handlers of a signed-in browser.

use std::fmt;
use std::sync::Arc;

use auth_cognito::CognitoAuthPlugin;
use auth_core::error::AuthError;
use auth_core::types::{AuthSession, AuthUser, AwsCredentials, FetchAuthSessionOptions};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use super::BffSessions;
use super::manager::{Cached, log_name};
use super::rejection::BffRejection;
use super::session_id::SESSION_COOKIE;

/// The signed-in user of a request: its session cookie named a live session
/// (checked against the store, see [`BffSessions`]). Needs
/// `axum::Extension(bff)` on the router; without it the extractor answers
/// 500. A request without a valid session is refused with
/// [`BffRejection::NotSignedIn`] (401), and a store fault with
/// [`BffRejection::Unavailable`] (503, the session is kept).
///
/// `Option<SignedInUser>` gives `None` for a signed-out request instead.
///
/// ```no_run
/// use auth_axum::bff::{BffRejection, SignedInUser};
/// use axum::Json;
///
/// async fn me(user: SignedInUser) -> Result<Json<serde_json::Value>, BffRejection> {
///     let who = user.user().await?;
///     let session = user.fetch_auth_session(false).await?;
///     Ok(Json(serde_json::json!({
///         "username": who.username,
///         "identity_id": session.identity_id(),
///     })))
/// }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SignedInUser {
    bff: BffSessions,
    session: Arc<Cached>,
}

impl fmt::Debug for SignedInUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedInUser")
            .field("session", &log_name(&self.session.key))
            .finish_non_exhaustive()
    }
}

impl SignedInUser {
    /// The session's plugin, for any other call as the user (user
    /// attributes, devices, `fetch_cognito_session`...).
    pub fn plugin(&self) -> &CognitoAuthPlugin {
        &self.session.plugin
    }

    /// Maps an error of the session's plugin. A session is over for good
    /// only when the plugin itself has signed out (Cognito refused the
    /// refresh token): then its record is deleted from the store. A refusal
    /// that left the plugin signed in (the identity pool refusing, say) is
    /// an upstream error, and the session is kept.
    async fn refuse(&self, e: &AuthError) -> BffRejection {
        let mut rejection = BffRejection::from_session_error(e);
        let name = log_name(&self.session.key);
        if rejection.ends_session() && self.session.plugin.is_signed_in_cached() {
            rejection = BffRejection::Upstream;
        }
        if rejection.ends_session() {
            tracing::info!(
                session = name,
                "a BFF session ended: its tokens are no longer accepted"
            );
            let _ = self.bff.delete_session(&self.session.key).await;
        } else {
            tracing::warn!(session = name, error = %e, "a BFF session call failed");
        }
        rejection
    }

    /// The user (username and `sub`), refreshing the tokens first when they
    /// are about to expire.
    ///
    /// # Errors
    ///
    /// [`BffRejection::NotSignedIn`] when the session is over,
    /// [`BffRejection::Unavailable`] on a transient fault.
    pub async fn user(&self) -> Result<AuthUser, BffRejection> {
        match self.session.plugin.get_current_user().await {
            Ok(u) => Ok(u),
            Err(e) => Err(self.refuse(&e).await),
        }
    }

    /// The session: tokens, identity id and AWS credentials (when the config
    /// has an identity pool), refreshed first when due or when
    /// `force_refresh`. A forced refresh is single flight per session across
    /// every instance sharing the store.
    ///
    /// # Errors
    ///
    /// As [`user`](Self::user).
    pub async fn fetch_auth_session(
        &self,
        force_refresh: bool,
    ) -> Result<AuthSession, BffRejection> {
        let options = FetchAuthSessionOptions::default().with_force_refresh(force_refresh);
        let result = self.session.plugin.fetch_auth_session(options).await;
        match result {
            Ok(s) if s.is_signed_in() => Ok(s),
            Ok(_) => Err(self.refuse(&AuthError::SignedOut).await),
            Err(e) => Err(self.refuse(&e).await),
        }
    }

    /// AWS credentials of the identity pool for this user, to call AWS as
    /// the user.
    ///
    /// # Errors
    ///
    /// As [`user`](Self::user), and [`BffRejection::NotConfigured`] when the
    /// config has no identity pool.
    pub async fn aws_credentials(&self) -> Result<AwsCredentials, BffRejection> {
        self.fetch_auth_session(false)
            .await?
            .credentials()
            .cloned()
            .ok_or(BffRejection::NotConfigured {
                description: "the session has no identity pool for AWS credentials",
            })
    }
}

/// The session of a request's cookie, or why there is none.
async fn lookup(parts: &Parts) -> Result<SignedInUser, BffRejection> {
    let bff =
        parts
            .extensions
            .get::<BffSessions>()
            .cloned()
            .ok_or(BffRejection::NotConfigured {
                description: "the route has no BffSessions extension",
            })?;
    let id = bff
        .inner
        .cookies
        .read(&parts.headers, SESSION_COOKIE)
        .ok_or(BffRejection::NotSignedIn)?;
    let session = bff.session(&id).await?;
    Ok(SignedInUser { bff, session })
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInUser {
    type Rejection = BffRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        lookup(parts).await
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for SignedInUser {
    type Rejection = BffRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match lookup(parts).await {
            Ok(user) => Ok(Some(user)),
            Err(BffRejection::NotSignedIn | BffRejection::CorruptSession) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
