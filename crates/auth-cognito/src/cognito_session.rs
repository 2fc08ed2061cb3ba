//! `CognitoAuthSession`: the session with one result per field, as in Amplify
//! Swift (`AuthCognitoIdentityProvider`, `AuthAWSCredentialsProvider`,
//! `AuthCognitoTokensProvider`) and Kotlin (`AWSCognitoAuthSession`).
//!
//! | state                          | tokens / sub                    | identity id / credentials |
//! |--------------------------------|---------------------------------|---------------------------|
//! | signed in                      | `Ok`                            | `Ok` (or the service error) |
//! | guest (guests allowed)         | `Err(SignedOut)`                | `Ok`                      |
//! | signed out, guests not allowed | `Err(SignedOut)`                | `Err(GuestAccessDisabled)`|
//! | no identity pool configured    | as above                        | `Err(NoIdentityPool)`     |
//! | federated to identity pool     | `Err(FederatedToIdentityPool)`  | `Ok`                      |
//! | service or network failure     | `Err(Network/Service..)`        | `Err(..)`                 |

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::types::{
    AuthSession, AuthTokens, AwsCredentials, FetchAuthSessionOptions, SharedStr,
};

use crate::identity::{CredsTicket, IdentityPool};
use crate::orchestrator::{Orchestrator, RefreshTicket};
use crate::session::UserTokens;

/// The Cognito session: `is_signed_in` plus one `Result` per field, whose
/// error says why the field is missing.
///
/// ```no_run
/// # use auth_cognito::CognitoAuthPlugin;
/// # use auth_core::types::FetchAuthSessionOptions;
/// # async fn demo(plugin: CognitoAuthPlugin) {
/// let session = plugin.fetch_cognito_session(FetchAuthSessionOptions::default()).await;
/// match (&session.user_sub_result, &session.identity_id_result) {
///     (Ok(sub), Ok(id)) => println!("user sub {sub} and identity id {id}"),
///     (Err(why), Ok(id)) => println!("guest identity {id} ({why})"),
///     (_, Err(why)) => println!("no identity id: {why}"),
/// }
/// if let Ok(creds) = &session.aws_credentials_result {
///     println!("access key {}", creds.access_key_id);
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CognitoAuthSession {
    /// Whether a user-pool user is signed in.
    pub is_signed_in: bool,
    /// The user's `sub` (a [`SharedStr`]: compare it with `&str`, or
    /// `.to_string()` it).
    pub user_sub_result: Result<SharedStr, AuthError>,
    /// The user-pool tokens.
    pub user_pool_tokens_result: Result<AuthTokens, AuthError>,
    /// The identity-pool identity id.
    pub identity_id_result: Result<SharedStr, AuthError>,
    /// Temporary AWS credentials.
    pub aws_credentials_result: Result<AwsCredentials, AuthError>,
    /// Whether the session ended (refresh token rejected) during this call.
    pub(crate) expired_now: bool,
}

/// Errors that mean "not available in this state", as opposed to "failed".
fn is_absent(e: &AuthError) -> bool {
    matches!(
        e,
        AuthError::SignedOut
            | AuthError::SessionExpired { .. }
            | AuthError::NoUserPool
            | AuthError::NoIdentityPool
            | AuthError::GuestAccessDisabled
            | AuthError::FederatedToIdentityPool
    )
}

impl CognitoAuthSession {
    /// The portable [`AuthSession`]. Fields that are absent in this state
    /// become `None`; a field that failed (network, service, a federated
    /// session that needs a new token) makes the whole call fail, since a
    /// caller that asked for a session should not silently get less.
    ///
    /// The call during which the session ends (its refresh token rejected)
    /// fails with [`AuthError::SessionExpired`]; later calls see a signed-out
    /// session.
    pub fn into_auth_session(self) -> Result<AuthSession, AuthError> {
        if self.expired_now
            && let Err(e @ AuthError::SessionExpired { .. }) = self.user_pool_tokens_result
        {
            return Err(e);
        }
        fn field<T>(r: Result<T, AuthError>) -> Result<Option<T>, AuthError> {
            match r {
                Ok(v) => Ok(Some(v)),
                Err(e) if is_absent(&e) => Ok(None),
                Err(e) => Err(e),
            }
        }
        // In this order: the first field that failed is the error.
        let tokens = field(self.user_pool_tokens_result)?;
        let user_sub = field(self.user_sub_result)?;
        let identity_id = field(self.identity_id_result)?;
        let credentials = field(self.aws_credentials_result)?;
        Ok(AuthSession::from_parts(
            self.is_signed_in,
            tokens,
            credentials,
            identity_id,
            user_sub,
        ))
    }
}

/// The tickets of a forced fetch, taken when it is called, before its
/// future first runs: it then adopts a forced refresh (and a forced
/// credentials call) that started after the call (see `flight/mod.rs`).
pub(crate) struct Tickets<'a> {
    tokens: RefreshTicket<'a>,
    creds: Option<CredsTicket<'a>>,
}

impl<'a> Tickets<'a> {
    /// The tickets for a fetch called now, when it is forced (else none:
    /// an unforced fetch takes nothing, and its hot path stays as it was).
    #[inline]
    pub(crate) fn take(
        force_refresh: bool,
        session: &'a Orchestrator,
        identity: Option<&'a IdentityPool>,
    ) -> Option<Self> {
        force_refresh.then(|| Self {
            tokens: session.refresh_ticket(),
            creds: identity.map(IdentityPool::creds_ticket),
        })
    }
}

/// The session with one result per field: the tokens (refreshed when due,
/// or forced), then the identity id and credentials for whoever the tokens
/// say is asking.
pub(crate) async fn fetch(
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    options: FetchAuthSessionOptions,
    tickets: Option<Tickets<'_>>,
) -> CognitoAuthSession {
    fetch_then(session, identity, options, tickets, |_| {}).await
}

/// [`fetch`], calling `after_tokens` with the tokens before the identity
/// pool is asked (`expired_flight.rs` lets later callers join from then on).
pub(crate) async fn fetch_then(
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    options: FetchAuthSessionOptions,
    tickets: Option<Tickets<'_>>,
    after_tokens: impl FnOnce(&Result<Arc<UserTokens>, AuthError>),
) -> CognitoAuthSession {
    let (tokens_ticket, creds_ticket) = match tickets {
        Some(t) => (Some(t.tokens), t.creds),
        None => (None, None),
    };
    let was_expired = session.state.load().expired;
    let tokens = session
        .current_tokens_after(options.force_refresh, tokens_ticket)
        .await;
    after_tokens(&tokens);
    let expired_now = !was_expired && matches!(tokens, Err(AuthError::SessionExpired { .. }));
    let is_signed_in = session.state.load().user.is_some();
    let (identity_id_result, aws_credentials_result) = match identity {
        None => (
            Err(AuthError::NoIdentityPool),
            Err(AuthError::NoIdentityPool),
        ),
        Some(pool) => {
            pool.for_tokens(session, &tokens, options.force_refresh, creds_ticket)
                .await
        }
    };
    let user_sub_result = tokens
        .as_ref()
        .map(|t| SharedStr::from(t.user_sub.as_str()))
        .map_err(Clone::clone);
    let identity_id_result = identity_id_result.map(SharedStr::from);
    CognitoAuthSession {
        is_signed_in,
        user_sub_result,
        user_pool_tokens_result: tokens.map(|t| t.auth_tokens()),
        identity_id_result,
        aws_credentials_result,
        expired_now,
    }
}
