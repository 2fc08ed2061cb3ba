//! Bearer verification through `CognitoAuthLayer` and the extractors, over
//! HTTP, with real tokens from real sign-ins on the emulator and its real
//! JWKS. Only the forged tokens (tampered, `alg: none`, an unknown `kid`) are
//! made by hand: they are the point of those tests.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use serde_json::json;
use support::{Bed, forge, get_at, parts, serve};

#[tokio::test]
async fn a_valid_access_token_is_accepted() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    let a = bed.get_bearer("/access", &t.access).await;
    assert_eq!((a.status, a.body.as_str()), (200, "alice"), "{a:?}");
    // The extractor without the layer, with the verifier as an Extension.
    let a = bed.get_bearer("/extract", &t.access).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(Some(a.body.as_str()), parts(&t.access).1["sub"].as_str());
}

#[tokio::test]
async fn an_id_token_is_refused_where_an_access_token_is_required_and_the_reverse() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    bed.get_bearer("/access", &t.id)
        .await
        .assert_invalid("the token is not an access token");
    bed.get_bearer("/extract", &t.id)
        .await
        .assert_invalid("the token is not an access token");
    let a = bed.get_bearer("/id", &t.id).await;
    assert_eq!((a.status, a.body.as_str()), (200, "alice"), "{a:?}");
    bed.get_bearer("/id", &t.access)
        .await
        .assert_invalid("the token is not an id token");
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "bob").await;
    let (header, mut payload, sig) = parts(&t.access);
    // Claim another user's name, keep the signature.
    payload["username"] = json!("alice");
    bed.get_bearer("/access", &forge(&header, &payload, &sig))
        .await
        .assert_invalid("the token's signature is invalid");
    // Join the group that the route requires.
    let (_, mut payload, _) = parts(&t.access);
    payload["cognito:groups"] = json!(["staff"]);
    bed.get_bearer("/staff", &forge(&header, &payload, &sig))
        .await
        .assert_invalid("the token's signature is invalid");
    // Change one character of the real signature.
    let mut chars: Vec<char> = t.access.chars().collect();
    let last = chars.len() - 2;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    bed.get_bearer("/access", &flipped)
        .await
        .assert_invalid("the token's signature is invalid");
    bed.get_bearer("/access", "not-a-jwt")
        .await
        .assert_invalid("the token is not a well-formed JWT");
}

#[tokio::test]
async fn expiry_is_checked_on_the_verifier_clock_with_the_leeway() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    let exp = parts(&t.access).1["exp"].as_i64().unwrap();
    // Inside the 5 s leeway: still accepted.
    bed.clock.set_millis((exp + 3) * 1000);
    assert_eq!(bed.get_bearer("/access", &t.access).await.status, 200);
    bed.clock.set_millis((exp + 6) * 1000);
    bed.get_bearer("/access", &t.access)
        .await
        .assert_invalid("the token has expired");
    bed.get_bearer("/id", &t.id)
        .await
        .assert_invalid("the token has expired");
}

#[tokio::test]
async fn tokens_of_another_client_are_refused_unless_that_client_is_allowed() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.other_client, "alice").await;
    bed.get_bearer("/access", &t.access)
        .await
        .assert_invalid("the token was issued to another app client");
    bed.get_bearer("/id", &t.id)
        .await
        .assert_invalid("the token was issued to another app client");
    // A service for both clients lists the second one.
    let both = Bed::verifier_for(&bed.emu, &bed.pool, &bed.client, &bed.clock)
        .with_allowed_client_ids([bed.other_client.clone()]);
    let (base, server) = serve(support::app(&both)).await;
    let a = get_at(
        &bed.http,
        &format!("{base}/access"),
        Some(&format!("Bearer {}", t.access)),
    )
    .await;
    assert_eq!((a.status, a.body.as_str()), (200, "alice"), "{a:?}");
    let a = get_at(
        &bed.http,
        &format!("{base}/id"),
        Some(&format!("Bearer {}", t.id)),
    )
    .await;
    assert_eq!(a.status, 200, "{a:?}");
    server.abort();
}

#[tokio::test]
async fn tokens_of_another_pool_are_refused() {
    let bed = Bed::start().await;
    // Same emulator, same signing key: only the issuer tells the pools apart.
    let t = bed.sign_in(&bed.other_pool_client, "carol").await;
    bed.get_bearer("/access", &t.access)
        .await
        .assert_invalid("the token was not issued by this user pool");
    bed.get_bearer("/id", &t.id)
        .await
        .assert_invalid("the token was not issued by this user pool");
}

#[tokio::test]
async fn alg_none_and_hmac_tokens_are_refused() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    let (mut header, payload, _) = parts(&t.access);
    header["alg"] = json!("none");
    bed.get_bearer("/access", &forge(&header, &payload, ""))
        .await
        .assert_invalid("the token's algorithm is not accepted (only RS256)");
    header["alg"] = json!("HS256");
    bed.get_bearer("/access", &forge(&header, &payload, "c2lnbmF0dXJl"))
        .await
        .assert_invalid("the token's algorithm is not accepted (only RS256)");
}

