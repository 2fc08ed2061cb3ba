//! The two-instance scenarios with the cookie-jar client.

use std::sync::Arc;

use crate::harness::browser::{query, with_query};
use crate::harness::{Bed, Browser, PASSWORD, USERNAME, random_token};

/// `GET /me` on `base`: the status and the JSON body.
async fn me(browser: &Browser, base: &str) -> (u16, serde_json::Value) {
    let page = browser.get(&format!("{base}/me")).await;
    let body = serde_json::from_str(&page.body).unwrap_or(serde_json::Value::Null);
    (page.status, body)
}

/// Signs `USERNAME` in through `base` and checks the callback's answer: a
/// redirect that sets a session cookie.
async fn signed_in(base: &str) -> Browser {
    let browser = Browser::new();
    let callback = browser.sign_in(base, USERNAME, PASSWORD).await;
    assert!(
        (300..400).contains(&callback.status),
        "the callback answered {}: {}",
        callback.status,
        callback.body
    );
    assert!(
        !callback.set_cookies.is_empty(),
        "the callback set no cookie"
    );
    browser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hosted_ui_sign_in_through_a_is_a_session_on_b() {
    let Some(bed) = Bed::start().await else {
        return;
    };
    let browser = signed_in(&bed.a.base).await;
    for base in [&bed.a.base, &bed.b.base] {
        let (status, body) = me(&browser, base).await;
        assert_eq!(status, 200, "{base}/me: {body}");
        assert_eq!(body["username"], USERNAME, "{body}");
        assert!(
            body["user_id"].as_str().is_some_and(|s| !s.is_empty()),
            "{body}"
        );
        assert!(
            body["identity_id"]
                .as_str()
                .is_some_and(|s| s.contains(':')),
            "{body}"
        );
    }
    // A stranger's browser has no session on either.
    let stranger = Browser::new();
    for base in [&bed.a.base, &bed.b.base] {
        let (status, body) = me(&stranger, base).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.is_object(), "a 401 with JSON: {body}");
    }
    bed.assert_no_jwt_anywhere(&[&browser]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_forced_refreshes_over_a_and_b_all_succeed_and_present_no_retired_token() {
    let Some(bed) = Bed::start().await else {
        return;
    };
    let browser = Arc::new(signed_in(&bed.a.base).await);
    let calls_before = bed.refresh_calls();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let base = if i % 2 == 0 {
            bed.a.base.clone()
        } else {
            bed.b.base.clone()
        };
        let browser = Arc::clone(&browser);
        tasks.push(tokio::spawn(async move {
            let page = browser.get(&format!("{base}/me?force_refresh=true")).await;
            (base, page.status, page.body)
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    for (base, status, body) in &answers {
        assert_eq!(*status, 200, "{base}/me?force_refresh=true: {body}");
    }
    let calls = bed.refresh_calls() - calls_before;
    assert!(
        calls >= 1,
        "10 forced refreshes made no refresh call at all"
    );
    assert_eq!(
        bed.retired_presented(),
        0,
        "a retired refresh token was presented ({calls} refresh calls)"
    );
    // The session still works on both, with the last rotated token.
    for base in [&bed.a.base, &bed.b.base] {
        assert_eq!(me(&browser, base).await.0, 200);
        let page = browser.get(&format!("{base}/me?force_refresh=true")).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    assert_eq!(bed.retired_presented(), 0);
    println!(
        "10 concurrent forced refreshes over 2 instances: all 200, {calls} refresh calls, 0 retired tokens presented"
    );
    bed.assert_no_jwt_anywhere(&[&browser]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_out_by_post_on_b_is_seen_by_a_and_get_is_refused() {
    let Some(bed) = Bed::start().await else {
        return;
    };
    let browser = signed_in(&bed.a.base).await;
    let cookies = browser.cookies();
    // Sign-out is POST only: a GET (a link, an image) signs nobody out.
    let get = browser.get(&format!("{}/auth/sign-out", bed.b.base)).await;
    assert_eq!(get.status, 405, "GET /auth/sign-out: {}", get.body);
    assert_eq!(
        me(&browser, &bed.a.base).await.0,
        200,
        "a GET signed the user out"
    );
    let out = browser
        .post(&format!("{}/auth/sign-out", bed.b.base), &bed.b.base)
        .await;
    assert!(
        out.status < 400,
        "POST /auth/sign-out answered {}: {}",
        out.status,
        out.body
    );
    let (status, body) = me(&browser, &bed.a.base).await;
    assert_eq!(status, 401, "A after sign-out on B: {body}");
    // The old cookie, presented again (another tab, a copy), opens nothing.
    browser.set_cookies(cookies);
    for base in [&bed.a.base, &bed.b.base] {
        let (status, body) = me(&browser, base).await;
        assert_eq!(status, 401, "{base} with the signed-out cookie: {body}");
        let forced = browser.get(&format!("{base}/me?force_refresh=true")).await;
        assert_eq!(forced.status, 401, "{base}: {}", forced.body);
    }
    bed.assert_no_jwt_anywhere(&[&browser]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instance_a_restarted_mid_session_keeps_the_session() {
    let Some(mut bed) = Bed::start().await else {
        return;
    };
    let browser = signed_in(&bed.a.base).await;
    let (status, before) = me(&browser, &bed.a.base).await;
    assert_eq!(status, 200, "{before}");
    let old_pid = bed.a.pid();
    bed.restart_a();
    assert_ne!(bed.a.pid(), old_pid, "A is a new process");
    let (status, after) = me(&browser, &bed.a.base).await;
    assert_eq!(status, 200, "A after its restart: {after}");
    assert_eq!(after, before, "the same session after the restart");
    let forced = browser
        .get(&format!("{}/me?force_refresh=true", bed.a.base))
        .await;
    assert_eq!(forced.status, 200, "{}", forced.body);
    assert_eq!(me(&browser, &bed.b.base).await.0, 200);
    assert_eq!(bed.retired_presented(), 0);
    bed.assert_no_jwt_anywhere(&[&browser]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forged_or_missing_state_on_the_callback_is_400_and_no_session() {
    let Some(bed) = Bed::start().await else {
        return;
    };
    let browser = Browser::new();
    let callback = browser
        .hosted_ui_until_callback(&bed.a.base, USERNAME, PASSWORD)
        .await;
    assert!(query(&callback, "code").is_some(), "{callback}");
    let token_calls = bed.emu.count("oauth2/token");
    for forged in [
        with_query(&callback, "state", Some(&random_token())),
        with_query(&callback, "state", None),
        with_query(&callback, "state", Some("")),
    ] {
        let page = browser.get(&forged).await;
        assert_eq!(page.status, 400, "{forged}: {}", page.body);
        for base in [&bed.a.base, &bed.b.base] {
            assert_eq!(
                me(&browser, base).await.0,
                401,
                "a forged state made a session"
            );
        }
    }
    assert_eq!(
        bed.emu.count("oauth2/token"),
        token_calls,
        "a code was exchanged for a forged state"
    );
    // The same forged callback in a fresh browser (no pre-session at all).
    let fresh = Browser::new();
    let page = fresh
        .get(&with_query(&callback, "state", Some(&random_token())))
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert_eq!(me(&fresh, &bed.a.base).await.0, 401);
    bed.assert_no_jwt_anywhere(&[&browser, &fresh]);
}
