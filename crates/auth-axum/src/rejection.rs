//! Why a request was refused, as an HTTP answer: 401 and
//! `WWW-Authenticate: Bearer error="invalid_token"` for a bad token, 403 and
//! `error="insufficient_scope"` for a missing group or scope (RFC 6750
//! section 3), 503 when the pool's keys are unavailable.
//!
//! Descriptions are fixed sentences, never a part of the token.

use std::fmt;

use auth_cognito::{TokenUse, VerifyError};
use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request refused by [`CognitoAuthLayer`](crate::CognitoAuthLayer) or an
/// extractor. It is the response too (`IntoResponse`): a JSON body
/// `{"error", "error_description"}` and the `WWW-Authenticate` header.
///
/// `Display` and `Debug` show the kind and a fixed description: never the
/// token, its claims or its header.
///
/// ```
/// use auth_axum::AuthRejection;
/// let e = AuthRejection::MissingToken;
/// assert_eq!(e.status().as_u16(), 401);
/// assert_eq!(e.error_code(), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No `Authorization: Bearer` header (or another scheme): 401 with a bare
    /// `WWW-Authenticate: Bearer` challenge. Next step: sign in and send the
    /// access token.
    MissingToken,
    /// The token is malformed, forged, expired, of the wrong kind, or for
    /// another pool or app client: 401, `error="invalid_token"`. Next step:
    /// refresh the tokens (or sign in again) and retry.
    InvalidToken {
        /// Why, in a fixed sentence without any token content.
        description: &'static str,
    },
    /// The token is valid but lacks a required group or scope: 403,
    /// `error="insufficient_scope"`. Next step: none for this user; an
    /// administrator must grant the group or the client the scope.
    InsufficientScope {
        /// `"group"` or `"scope"`.
        kind: &'static str,
        /// The group or scope that is required.
        required: String,
    },
    /// The user pool's JWKS could not be fetched, so no token can be checked:
    /// 503 with `Retry-After`. A transient server-side fault: clients should
    /// retry, not sign the user out.
    KeysUnavailable,
    /// An extractor found neither verified claims nor a
    /// [`JwksVerifier`](crate::JwksVerifier) in the request's extensions: a
    /// server set-up error (500). Add a [`CognitoAuthLayer`](crate::CognitoAuthLayer)
    /// or `axum::Extension(verifier)` to the route.
    NotConfigured,
}

impl AuthRejection {
    pub(crate) fn invalid(description: &'static str) -> Self {
        Self::InvalidToken { description }
    }

    /// The rejection for a [`VerifyError`]: an invalid token, or
    /// [`KeysUnavailable`](Self::KeysUnavailable) when the JWKS could not be
    /// fetched.
    pub(crate) fn from_verify(e: &VerifyError) -> Self {
        let description = match e {
            VerifyError::Jwks(_) => return Self::KeysUnavailable,
            VerifyError::Malformed(_) => "the token is not a well-formed JWT",
            VerifyError::UnsupportedAlgorithm { .. } => {
                "the token's algorithm is not accepted (only RS256)"
            }
            VerifyError::MissingKeyId => "the token's header names no signing key",
            VerifyError::UnknownKeyId { .. } => {
                "the token's signing key is not in the user pool's JWKS"
            }
            VerifyError::InvalidSignature => "the token's signature is invalid",
            VerifyError::WrongIssuer => "the token was not issued by this user pool",
            VerifyError::WrongTokenUse {
                expected: TokenUse::Id,
            } => "the token is not an id token",
            VerifyError::WrongTokenUse { .. } => "the token is not an access token",
            VerifyError::WrongAudience => "the token was issued to another app client",
            VerifyError::Expired { .. } => "the token has expired",
            VerifyError::Claim(_) => "a required claim is missing or has the wrong type",
            _ => "the token was rejected",
        };
        Self::invalid(description)
    }

