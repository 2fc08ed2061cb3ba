//! The user-pool session held in memory and its storage layout.
//!
//! Keys follow Amplify JS v6, so a session can be migrated or inspected with
//! the same tools: `CognitoIdentityServiceProvider.<clientId>.LastAuthUser`
//! and `CognitoIdentityServiceProvider.<clientId>.<username>.<field>` with the
//! fields `accessToken`, `idToken`, `refreshToken`, `clockDrift` (ms) and
//! `signInDetails` (JSON). A session from the hosted UI is also marked with
//! `CognitoIdentityServiceProvider.<clientId>.oauthSignIn` = `true,false`, as
//! Amplify JS does, so that sign-out knows to offer the hosted UI's `/logout`.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::jwt::{JwtClaims, JwtToken};
use auth_core::secret::SecretString;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError};
use auth_core::types::{AuthTokens, AuthUser, SignInDetails};

/// How a session was signed in: it decides whether sign-out offers the
/// hosted UI's `/logout`. Persisted with the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SignInOrigin {
    /// `sign_in` / `confirm_sign_in` (SRP, password, challenges).
    #[default]
    Api,
    /// The hosted UI (`sign_in_with_redirect`).
    HostedUi,
}

/// The value of the `oauthSignIn` key: Amplify JS's
/// `isOAuthSignIn,preferPrivateSession`.
const OAUTH_SIGN_IN_VALUE: &str = "true,false";

/// The tokens of a signed-in user, parsed once, with the expiry precomputed
/// as integers so the hot path does no JSON work.
#[derive(Clone)]
pub(crate) struct UserTokens {
    /// The storage namespace username (the access token's `username`).
    pub(crate) storage_username: String,
    /// The display username (`cognito:username`, else `username`).
    pub(crate) username: String,
    pub(crate) user_sub: String,
    pub(crate) access: JwtToken,
    pub(crate) id: Option<JwtToken>,
    /// The refresh token, or that the store holds it (see [`RefreshToken`]).
    pub(crate) refresh: RefreshToken,
    /// Server time minus local time, in milliseconds, measured on receipt.
    pub(crate) clock_drift_ms: i64,
    pub(crate) sign_in_details: Option<SignInDetails>,
    /// How the session was signed in.
    pub(crate) origin: SignInOrigin,
    /// The earliest `exp` of the access and id tokens, server time, seconds.
    pub(crate) expires_at: i64,
    /// Unique per set of tokens in this process: credentials fetched with one
    /// set are invalid for the next (the id token changed).
    pub(crate) serial: u64,
    /// The key of the user's remembered device, sent with every refresh
    /// (`device_store.rs` keeps the device; this is a copy for the refresh).
    pub(crate) device_key: Option<String>,
}

/// A session's refresh token, or where it is.
///
/// Once saved, the refresh token is not kept in memory: a refresh re-reads
/// the store under its lock before it presents anything
/// (`orchestrator/shared.rs`) and takes the token from there, and a
/// sign-out reads it before it clears the store. So a long-lived session
/// holds the secret (about 1.7 KB with Cognito) only while it is unsaved,
/// for every kind of store.
#[derive(Clone, Default)]
pub(crate) enum RefreshToken {
    /// The session has none.
    #[default]
    None,
    /// Saved in the store, not kept in memory.
    Stored,
    /// In memory: just received or read, or refreshed and not yet saved.
    Held(SecretString),
}

impl RefreshToken {
    /// Whether the session has one, in memory or in the store.
    pub(crate) fn exists(&self) -> bool {
        !matches!(self, Self::None)
    }

    /// The token, when it is in memory.
    pub(crate) fn held(&self) -> Option<&SecretString> {
        match self {
            Self::Held(t) => Some(t),
            Self::None | Self::Stored => None,
        }
    }
}

impl From<Option<SecretString>> for RefreshToken {
    fn from(token: Option<SecretString>) -> Self {
        token.map_or(Self::None, Self::Held)
    }
}

