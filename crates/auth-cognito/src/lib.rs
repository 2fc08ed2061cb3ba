//! # auth-cognito: the Amazon Cognito plugin of Amplify Auth for Rust
//!
//! Signs users in to a Cognito user pool, keeps their tokens fresh, and gets
//! identity-pool credentials for them or for guests.
//!
//! - [Configure](#configure) · [Sign in](#sign-in) · [Sessions](#sessions) ·
//!   [Identity pools](#identity-pools) · [Security](#security)
//!
//! ## Configure
//! ```no_run
//! use std::sync::Arc;
//! use auth_cognito::{CognitoAuthPlugin, CognitoConfig};
//! # fn demo(storage: Arc<dyn auth_core::storage::KeyValueStorage>) -> Result<(), auth_core::error::AuthError> {
//! let config = CognitoConfig::from_amplify_outputs_file("amplify_outputs.json")?;
//! let plugin = CognitoAuthPlugin::builder(config).storage(storage).build()?;
//! # Ok(()) }
//! ```
//! Custom endpoints (an emulator, a proxy) come from `auth.user_pool_endpoint`
//! and `auth.identity_pool_endpoint`, the builder, or the environment variables
//! `AMPLIFY_AUTH_USER_POOL_ENDPOINT` and `AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT`.
//!
//! ## Sign in
//! [`CognitoAuthPlugin::sign_in`] uses `USER_SRP_AUTH` by default (the
//! password never leaves the process) or `USER_PASSWORD_AUTH`, and continues
//! challenges (new password, TOTP, SMS, MFA selection) with
//! [`CognitoAuthPlugin::confirm_sign_in`].
//!
//! ## Sessions
//! [`CognitoAuthPlugin::fetch_auth_session`] returns the tokens, refreshing
//! them when they are within the margin (60 s) of expiry, or always with
//! `force_refresh`. Concurrent callers share one refresh. A rejected refresh
//! token ends the session (`SessionExpired`); a network failure never does.
//!
//! ## Identity pools
//! [`CognitoAuthPlugin::fetch_cognito_session`] adds the identity id and AWS
//! credentials, with one `Result` per field. [`CognitoCredentialsProvider`]
//! hands them to any `aws-sdk-*` client.
//!
//! ## Security
//! Tokens, refresh tokens, passwords, SRP values and AWS secrets never appear
//! in `Debug`, `Display`, errors or logs.

mod aws_provider;
mod cognito_session;
pub mod config;
mod identity;
mod idp;
mod plugin;
mod session;
mod sign_in;
pub mod srp;
mod verify;

pub use aws_provider::CognitoCredentialsProvider;
pub use cognito_session::CognitoAuthSession;
pub use config::{CognitoConfig, CognitoConfigBuilder, Tuning};
pub use identity::FederateToIdentityPoolResult;
pub use idp::parse_service_error;
pub use plugin::{CognitoAuthPlugin, CognitoAuthPluginBuilder, PLUGIN_KEY};
pub use sign_in::{MfaType, SignInOptions, SignInResult, SignInStep};
pub use verify::{JwksVerifier, TokenUse, VerifyError, user_pool_issuer};
