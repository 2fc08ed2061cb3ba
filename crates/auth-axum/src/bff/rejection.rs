//! [`BffRejection`]: why a BFF route or the [`SignedInUser`](super::SignedInUser)
//! extractor refused a request, as an HTTP answer with a JSON body
//! `{"error", "error_description"}`. Descriptions are fixed sentences: never
//! a token, a code, a state, a verifier or a cookie.

use std::fmt;

use auth_core::error::AuthError;
use auth_core::storage::StorageError;
use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A refused BFF request. It is the response too (`IntoResponse`).
///
/// | variant | status | `error` |
/// |---|---|---|
/// | [`NotSignedIn`](Self::NotSignedIn) | 401 | `not_signed_in` |
/// | [`CorruptSession`](Self::CorruptSession) | 401 | `not_signed_in` |
/// | [`InvalidCallback`](Self::InvalidCallback) | 400 | `invalid_request` |
/// | [`CrossOrigin`](Self::CrossOrigin) | 403 | `cross_origin` |
/// | [`Unavailable`](Self::Unavailable) | 503, `Retry-After: 5` | `temporarily_unavailable` |
/// | [`Upstream`](Self::Upstream) | 502 | `upstream_error` |
/// | [`NotConfigured`](Self::NotConfigured) | 500 | `server_error` |
///
/// A 503 is transient: the session is kept, and the client should retry,
/// not sign the user in again.
///
/// ```
/// use auth_axum::bff::BffRejection;
/// assert_eq!(BffRejection::NotSignedIn.status().as_u16(), 401);
/// assert_eq!(BffRejection::Unavailable.error_code(), "temporarily_unavailable");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BffRejection {
    /// No session cookie, an unknown or signed-out session, or a session
    /// whose refresh token no longer works. Next step: `GET /auth/sign-in`.
    NotSignedIn,
    /// The session's record in the store is unreadable (a warning is logged).
    /// The request is answered as signed out; the record is left for an
    /// operator to inspect.
    CorruptSession,
    /// A callback or sign-in request that cannot be honoured: no, expired,
    /// used or forged pre-session; a `state` that does not match; a
    /// cancelled sign-in; a refused code. No session is created.
    InvalidCallback {
        /// Why, in a fixed sentence.
        description: &'static str,
    },
    /// A state-changing request (`POST /auth/sign-out`) whose `Origin` is not
    /// this server's public URL.
    CrossOrigin,
    /// The session store or Cognito is unreachable or failing: transient,
    /// nothing was lost and no one was signed out.
    Unavailable,
    /// Cognito refused a request in a way that is not the user's fault.
    Upstream,
    /// The route has no [`BffSessions`](super::BffSessions) in its extensions,
    /// or the session has no AWS credentials (no identity pool).
    NotConfigured {
        /// What is missing, in a fixed sentence.
        description: &'static str,
    },
}

impl BffRejection {
    /// The rejection for a session store error: transient faults (a dead or
    /// slow Redis) are [`Unavailable`](Self::Unavailable); a corrupt record
    /// is [`CorruptSession`](Self::CorruptSession).
    pub(crate) fn from_storage(e: &StorageError) -> Self {
        match e {
            StorageError::Corrupt { .. } => Self::CorruptSession,
            _ => Self::Unavailable,
        }
    }

    /// The rejection for an error of a signed-in session's plugin.
    pub(crate) fn from_session_error(e: &AuthError) -> Self {
        match e {
            AuthError::Storage(s) if !s.is_transient() => Self::from_storage(s),
            _ if e.is_transient() => Self::Unavailable,
            AuthError::SignedOut
            | AuthError::SessionExpired { .. }
            | AuthError::NoRefreshToken
            | AuthError::NotAuthorized { .. }
            | AuthError::UserNotFound { .. } => Self::NotSignedIn,
            AuthError::NoIdentityPool | AuthError::GuestAccessDisabled => Self::NotConfigured {
                description: "the session has no identity pool for AWS credentials",
            },
            _ => Self::Upstream,
        }
    }

    /// Whether the session is over for good (not a transient fault): the
    /// caller may delete it.
    pub(crate) fn ends_session(&self) -> bool {
        matches!(self, Self::NotSignedIn)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotSignedIn | Self::CorruptSession => StatusCode::UNAUTHORIZED,
            Self::InvalidCallback { .. } => StatusCode::BAD_REQUEST,
            Self::CrossOrigin => StatusCode::FORBIDDEN,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Upstream => StatusCode::BAD_GATEWAY,
            Self::NotConfigured { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` field of the JSON body.
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::NotSignedIn | Self::CorruptSession => "not_signed_in",
            Self::InvalidCallback { .. } => "invalid_request",
            Self::CrossOrigin => "cross_origin",
            Self::Unavailable => "temporarily_unavailable",
            Self::Upstream => "upstream_error",
            Self::NotConfigured { .. } => "server_error",
        }
    }

    /// A fixed description (the `error_description` field).
    pub fn description(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not signed in: start at /auth/sign-in",
            Self::CorruptSession => "the session could not be read: sign in again",
            Self::InvalidCallback { description } | Self::NotConfigured { description } => {
                description
            }
            Self::CrossOrigin => "the request's Origin is not this server",
            Self::Unavailable => "the session store or Cognito is unavailable; retry",
            Self::Upstream => "Cognito refused the request",
        }
    }
}

impl fmt::Display for BffRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.status().as_u16())
    }
}

impl fmt::Debug for BffRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BffRejection")
            .field("status", &self.status().as_u16())
            .field("error", &self.error_code())
            .field("description", &self.description())
            .finish_non_exhaustive()
    }
}

impl std::error::Error for BffRejection {}

impl IntoResponse for BffRejection {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.error_code(),
            "error_description": self.description(),
        });
        let mut res = (self.status(), Json(body)).into_response();
        if self == Self::Unavailable {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("5"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_faults_are_503_and_never_a_sign_out() {
        let dead = AuthError::Storage(StorageError::Unavailable {
            detail: "redis down".into(),
        });
        let r = BffRejection::from_session_error(&dead);
        assert_eq!(r, BffRejection::Unavailable);
        assert!(!r.ends_session());
        let res = r.into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[RETRY_AFTER], "5");
        let corrupt = StorageError::Corrupt { detail: "x".into() };
        assert_eq!(
            BffRejection::from_storage(&corrupt),
            BffRejection::CorruptSession
        );
        assert!(BffRejection::from_session_error(&AuthError::SignedOut).ends_session());
    }
}
