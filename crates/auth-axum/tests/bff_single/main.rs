//! BFF sessions of one process over HTTP, against the in-process emulator
//! (rotation on) and its hosted-UI login form: sign-in, `/me`, forced
//! refresh, sign-out by POST only, forged and expired callbacks, the LRU
//! eviction and reload, two instances sharing one store (sign-out seen by
//! the other, a restart keeps the session, concurrent forced refreshes),
//! a corrupt record, and a dead Redis giving 503.
//! The multi-process, Chromium and Redis-rotation stories are in the
//! `bff_e2e*` tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod bed;
mod expiry;
mod faults;
mod sessions;

use bed::{Bed, Browser, Shared};
use serde_json::Value;

#[tokio::test]
async fn a_hosted_ui_sign_in_gives_a_cookie_session_that_refreshes_and_signs_out_by_post() {
    let bed = Bed::new().await;
    let a = bed.instance(Shared::default().store(), 100).await;
    let mut b = Browser::new();
    let res = b.get(&format!("{}/me", a.base)).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_signed_in");

    b.sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    // The cookies: the pre-session's (set, then cleared) and the session's.
    let session = b.session_cookie().expect("a session cookie");
    assert_eq!(session.len(), 43);
    assert!(!b.jar.contains_key("amplify_pre_session"));
    for line in &b.set_cookies {
        for attr in ["Path=/", "HttpOnly", "SameSite=Lax"] {
            assert!(line.contains(attr), "{line}");
        }
        assert!(!line.contains("Secure"), "http public URL: {line}");
        assert!(!line.contains("eyJ"), "a JWT in a cookie: {line}");
    }

    // Debug shows neither the cookie nor a token.
    let debug = b
        .get(&format!("{}/debug", a.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(debug.starts_with("SignedInUser"), "{debug}");
    for shown in [debug, format!("{:?}", a.bff)] {
        assert!(
            !shown.contains(&session) && !shown.contains("eyJ"),
            "{shown}"
        );
    }
    let res = b.get(&format!("{}/me", a.base)).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["username"], bed.demo.username.as_str());
    assert!(me["user_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        me["identity_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("us-east-1:"))
    );

    bed.emu.reset_counters();
    let res = b.get(&format!("{}/me?force_refresh=true", a.base)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 1);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["user_id"], me["user_id"]);

    // Sign-out is POST only.
    let res = b.get(&format!("{}/auth/sign-out", a.base)).await;
    assert_eq!(res.status(), 405);
    assert_eq!(b.get(&format!("{}/me", a.base)).await.status(), 200);
    // A cross-site POST (another Origin) is refused and changes nothing.
    let res = b
        .post(
            &format!("{}/auth/sign-out", a.base),
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(b.get(&format!("{}/me", a.base)).await.status(), 200);

    let res = b
        .post(&format!("{}/auth/sign-out", a.base), Some(&bed.public_url))
        .await;
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["signed_out"], true);
    let logout = out["logout_url"].as_str().expect("a logout URL");
    assert!(logout.contains("/logout?client_id="), "{logout}");
    assert!(b.session_cookie().is_none(), "the cookie is cleared");
    // The old cookie, replayed, is no session any more.
    b.jar.insert("amplify_session".into(), session);
    assert_eq!(b.get(&format!("{}/me", a.base)).await.status(), 401);
    assert_eq!(a.bff.cached_sessions(), 0);
}

#[tokio::test]
async fn a_forged_missing_or_replayed_state_is_a_400_and_no_session() {
    let bed = Bed::new().await;
    let a = bed.instance(Shared::default().store(), 100).await;
    let mut b = Browser::new();
    let callback = b
        .start_sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    // The state changed by one character.
    let mut url = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                let mut s = v.into_owned();
                let last = if s.ends_with('A') { "B" } else { "A" };
                s.replace_range(s.len() - 1.., last);
                s
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(&pairs);
    let res = b.callback(url.as_str(), &a.base).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("state")
    );
    assert!(b.session_cookie().is_none());
    // The pre-session was used up by the forged callback: the real one fails too.
    let res = b.callback(&callback, &a.base).await;
    assert_eq!(res.status(), 400);
    assert!(b.session_cookie().is_none());

    // A callback without the pre-session cookie (another browser): 400.
    let callback = b
        .start_sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    let mut stranger = Browser::new();
    let res = stranger.callback(&callback, &a.base).await;
    assert_eq!(res.status(), 400);
    assert!(stranger.session_cookie().is_none());
    // The right browser still completes it, once.
    let res = b.callback(&callback, &a.base).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let res = b.callback(&callback, &a.base).await;
    assert_eq!(res.status(), 400, "a pre-session is single use");
    // ... and that refused replay did not end the session.
    assert_eq!(b.get(&format!("{}/me", a.base)).await.status(), 200);
}

