//! [`Snapshot`]: what the plugin knows, swapped atomically as a whole.

use std::sync::Arc;

use crate::identity::IdentityState;
use crate::session::UserTokens;

/// What the plugin knows, swapped atomically as a whole.
#[derive(Clone, Default)]
pub(crate) struct Snapshot {
    /// Whether storage has been read.
    pub(crate) loaded: bool,
    /// Bumped whenever the user-pool tokens change (sign-in, refresh, sign-out).
    pub(crate) generation: u64,
    pub(crate) user: Option<Arc<UserTokens>>,
    /// The last session ended by a definitive refresh failure, and nobody
    /// has signed in since.
    pub(crate) expired: bool,
    /// The identity-pool part; shared between snapshots until it changes.
    pub(crate) identity: Arc<IdentityState>,
    /// Refreshed tokens that storage could not take: see `shared.rs`.
    pub(crate) unsaved: Option<Unsaved>,
}

/// Tokens that a refresh received but could not write to storage. The store
/// still holds the tokens they replaced, whose refresh token may have been
/// rotated away, so the write is retried until it succeeds or the store
/// moves on (another sign-in, a sign-out).
#[derive(Clone)]
pub(crate) struct Unsaved {
    /// `UserTokens::serial` of the unsaved tokens: when the session holds
    /// other tokens, there is nothing left to save.
    pub(crate) serial: u64,
    /// The tokens the store still holds.
    pub(crate) replaced: Arc<UserTokens>,
    /// Failed attempts so far.
    pub(crate) failures: u32,
    /// No new attempt from a caller that does not need one before this time.
    pub(crate) retry_at_ms: i64,
}

impl Snapshot {
    /// The identity part, copied first if another snapshot shares it.
    pub(crate) fn identity_mut(&mut self) -> &mut IdentityState {
        Arc::make_mut(&mut self.identity)
    }
}