#[tokio::test]
async fn a_missing_or_malformed_authorization_header_is_a_401() {
    let bed = Bed::start().await;
    for authorization in [None, Some("Basic YWxpY2U6cHc="), Some("Token abc")] {
        let a = bed.get("/access", authorization).await;
        assert_eq!(a.status, 401, "{authorization:?}: {a:?}");
        // RFC 6750 3.1: no error code when the request has no bearer credentials.
        assert_eq!(a.www_authenticate.as_deref(), Some("Bearer"));
        assert_eq!(a.json()["error"], "unauthorized");
    }
    for authorization in ["Bearer", "Bearer a b"] {
        bed.get("/access", Some(authorization))
            .await
            .assert_invalid("the Authorization header has no bearer token");
    }
    // An optional extractor: no header is anonymous, a bad token is still refused.
    let a = bed.get("/optional", None).await;
    assert_eq!((a.status, a.body.as_str()), (200, "anonymous"));
    bed.get("/optional", Some("Bearer x.y.z"))
        .await
        .assert_invalid("the token is not a well-formed JWT");
    let t = bed.sign_in(&bed.client, "bob").await;
    let a = bed.get_bearer("/optional", &t.access).await;
    assert_eq!((a.status, a.body.as_str()), (200, "bob"));
}

#[tokio::test]
async fn a_required_group_or_scope_that_is_absent_is_a_403() {
    let bed = Bed::start().await;
    let alice = bed.sign_in(&bed.client, "alice").await;
    let bob = bed.sign_in(&bed.client, "bob").await;
    assert_eq!(parts(&alice.access).1["cognito:groups"], json!(["staff"]));
    assert_eq!(parts(&alice.id).1["cognito:groups"], json!(["staff"]));
    assert_eq!(bed.get_bearer("/staff", &alice.access).await.status, 200);
    let a = bed.get_bearer("/staff", &bob.access).await;
    assert_eq!(a.status, 403, "{a:?}");
    assert_eq!(
        a.www_authenticate.as_deref(),
        Some(
            "Bearer error=\"insufficient_scope\", error_description=\"the group `staff` is required\""
        )
    );
    assert_eq!(a.json()["error"], "insufficient_scope");
    // The same check in a handler.
    assert_eq!(
        bed.get_bearer("/handler-group", &alice.access).await.status,
        200
    );
    assert_eq!(
        bed.get_bearer("/handler-group", &bob.access).await.status,
        403
    );
    // Scopes: the API sign-in's access token has aws.cognito.signin.user.admin only.
    assert_eq!(
        bed.get_bearer("/admin-scope", &bob.access).await.status,
        200
    );
    let a = bed.get_bearer("/orders", &alice.access).await;
    assert_eq!(a.status, 403, "{a:?}");
    assert!(
        a.www_authenticate
            .as_deref()
            .unwrap()
            .ends_with(", scope=\"orders/read\""),
        "{a:?}"
    );
    // A forbidden request is not an invalid token: the token itself is good.
    assert_eq!(bed.get_bearer("/access", &bob.access).await.status, 200);
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_at_a_bounded_rate() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    let fetches = || bed.emu.count("jwks.json");
    assert_eq!(fetches(), 0);
    assert_eq!(bed.get_bearer("/access", &t.access).await.status, 200);
    assert_eq!(fetches(), 1, "the first token loads the JWKS");
    for _ in 0..5 {
        assert_eq!(bed.get_bearer("/access", &t.access).await.status, 200);
    }
    assert_eq!(fetches(), 1, "known keys come from the cache");
    // A key the pool does not publish (as after a rotation we have not seen).
    let (mut header, payload, sig) = parts(&t.access);
    header["kid"] = json!("rotated-key-1");
    let unknown = forge(&header, &payload, &sig);
    bed.get_bearer("/access", &unknown)
        .await
        .assert_invalid("the token's signing key is not in the user pool's JWKS");
    assert_eq!(fetches(), 2, "an unknown kid re-fetches once");
    for _ in 0..10 {
        bed.get_bearer("/access", &unknown)
            .await
            .assert_invalid("the token's signing key is not in the user pool's JWKS");
    }
    assert_eq!(fetches(), 2, "no second re-fetch within the interval");
    let a = bed.get_bearer("/access", &unknown).await;
    assert!(!a.www_authenticate.unwrap().contains("rotated-key-1"));
    bed.clock.advance_secs(61);
    bed.get_bearer("/access", &unknown)
        .await
        .assert_invalid("JWKS");
    assert_eq!(fetches(), 3, "after the interval, one more re-fetch");
}

#[tokio::test]
async fn unavailable_keys_are_a_503_not_a_401() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    // The JWKS of a pool the emulator does not have: HTTP 404.
    let broken = auth_axum::JwksVerifier::new(
        bed.emu.issuer(&bed.pool),
        bed.client.clone(),
        format!(
            "{}/us-east-1_missing/.well-known/jwks.json",
            bed.emu.endpoint()
        ),
    );
    let (base, server) = serve(support::app(&broken)).await;
    let a = get_at(
        &bed.http,
        &format!("{base}/access"),
        Some(&format!("Bearer {}", t.access)),
    )
    .await;
    assert_eq!(a.status, 503, "{a:?}");
    assert_eq!(a.retry_after.as_deref(), Some("5"));
    assert_eq!(a.json()["error"], "temporarily_unavailable");
    server.abort();
}

#[tokio::test]
async fn an_extractor_without_a_verifier_is_a_server_error() {
    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "alice").await;
    let a = bed.get_bearer("/unconfigured", &t.access).await;
    assert_eq!(a.status, 500, "{a:?}");
    assert!(!a.body.contains(&t.access[..20]));
}
