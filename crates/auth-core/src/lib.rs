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
//! ## Where each behaviour lives
//!
//! | module      | what it holds                                                        |
//! |-------------|----------------------------------------------------------------------|
//! | [`plugin`]  | the [`AuthPlugin`](plugin::AuthPlugin) trait and the [`Auth`](plugin::Auth) category that forwards to it |
//! | [`types`]   | users, sessions, tokens, credentials, options and results, each with a constructor for plugins |
//! | [`error`]   | [`AuthError`](error::AuthError): the caller's next step in each variant |
//! | [`events`]  | [`AuthEvent`](events::AuthEvent), [`AuthState`](events::AuthState) and the [`AuthHub`](events::AuthHub) that broadcasts them |
//! | [`storage`] | the [`KeyValueStorage`](storage::KeyValueStorage) trait, atomic batches, the cross-process lock |
//! | [`jwt`]     | [`JwtToken`](jwt::JwtToken): a compact JWT and its decoded claims (no verification) |
//! | [`secret`]  | [`SecretString`](secret::SecretString): redacted in `Debug`, no `Display` |
//! | [`shared_str`] | [`SharedStr`](shared_str::SharedStr): the non-secret strings of sessions, cloned by a reference count |
//! | [`clock`]   | the injectable [`Clock`](clock::Clock), and the [`ManualClock`](clock::ManualClock) of tests |
//!
//! A plugin for another provider depends on this crate alone (see
//! `examples/custom_plugin.rs`). The public structs are `#[non_exhaustive]`:
//! make them with their constructors ([`AuthUser::new`](types::AuthUser::new),
//! [`AuthSession::signed_in`](types::AuthSession::signed_in),
//! [`AwsCredentials::new`](types::AwsCredentials::new), ...), so that a new
//! field is not a breaking change.
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
pub mod shared_str;
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
    pub use crate::shared_str::SharedStr;
    pub use crate::storage::{
        KeyValueStorage, LeaseGuard, StorageChange, StorageError, StorageLock,
    };
    pub use crate::types::{
        AuthFlowType, AuthSession, AuthTokens, AuthUser, AwsCredentials, FetchAuthSessionOptions,
        SignInDetails, SignOutOptions, SignOutResult,
    };
}
