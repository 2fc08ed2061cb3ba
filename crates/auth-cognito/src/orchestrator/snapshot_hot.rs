//! The cached `fetch_auth_session`: a per-thread replica of the session
//! built from the [`Snapshot`](super::Snapshot) (`replica.rs` says why and
//! how it stays current). No I/O, no lock, no write to memory another
//! thread uses: one shared read (the version) and one clock read, a
//! comparison with the replica's precomputed deadline ([`Clock::is_before`](auth_core::clock::Clock::is_before)).

use auth_core::clock::Deadline;
use auth_core::jwt::JwtToken;
use auth_core::secret::SecretString;
use auth_core::types::{AuthSession, AuthTokens, AwsCredentials, SharedStr};

use super::Orchestrator;
use crate::identity::PrincipalKey;

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

    /// A deep copy of the session in the current snapshot, with the time
    /// until which it may be served, or `None` when the general path must
    /// run (not loaded, expired, unsaved tokens, no user, no credentials
    /// for these tokens).
    #[cold]
    fn build_replica(&self, with_identity: bool) -> Option<(AuthSession, Deadline)> {
        let snap = self.state.load();
        if !snap.loaded || snap.expired || snap.unsaved.is_some() {
            return None;
        }
        let user = snap.user.as_ref()?;
        // `UserTokens::needs_refresh` is `now + drift + margin >= exp`.
        let mut valid_until = user
            .expires_at
            .saturating_mul(1000)
            .saturating_sub(user.clock_drift_ms)
            .saturating_sub(self.token_margin_ms);
        let tokens = AuthTokens::new(
            deep_jwt(&user.access)?,
            match &user.id {
                Some(id) => Some(deep_jwt(id)?),
                None => None,
            },
        );
        let (credentials, identity_id) = if with_identity {
            let creds = snap.identity.creds.as_ref()?;
            let id = snap.identity.identity_id.as_ref()?;
            if creds.principal != PrincipalKey::User(user.serial) {
                return None;
            }
            valid_until = valid_until.min(creds.refresh_at_ms);
            (Some(deep_creds(&creds.creds)), Some(SharedStr::from(&**id)))
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

/// The same token with reference counts of its own: parsed again from its
/// compact form (it parsed when received, so this cannot fail in practice;
/// if it did, the general path would serve the call).
fn deep_jwt(t: &JwtToken) -> Option<JwtToken> {
    JwtToken::parse(t.as_compact_str()).ok()
}

/// The same credentials with secrets (and access key id) of their own.
fn deep_creds(c: &AwsCredentials) -> AwsCredentials {
    let mut copy = AwsCredentials::new(
        c.access_key_id.as_str(),
        SecretString::new(c.secret_access_key.expose_secret()),
    );
    copy.session_token = c
        .session_token
        .as_ref()
        .map(|t| SecretString::new(t.expose_secret()));
    copy.expiration = c.expiration;
    copy
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;

    use auth_core::clock::ManualClock;
    use auth_core::storage::KeyValueStorage;
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
            assert!(s.is_signed_in);
            let t = s.tokens.as_ref().unwrap();
            assert_eq!(
                t.access_token.as_compact_str(),
                user.access.as_compact_str()
            );
            assert_eq!(t.access_token.claims(), user.access.claims());
            assert_eq!(
                t.id_token.as_ref().unwrap().as_compact_str(),
                user.id.as_ref().unwrap().as_compact_str()
            );
            assert_eq!(s.user_sub.as_deref(), Some("sub-1"));
            assert!(s.identity_id.is_none() && s.credentials.is_none());
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

    #[tokio::test]
    async fn an_update_outdates_the_replica() {
        let clock = ManualClock::at_millis(1_000);
        let o = loaded(&clock, false).await;
        assert!(o.cached_auth_session(false).is_some());
        o.update(|s| s.user = None);
        assert!(!o.hot.is_current_here());
        assert!(o.cached_auth_session(false).is_none());
    }

    /// Where a session's shared buffers live (tokens, secrets, and the
    /// `SharedStr` fields): a clone shares them, a deep copy not.
    fn addresses(s: &AuthSession) -> [usize; 7] {
        let t = s.tokens.as_ref().unwrap();
        let c = s.credentials.as_ref().unwrap();
        [
            t.access_token.as_compact_str().as_ptr() as usize,
            t.id_token.as_ref().unwrap().as_compact_str().as_ptr() as usize,
            c.secret_access_key.expose_secret().as_ptr() as usize,
            c.session_token.as_ref().unwrap().expose_secret().as_ptr() as usize,
            c.access_key_id.as_ptr() as usize,
            s.identity_id.as_ref().unwrap().as_ptr() as usize,
            s.user_sub.as_ref().unwrap().as_ptr() as usize,
        ]
    }

    /// What makes the hot path scale: a thread's cached session shares no
    /// reference count with another thread's, nor with the snapshot.
    #[tokio::test]
    async fn threads_are_served_copies_that_share_nothing() {
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
        let there = std::thread::scope(|s| {
            s.spawn(|| o.cached_auth_session(true).expect("served there"))
                .join()
                .unwrap()
        });
        let snap = o.state.load();
        let user = snap.user.as_ref().unwrap();
        let creds = &snap.identity.creds.as_ref().unwrap().creds;
        let published = [
            user.access.as_compact_str().as_ptr() as usize,
            user.id.as_ref().unwrap().as_compact_str().as_ptr() as usize,
            creds.secret_access_key.expose_secret().as_ptr() as usize,
            creds
                .session_token
                .as_ref()
                .unwrap()
                .expose_secret()
                .as_ptr() as usize,
            creds.access_key_id.as_ptr() as usize,
            snap.identity.identity_id.as_ref().unwrap().as_ptr() as usize,
            user.user_sub.as_ptr() as usize,
        ];
        let (a, b) = (addresses(&here), addresses(&there));
        assert_eq!(addresses(&again), a, "one thread's calls share its replica");
        for i in 0..a.len() {
            assert_ne!(a[i], b[i], "part {i} shared between threads");
            assert_ne!(a[i], published[i], "part {i} shared with the snapshot");
            assert_ne!(b[i], published[i], "part {i} shared with the snapshot");
        }
        assert_eq!(here.identity_id.as_deref(), Some("us-east-1:id"));
        assert_eq!(here.user_sub.as_deref(), Some("sub-1"));
        assert_eq!(
            there.credentials.as_ref().unwrap().access_key_id,
            "ASIAEXAMPLE"
        );
    }
}
