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
}

impl Snapshot {
    /// The identity part, copied first if another snapshot shares it.
    pub(crate) fn identity_mut(&mut self) -> &mut IdentityState {
        Arc::make_mut(&mut self.identity)
    }
}
