//! Amplify Auth for [axum](https://docs.rs/axum) servers: APIs that receive
//! Amazon Cognito tokens verify them on every request.
//!
//! - [`CognitoAuthLayer`]: a tower layer that verifies the `Authorization:
//!   Bearer` token of every request under it (an access token by default),
//!   optionally requires groups (`cognito:groups`) and scopes, and answers
//!   401 or 403 itself.
//! - [`CognitoAccessClaims`] and [`CognitoIdClaims`]: extractors for the
//!   verified claims. Under the layer they cost nothing; without it they
//!   verify the bearer token themselves, with the [`JwksVerifier`] found in
//!   the request's extensions (`axum::Extension(verifier)`).
//! - [`AuthRejection`]: the error response. 401 with `WWW-Authenticate:
//!   Bearer error="invalid_token"` for a missing, malformed, forged, expired
//!   or misdirected token; 403 with `error="insufficient_scope"` for a
//!   missing group or scope; 503 when the pool's JWKS cannot be fetched (a
//!   transient fault, so clients must not sign the user out).
//!
//! Verification is [`JwksVerifier`]'s: RS256 only (`alg: none` and `HS*` are
//! refused), the JWKS cached and re-fetched for an unknown `kid` at a bounded
//! rate, `iss`, `token_use`, the app client (`client_id` / `aud`, a list of
//! allowed clients with [`JwksVerifier::with_allowed_client_ids`]) and `exp`
//! with a configurable leeway.
//!
//! A token never reaches a log, an error's `Display` or `Debug`, or a
//! response: rejections carry fixed descriptions only.
//!
//! ```no_run
//! use auth_axum::{CognitoAccessClaims, CognitoAuthLayer};
//! use auth_cognito::{CognitoConfig, JwksVerifier};
//! use axum::{Router, routing::get};
//!
//! async fn whoami(claims: CognitoAccessClaims) -> String {
//!     format!("hello {}", claims.username().unwrap_or("?"))
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = CognitoConfig::builder()
//!     .user_pool("us-east-1_AbCdEf123", "my-client-id")
//!     .build()?;
//! let verifier = JwksVerifier::for_config(&config)?;
//! let admin = Router::new()
//!     .route("/admin/report", get(|| async { "report" }))
//!     .layer(CognitoAuthLayer::new(verifier.clone()).require_group("admin"));
//! let app = Router::new()
//!     .route("/api/whoami", get(whoami))
//!     .layer(CognitoAuthLayer::new(verifier))
//!     .merge(admin);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Modules: `layer.rs` (the tower layer and service), `extract.rs` (the
//! extractors), `claims.rs` (the claim types and their accessors),
//! `policy.rs` (required groups and scopes), `bearer.rs` (reading the
//! `Authorization` header), `rejection.rs` (the 401/403/503 responses),
//! `bff/` (backend-for-frontend sessions; its own module map).
//!
//! Web backends for frontends: [`bff`] keeps each browser's session on the
//! server (hosted-UI sign-in routes, a random session cookie, the tokens in
//! a store shared by every instance) and gives handlers a [`SignedInUser`].

mod bearer;
pub mod bff;
mod claims;
mod extract;
mod layer;
mod policy;
mod rejection;

pub use auth_cognito::{JwksVerifier, TokenUse};
pub use bff::{BffSessions, SignedInUser};
pub use claims::{CognitoAccessClaims, CognitoIdClaims};
pub use layer::{CognitoAuthLayer, CognitoAuthService};
pub use rejection::AuthRejection;