/// The next unique serial for tokens or federations.
pub(crate) fn next_serial() -> u64 {
    static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl std::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserTokens")
            .field("username", &self.username)
            .field("user_sub", &self.user_sub)
            .field("expires_at", &self.expires_at)
            .field("clock_drift_ms", &self.clock_drift_ms)
            .finish_non_exhaustive()
    }
}

fn corrupt(detail: impl Into<String>) -> AuthError {
    AuthError::Storage(StorageError::Corrupt {
        detail: detail.into(),
    })
}

impl UserTokens {
    /// Builds the session from the service's tokens.
    pub(crate) fn from_parts(
        (access, claims): (JwtToken, JwtClaims),
        id: Option<(JwtToken, JwtClaims)>,
        refresh: Option<SecretString>,
        clock_drift_ms: i64,
        sign_in_details: Option<SignInDetails>,
    ) -> Result<Self, String> {
        // The claims `JwtToken::parse_with_claims` decoded, read here once:
        // the tokens keep no claims map (an idle session then holds the
        // compact tokens, not twice that again).
        let (id, id_claims) = match id {
            Some((t, c)) => (Some(t), Some(c)),
            None => (None, None),
        };
        let id_username = id_claims
            .as_ref()
            .and_then(|c| c.get_str("cognito:username"));
        let storage_username = claims
            .get_str("username")
            .or(id_username)
            .or_else(|| claims.sub())
            .ok_or("the access token has no `username` or `sub` claim")?
            .to_owned();
        let username = id_username.unwrap_or(&storage_username).to_owned();
        let user_sub = claims
            .sub()
            .or_else(|| id_claims.as_ref().and_then(|c| c.sub()))
            .ok_or("the access token has no `sub` claim")?
            .to_owned();
        let access_exp = access.expires_at().ok_or("the access token has no `exp`")?;
        let expires_at = match id.as_ref().and_then(JwtToken::expires_at) {
            Some(e) => e.min(access_exp),
            None => access_exp,
        };
        Ok(Self {
            storage_username,
            username,
            user_sub,
            access,
            id,
            refresh: refresh.into(),
            clock_drift_ms,
            sign_in_details,
            origin: SignInOrigin::Api,
            expires_at,
            serial: next_serial(),
            device_key: None,
        })
    }

    /// These tokens once the store holds them: the refresh token is dropped
    /// from memory (it is read from the store when needed).
    pub(crate) fn saved(mut self) -> Self {
        if let RefreshToken::Held(_) = self.refresh {
            self.refresh = RefreshToken::Stored;
        }
        self
    }

    /// Whether the tokens must be refreshed: `now + drift + margin >= exp`.
    #[inline]
    pub(crate) fn needs_refresh(&self, now_ms: i64, margin_ms: i64) -> bool {
        now_ms >= self.fresh_until_ms(margin_ms)
    }

    /// The time (ms) from which [`needs_refresh`](Self::needs_refresh) is
    /// true: the tokens may be served while the clock is before it.
    #[inline]
    pub(crate) fn fresh_until_ms(&self, margin_ms: i64) -> i64 {
        self.expires_at
            .saturating_mul(1000)
            .saturating_sub(self.clock_drift_ms)
            .saturating_sub(margin_ms)
    }

    /// Whether the tokens are past their real `exp` (no margin).
    #[inline]
    pub(crate) fn is_really_expired(&self, now_ms: i64) -> bool {
        self.needs_refresh(now_ms, 0)
    }

    #[inline]
    pub(crate) fn auth_tokens(&self) -> AuthTokens {
        AuthTokens::new(self.access.clone(), self.id.clone())
    }

    pub(crate) fn auth_user(&self) -> AuthUser {
        let mut user = AuthUser::new(self.username.clone(), self.user_sub.clone());
        user.sign_in_details = self.sign_in_details.clone();
        user
    }
}

