//! The plugin trait and the `Auth` category that forwards to plugins.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::error::AuthError;
use crate::events::AuthEvent;
use crate::types::{AuthSession, AuthUser, FetchAuthSessionOptions, SignOutOptions, SignOutResult};

/// An auth provider (Amplify's `AuthPluginBehavior`).
///
/// The Cognito plugin implements it in `auth-cognito`; a plugin for another
/// provider depends on `auth-core` alone.
#[async_trait]
pub trait AuthPlugin: Send + Sync + fmt::Debug + 'static {
    /// A unique key, for example `"awsCognitoAuthPlugin"`.
    fn key(&self) -> &'static str;

    /// The signed-in user, refreshing expired tokens first if needed.
    /// [`AuthError::SignedOut`] when no user is signed in.
    async fn get_current_user(&self) -> Result<AuthUser, AuthError>;

    /// The session: tokens, identity id, credentials, refreshed as needed.
    /// A signed-out session is `Ok` with `is_signed_in: false`.
    ///
    /// Implement it with `async fn`. A plugin that must act when the call
    /// is made, before the future is polled, writes the method out as
    /// `async_trait` expands it (returning `Pin<Box<dyn Future + Send>>`)
    /// and does that work before boxing its future; the Cognito plugin does
    /// so for forced refreshes.
    async fn fetch_auth_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> Result<AuthSession, AuthError>;

    /// Signs out. The local session is always cleared.
    async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutResult, AuthError>;

    /// A receiver of this plugin's events.
    fn subscribe(&self) -> broadcast::Receiver<AuthEvent>;

    /// `self`, for [`Auth::get_plugin`] to downcast. Implement it as `self`.
    fn as_any(&self) -> &dyn Any;
}

/// The auth category: holds plugins and forwards to the first one added
/// (Amplify's `Amplify.Auth`).
///
/// ```
/// # use auth_core::prelude::*;
/// # use std::sync::Arc;
/// # #[derive(Debug)] struct Anon(auth_core::events::AuthHub);
/// # #[async_trait::async_trait]
/// # impl AuthPlugin for Anon {
/// #   fn key(&self) -> &'static str { "anon" }
/// #   async fn get_current_user(&self) -> Result<AuthUser, AuthError> { Err(AuthError::SignedOut) }
/// #   async fn fetch_auth_session(&self, _: FetchAuthSessionOptions) -> Result<AuthSession, AuthError> { Ok(AuthSession::default()) }
/// #   async fn sign_out(&self, _: SignOutOptions) -> Result<SignOutResult, AuthError> { Ok(SignOutResult::default()) }
/// #   fn subscribe(&self) -> tokio::sync::broadcast::Receiver<AuthEvent> { self.0.subscribe() }
/// #   fn as_any(&self) -> &dyn std::any::Any { self }
/// # }
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let auth = Auth::new(Arc::new(Anon(Default::default())));
/// let session = auth.fetch_auth_session(FetchAuthSessionOptions::default()).await?;
/// assert!(!session.is_signed_in());
/// let typed: &Anon = auth.get_plugin::<Anon>().expect("registered");
/// # let _ = typed;
/// # Ok::<(), AuthError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Auth {
    plugins: Vec<Arc<dyn AuthPlugin>>,
}

impl Auth {
    /// A category with one (default) plugin.
    pub fn new(plugin: Arc<dyn AuthPlugin>) -> Self {
        Self {
            plugins: vec![plugin],
        }
    }

    /// Adds another plugin. Keys must be unique.
    pub fn add_plugin(&mut self, plugin: Arc<dyn AuthPlugin>) -> Result<(), AuthError> {
        if self.plugins.iter().any(|p| p.key() == plugin.key()) {
            return Err(AuthError::InvalidParameter {
                name: "plugin".into(),
                message: format!("a plugin with key `{}` is already added", plugin.key()),
            });
        }
        self.plugins.push(plugin);
        Ok(())
    }

    /// The plugin of type `P`, with its richer API (Amplify's `getPlugin`).
    pub fn get_plugin<P: AuthPlugin>(&self) -> Option<&P> {
        self.plugins
            .iter()
            .find_map(|p| p.as_any().downcast_ref::<P>())
    }

    /// The plugin with `key`.
    pub fn get_plugin_by_key(&self, key: &str) -> Option<&Arc<dyn AuthPlugin>> {
        self.plugins.iter().find(|p| p.key() == key)
    }

    fn default_plugin(&self) -> &Arc<dyn AuthPlugin> {
        // `new` guarantees one plugin and none is ever removed.
        &self.plugins[0]
    }

    /// [`AuthPlugin::get_current_user`] on the default plugin.
    pub async fn get_current_user(&self) -> Result<AuthUser, AuthError> {
        self.default_plugin().get_current_user().await
    }

    /// [`AuthPlugin::fetch_auth_session`] on the default plugin, called
    /// at once: a plugin whose method does work before its future is first
    /// polled (the Cognito plugin takes the ticket of a forced refresh when
    /// it is called) does it when this is called.
    pub fn fetch_auth_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> impl Future<Output = Result<AuthSession, AuthError>> + Send + '_ {
        self.default_plugin().fetch_auth_session(options)
    }

    /// [`AuthPlugin::sign_out`] on the default plugin.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutResult, AuthError> {
        self.default_plugin().sign_out(options).await
    }

    /// [`AuthPlugin::subscribe`] on the default plugin.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.default_plugin().subscribe()
    }
}
