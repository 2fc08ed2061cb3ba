//! Expiry in Redis: with `SessionStore::from_fn_with_expiry` over a real
//! `redis-server`, a pre-session namespace carries a TTL of at most
//! 10 minutes, a session namespace its configured idle TTL (default
//! 30 days), and a token refresh sets it again. TTLs are read with `PTTL`.

use std::sync::Arc;
use std::time::Duration;

use auth_axum::bff::{BffSessions, DEFAULT_SESSION_IDLE_TTL, PRE_SESSION_TTL, SessionStore};
use auth_core::storage::KeyValueStorage;
use auth_storage_redis::RedisStore;
use auth_storage_redis::testing::RedisServer;
use sha2::{Digest, Sha256};

use crate::bed::{Bed, Browser};

/// `PTTL` (ms) of the namespace `<kind>:sha256(cookie)`: -2 when it does not
/// exist, -1 without expiry.
fn pttl(redis: &RedisServer, store: &RedisStore, kind: &str, cookie: &str) -> i64 {
    let key = hex::encode(Sha256::digest(cookie.as_bytes()));
    let storage = store.storage(&format!("{kind}:{key}")).unwrap();
    redis
        .cli(&["pttl", storage.session_key()])
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap()
}

#[tokio::test]
async fn pre_sessions_and_sessions_expire_from_redis() {
    let Some(redis) = RedisServer::start().expect("redis harness") else {
        return;
    };
    let store = RedisStore::builder(&redis.url("/0?prefix=bff-ttl"))
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let opened = store.clone();
    let sessions = SessionStore::from_fn_with_expiry(move |ns, idle| {
        Ok(Arc::new(opened.storage(ns)?.with_expiry(idle)) as Arc<dyn KeyValueStorage>)
    });
    let bed = Bed::new().await;
    let idle = Duration::from_secs(3600);
    let configured = BffSessions::builder(bed.config.clone(), bed.public_url.clone())
        .store(sessions.clone())
        .clock(Arc::new(bed.clock.clone()))
        .session_idle_ttl(idle)
        .build()
        .expect("bff");
    let a = bed.serve(configured).await;

    // The pre-session: at most its 10-minute life.
    let mut b = Browser::new();
    let callback = b
        .start_sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    let pre = b.jar.get("amplify_pre_session").cloned().expect("pre");
    let t = pttl(&redis, &store, "bff-pre", &pre);
    assert!(t > 0 && t <= ms(PRE_SESSION_TTL), "pre-session TTL {t}");
    assert!(t > ms(PRE_SESSION_TTL) - 60_000, "about 10 minutes: {t}");

    // The session: the configured idle TTL; the pre-session is gone.
    let res = b.callback(&callback, &a.base).await;
    assert_eq!(res.status(), 303);
    assert_eq!(pttl(&redis, &store, "bff-pre", &pre), -2);
    let cookie = b.session_cookie().expect("session");
    let t = pttl(&redis, &store, "bff-session", &cookie);
    assert!(
        t > ms(idle) - 60_000 && t <= ms(idle),
        "session TTL {t}, configured {idle:?}"
    );

    // A refresh writes the tokens and sets the TTL again.
    let key = hex::encode(Sha256::digest(cookie.as_bytes()));
    let hash = store.storage(&format!("bff-session:{key}")).unwrap();
    redis.cli(&["persist", hash.session_key()]).unwrap();
    assert_eq!(pttl(&redis, &store, "bff-session", &cookie), -1);
    let res = b.get(&format!("{}/me?force_refresh=true", a.base)).await;
    assert_eq!(res.status(), 200);
    let t = pttl(&redis, &store, "bff-session", &cookie);
    assert!(t > 0 && t <= ms(idle), "after a refresh: {t}");

    // Sign-out deletes it outright.
    let res = b.post(&format!("{}/auth/sign-out", a.base), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(pttl(&redis, &store, "bff-session", &cookie), -2);

    // The default idle TTL is 30 days.
    let d = bed.instance(sessions, 100).await;
    let mut c = Browser::new();
    c.sign_in(&d.base, &bed.demo.username, &bed.demo.password)
        .await;
    let cookie = c.session_cookie().expect("session");
    let t = pttl(&redis, &store, "bff-session", &cookie);
    let month = ms(DEFAULT_SESSION_IDLE_TTL);
    assert_eq!(
        DEFAULT_SESSION_IDLE_TTL,
        Duration::from_secs(30 * 24 * 3600)
    );
    assert!(t > month - 60_000 && t <= month, "default session TTL {t}");
}