#[tokio::test]
async fn a_pre_session_older_than_ten_minutes_is_refused() {
    let bed = Bed::new().await;
    let a = bed.instance(Shared::default().store(), 100).await;
    let mut b = Browser::new();
    let callback = b
        .start_sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    bed.clock.advance_secs(10 * 60 + 1);
    let res = b.callback(&callback, &a.base).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("10 minutes"),
        "{body}"
    );
    assert!(b.session_cookie().is_none());
}

#[tokio::test]
async fn an_evicted_session_is_reloaded_from_the_store() {
    let bed = Bed::new().await;
    let shared = Shared::default();
    let a = bed.instance(shared.store(), 2).await;
    let mut browsers = Vec::new();
    for _ in 0..3 {
        let mut b = Browser::new();
        b.sign_in(&a.base, &bed.demo.username, &bed.demo.password)
            .await;
        browsers.push(b);
    }
    assert_eq!(a.bff.cached_sessions(), 2, "bounded by entries");
    bed.emu.reset_counters();
    // The first one was evicted: it is loaded again, without a new sign-in
    // or refresh.
    for b in &mut browsers {
        let res = b.get(&format!("{}/me", a.base)).await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(a.bff.cached_sessions(), 2);
    assert_eq!(bed.emu.count("InitiateAuth"), 0);
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 0);
}

#[tokio::test]
async fn instances_sharing_a_store_see_sessions_sign_outs_and_restarts() {
    let bed = Bed::new().await;
    let shared = Shared::default();
    let a = bed.instance(shared.store(), 100).await;
    let b_inst = bed.instance(shared.store(), 100).await;
    let mut browser = Browser::new();
    browser
        .sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    // B sees the session A created.
    let on_b = browser.get(&format!("{}/me", b_inst.base)).await;
    assert_eq!(on_b.status(), 200);
    // A "restarted": a new instance with an empty cache on the same store.
    let a2 = bed.instance(shared.store(), 100).await;
    assert_eq!(a2.bff.cached_sessions(), 0);
    assert_eq!(browser.get(&format!("{}/me", a2.base)).await.status(), 200);

    // 10 concurrent forced refreshes over A and B under rotation (grace 0):
    // every one answers 200, and the session survives (a retired refresh
    // token presented once would have ended it).
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
    let refreshes = bed.emu.count("GetTokensFromRefreshToken");
    assert!((1..=10).contains(&refreshes), "{refreshes}");
    for base in [&a.base, &b_inst.base, &a2.base] {
        assert_eq!(browser.get(&format!("{base}/me")).await.status(), 200);
    }

    // Sign-out on B is seen by A (which has the session cached).
    let res = browser
        .post(&format!("{}/auth/sign-out", b_inst.base), None)
        .await;
    assert_eq!(res.status(), 200);
    browser.jar.insert(
        "amplify_session".into(),
        cookie.trim_start_matches("amplify_session=").into(),
    );
    assert_eq!(browser.get(&format!("{}/me", a.base)).await.status(), 401);
    assert_eq!(browser.get(&format!("{}/me", a2.base)).await.status(), 401);
}

/// Runs the futures concurrently on this runtime.
async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn the_provider_and_a_local_return_path_are_honoured_and_a_foreign_one_is_not() {
    let bed = Bed::new().await;
    let a = bed.instance(Shared::default().store(), 100).await;
    let mut b = Browser::new();
    let res = b
        .get(&format!("{}/auth/sign-in?provider=Google", a.base))
        .await;
    assert_eq!(res.status(), 302);
    let authorize = bed::location(&res, &a.base);
    assert!(
        authorize.contains("identity_provider=Google"),
        "{authorize}"
    );
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(!authorize.contains("code_verifier"), "{authorize}");

    for (wanted, landed) in [
        ("/me", "/me"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
    ] {
        let mut b = Browser::new();
        let res = b
            .get(&format!(
                "{}/auth/sign-in?return_to={}",
                a.base,
                url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(res.status(), 302);
        let callback = b
            .finish_login(
                &bed::location(&res, &a.base),
                &bed.demo.username,
                &bed.demo.password,
            )
            .await;
        let res = b.callback(&callback, &a.base).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], landed, "return_to={wanted}");
    }
}