    /// The HTTP status: 401, 403, 503 or 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::InvalidToken { .. } => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Self::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The RFC 6750 error code: `invalid_token`, `insufficient_scope`, or
    /// `None` for a missing token (RFC 6750 section 3.1: no code when the
    /// request has no credentials) and for server-side faults.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidToken { .. } => Some("invalid_token"),
            Self::InsufficientScope { .. } => Some("insufficient_scope"),
            _ => None,
        }
    }

    /// A fixed description of the refusal (for the response and for logs).
    pub fn description(&self) -> String {
        match self {
            Self::MissingToken => "no bearer token".to_owned(),
            Self::InvalidToken { description } => (*description).to_owned(),
            Self::InsufficientScope { kind, required } => {
                format!("the {kind} `{}` is required", quotable(required))
            }
            Self::KeysUnavailable => "the user pool's signing keys are unavailable".to_owned(),
            Self::NotConfigured => "the server has no token verifier for this route".to_owned(),
        }
    }

    /// The `WWW-Authenticate` challenge, when the status has one.
    fn challenge(&self) -> Option<String> {
        match self {
            Self::MissingToken => Some("Bearer".to_owned()),
            Self::InvalidToken { .. } => Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                self.description()
            )),
            Self::InsufficientScope { kind, required } => {
                let mut c = format!(
                    "Bearer error=\"insufficient_scope\", error_description=\"{}\"",
                    self.description()
                );
                if *kind == "scope" {
                    c.push_str(&format!(", scope=\"{}\"", quotable(required)));
                }
                Some(c)
            }
            Self::KeysUnavailable | Self::NotConfigured => None,
        }
    }
}

/// `s` with only the characters an HTTP quoted-string may hold unescaped.
fn quotable(s: &str) -> String {
    s.chars()
        .filter(|c| (c.is_ascii_graphic() && *c != '"' && *c != '\\') || *c == ' ')
        .take(128)
        .collect()
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.status().as_u16())
    }
}

impl fmt::Debug for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRejection")
            .field("status", &self.status().as_u16())
            .field("description", &self.description())
            .finish_non_exhaustive()
    }
}

impl std::error::Error for AuthRejection {}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        tracing::debug!(status = self.status().as_u16(), reason = %self.description(), "request refused");
        let body = Json(json!({
            "error": self.error_code().unwrap_or(match self {
                Self::MissingToken => "unauthorized",
                Self::KeysUnavailable => "temporarily_unavailable",
                _ => "server_error",
            }),
            "error_description": self.description(),
        }));
        let mut response = (self.status(), body).into_response();
        if let Some(challenge) = self.challenge()
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        if matches!(self, Self::KeysUnavailable) {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_hold_no_token_content() {
        let kid = "kid-from-a-forged-header";
        let e = AuthRejection::from_verify(&VerifyError::UnknownKeyId {
            kid: kid.to_owned(),
        });
        for shown in [
            e.to_string(),
            format!("{e:?}"),
            e.challenge().unwrap_or_default(),
        ] {
            assert!(!shown.contains(kid), "{shown}");
        }
        let alg = AuthRejection::from_verify(&VerifyError::UnsupportedAlgorithm {
            alg: "none".to_owned(),
        });
        assert!(!alg.description().contains("none"));
    }

    #[test]
    fn statuses_and_codes() {
        let insufficient = AuthRejection::InsufficientScope {
            kind: "scope",
            required: "orders/\"read\"".to_owned(),
        };
        assert_eq!(insufficient.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            insufficient.challenge().as_deref(),
            Some(
                "Bearer error=\"insufficient_scope\", error_description=\"the scope `orders/read` is required\", scope=\"orders/read\""
            )
        );
        assert_eq!(
            AuthRejection::from_verify(&VerifyError::Jwks("cannot connect".to_owned())),
            AuthRejection::KeysUnavailable
        );
        assert_eq!(AuthRejection::KeysUnavailable.status().as_u16(), 503);
        assert_eq!(
            AuthRejection::MissingToken.challenge().as_deref(),
            Some("Bearer")
        );
    }
}
