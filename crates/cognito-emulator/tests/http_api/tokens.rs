//! Tokens over HTTP: refresh with and without rotation, revocation, global sign-out, JWKS
//! verification, the emulator clock and token expiry.

use std::time::Duration;

use cognito_emulator::{ClientOptions, secret_hash};
use serde_json::{Value, json};

use crate::common::{cid, claims, start};

#[tokio::test]
async fn refresh_without_rotation_keeps_origin_and_refresh_token() {
    let (_emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let rt = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let origin =
        claims(r["AuthenticationResult"]["IdToken"].as_str().unwrap())["origin_jti"].clone();
    let g = api
        .idp(
            "GetTokensFromRefreshToken",
            json!({"ClientId": cid(&client), "RefreshToken": rt}),
        )
        .await
        .unwrap();
    assert!(g["AuthenticationResult"]["RefreshToken"].is_null());
    assert_eq!(
        claims(g["AuthenticationResult"]["AccessToken"].as_str().unwrap())["origin_jti"],
        origin
    );
    let i = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": cid(&client), "AuthParameters": {"REFRESH_TOKEN": rt}}),
        )
        .await
        .unwrap();
    assert!(i["AuthenticationResult"]["IdToken"].is_string());
    assert!(i["AuthenticationResult"]["RefreshToken"].is_null());
    let bad = api
        .idp(
            "GetTokensFromRefreshToken",
            json!({"ClientId": cid(&client), "RefreshToken": "garbage"}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (bad.type_.as_str(), bad.message.as_str()),
        ("NotAuthorizedException", "Invalid Refresh Token")
    );
}

#[tokio::test]
async fn refresh_with_rotation_honours_grace_then_reports_reuse() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                generate_secret: true,
                refresh_token_rotation: Some(Duration::from_secs(5)),
                ..Default::default()
            },
        )
        .unwrap();
    let secret = c.secret.clone().unwrap();
    emu.admin_create_user(&pool, "alice", "Passw0rd!", true)
        .unwrap();
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": c.id, "AuthParameters": {
                "USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": secret_hash(&secret, "alice", &c.id)}}),
        )
        .await
        .unwrap();
    let rt1 = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = |rt: String| {
        let api = &api;
        let (id, secret) = (c.id.clone(), secret.clone());
        async move {
            api.idp(
                "GetTokensFromRefreshToken",
                json!({"ClientId": id, "ClientSecret": secret, "RefreshToken": rt}),
            )
            .await
        }
    };
    let g = refresh(rt1.clone()).await.unwrap();
    let rt2 = g["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rt1, rt2);
    // Within the grace period the old token still works.
    refresh(rt1.clone()).await.unwrap();
    emu.set_clock_offset(10);
    let reuse = refresh(rt1.clone()).await.unwrap_err();
    assert_eq!(reuse.type_, "RefreshTokenReuseException");
    // Both presentations of the retired rt1 are counted, within the grace and after it.
    assert_eq!(emu.count("refresh_token.retired_presented"), 2);
    let g3 = refresh(rt2.clone()).await.unwrap();
    assert!(g3["AuthenticationResult"]["RefreshToken"].is_string());
    // Wrong client secret.
    let wrong = api
        .idp(
            "GetTokensFromRefreshToken",
            json!({"ClientId": c.id, "ClientSecret": "x", "RefreshToken": rt2}),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.type_, "NotAuthorizedException");
    // Rotation with no grace: the old token dies at once.
    let c0 = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                refresh_token_rotation: Some(Duration::ZERO),
                ..Default::default()
            },
        )
        .unwrap();
    let r = api
        .password_auth(&c0.id, "alice", "Passw0rd!")
        .await
        .unwrap();
    let old = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    api.idp(
        "GetTokensFromRefreshToken",
        json!({"ClientId": c0.id, "RefreshToken": old}),
    )
    .await
    .unwrap();
    let e = api
        .idp(
            "GetTokensFromRefreshToken",
            json!({"ClientId": c0.id, "RefreshToken": old}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "RefreshTokenReuseException");
    // Each presentation of a retired token is counted (the one that rotated it is not;
    // the wrong-secret call above is refused before the token is looked at).
    assert_eq!(emu.count("refresh_token.retired_presented"), 3);
}

