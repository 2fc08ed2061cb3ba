//! The plain data that plugins return: users, sessions, tokens, credentials.
//!
//! | Amplify (JS / Swift)        | Rust                          |
//! |-----------------------------|-------------------------------|
//! | `AuthUser`                  | [`AuthUser`]                  |
//! | `signInDetails`             | [`SignInDetails`]             |
//! | `AuthSession`               | [`AuthSession`]               |
//! | `AuthTokens`                | [`AuthTokens`]                |
//! | `JWT`                       | [`JwtToken`]                  |
//! | `AWSCredentials`            | [`AwsCredentials`]            |
//! | `FetchAuthSessionOptions`   | [`FetchAuthSessionOptions`]   |

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::jwt::JwtToken;
use crate::secret::SecretString;

/// How the user signed in (Amplify's `authFlowType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AuthFlowType {
    /// Secure Remote Password: the password never leaves the device. The default.
    #[serde(rename = "USER_SRP_AUTH")]
    UserSrpAuth,
    /// The password is sent to Cognito over TLS.
    #[serde(rename = "USER_PASSWORD_AUTH")]
    UserPasswordAuth,
    /// A custom challenge, started with SRP.
    #[serde(rename = "CUSTOM_WITH_SRP")]
    CustomWithSrp,
    /// A custom challenge without SRP.
    #[serde(rename = "CUSTOM_WITHOUT_SRP")]
    CustomWithoutSrp,
}

impl AuthFlowType {
    /// The wire name, for example `USER_SRP_AUTH`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserSrpAuth => "USER_SRP_AUTH",
            Self::UserPasswordAuth => "USER_PASSWORD_AUTH",
            Self::CustomWithSrp => "CUSTOM_WITH_SRP",
            Self::CustomWithoutSrp => "CUSTOM_WITHOUT_SRP",
        }
    }
}

impl fmt::Display for AuthFlowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the user typed to sign in, recorded at sign-in and persisted
/// (Amplify's `signInDetails`). Absent for hosted-UI and redirect sign-ins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInDetails {
    /// The login id the user entered (a username, email or phone number).
    pub login_id: Option<String>,
    /// The flow used.
    pub auth_flow_type: AuthFlowType,
}

/// The signed-in user (Amplify's `getCurrentUser()` result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user-pool username (`cognito:username`, or the access token's `username`).
    pub username: String,
    /// The stable user id (`sub`).
    pub user_id: String,
    /// How the user signed in, when known.
    pub sign_in_details: Option<SignInDetails>,
}

/// The user-pool tokens of a session.
#[derive(Debug, Clone)]
pub struct AuthTokens {
    /// The access token, for calling APIs that accept it.
    pub access_token: JwtToken,
    /// The id token, with the user's identity claims. Some flows have none.
    pub id_token: Option<JwtToken>,
}

/// Temporary AWS credentials (for example from a Cognito identity pool).
///
/// `Debug` redacts the secret key and the session token.
#[derive(Clone)]
pub struct AwsCredentials {
    /// The access key id (`ASIA...`). Not secret on its own.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// The session token of temporary credentials.
    pub session_token: Option<SecretString>,
    /// When they expire, in seconds since the Unix epoch.
    pub expiration: Option<i64>,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// The portable view of a session (Amplify JS's `AuthSession`).
///
/// Plugins with richer sessions (such as Cognito's per-field results) offer
/// them through their own API, reached with `Auth::get_plugin`.
#[derive(Debug, Clone, Default)]
pub struct AuthSession {
    /// Whether a user is signed in with valid (or refreshable) tokens.
    pub is_signed_in: bool,
    /// The tokens, when signed in.
    pub tokens: Option<AuthTokens>,
    /// AWS credentials, when an identity pool is configured and reachable.
    pub credentials: Option<AwsCredentials>,
    /// The identity-pool identity id, for guests and signed-in users.
    pub identity_id: Option<String>,
    /// The user's `sub`, when signed in.
    pub user_sub: Option<String>,
}

/// Options of `fetch_auth_session` (Amplify's `FetchAuthSessionOptions`).
///
/// ```
/// use auth_core::types::FetchAuthSessionOptions;
/// let opts = FetchAuthSessionOptions::force_refresh();
/// assert!(opts.force_refresh);
/// assert!(!FetchAuthSessionOptions::default().force_refresh);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchAuthSessionOptions {
    /// Refresh the tokens and the AWS credentials even when they are valid.
    pub force_refresh: bool,
}

impl FetchAuthSessionOptions {
    /// Options with `force_refresh: true`.
    pub fn force_refresh() -> Self {
        Self {
            force_refresh: true,
        }
    }
}

/// Options of `sign_out`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignOutOptions {
    /// Also invalidate the tokens on the server, on every device
    /// (`GlobalSignOut`), or revoke this session's refresh token.
    pub global: bool,
}

impl SignOutOptions {
    /// A global sign-out.
    pub fn global() -> Self {
        Self { global: true }
    }
}

/// The outcome of `sign_out`: the local session is always cleared; a
/// server-side step that failed is reported here, never blocking it.
#[derive(Debug, Clone, Default)]
pub struct SignOutResult {
    /// Whether server-side invalidation was asked for and succeeded.
    pub remote_signed_out: bool,
    /// Why the server-side step failed, when it did.
    pub remote_error: Option<crate::error::AuthError>,
}
