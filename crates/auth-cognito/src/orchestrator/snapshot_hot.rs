//! The cached `fetch_auth_session`: a per-thread replica of the session
//! built from the [`Snapshot`](super::Snapshot) (`replica.rs` says why and
//! how it stays current). No I/O, no lock, no write to memory another
//! thread uses: one shared read (the version) and one clock read, a
//! comparison with the replica's precomputed deadline ([`Clock::is_before`](auth_core::clock::Clock::is_before)),
//! and one increment of the replica's own reference count: an
//! [`AuthSession`] is one handle, so a call clones nothing else.

use auth_core::clock::Deadline;
use auth_core::types::{AuthSession, AuthUser, SharedStr};

use super::{Orchestrator, Snapshot};
use crate::identity::PrincipalKey;
use crate::session::UserTokens;

impl Orchestrator {
    /// The session when the signed-in user's tokens (and, with an identity
    /// pool, the identity id and credentials) are loaded and valid; `None`:
    /// take the general path. `with_identity` is whether an identity pool
    /// is configured: without one the session has tokens only, as the
    /// general path gives it.
    #[inline]
    pub(crate) fn cached_auth_session(&self, with_identity: bool) -> Option<AuthSession> {
        self.hot.read(
            |deadline| self.clock.is_before(deadline),
            || self.build_replica(with_identity),
        )
    }

    /// The signed-in user when the tokens are loaded and valid, as
    /// `get_current_user`'s general path gives it; `None`: take that path.
    /// It reads the snapshot without cloning its `Arc`s (an `arc-swap`
    /// guard) and the clock through [`Clock::is_before`](auth_core::clock::Clock::is_before).
    #[inline]
    pub(crate) fn cached_user(&self) -> Option<AuthUser> {
        let snap = self.state.load();
        let (user, fresh_until) = self.servable_user(&snap)?;
        self.clock
            .is_before(&Deadline::at_millis(fresh_until))
            .then(|| user.auth_user())
    }

