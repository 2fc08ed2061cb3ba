//! [`Snapshot`]: what the plugin knows, swapped atomically as a whole, and
//! the fast path that serves a cached session from it.

use std::sync::Arc;

use auth_core::types::AuthSession;

use super::Orchestrator;
use crate::identity::{IdentityState, PrincipalKey};
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

/// The hot path.
impl Orchestrator {
    /// The session when the signed-in user's tokens and credentials are
    /// loaded and valid, else `None` (take the general path). No I/O, no
    /// lock, one snapshot guard, one clock read, a few `Arc` clones.
    #[inline]
    pub(crate) fn cached_session(&self) -> Option<AuthSession> {
        let snap = self.state.load();
        if !snap.loaded || snap.expired {
            return None;
        }
        let user = snap.user.as_ref()?;
        let now = self.now_ms();
        if user.needs_refresh(now, self.token_margin_ms) {
            return None;
        }
        let creds = snap.identity.creds.as_ref()?;
        let id = snap.identity.identity_id.as_ref()?;
        if creds.principal != PrincipalKey::User(user.serial) || now >= creds.refresh_at_ms {
            return None;
        }
        Some(
            AuthSession::signed_in(user.auth_tokens())
                .with_credentials(creds.creds.clone())
                .with_identity_id(id.to_string())
                .with_user_sub(user.user_sub.clone()),
        )
    }
}
