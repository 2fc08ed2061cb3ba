//! A session's life under faults of Cognito and across instances on a real
//! Redis: a transient refresh failure keeps the session (503), a revoked
//! one ends it (401, record deleted), and concurrent forced refreshes over
//! two instances sharing Redis under rotation never present a retired token.

use std::sync::Arc;

use auth_axum::bff::SessionStore;
use auth_core::storage::KeyValueStorage;
use auth_storage_redis::RedisStore;
use auth_storage_redis::testing::RedisServer;
use cognito_emulator::Fault;

use crate::bed::{Bed, Browser, Shared};
use crate::futures_join;

const REFRESH: &str = "GetTokensFromRefreshToken";

#[tokio::test]
async fn a_transient_refresh_failure_is_a_503_and_keeps_the_session() {
    let bed = Bed::new().await;
    let a = bed.instance(Shared::default().store(), 100).await;
    let mut b = Browser::new();
    b.sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    let fault = Fault::Status {
        status: 500,
        type_: "InternalErrorException".into(),
        message: "injected".into(),
    };
    // A forced refresh that fails transiently while the tokens are still
    // valid serves them (200): nothing is lost.
    bed.emu.inject_fault(REFRESH, fault.clone(), 1);
    let res = b.get(&format!("{}/me?force_refresh=true", a.base)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(bed.emu.count(REFRESH), 1);
    // Two hours later the tokens have expired: a refresh that fails
    // transiently is a 503, and the session is kept.
    bed.clock.advance_secs(2 * 3600);
    bed.emu.set_clock_offset(2 * 3600);
    bed.emu.inject_fault(REFRESH, fault, 100);
    let res = b.get(&format!("{}/me", a.base)).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(b.session_cookie().is_some());
    bed.emu.clear_faults();
    bed.clock.advance_secs(120);
    let res = b.get(&format!("{}/me", a.base)).await;
    assert_eq!(res.status(), 200, "the session was kept");
}

#[tokio::test]
async fn a_revoked_session_ends_with_a_401_and_its_record_is_deleted() {
    let bed = Bed::new().await;
    let shared = Shared::default();
    let a = bed.instance(shared.store(), 100).await;
    let mut b = Browser::new();
    b.sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    let cookie = b.session_cookie().unwrap();
    bed.emu
        .admin_user_global_sign_out(&bed.demo.user_pool_id, &bed.demo.username)
        .expect("global sign-out");
    let res = b.get(&format!("{}/me?force_refresh=true", a.base)).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        shared.session(&cookie).get("bff.session").await.unwrap(),
        None
    );
    assert_eq!(b.get(&format!("{}/me", a.base)).await.status(), 401);
}

#[tokio::test]
async fn concurrent_forced_refreshes_over_two_instances_on_redis_adopt_each_other() {
    let Some(redis) = RedisServer::start().expect("redis harness") else {
        return;
    };
    let store = RedisStore::builder(&redis.url("/0?prefix=bff-refresh"))
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let sessions = || {
        let store = store.clone();
        SessionStore::from_fn(
            move |ns| Ok(Arc::new(store.storage(ns)?) as Arc<dyn KeyValueStorage>),
        )
    };
    let bed = Bed::new().await;
    let a = bed.instance(sessions(), 100).await;
    let b_inst = bed.instance(sessions(), 100).await;
    let mut browser = Browser::new();
    browser
        .sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    assert_eq!(
        browser.get(&format!("{}/me", b_inst.base)).await.status(),
        200
    );

    bed.emu.reset_counters();
    let cookie = format!("amplify_session={}", browser.session_cookie().unwrap());
    let http = reqwest::Client::new();
    let calls = (0..10).map(|i| {
        let base = if i % 2 == 0 { &a.base } else { &b_inst.base };
        http.get(format!("{base}/me?force_refresh=true"))
            .header("cookie", cookie.clone())
            .send()
    });
    for res in futures_join(calls).await {
        assert_eq!(res.expect("answer").status(), 200);
    }
    assert!(bed.emu.count(REFRESH) >= 1);
    // Grace 0: a retired refresh token presented once would have ended the
    // session; both instances still answer, and a further forced refresh
    // on each works with the token the other stored.
    for base in [&a.base, &b_inst.base, &a.base] {
        let res = browser.get(&format!("{base}/me?force_refresh=true")).await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn a_global_sign_out_signs_every_session_of_the_user_out() {
    let bed = Bed::new().await;
    let a = bed.instance(Shared::default().store(), 100).await;
    let mut laptop = Browser::new();
    let mut phone = Browser::new();
    laptop
        .sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    phone
        .sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    bed.emu.reset_counters();
    let res = laptop
        .post(&format!("{}/auth/sign-out?global=true", a.base), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(bed.emu.count("GlobalSignOut"), 1);
    // The phone's session is still cached, but its refresh token is dead:
    // the next refresh ends it.
    let res = phone
        .get(&format!("{}/me?force_refresh=true", a.base))
        .await;
    assert_eq!(res.status(), 401);
}
