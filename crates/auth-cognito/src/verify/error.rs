//! Why a token was rejected, and which kind of token was expected.

use std::fmt;

use auth_core::error::{AuthError, NetworkErrorKind};

/// Which kind of Cognito token to expect (`token_use` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenUse {
    /// An access token (`token_use: "access"`): its app client is in `client_id`.
    Access,
    /// An id token (`token_use: "id"`): its app client is in `aud`.
    Id,
}

impl TokenUse {
    /// The `token_use` claim value: `"access"` or `"id"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Id => "id",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token was rejected. Messages never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is not a well-formed compact JWT (three base64url parts with
    /// a JSON header and a JSON object payload).
    #[error("the token is not a well-formed JWT: {0}")]
    Malformed(&'static str),
    /// The header's `alg` is not `RS256`. `none` and `HS*` are always refused.
    #[error("the token's algorithm `{alg}` is not accepted (only RS256)")]
    UnsupportedAlgorithm {
        /// The header's `alg` (at most 16 characters of it).
        alg: String,
    },
    /// The header has no `kid`.
    #[error("the token's header has no `kid`")]
    MissingKeyId,
    /// The `kid` is not in the pool's JWKS, even after a re-fetch (or a
    /// re-fetch was not allowed yet).
    #[error("the token's signing key `{kid}` is not in the user pool's JWKS")]
    UnknownKeyId {
        /// The header's `kid` (at most 64 characters of it).
        kid: String,
    },
    /// The signature does not verify with the pool's key: a forged or
    /// tampered token.
    #[error("the token's signature is invalid")]
    InvalidSignature,
    /// `iss` is not the user pool's issuer.
    #[error("the token was not issued by the expected user pool")]
    WrongIssuer,
    /// `token_use` is not the expected one.
    #[error("the token is not an {expected} token")]
    WrongTokenUse {
        /// The kind that was asked for.
        expected: TokenUse,
    },
    /// The token was issued to another app client (`aud` for id tokens,
    /// `client_id` for access tokens).
    #[error("the token was issued to another app client")]
    WrongAudience,
    /// `exp` is in the past (by the verifier's clock, beyond the leeway).
    #[error("the token expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim, seconds since the epoch.
        exp: i64,
        /// The verifier's clock, seconds since the epoch.
        now: i64,
    },
    /// A required claim is missing or has the wrong type.
    #[error("the token's claim `{0}` is missing or has the wrong type")]
    Claim(&'static str),
    /// The JWKS could not be fetched or read.
    #[error("the user pool's JWKS is unavailable: {0}")]
    Jwks(String),
}

impl From<VerifyError> for AuthError {
    /// JWKS transport failures become [`AuthError::Network`]; every other
    /// rejection becomes [`AuthError::InvalidResponse`] with operation
    /// `verify`.
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Jwks(message) => AuthError::Network {
                kind: NetworkErrorKind::Other,
                message: format!("JWKS: {message}"),
            },
            other => AuthError::InvalidResponse {
                operation: "verify".to_owned(),
                message: other.to_string(),
            },
        }
    }
}
