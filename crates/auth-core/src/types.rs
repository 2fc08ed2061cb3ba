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
pub use crate::shared_str::SharedStr;

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
    /// Choice-based sign-in (`USER_AUTH`): a password, SRP, or a one-time
    /// code by email or SMS, picked by a preference or from the challenges
    /// Cognito offers; or a session from sign-up confirmation (auto sign-in).
    #[serde(rename = "USER_AUTH")]
    UserAuth,
}

impl AuthFlowType {
    /// The wire name, for example `USER_SRP_AUTH`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserSrpAuth => "USER_SRP_AUTH",
            Self::UserPasswordAuth => "USER_PASSWORD_AUTH",
            Self::CustomWithSrp => "CUSTOM_WITH_SRP",
            Self::CustomWithoutSrp => "CUSTOM_WITHOUT_SRP",
            Self::UserAuth => "USER_AUTH",
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
#[non_exhaustive]
pub struct SignInDetails {
    /// The login id the user entered (a username, email or phone number).
    pub login_id: Option<String>,
    /// The flow used.
    pub auth_flow_type: AuthFlowType,
}

impl SignInDetails {
    /// The details of a sign-in with `auth_flow_type`, by `login_id` when
    /// the plugin saw one.
    pub fn new(login_id: Option<String>, auth_flow_type: AuthFlowType) -> Self {
        Self {
            login_id,
            auth_flow_type,
        }
    }
}

/// The signed-in user (Amplify's `getCurrentUser()` result).
///
/// A plugin makes one with [`AuthUser::new`]:
///
/// ```
/// use auth_core::types::{AuthFlowType, AuthUser, SignInDetails};
/// let user = AuthUser::new("ada", "oidc-user-42")
///     .with_sign_in_details(SignInDetails::new(Some("ada".into()), AuthFlowType::UserSrpAuth));
/// assert_eq!(user.user_id, "oidc-user-42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthUser {
    /// The user-pool username (`cognito:username`, or the access token's `username`).
    pub username: String,
    /// The stable user id (`sub`).
    pub user_id: String,
    /// How the user signed in, when known.
    pub sign_in_details: Option<SignInDetails>,
}

impl AuthUser {
    /// The user `username` with the stable id `user_id`, with no sign-in
    /// details (as after a hosted-UI sign-in).
    pub fn new(username: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            user_id: user_id.into(),
            sign_in_details: None,
        }
    }

    /// How the user signed in.
    pub fn with_sign_in_details(mut self, details: SignInDetails) -> Self {
        self.sign_in_details = Some(details);
        self
    }
}

/// The user-pool tokens of a session.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthTokens {
    /// The access token, for calling APIs that accept it.
    pub access_token: JwtToken,
    /// The id token, with the user's identity claims. Some flows have none.
    pub id_token: Option<JwtToken>,
}

impl AuthTokens {
    /// The tokens of a session: an access token and, for flows that have
    /// one, an id token.
    #[inline]
    pub fn new(access_token: JwtToken, id_token: Option<JwtToken>) -> Self {
        Self {
            access_token,
            id_token,
        }
    }
}

/// Temporary AWS credentials (for example from a Cognito identity pool).
///
/// `Debug` redacts the secret key and the session token.
///
/// ```
/// use auth_core::types::AwsCredentials;
/// let creds = AwsCredentials::new("ASIAEXAMPLE", "secret")
///     .with_session_token("token")
///     .with_expiration(1_800_000_000);
/// assert_eq!(creds.expiration, Some(1_800_000_000));
/// assert!(!format!("{creds:?}").contains("secret\""));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct AwsCredentials {
    /// The access key id (`ASIA...`). Not secret on its own. Shared: a
    /// clone of the credentials does not copy it.
    pub access_key_id: SharedStr,
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

impl AwsCredentials {
    /// Long-term credentials: an access key id and its secret key, with no
    /// session token and no expiration.
    pub fn new(
        access_key_id: impl Into<SharedStr>,
        secret_access_key: impl Into<SecretString>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            expiration: None,
        }
    }

    /// The session token of temporary credentials.
    pub fn with_session_token(mut self, session_token: impl Into<SecretString>) -> Self {
        self.session_token = Some(session_token.into());
        self
    }

    /// When they expire, in seconds since the Unix epoch.
    pub fn with_expiration(mut self, unix_secs: i64) -> Self {
        self.expiration = Some(unix_secs);
        self
    }
}

