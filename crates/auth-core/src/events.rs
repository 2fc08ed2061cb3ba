//! Auth events (Amplify Hub's `auth` channel) and the observable auth state.

use std::sync::OnceLock;

use tokio::sync::{broadcast, watch};

/// Something that happened to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthEvent {
    /// A user signed in.
    SignedIn {
        /// The username.
        username: String,
    },
    /// The user signed out (locally, and globally if asked).
    SignedOut,
    /// The tokens were refreshed and persisted.
    TokenRefresh,
    /// A refresh failed. `definitive` is true when the session was cleared.
    TokenRefreshFailure {
        /// The error's service code or kind (never a secret).
        reason: String,
        /// Whether the session was cleared as a result.
        definitive: bool,
    },
    /// The session ended without a sign-out (the refresh token was rejected).
    /// Emitted once per session.
    SessionExpired,
    /// The identity pool was federated with an external provider token.
    FederatedToIdentityPool,
    /// The federation was cleared.
    FederationCleared,
}

/// The coarse auth state, observable through a `watch` channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthState {
    /// Not yet loaded from storage.
    #[default]
    Unknown,
    /// No user is signed in.
    SignedOut,
    /// A user-pool user is signed in.
    SignedIn,
    /// The last session expired and nobody has signed in since.
    SessionExpired,
    /// Federated directly to the identity pool.
    Federated,
}

/// The event hub of one plugin: a broadcast of [`AuthEvent`]s and a watch of
/// [`AuthState`].
///
/// ```
/// # tokio_test();
/// # fn tokio_test() {
/// use auth_core::events::{AuthEvent, AuthHub, AuthState};
/// let hub = AuthHub::new(16);
/// let mut rx = hub.subscribe();
/// hub.emit(AuthEvent::SignedOut);
/// assert_eq!(rx.try_recv().unwrap(), AuthEvent::SignedOut);
/// hub.set_state(AuthState::SignedOut);
/// assert_eq!(*hub.watch_state().borrow(), AuthState::SignedOut);
/// # }
/// ```
#[derive(Debug)]
pub struct AuthHub {
    /// Created by the first [`subscribe`](Self::subscribe): until then an
    /// event has no receiver and is dropped, as a broadcast drops it, and
    /// the hub holds no ring buffer (`capacity` slots of an event each).
    events: OnceLock<broadcast::Sender<AuthEvent>>,
    capacity: usize,
    state: watch::Sender<AuthState>,
}

impl AuthHub {
    /// A hub whose subscribers may lag by up to `capacity` events.
    pub fn new(capacity: usize) -> Self {
        let (state, _) = watch::channel(AuthState::Unknown);
        Self {
            events: OnceLock::new(),
            capacity: capacity.max(1),
            state,
        }
    }

    /// Sends an event to every current subscriber. No subscriber is fine.
    pub fn emit(&self, event: AuthEvent) {
        if let Some(events) = self.events.get() {
            let _ = events.send(event);
        }
    }

    /// A receiver of the events emitted from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.events
            .get_or_init(|| broadcast::channel(self.capacity).0)
            .subscribe()
    }

    /// Updates the observable state (only notifies on change).
    pub fn set_state(&self, state: AuthState) {
        self.state.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }

    /// A receiver of the state.
    pub fn watch_state(&self) -> watch::Receiver<AuthState> {
        self.state.subscribe()
    }
}

impl Default for AuthHub {
    fn default() -> Self {
        Self::new(64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_before_the_first_subscriber_are_dropped_and_later_ones_delivered() {
        let hub = AuthHub::new(4);
        hub.emit(AuthEvent::SignedOut);
        assert!(
            hub.events.get().is_none(),
            "no ring buffer without a subscriber"
        );
        let mut a = hub.subscribe();
        let mut b = hub.subscribe();
        assert!(a.try_recv().is_err());
        hub.emit(AuthEvent::SignedOut);
        assert_eq!(a.try_recv().ok(), Some(AuthEvent::SignedOut));
        assert_eq!(b.try_recv().ok(), Some(AuthEvent::SignedOut));
    }
}