    /// The snapshot's user when both fast paths may serve it (loaded, and
    /// no unsaved tokens waiting to be written), with the time until which
    /// its tokens need no refresh.
    fn servable_user<'s>(&self, snap: &'s Snapshot) -> Option<(&'s UserTokens, i64)> {
        if !snap.loaded || snap.unsaved.is_some() {
            return None;
        }
        let user = snap.user.as_deref()?;
        Some((user, user.fresh_until_ms(self.token_margin_ms)))
    }

    /// This thread's handle on the session in the current snapshot, with
    /// the time until which it may be served, or `None` when the general
    /// path must run (not loaded, expired, unsaved tokens, no user, no
    /// credentials for these tokens). The handle is new (its reference
    /// count is this thread's); its parts are the snapshot's, shared, and
    /// never cloned by a cached call.
    #[cold]
    fn build_replica(&self, with_identity: bool) -> Option<(AuthSession, Deadline)> {
        let snap = self.state.load();
        if snap.expired {
            return None;
        }
        let (user, mut valid_until) = self.servable_user(&snap)?;
        let tokens = user.auth_tokens();
        let (credentials, identity_id) = if with_identity {
            let creds = snap.identity.creds.as_ref()?;
            let id = snap.identity.identity_id.as_ref()?;
            if creds.principal != PrincipalKey::User(user.serial) {
                return None;
            }
            valid_until = valid_until.min(creds.refresh_at_ms);
            (Some(creds.creds.clone()), Some(SharedStr::from(id.clone())))
        } else {
            (None, None)
        };
        let session = AuthSession::from_parts(
            true,
            Some(tokens),
            credentials,
            identity_id,
            Some(SharedStr::from(user.user_sub.as_str())),
        );
        Some((session, Deadline::at_millis(valid_until)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;

    use auth_core::clock::ManualClock;
    use auth_core::storage::KeyValueStorage;
    use auth_core::types::AwsCredentials;
    use auth_storage::MemoryStorage;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;
    use crate::config::CognitoConfig;

    /// Expiry of the stored tokens, seconds.
    const EXP: i64 = 2_000_000_000;

    fn jwt(claims: serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJub25lIn0.{}.",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    /// An orchestrator that has loaded a stored session (no network: the
    /// endpoint is never called), user pool only unless `identity`.
    async fn loaded(clock: &ManualClock, identity: bool) -> Orchestrator {
        let mut b = CognitoConfig::builder()
            .user_pool("us-east-1_Pool", "client1")
            .user_pool_endpoint("http://127.0.0.1:9");
        if identity {
            b = b.identity_pool("us-east-1:pool", false);
        }
        let config = b.build().unwrap();
        let storage = MemoryStorage::new();
        let p = "CognitoIdentityServiceProvider.client1";
        let claims = json!({"sub": "sub-1", "username": "alice", "exp": EXP});
        storage
            .set(&format!("{p}.LastAuthUser"), "alice")
            .await
            .unwrap();
        storage
            .set(&format!("{p}.alice.accessToken"), &jwt(claims))
            .await
            .unwrap();
        let id = json!({"sub": "sub-1", "cognito:username": "alice", "exp": EXP});
        storage
            .set(&format!("{p}.alice.idToken"), &jwt(id))
            .await
            .unwrap();
        storage
            .set(&format!("{p}.alice.refreshToken"), "r")
            .await
            .unwrap();
        let o =
            Orchestrator::new(config, Arc::new(storage), Arc::new(clock.clone()), false).unwrap();
        o.ensure_loaded().await.unwrap();
        o
    }

    #[tokio::test]
    async fn user_pool_only_is_served_from_a_replica_with_the_stored_tokens() {
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, false).await;
        assert!(!o.hot.is_current_here());
        let s = o.cached_auth_session(false).expect("served");
        assert!(
            o.hot.is_current_here(),
            "the fast path built this thread's replica"
        );
        let again = o.cached_auth_session(false).expect("served again");
        let snap = o.state.load();
        let user = snap.user.as_ref().unwrap();
        for s in [&s, &again] {
            assert!(s.is_signed_in());
            let t = s.tokens().unwrap();
            assert_eq!(
                t.access_token.as_compact_str(),
                user.access.as_compact_str()
            );
            assert_eq!(t.access_token.claims(), user.access.claims());
            assert_eq!(
                t.id_token.as_ref().unwrap().as_compact_str(),
                user.id.as_ref().unwrap().as_compact_str()
            );
            assert_eq!(s.user_sub(), Some("sub-1"));
            assert!(s.identity_id().is_none() && s.credentials().is_none());
        }
    }

    #[tokio::test]
    async fn without_credentials_an_identity_pool_takes_the_general_path() {
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, true).await;
        assert!(o.cached_auth_session(true).is_none());
        assert!(!o.hot.is_current_here());
    }

    /// The replica stops being served exactly where `needs_refresh` starts.
    #[tokio::test]
    async fn the_replica_expires_where_the_tokens_need_a_refresh() {
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, false).await;
        let edge = EXP * 1000 - o.token_margin_ms;
        let user = o.state.load().user.clone().unwrap();
        clock.set_millis(edge - 1);
        assert!(!user.needs_refresh(edge - 1, o.token_margin_ms));
        assert!(o.cached_auth_session(false).is_some());
        clock.set_millis(edge);
        assert!(user.needs_refresh(edge, o.token_margin_ms));
        assert!(o.cached_auth_session(false).is_none());
    }

    /// `get_current_user`'s fast path gives what the general path gives,
    /// and stops where the tokens need a refresh.
    #[tokio::test]
    async fn the_cached_user_is_the_general_paths_until_a_refresh_is_due() {
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, false).await;
        let fast = o.cached_user().expect("served");
        let general = o.current_tokens(false).await.unwrap().auth_user();
        assert_eq!(fast, general);
        assert_eq!(fast.username, "alice");
        assert_eq!(fast.user_id, "sub-1");
        let edge = EXP * 1000 - o.token_margin_ms;
        clock.set_millis(edge - 1);
        assert!(o.cached_user().is_some());
        clock.set_millis(edge);
        assert!(o.cached_user().is_none());
        o.update(|s| s.user = None);
        clock.set_millis(1_000);
        assert!(o.cached_user().is_none());
    }

    #[tokio::test]
    async fn an_update_outdates_the_replica() {
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, false).await;
        assert!(o.cached_auth_session(false).is_some());
        o.update(|s| s.user = None);
        assert!(!o.hot.is_current_here());
        assert!(o.cached_auth_session(false).is_none());
    }

    /// What makes the hot path scale: a thread's cached session is a
    /// handle no other thread clones, so a call writes only its own
    /// reference count.
    #[tokio::test]
    async fn threads_are_served_handles_of_their_own() {
        use crate::identity::{CachedCreds, PrincipalKey};
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, true).await;
        let serial = o.state.load().user.as_ref().unwrap().serial;
        o.update(|s| {
            let id = s.identity_mut();
            id.identity_id = Some("us-east-1:id".into());
            id.creds = Some(Arc::new(CachedCreds {
                creds: AwsCredentials::new("ASIAEXAMPLE", "secret").with_session_token("token"),
                refresh_at_ms: i64::MAX,
                principal: PrincipalKey::User(serial),
            }));
        });
        let here = o.cached_auth_session(true).expect("served");
        let again = o.cached_auth_session(true).expect("served again");
        let (there, there_again) = std::thread::scope(|s| {
            s.spawn(|| {
                (
                    o.cached_auth_session(true).expect("served there"),
                    o.cached_auth_session(true).expect("served there again"),
                )
            })
            .join()
            .unwrap()
        });
        assert!(
            AuthSession::ptr_eq(&here, &again),
            "one thread's calls share its replica's handle"
        );
        assert!(AuthSession::ptr_eq(&there, &there_again));
        assert!(
            !AuthSession::ptr_eq(&here, &there),
            "each thread has a handle (a reference count) of its own"
        );
        // The parts behind the handles are the snapshot's, not copies.
        let snap = o.state.load();
        let user = snap.user.as_ref().unwrap();
        for s in [&here, &there] {
            let t = s.tokens().unwrap();
            assert_eq!(
                t.access_token.as_compact_str().as_ptr(),
                user.access.as_compact_str().as_ptr()
            );
        }
        assert_eq!(here.identity_id(), Some("us-east-1:id"));
        assert_eq!(here.user_sub(), Some("sub-1"));
        assert_eq!(there.credentials().unwrap().access_key_id, "ASIAEXAMPLE");
    }
}
