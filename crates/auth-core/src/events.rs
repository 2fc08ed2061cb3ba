//! Auth events (Amplify Hub's `auth` channel) and the observable auth state.

use std::sync::{Mutex, OnceLock, PoisonError};

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
    /// The state, and its watch from the first
    /// [`watch_state`](Self::watch_state) on (until then the hub holds no
    /// channel: a watch's shared part is about 350 bytes).
    state: Mutex<(AuthState, Option<watch::Sender<AuthState>>)>,
}

impl AuthHub {
    /// A hub whose subscribers may lag by up to `capacity` events.
    pub fn new(capacity: usize) -> Self {
        Self {
            events: OnceLock::new(),
            capacity: capacity.max(1),
            state: Mutex::new((AuthState::Unknown, None)),
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
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.0 != state {
            s.0 = state;
            if let Some(watch) = &s.1 {
                watch.send_replace(state);
            }
        }
    }

    /// A receiver of the state.
    pub fn watch_state(&self) -> watch::Receiver<AuthState> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let current = s.0;
        s.1.get_or_insert_with(|| watch::channel(current).0)
            .subscribe()
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

    #[test]
    fn the_state_watch_starts_at_the_current_state_and_sees_changes() {
        let hub = AuthHub::new(4);
        hub.set_state(AuthState::SignedIn);
        let mut w = hub.watch_state();
        assert_eq!(*w.borrow_and_update(), AuthState::SignedIn);
        hub.set_state(AuthState::SignedIn);
        assert!(
            !w.has_changed().expect("sender alive"),
            "no notification without a change"
        );
        hub.set_state(AuthState::SignedOut);
        assert!(w.has_changed().expect("sender alive"));
        assert_eq!(*w.borrow_and_update(), AuthState::SignedOut);
        assert_eq!(*hub.watch_state().borrow(), AuthState::SignedOut);
    }
}