/// The portable view of a session (Amplify JS's `AuthSession`).
///
/// Plugins with richer sessions (such as Cognito's per-field results) offer
/// them through their own API, reached with `Auth::get_plugin`.
///
/// A session is one shared, immutable handle: cloning it (and so every
/// cached `fetch_auth_session`) touches one reference count, however many
/// tokens and credentials it carries. Read it through its accessors.
///
/// A plugin makes one with [`AuthSession::signed_out`] (the default) or
/// [`AuthSession::signed_in`], then adds what it has (or, on a hot path,
/// with [`AuthSession::from_parts`]):
///
/// ```
/// use auth_core::jwt::JwtToken;
/// use auth_core::types::{AuthSession, AuthTokens};
/// // header {"alg":"none"} . payload {"sub":"u-1","exp":2000000000} . no signature
/// let token = JwtToken::parse("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTEiLCJleHAiOjIwMDAwMDAwMDB9.")?;
/// let session = AuthSession::signed_in(AuthTokens::new(token, None)).with_user_sub("u-1");
/// assert!(session.is_signed_in());
/// assert_eq!(session.user_sub(), Some("u-1"));
/// assert!(!AuthSession::signed_out().is_signed_in());
/// # Ok::<(), auth_core::jwt::JwtDecodeError>(())
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct AuthSession {
    parts: std::sync::Arc<SessionParts>,
}

/// What an [`AuthSession`] holds, behind its one reference count.
#[derive(Clone, Default)]
struct SessionParts {
    is_signed_in: bool,
    tokens: Option<AuthTokens>,
    credentials: Option<AwsCredentials>,
    identity_id: Option<SharedStr>,
    user_sub: Option<SharedStr>,
}

impl fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &*self.parts;
        f.debug_struct("AuthSession")
            .field("is_signed_in", &p.is_signed_in)
            .field("tokens", &p.tokens)
            .field("credentials", &p.credentials)
            .field("identity_id", &p.identity_id)
            .field("user_sub", &p.user_sub)
            .finish()
    }
}

impl AuthSession {
    /// Nobody is signed in, and there is no identity (the default).
    pub fn signed_out() -> Self {
        Self::default()
    }

    /// A user is signed in with `tokens`.
    #[inline]
    pub fn signed_in(tokens: AuthTokens) -> Self {
        Self::from_parts(true, Some(tokens), None, None, None)
    }

    /// Every field at once, built in place: for a plugin's hot path, where
    /// the `with_*` chain would move the session once per call. The
    /// arguments follow the accessors' order.
    ///
    /// ```
    /// use auth_core::types::{AuthSession, AwsCredentials};
    /// let guest = AuthSession::from_parts(
    ///     false,
    ///     None,
    ///     Some(AwsCredentials::new("ASIAEXAMPLE", "secret")),
    ///     Some("us-east-1:guest".into()),
    ///     None,
    /// );
    /// assert_eq!(guest.identity_id(), Some("us-east-1:guest"));
    /// assert_eq!(guest.credentials().map(|c| c.access_key_id.as_str()), Some("ASIAEXAMPLE"));
    /// ```
    #[inline]
    pub fn from_parts(
        is_signed_in: bool,
        tokens: Option<AuthTokens>,
        credentials: Option<AwsCredentials>,
        identity_id: Option<SharedStr>,
        user_sub: Option<SharedStr>,
    ) -> Self {
        Self {
            parts: std::sync::Arc::new(SessionParts {
                is_signed_in,
                tokens,
                credentials,
                identity_id,
                user_sub,
            }),
        }
    }

    /// Whether a user is signed in with valid (or refreshable) tokens.
    #[inline]
    pub fn is_signed_in(&self) -> bool {
        self.parts.is_signed_in
    }

    /// The tokens, when signed in.
    #[inline]
    pub fn tokens(&self) -> Option<&AuthTokens> {
        self.parts.tokens.as_ref()
    }

    /// AWS credentials, when an identity pool is configured and reachable.
    #[inline]
    pub fn credentials(&self) -> Option<&AwsCredentials> {
        self.parts.credentials.as_ref()
    }

    /// The identity-pool identity id, for guests and signed-in users.
    #[inline]
    pub fn identity_id(&self) -> Option<&str> {
        self.parts.identity_id.as_deref()
    }

    /// The user's `sub`, when signed in.
    #[inline]
    pub fn user_sub(&self) -> Option<&str> {
        self.parts.user_sub.as_deref()
    }

    /// The identity id as a [`SharedStr`]: keeping it does not copy it.
    #[inline]
    pub fn identity_id_shared(&self) -> Option<&SharedStr> {
        self.parts.identity_id.as_ref()
    }

