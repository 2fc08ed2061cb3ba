//! # auth-core: the vocabulary of Amplify Auth for Rust
//!
//! Traits and plain types shared by every auth plugin, with no network code.
//! The Cognito plugin lives in `auth-cognito`, storage in `auth-storage`.
//!
//! | Amplify                      | here                                   |
//! |------------------------------|----------------------------------------|
//! | `Amplify.Auth`               | [`Auth`](plugin::Auth)                 |
//! | `AuthPluginBehavior`         | [`AuthPlugin`](plugin::AuthPlugin)     |
//! | `getCurrentUser()`           | [`AuthPlugin::get_current_user`](plugin::AuthPlugin::get_current_user) |
//! | `fetchAuthSession()`         | [`AuthPlugin::fetch_auth_session`](plugin::AuthPlugin::fetch_auth_session) |
//! | `Hub.listen('auth')`         | [`AuthPlugin::subscribe`](plugin::AuthPlugin::subscribe), [`AuthEvent`](events::AuthEvent) |
//! | `KeyValueStorageInterface`   | [`KeyValueStorage`](storage::KeyValueStorage) |
//! | `AuthError` / `AuthException`| [`AuthError`](error::AuthError)        |
//!
//! ## Security
//! Every type that holds a secret ([`JwtToken`](jwt::JwtToken),
//! [`SecretString`](secret::SecretString), [`AwsCredentials`](types::AwsCredentials),
//! [`StorageChange`](storage::StorageChange)) redacts it in `Debug` and has no
//! `Display`.

pub mod clock;
pub mod error;
pub mod events;
pub mod jwt;
pub mod plugin;
pub mod secret;
pub mod storage;
pub mod types;

/// The names most programs need.
pub mod prelude {
    pub use crate::clock::{Clock, ManualClock, SystemClock};
    pub use crate::error::{AuthError, NetworkErrorKind};
    pub use crate::events::{AuthEvent, AuthHub, AuthState};
    pub use crate::jwt::{JwtClaims, JwtToken};
    pub use crate::plugin::{Auth, AuthPlugin};
    pub use crate::secret::SecretString;
    pub use crate::storage::{KeyValueStorage, StorageChange, StorageError, StorageLock};
    pub use crate::types::{
        AuthFlowType, AuthSession, AuthTokens, AuthUser, AwsCredentials, FetchAuthSessionOptions,
        SignInDetails, SignOutOptions, SignOutResult,
    };
}