/// Storage key names for one app client.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// `CognitoIdentityServiceProvider.<clientId>`.
    prefix: Arc<str>,
}

impl Keys {
    #[cfg(test)]
    pub(crate) fn new(client_id: &str) -> Self {
        Self {
            prefix: format!("CognitoIdentityServiceProvider.{client_id}").into(),
        }
    }
    /// The keys of `config`'s app client, sharing the config's prefix.
    pub(crate) fn for_config(config: &crate::config::CognitoConfig) -> Option<Self> {
        config.storage_prefix().map(|prefix| Self { prefix })
    }
    pub(crate) fn last_auth_user(&self) -> String {
        format!("{}.LastAuthUser", self.prefix)
    }
    pub(crate) fn field(&self, username: &str, field: &str) -> String {
        format!("{}.{username}.{field}", self.prefix)
    }
    /// Marks a session from the hosted UI (Amplify JS's `oauthSignIn`).
    pub(crate) fn oauth_sign_in(&self) -> String {
        format!("{}.oauthSignIn", self.prefix)
    }
    /// Set when a session ended because its refresh token was rejected, so
    /// that later processes also report "session expired", not "signed out".
    pub(crate) fn session_expired(&self) -> String {
        format!("{}.sessionExpired", self.prefix)
    }
}

const FIELDS: [&str; 5] = [
    "accessToken",
    "idToken",
    "refreshToken",
    "clockDrift",
    "signInDetails",
];

/// The writes that persist `t` as the current user.
pub(crate) fn persist_changes(keys: &Keys, t: &UserTokens) -> Vec<StorageChange> {
    let u = &t.storage_username;
    let set = |f: &str, v: String| StorageChange::Set(keys.field(u, f), v);
    let remove = |f: &str| StorageChange::Remove(keys.field(u, f));
    let mut changes = vec![
        StorageChange::Remove(keys.session_expired()),
        StorageChange::Set(keys.last_auth_user(), u.clone()),
        set("accessToken", t.access.as_compact_str().to_owned()),
        set("clockDrift", t.clock_drift_ms.to_string()),
        match &t.id {
            Some(id) => set("idToken", id.as_compact_str().to_owned()),
            None => remove("idToken"),
        },
    ];
    match &t.refresh {
        RefreshToken::Held(r) => changes.push(set("refreshToken", r.expose_secret().to_owned())),
        RefreshToken::None => changes.push(remove("refreshToken")),
        // The store holds it already: the key is left as it is.
        RefreshToken::Stored => {}
    }
    changes.push(
        match t
            .sign_in_details
            .as_ref()
            .and_then(|d| serde_json::to_string(d).ok())
        {
            Some(json) => set("signInDetails", json),
            None => remove("signInDetails"),
        },
    );
    changes.push(match t.origin {
        SignInOrigin::HostedUi => {
            StorageChange::Set(keys.oauth_sign_in(), OAUTH_SIGN_IN_VALUE.to_owned())
        }
        SignInOrigin::Api => StorageChange::Remove(keys.oauth_sign_in()),
    });
    changes
}

/// The removals that clear `username`'s session.
pub(crate) fn clear_changes(keys: &Keys, username: &str) -> Vec<StorageChange> {
    let mut changes: Vec<StorageChange> = FIELDS
        .iter()
        .map(|f| StorageChange::Remove(keys.field(username, f)))
        .collect();
    changes.push(StorageChange::Remove(keys.last_auth_user()));
    changes.push(StorageChange::Remove(keys.session_expired()));
    changes.push(StorageChange::Remove(keys.oauth_sign_in()));
    changes
}

/// Whether the last session ended with its refresh token rejected.
pub(crate) async fn load_expired(
    storage: &dyn KeyValueStorage,
    keys: &Keys,
) -> Result<bool, AuthError> {
    Ok(storage.get(&keys.session_expired()).await?.is_some())
}