    /// The user's `sub` as a [`SharedStr`], as
    /// [`identity_id_shared`](Self::identity_id_shared).
    #[inline]
    pub fn user_sub_shared(&self) -> Option<&SharedStr> {
        self.parts.user_sub.as_ref()
    }

    /// Whether `a` and `b` are clones of one handle (and so share its
    /// reference count), as [`Arc::ptr_eq`](std::sync::Arc::ptr_eq).
    ///
    /// ```
    /// use auth_core::types::AuthSession;
    /// let a = AuthSession::signed_out();
    /// assert!(AuthSession::ptr_eq(&a, &a.clone()));
    /// assert!(!AuthSession::ptr_eq(&a, &AuthSession::signed_out()));
    /// ```
    #[inline]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        std::sync::Arc::ptr_eq(&a.parts, &b.parts)
    }

    /// This session's parts, copied out only if another handle shares them.
    fn parts_mut(&mut self) -> &mut SessionParts {
        std::sync::Arc::make_mut(&mut self.parts)
    }

    /// The user's `sub`.
    #[inline]
    pub fn with_user_sub(mut self, user_sub: impl Into<SharedStr>) -> Self {
        self.parts_mut().user_sub = Some(user_sub.into());
        self
    }

    /// The identity-pool identity id.
    #[inline]
    pub fn with_identity_id(mut self, identity_id: impl Into<SharedStr>) -> Self {
        self.parts_mut().identity_id = Some(identity_id.into());
        self
    }

    /// AWS credentials.
    #[inline]
    pub fn with_credentials(mut self, credentials: AwsCredentials) -> Self {
        self.parts_mut().credentials = Some(credentials);
        self
    }
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
#[non_exhaustive]
pub struct FetchAuthSessionOptions {
    /// Refresh the tokens and the AWS credentials even when they are valid.
    pub force_refresh: bool,
}

impl FetchAuthSessionOptions {
    /// Options with `force_refresh: true`.
    pub fn force_refresh() -> Self {
        Self::default().with_force_refresh(true)
    }

    /// These options, refreshing even valid tokens and credentials when
    /// `force_refresh` is true.
    pub fn with_force_refresh(mut self, force_refresh: bool) -> Self {
        self.force_refresh = force_refresh;
        self
    }
}

/// Options of `sign_out`.
///
/// ```
/// use auth_core::types::SignOutOptions;
/// assert!(SignOutOptions::global().global);
/// assert!(!SignOutOptions::local().global);
/// assert_eq!(SignOutOptions::default().with_global(true), SignOutOptions::global());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignOutOptions {
    /// Also invalidate the tokens on the server, on every device
    /// (`GlobalSignOut`), or revoke this session's refresh token.
    pub global: bool,
}

impl SignOutOptions {
    /// A global sign-out.
    pub fn global() -> Self {
        Self::default().with_global(true)
    }

    /// A sign-out of this session only (the default).
    pub fn local() -> Self {
        Self::default()
    }

    /// These options, global when `global` is true.
    pub fn with_global(mut self, global: bool) -> Self {
        self.global = global;
        self
    }
}

/// The outcome of `sign_out`: the local session is always cleared; a
/// server-side step that failed is reported here, never blocking it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SignOutResult {
    /// Whether server-side invalidation was asked for and succeeded.
    pub remote_signed_out: bool,
    /// Why the server-side step failed, when it did.
    pub remote_error: Option<crate::error::AuthError>,
    /// A page to open in the browser to finish signing out there too: for a
    /// session from a hosted UI, its `/logout` URL, so that the hosted UI's
    /// own cookie does not sign the user straight back in. `None` otherwise.
    pub sign_out_url: Option<String>,
}

impl SignOutResult {
    /// The local session was cleared; no server-side step was taken (the
    /// default).
    pub fn local() -> Self {
        Self::default()
    }

    /// The local session was cleared and the server-side step succeeded.
    pub fn remote_succeeded() -> Self {
        Self {
            remote_signed_out: true,
            ..Self::default()
        }
    }

    /// The local session was cleared; the server-side step failed with
    /// `error`.
    pub fn remote_failed(error: crate::error::AuthError) -> Self {
        Self {
            remote_signed_out: false,
            remote_error: Some(error),
            ..Self::default()
        }
    }

    /// This result with a page to open in the browser to finish signing
    /// out there (a hosted UI's `/logout`).
    pub fn with_sign_out_url(mut self, url: impl Into<String>) -> Self {
        self.sign_out_url = Some(url.into());
        self
    }
}
