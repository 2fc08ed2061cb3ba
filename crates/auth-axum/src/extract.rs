//! The extractors: [`CognitoAccessClaims`] and [`CognitoIdClaims`] from the
//! claims a [`CognitoAuthLayer`](crate::CognitoAuthLayer) verified, or by
//! verifying the bearer token with the [`JwksVerifier`] in the request's
//! extensions.

use std::sync::Arc;

use auth_cognito::{JwksVerifier, TokenUse};
use auth_core::jwt::JwtClaims;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::bearer;
use crate::claims::{CognitoAccessClaims, CognitoIdClaims};
use crate::rejection::AuthRejection;

/// Claims a layer verified, in the request's extensions.
#[derive(Clone)]
pub(crate) struct Verified {
    pub(crate) token_use: TokenUse,
    pub(crate) claims: Arc<JwtClaims>,
}

/// Verifies the bearer token of `headers` as a `token_use` token.
pub(crate) async fn verify_request(
    verifier: &JwksVerifier,
    headers: &HeaderMap,
    token_use: TokenUse,
) -> Result<Arc<JwtClaims>, AuthRejection> {
    let token = bearer::token(headers)?;
    verifier
        .verify(token, token_use)
        .await
        .map(Arc::new)
        .map_err(|e| AuthRejection::from_verify(&e))
}

/// The verified claims of kind `token_use` for this request.
async fn claims_for(parts: &Parts, token_use: TokenUse) -> Result<Arc<JwtClaims>, AuthRejection> {
    if let Some(v) = parts.extensions.get::<Verified>()
        && v.token_use == token_use
    {
        return Ok(v.claims.clone());
    }
    let verifier = parts
        .extensions
        .get::<JwksVerifier>()
        .ok_or(AuthRejection::NotConfigured)?;
    verify_request(verifier, &parts.headers, token_use).await
}

/// `None` for a request without a bearer token; the claims or the rejection
/// otherwise.
async fn optional_claims_for(
    parts: &Parts,
    token_use: TokenUse,
) -> Result<Option<Arc<JwtClaims>>, AuthRejection> {
    match claims_for(parts, token_use).await {
        Ok(c) => Ok(Some(c)),
        Err(AuthRejection::MissingToken) => Ok(None),
        Err(e) => Err(e),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CognitoAccessClaims {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        claims_for(parts, TokenUse::Access)
            .await
            .map(Self::from_verified)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CognitoAccessClaims {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        optional_claims_for(parts, TokenUse::Access)
            .await
            .map(|c| c.map(Self::from_verified))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CognitoIdClaims {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        claims_for(parts, TokenUse::Id)
            .await
            .map(Self::from_verified)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CognitoIdClaims {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        optional_claims_for(parts, TokenUse::Id)
            .await
            .map(|c| c.map(Self::from_verified))
    }
}