#[tokio::test]
async fn refresh_token_auth_with_secret_accepts_hash_over_username_or_sub() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                generate_secret: true,
                disable_token_revocation: true,
                ..Default::default()
            },
        )
        .unwrap();
    let secret = c.secret.clone().unwrap();
    let sub = emu
        .admin_create_user(&pool, "alice", "Passw0rd!", true)
        .unwrap();
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": c.id, "AuthParameters": {
                "USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": secret_hash(&secret, "alice", &c.id)}}),
        )
        .await
        .unwrap();
    let rt = r["AuthenticationResult"]["RefreshToken"].clone();
    for who in ["alice", sub.as_str()] {
        api.idp(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": c.id, "AuthParameters": {
                "REFRESH_TOKEN": rt, "SECRET_HASH": secret_hash(&secret, who, &c.id)}}),
        )
        .await
        .unwrap();
    }
    let e = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": c.id, "AuthParameters": {"REFRESH_TOKEN": rt}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let e = api
        .idp(
            "RevokeToken",
            json!({"ClientId": c.id, "ClientSecret": secret, "Token": rt}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UnsupportedOperationException");
}

#[tokio::test]
async fn global_sign_out_revokes_refresh_and_access_tokens() {
    let (_emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let a = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let b = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let at = a["AuthenticationResult"]["AccessToken"].clone();
    api.idp("GlobalSignOut", json!({"AccessToken": at}))
        .await
        .unwrap();
    for s in [&a, &b] {
        let e = api
            .idp(
                "GetTokensFromRefreshToken",
                json!({"ClientId": cid(&client), "RefreshToken": s["AuthenticationResult"]["RefreshToken"]}),
            )
            .await
            .unwrap_err();
        assert_eq!(e.type_, "NotAuthorizedException");
    }
    let e = api
        .idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        ("NotAuthorizedException", "Access Token has been revoked")
    );
    // A new sign-in works again.
    api.password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
}

#[tokio::test]
async fn revoke_token_revokes_only_that_family() {
    let (_emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let a = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let b = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    api.idp(
        "RevokeToken",
        json!({"ClientId": cid(&client), "Token": a["AuthenticationResult"]["RefreshToken"]}),
    )
    .await
    .unwrap();
    let e = api
        .idp("GetTokensFromRefreshToken", json!({"ClientId": cid(&client), "RefreshToken": a["AuthenticationResult"]["RefreshToken"]}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let e = api
        .idp(
            "GetUser",
            json!({"AccessToken": a["AuthenticationResult"]["AccessToken"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    api.idp("GetTokensFromRefreshToken", json!({"ClientId": cid(&client), "RefreshToken": b["AuthenticationResult"]["RefreshToken"]}))
        .await
        .unwrap();
    let e = api
        .idp(
            "RevokeToken",
            json!({"ClientId": cid(&client), "Token": a["AuthenticationResult"]["AccessToken"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UnsupportedTokenTypeException");
}

#[tokio::test]
async fn jwks_verifies_an_issued_token() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let id_token = r["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let jwks: Value = api
        .http
        .get(format!("{}/{pool}/.well-known/jwks.json", emu.endpoint()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap(),
        key["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[cid(&client)]);
    v.set_issuer(&[emu.issuer(&pool)]);
    let data = jsonwebtoken::decode::<Value>(id_token, &dk, &v).unwrap();
    assert_eq!(data.claims["cognito:username"], "alice");
    let oidc: Value = api
        .http
        .get(format!(
            "{}/{pool}/.well-known/openid-configuration",
            emu.endpoint()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oidc["issuer"], emu.issuer(&pool));
    let missing = api
        .http
        .get(format!("{}/nope/.well-known/jwks.json", emu.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn clock_offset_moves_iat_and_exp_and_expires_access_tokens() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                access_token_ttl: Some(Duration::from_secs(30)),
                ..Default::default()
            },
        )
        .unwrap();
    emu.admin_create_user(&pool, "alice", "Passw0rd!", true)
        .unwrap();
    let r1 = api
        .password_auth(&c.id, "alice", "Passw0rd!")
        .await
        .unwrap();
    let at = r1["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let c1 = claims(&at);
    assert_eq!(r1["AuthenticationResult"]["ExpiresIn"], 30);
    assert_eq!(
        c1["exp"].as_i64().unwrap() - c1["iat"].as_i64().unwrap(),
        30
    );
    emu.set_clock_offset(1000);
    let r2 = api
        .password_auth(&c.id, "alice", "Passw0rd!")
        .await
        .unwrap();
    let c2 = claims(r2["AuthenticationResult"]["AccessToken"].as_str().unwrap());
    assert!(c2["exp"].as_i64().unwrap() - c1["exp"].as_i64().unwrap() >= 999);
    let e = api
        .idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap_err();
    assert_eq!(e.message, "Access Token has expired");
    let http = api
        .http
        .post(format!("{}/_emulator/clock", emu.endpoint()))
        .json(&json!({"offset_seconds": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(http.status(), 200);
    api.idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap();
}