/// Reads the persisted session. `Ok(None)` when nobody is signed in; a
/// typed storage error when something stored cannot be parsed (nothing is
/// removed or overwritten in that case).
///
/// The user's fields are read with one [`KeyValueStorage::get_many`], from
/// one snapshot of stores that have them, together with `LastAuthUser`
/// again: a reader never pairs a new access token with an old refresh token,
/// nor one user's name with another user's tokens.
pub(crate) async fn load(
    storage: &dyn KeyValueStorage,
    keys: &Keys,
) -> Result<Option<UserTokens>, AuthError> {
    let last_auth_user = keys.last_auth_user();
    let Some(mut username) = storage.get(&last_auth_user).await? else {
        return Ok(None);
    };
    // A sign-in elsewhere may switch the user between the two reads; a
    // third switch in a row is not a race but a writer gone wild.
    for _ in 0..3 {
        let names: Vec<String> = FIELDS.iter().map(|f| keys.field(&username, f)).collect();
        // The hosted-UI mark is read in the same snapshot as the fields.
        let oauth_sign_in = keys.oauth_sign_in();
        let mut wanted: Vec<&str> = vec![&last_auth_user, &oauth_sign_in];
        wanted.extend(names.iter().map(String::as_str));
        // Shared strings: the tokens keep the store's own copy when it has
        // one to share (the memory store), instead of a second one.
        let mut values = storage.get_many_shared(&wanted).await?.into_iter();
        match values.next().flatten() {
            None => return Ok(None),
            Some(now) if *now != *username => username = now.to_string(),
            Some(_) => {
                let hosted_ui = values
                    .next()
                    .flatten()
                    .is_some_and(|v| v.trim_start().starts_with("true"));
                let Some(mut tokens) = parse_fields(values.collect(), hosted_ui)? else {
                    return Ok(None);
                };
                tokens.device_key =
                    crate::device_store::load_key(storage, keys, &tokens.storage_username).await?;
                return Ok(Some(tokens));
            }
        }
    }
    Err(AuthError::Storage(StorageError::Unavailable {
        detail: "the stored session changed user three times while being read; retry".into(),
    }))
}

/// The session from the values of [`FIELDS`], in the order of `FIELDS`;
/// `hosted_ui`: the session is marked as coming from the hosted UI.
fn parse_fields(
    values: Vec<Option<Arc<str>>>,
    hosted_ui: bool,
) -> Result<Option<UserTokens>, AuthError> {
    let mut values = values;
    let mut take = |field: &str| {
        FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|i| values.get_mut(i))
            .and_then(Option::take)
    };
    let (access, id, refresh) = (take("accessToken"), take("idToken"), take("refreshToken"));
    let (drift, details) = (take("clockDrift"), take("signInDetails"));
    let Some(access) = access else {
        return Ok(None);
    };
    let access = JwtToken::parse_shared_with_claims(access)
        .map_err(|e| corrupt(format!("stored accessToken is not a JWT: {e}")))?;
    let id = match id {
        Some(s) => Some(
            JwtToken::parse_shared_with_claims(s)
                .map_err(|e| corrupt(format!("stored idToken is not a JWT: {e}")))?,
        ),
        None => None,
    };
    let refresh = refresh.map(SecretString::new);
    let drift = match drift {
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| corrupt("stored clockDrift is not an integer"))?,
        None => 0,
    };
    let details = match details {
        Some(s) => Some(
            serde_json::from_str::<SignInDetails>(&s)
                .map_err(|_| corrupt("stored signInDetails is not valid JSON"))?,
        ),
        None => None,
    };
    let mut tokens = UserTokens::from_parts(access, id, refresh, drift, details)
        .map_err(|m| corrupt(format!("stored tokens are unusable: {m}")))?;
    if hosted_ui {
        tokens.origin = SignInOrigin::HostedUi;
    }
    Ok(Some(tokens))
}
