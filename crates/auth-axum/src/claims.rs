//! The verified claims handed to handlers: [`CognitoAccessClaims`] and
//! [`CognitoIdClaims`], with Cognito's claims by name and the group and scope
//! helpers.

use std::fmt;
use std::sync::Arc;

use auth_core::jwt::JwtClaims;

use crate::policy;
use crate::rejection::AuthRejection;

/// The claims of a verified Cognito **access token**: an axum extractor.
///
/// Under a [`CognitoAuthLayer`](crate::CognitoAuthLayer) it reads the claims
/// the layer verified; without one it verifies the request's bearer token
/// itself with the [`JwksVerifier`](crate::JwksVerifier) in the request's
/// extensions. Rejects with [`AuthRejection`]. `Option<CognitoAccessClaims>`
/// is `None` when the request has no bearer token (and still rejects a bad
/// one).
///
/// ```
/// use auth_axum::{AuthRejection, CognitoAccessClaims};
///
/// async fn delete_order(claims: CognitoAccessClaims) -> Result<String, AuthRejection> {
///     claims.require_scope("orders/write")?;
///     Ok(format!("deleted by {}", claims.sub().unwrap_or("?")))
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::delete(delete_order));
/// ```
#[derive(Clone)]
pub struct CognitoAccessClaims {
    claims: Arc<JwtClaims>,
}

/// The claims of a verified Cognito **id token**: an axum extractor, as
/// [`CognitoAccessClaims`] but for `token_use: "id"` (its app client in
/// `aud`). Use it for APIs whose clients send the id token.
///
/// ```
/// use auth_axum::CognitoIdClaims;
///
/// async fn profile(claims: CognitoIdClaims) -> String {
///     format!("{} <{}>", claims.username().unwrap_or("?"), claims.email().unwrap_or("-"))
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(profile));
/// ```
#[derive(Clone)]
pub struct CognitoIdClaims {
    claims: Arc<JwtClaims>,
}

macro_rules! common_claims {
    ($ty:ident) => {
        impl $ty {
            pub(crate) fn from_verified(claims: Arc<JwtClaims>) -> Self {
                Self { claims }
            }

            /// Every claim of the token.
            pub fn claims(&self) -> &JwtClaims {
                &self.claims
            }

            /// `sub`: the user's id in the pool.
            pub fn sub(&self) -> Option<&str> {
                self.claims.sub()
            }

            /// `exp`: when the token expires, seconds since the epoch.
            pub fn expires_at(&self) -> Option<i64> {
                self.claims.exp()
            }

            /// The user's groups (`cognito:groups`), empty when the user is in none.
            pub fn groups(&self) -> impl Iterator<Item = &str> {
                policy::groups(&self.claims)
            }

            /// Whether the user is in `group`.
            pub fn has_group(&self, group: &str) -> bool {
                self.groups().any(|g| g == group)
            }

            /// Ok when the user is in `group`.
            ///
            /// # Errors
            ///
            /// [`AuthRejection::InsufficientScope`] (a 403) otherwise.
            pub fn require_group(&self, group: &str) -> Result<(), AuthRejection> {
                policy::require_group(&self.claims, group)
            }
        }

        impl fmt::Debug for $ty {
            /// The user's `sub` and groups only (claims can hold personal data).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("sub", &self.sub())
                    .field("groups", &self.groups().collect::<Vec<_>>())
                    .finish_non_exhaustive()
            }
        }
    };
}

common_claims!(CognitoAccessClaims);
common_claims!(CognitoIdClaims);

impl CognitoAccessClaims {
    /// `username`: the user's name in the pool.
    pub fn username(&self) -> Option<&str> {
        self.claims.get_str("username")
    }

    /// `client_id`: the app client the token was issued to.
    pub fn client_id(&self) -> Option<&str> {
        self.claims.get_str("client_id")
    }

    /// The token's scopes (the space-separated `scope` claim).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        policy::scopes(&self.claims)
    }

    /// Whether the token has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// Ok when the token has `scope`.
    ///
    /// # Errors
    ///
    /// [`AuthRejection::InsufficientScope`] (a 403) otherwise.
    pub fn require_scope(&self, scope: &str) -> Result<(), AuthRejection> {
        policy::require_scope(&self.claims, scope)
    }
}

impl CognitoIdClaims {
    /// `cognito:username`: the user's name in the pool.
    pub fn username(&self) -> Option<&str> {
        self.claims.get_str("cognito:username")
    }

    /// `email`, when the pool puts it in the id token.
    pub fn email(&self) -> Option<&str> {
        self.claims.get_str("email")
    }
}
