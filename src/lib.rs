//! # Amplify Auth for Rust
//!
//! Sign users in with Amazon Cognito and keep their session alive and
//! usable: the current user, the JWTs, automatic and forced refresh, and the
//! identity-pool identity id with temporary AWS credentials, for signed-in
//! users and for guests. This crate is a facade over three crates, each
//! re-exported here:
//!
//! | module        | crate          | what it holds                                            |
//! |---------------|----------------|----------------------------------------------------------|
//! | [`core`]      | `auth-core`    | `Auth`, `AuthPlugin`, sessions, tokens, events, errors   |
//! | [`cognito`]   | `auth-cognito` | `CognitoAuthPlugin`, `CognitoConfig`, the credentials provider |
//! | [`storage`]   | `auth-storage` | `MemoryStorage`, `FileStorage`                           |
//!
//! Most programs only need `use amplify_auth::prelude::*;`.
//!
//! The guide below follows Amplify's "Manage user sessions" page. The
//! programs in `examples/` run the same story, and `cargo run --example
//! quickstart` runs it against an in-process Cognito emulator.
//!
//! - [Set up](#set-up) · [Current user](#retrieve-the-current-user) ·
//!   [Session](#retrieve-a-user-session) · [Refresh](#refreshing-sessions) ·
//!   [Cognito session](#the-cognito-session-identity-id-and-aws-credentials) ·
//!   [AWS SDK](#aws-credentials-for-aws-sdk-clients) · [Events](#events) ·
//!   [Sign out](#sign-out) · [Security](#security)
//!
//! ## Set up
//! Read `amplify_outputs.json`, choose where the session is kept, register
//! the plugin in [`Auth`](core::plugin::Auth), and sign in. Sign-in uses
//! `USER_SRP_AUTH` by default, so the password never leaves the process.
//!
//! ```no_run
//! use std::sync::Arc;
//! use amplify_auth::prelude::*;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = CognitoConfig::from_amplify_outputs_file("amplify_outputs.json")?;
//! let storage = FileStorage::open("session.json")?; // or MemoryStorage::new()
//! let plugin = CognitoAuthPlugin::builder(config)
//!     .storage(Arc::new(storage))
//!     .build()?;
//! let auth = Auth::new(Arc::new(plugin));
//!
//! // The typed plugin has the Cognito-specific API (Amplify's `getPlugin`).
//! let cognito = auth.get_plugin::<CognitoAuthPlugin>().ok_or("no Cognito plugin")?;
//! let result = cognito.sign_in("alice", "correct horse", SignInOptions::default()).await?;
//! assert_eq!(result.next_step, SignInStep::Done);
//!
//! // Retrieve the current user
//! let user = auth.get_current_user().await?;
//! println!("username {}, user id {}", user.username, user.user_id);
//! println!("sign-in details {:?}", user.sign_in_details);
//!
//! // Retrieve a user session: tokens come with their decoded claims. A token
//! // itself has no `Display` and redacts itself in `Debug`.
//! let session = auth.fetch_auth_session(FetchAuthSessionOptions::default()).await?;
//! if let Some(tokens) = session.tokens() {
//!     println!("access token expires at {:?}", tokens.access_token.expires_at());
//! }
//!
//! // Force a refresh of the tokens and the AWS credentials.
//! auth.fetch_auth_session(FetchAuthSessionOptions::force_refresh()).await?;
//!
//! // The Cognito session: one result per field, whose error says why.
//! let s = cognito.fetch_cognito_session(FetchAuthSessionOptions::default()).await;
//! match &s.identity_id_result {
//!     Ok(id) => println!("identity id {id}"),
//!     Err(why) => println!("no identity id: {why}"),
//! }
//!
//! auth.sign_out(SignOutOptions::default()).await?;
//! # Ok(()) }
//! ```
//!
//! ## Retrieve the current user
//! [`Auth::get_current_user`](core::plugin::Auth::get_current_user) returns
//! the username, the user id (`sub`) and the sign-in details. With nobody
//! signed in it fails with [`AuthError::SignedOut`](core::error::AuthError::SignedOut).
//!
//! ## Retrieve a user session
//! [`Auth::fetch_auth_session`](core::plugin::Auth::fetch_auth_session)
//! returns an [`AuthSession`](core::types::AuthSession): `is_signed_in`, the
//! tokens, the identity id, the AWS credentials and the user's `sub`. A
//! signed-out session is `Ok` with `is_signed_in: false`; with guest access
//! enabled in the identity pool it still has an identity id and credentials.
//!
//! ## Refreshing sessions
//! Tokens are refreshed automatically when they are within 60 s of expiry
//! (AWS credentials: 5 minutes), and always with
//! [`FetchAuthSessionOptions::force_refresh`](core::types::FetchAuthSessionOptions::force_refresh).
//! Concurrent callers share one refresh. A rejected refresh token ends the
//! session; a network failure never does.
//!
//! ## The Cognito session: identity id and AWS credentials
//! [`CognitoAuthPlugin::fetch_cognito_session`](cognito::CognitoAuthPlugin::fetch_cognito_session)
//! returns a [`CognitoAuthSession`](cognito::CognitoAuthSession) with one
//! `Result` per field (`user_sub_result`, `user_pool_tokens_result`,
//! `identity_id_result`, `aws_credentials_result`), as in Amplify Swift and
//! Kotlin. For a guest, the token fields are `Err(SignedOut)`; without an
//! identity pool, the identity fields are `Err(NoIdentityPool)`.
//!
//! ## AWS credentials for aws-sdk clients
//! [`CognitoCredentialsProvider`](cognito::CognitoCredentialsProvider)
//! implements `aws_credential_types::provider::ProvideCredentials`, so any
//! `aws-sdk-*` client can run as the signed-in or guest user: pass
//! `CognitoCredentialsProvider::new(plugin.clone())` to the client config's
//! `credentials_provider` (see `examples/aws_sdk_credentials.rs`).
//!
//! ## Events
//! [`Auth::subscribe`](core::plugin::Auth::subscribe) returns a
//! `tokio::sync::broadcast` receiver of [`AuthEvent`](core::events::AuthEvent)s
//! (Amplify Hub's `auth` channel): `SignedIn`, `SignedOut`, `TokenRefresh`,
//! `TokenRefreshFailure`, `SessionExpired`, and the federation events.
//!
//! ## Sign out
//! [`Auth::sign_out`](core::plugin::Auth::sign_out) always clears the local
//! session. [`SignOutOptions::global`](core::types::SignOutOptions::global)
//! also calls `GlobalSignOut`; a failure of that call is reported in the
//! result and never keeps the local session.
//!
//! ## Security
//! Tokens, refresh tokens, passwords, SRP values, AWS secret keys and session
//! tokens never appear in `Debug`, `Display`, error messages or logs. Read a
//! token's compact string with `JwtToken::as_compact_str` and a secret with
//! `SecretString::expose_secret` only to send it where it belongs.

pub use auth_cognito as cognito;
pub use auth_core as core;
pub use auth_storage as storage;

/// The names most programs need: the `auth-core` prelude, the Cognito
/// plugin and its configuration, sign-in options, the stores, and the AWS
/// credentials provider.
pub mod prelude {
    pub use auth_cognito::{
        CognitoAuthPlugin, CognitoAuthSession, CognitoConfig, CognitoCredentialsProvider,
        SignInOptions, SignInResult, SignInStep,
    };
    pub use auth_core::prelude::*;
    pub use auth_storage::{FileStorage, MemoryStorage};
}
