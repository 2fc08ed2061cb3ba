//! End-to-end tests of the emulator over HTTP, with reqwest and an independent SRP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use cognito_emulator::{ClientOptions, Emulator, Fault, secret_hash, totp_code};
use common::{Api, SrpClient, claims, srp_timestamp};
use serde_json::{Value, json};

async fn start() -> (Emulator, Api) {
    let emu = Emulator::start().await.unwrap();
    let api = Api::new(emu.endpoint());
    (emu, api)
}

fn cid(client: &Value) -> String {
    client["ClientId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn user_password_auth_issues_tokens_and_get_user_returns_attributes() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    assert!(pool.starts_with("us-east-1_") && pool.len() == "us-east-1_".len() + 9);
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let ar = &r["AuthenticationResult"];
    assert_eq!(ar["TokenType"], "Bearer");
    assert_eq!(ar["ExpiresIn"], 3600);
    assert!(ar["RefreshToken"].is_string());
    let id = claims(ar["IdToken"].as_str().unwrap());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["aud"], cid(&client));
    assert_eq!(
        id["iss"],
        format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}")
    );
    let access = claims(ar["AccessToken"].as_str().unwrap());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["client_id"], cid(&client));
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert!(access["exp"].is_i64() && access["iat"].is_i64());

    let user = api
        .idp("GetUser", json!({"AccessToken": ar["AccessToken"]}))
        .await
        .unwrap();
    assert_eq!(user["Username"], "alice");
    let attrs = user["UserAttributes"].as_array().unwrap();
    assert!(
        attrs
            .iter()
            .any(|a| a["Name"] == "sub" && a["Value"] == id["sub"])
    );

    let wrong = api
        .password_auth(&cid(&client), "alice", "nope")
        .await
        .unwrap_err();
    assert_eq!(wrong.type_, "NotAuthorizedException");
    assert_eq!(wrong.message, "Incorrect username or password.");
    let unknown = api
        .password_auth(&cid(&client), "bob", "nope")
        .await
        .unwrap_err();
    assert_eq!(unknown.type_, "UserNotFoundException");
}

async fn srp_sign_in(
    api: &Api,
    pool: &str,
    client_id: &str,
    user: &str,
    pw: &str,
    secret: Option<&str>,
) -> Result<Value, common::WireError> {
    let srp = SrpClient::new();
    let mut params = json!({"USERNAME": user, "SRP_A": srp.a_hex()});
    if let Some(s) = secret {
        params["SECRET_HASH"] = json!(secret_hash(s, user, client_id));
    }
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id, "AuthParameters": params}),
        )
        .await?;
    assert_eq!(r["ChallengeName"], "PASSWORD_VERIFIER");
    let p = &r["ChallengeParameters"];
    assert_eq!(p["USER_ID_FOR_SRP"], user);
    let mut resp = srp.respond(pool, pw, p, &srp_timestamp());
    if let Some(s) = secret {
        resp["SECRET_HASH"] = json!(secret_hash(s, user, client_id));
    }
    api.idp(
        "RespondToAuthChallenge",
        json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client_id, "ChallengeResponses": resp}),
    )
    .await
}

#[tokio::test]
async fn srp_sign_in_succeeds_with_right_password_and_fails_with_wrong_one() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let ok = srp_sign_in(&api, &pool, &cid(&client), "alice", "Passw0rd!", None)
        .await
        .unwrap();
    assert!(ok["AuthenticationResult"]["IdToken"].is_string());
    let bad = srp_sign_in(&api, &pool, &cid(&client), "alice", "Passw0rd?", None)
        .await
        .unwrap_err();
    assert_eq!(
        (bad.status, bad.type_.as_str()),
        (400, "NotAuthorizedException")
    );
    assert_eq!(bad.message, "Incorrect username or password.");
}

#[tokio::test]
async fn srp_with_client_secret_requires_a_valid_secret_hash() {
    let (_emu, api) = start().await;
    let (pool, client) = api
        .setup(json!({"GenerateSecret": true}), "alice", "Passw0rd!")
        .await;
    let secret = client["ClientSecret"].as_str().unwrap().to_owned();
    srp_sign_in(
        &api,
        &pool,
        &cid(&client),
        "alice",
        "Passw0rd!",
        Some(&secret),
    )
    .await
    .unwrap();
    let missing = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(missing.type_, "NotAuthorizedException");
    let wrong = srp_sign_in(
        &api,
        &pool,
        &cid(&client),
        "alice",
        "Passw0rd!",
        Some("not-the-secret"),
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.type_, "NotAuthorizedException");
    assert!(wrong.message.contains("secret hash"), "{}", wrong.message);
}

#[tokio::test]
async fn new_password_required_then_tokens() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    emu.admin_create_user(&pool, "alice", "Temp0rary!", false)
        .unwrap();
    let r = api
        .password_auth(&c.id, "alice", "Temp0rary!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let session = r["Session"].as_str().unwrap();
    let r = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": c.id, "Session": session,
                   "ChallengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": "Perm4nent!"}}),
        )
        .await
        .unwrap();
    assert!(r["AuthenticationResult"]["AccessToken"].is_string());
    api.password_auth(&c.id, "alice", "Perm4nent!")
        .await
        .unwrap();
    let st = api
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(st["UserStatus"], "CONFIRMED");
}

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
async fn get_id_for_guests_follows_the_pool_setting() {
    let (emu, api) = start().await;
    let open = emu.create_identity_pool(true, &[], &[]).unwrap();
    let closed = emu.create_identity_pool(false, &[], &[]).unwrap();
    let id = api
        .ci("GetId", json!({"IdentityPoolId": open}))
        .await
        .unwrap();
    let id = id["IdentityId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("us-east-1:"));
    let creds = api
        .ci("GetCredentialsForIdentity", json!({"IdentityId": id}))
        .await
        .unwrap();
    assert!(creds["Credentials"]["Expiration"].is_number());
    let e = api
        .ci("GetId", json!({"IdentityPoolId": closed}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    assert_eq!(
        e.message,
        "Unauthenticated access is not supported for this identity pool."
    );
    let e = api
        .ci(
            "GetId",
            json!({"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "ResourceNotFoundException");
    let e = api
        .ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": "us-east-1:nope"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "ResourceNotFoundException");
}

#[tokio::test]
async fn get_id_with_logins_is_stable_and_guest_identity_is_upgraded() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    emu.admin_create_user(&pool, "bob", "Passw0rd!", true)
        .unwrap();
    let provider = emu.cognito_provider_name(&pool);
    assert_eq!(
        provider,
        format!("cognito-idp.us-east-1.amazonaws.com/{pool}")
    );
    let ip = emu
        .create_identity_pool(true, &[(&provider, &cid(&client))], &[])
        .unwrap();
    let token = |r: &Value| {
        r["AuthenticationResult"]["IdToken"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let alice1 = token(
        &api.password_auth(&cid(&client), "alice", "Passw0rd!")
            .await
            .unwrap(),
    );
    let alice2 = token(
        &api.password_auth(&cid(&client), "alice", "Passw0rd!")
            .await
            .unwrap(),
    );
    let bob = token(
        &api.password_auth(&cid(&client), "bob", "Passw0rd!")
            .await
            .unwrap(),
    );
    let get_id = |t: String| {
        let (api, ip, provider) = (&api, ip.clone(), provider.clone());
        async move {
            api.ci(
                "GetId",
                json!({"IdentityPoolId": ip, "Logins": {provider: t}}),
            )
            .await
        }
    };
    let a1 = get_id(alice1.clone()).await.unwrap()["IdentityId"].clone();
    let a2 = get_id(alice2.clone()).await.unwrap()["IdentityId"].clone();
    let b = get_id(bob.clone()).await.unwrap()["IdentityId"].clone();
    assert_eq!(a1, a2);
    assert_ne!(a1, b);
    // Authenticated identity without logins is forbidden.
    let e = api
        .ci("GetCredentialsForIdentity", json!({"IdentityId": a1}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let c = api
        .ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": a1, "Logins": {provider.clone(): alice1}}),
        )
        .await
        .unwrap();
    let akid = c["Credentials"]["AccessKeyId"].as_str().unwrap();
    assert!(akid.starts_with("ASIA") && akid.len() == 20);
    assert_eq!(emu.identity_for_access_key(akid).as_deref(), a1.as_str());
    let http: Value = api
        .http
        .get(format!("{}/_emulator/credentials/{akid}", emu.endpoint()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(http["identity_id"], a1);

    // Guest upgrade: a new user gets a guest id, signs in, and the guest id is linked.
    emu.admin_create_user(&pool, "carol", "Passw0rd!", true)
        .unwrap();
    let guest = api
        .ci("GetId", json!({"IdentityPoolId": ip}))
        .await
        .unwrap()["IdentityId"]
        .clone();
    let carol = token(
        &api.password_auth(&cid(&client), "carol", "Passw0rd!")
            .await
            .unwrap(),
    );
    let up = api
        .ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": guest, "Logins": {provider.clone(): carol.clone()}}),
        )
        .await
        .unwrap();
    assert_eq!(up["IdentityId"], guest);
    assert_eq!(get_id(carol).await.unwrap()["IdentityId"], guest);
    // Bob's login cannot be attached to Alice's identity.
    let e = api
        .ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": a1, "Logins": {provider.clone(): bob}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    // Tampered and foreign tokens are rejected.
    let e = get_id("eyJhbGciOiJSUzI1NiJ9.e30.c2ln".to_owned())
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let e = api
        .ci(
            "GetId",
            json!({"IdentityPoolId": ip, "Logins": {"accounts.google.com": "x"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    // An expired id token is rejected.
    emu.set_clock_offset(7200);
    let e = get_id(alice2).await.unwrap_err();
    assert!(e.message.contains("expired"), "{}", e.message);
}

#[tokio::test]
async fn external_provider_tokens_map_to_stable_identities() {
    let (emu, api) = start().await;
    let ip = emu
        .create_identity_pool(false, &[], &[("accounts.google.com", "app")])
        .unwrap();
    let get = |t: &str| {
        api.ci(
            "GetId",
            json!({"IdentityPoolId": ip, "Logins": {"accounts.google.com": t}}),
        )
    };
    let a = get("token-a").await.unwrap()["IdentityId"].clone();
    assert_eq!(get("token-a").await.unwrap()["IdentityId"], a);
    assert_ne!(get("token-b").await.unwrap()["IdentityId"], a);
    let t = api
        .ci(
            "GetOpenIdToken",
            json!({"IdentityId": a, "Logins": {"accounts.google.com": "token-a"}}),
        )
        .await
        .unwrap();
    assert_eq!(claims(t["Token"].as_str().unwrap())["sub"], a);
}

#[tokio::test]
async fn faults_of_each_kind_are_applied_then_cleared() {
    let (emu, api) = start().await;
    let ip = emu.create_identity_pool(true, &[], &[]).unwrap();
    let body = json!({"IdentityPoolId": ip});
    emu.inject_fault(
        "GetId",
        Fault::Status {
            status: 500,
            type_: "InternalErrorException".into(),
            message: "boom".into(),
        },
        2,
    );
    for _ in 0..2 {
        let e = api.ci("GetId", body.clone()).await.unwrap_err();
        assert_eq!(
            (e.status, e.type_.as_str(), e.message.as_str()),
            (500, "InternalErrorException", "boom")
        );
    }
    api.ci("GetId", body.clone()).await.unwrap();

    emu.inject_fault("GetId", Fault::Latency(Duration::from_millis(300)), 1);
    let t = Instant::now();
    api.ci("GetId", body.clone()).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));

    let raw = |api: &Api| {
        api.http
            .post(format!("{}/", api.endpoint))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "AWSCognitoIdentityService.GetId")
            .body(body.to_string())
            .send()
    };
    emu.inject_fault("GetId", Fault::MalformedBody, 1);
    let res = raw(&api).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "{\"Authentic");

    emu.inject_fault("GetId", Fault::MissingFields, 1);
    let res = raw(&api).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "{}");

    emu.inject_fault("GetId", Fault::Drop, 1);
    let err = raw(&api)
        .await
        .expect_err("a dropped connection gives no response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    api.ci("GetId", body.clone()).await.unwrap();
    assert_eq!(emu.count("GetId"), 8);

    // The same through the HTTP test-control routes.
    let ctl = |path: &str, v: Value| {
        api.http
            .post(format!("{}/_emulator/{path}", emu.endpoint()))
            .json(&v)
            .send()
    };
    ctl("counters/reset", json!({})).await.unwrap();
    ctl("faults", json!({"operation": "GetId", "times": 1, "fault": {"kind": "status", "status": 400, "type": "TooManyRequestsException", "message": "slow down"}}))
        .await
        .unwrap();
    let e = api.ci("GetId", body.clone()).await.unwrap_err();
    assert_eq!(e.type_, "TooManyRequestsException");
    ctl(
        "faults",
        json!({"operation": "GetId", "fault": {"kind": "drop"}}),
    )
    .await
    .unwrap();
    assert!(raw(&api).await.is_err());
    let counters: Value = api
        .http
        .get(format!("{}/_emulator/counters", emu.endpoint()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["GetId"], 2);
    assert_eq!(emu.counters().get("GetId"), Some(&2));
    emu.reset_counters();
    assert_eq!(emu.count("GetId"), 0);
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

#[tokio::test]
async fn totp_challenge_accepts_only_the_right_code() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    emu.set_totp_secret(&pool, "alice", secret).unwrap();
    let attempt = |code: String| {
        let api = &api;
        let client_id = cid(&client);
        async move {
            let r = api
                .password_auth(&client_id, "alice", "Passw0rd!")
                .await
                .unwrap();
            assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
            api.idp(
                "RespondToAuthChallenge",
                json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": client_id, "Session": r["Session"],
                       "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}}),
            )
            .await
        }
    };
    let e = attempt("000000".into()).await;
    // 1 in a million: the all-zero code could be right; then the test proves nothing but passes.
    if let Err(e) = e {
        assert_eq!(e.type_, "CodeMismatchException");
    }
    let raw = base32_decode(secret);
    let ok = attempt(totp_code(&raw, emu.now())).await.unwrap();
    assert!(ok["AuthenticationResult"]["AccessToken"].is_string());
    // Through the HTTP route too (set another secret).
    let res = api
        .http
        .post(format!(
            "{}/_emulator/users/{pool}/alice/totp",
            emu.endpoint()
        ))
        .json(&json!({"secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ok = attempt(totp_code(b"12345678901234567890", emu.now()))
        .await
        .unwrap();
    assert!(ok["AuthenticationResult"]["IdToken"].is_string());
}

fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u64, 0, Vec::new());
    for c in s.bytes() {
        buf = (buf << 5) | alphabet.iter().position(|a| *a == c).unwrap() as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

#[tokio::test]
async fn sms_mfa_and_mfa_selection() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    emu.enable_sms_mfa(&pool, "alice", Some("+15550001234"))
        .unwrap();
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SMS_MFA");
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "SMS"
    );
    let codes: Value = api
        .http
        .get(format!(
            "{}/_emulator/users/{pool}/alice/codes",
            emu.endpoint()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = emu.sms_code(&pool, "alice").unwrap();
    assert_eq!(codes["sms_mfa_code"], code);
    let ok = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SMS_MFA", "ClientId": cid(&client), "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "SMS_MFA_CODE": code}}),
        )
        .await
        .unwrap();
    assert!(ok["AuthenticationResult"]["AccessToken"].is_string());
    // Both kinds with no preference: SELECT_MFA_TYPE.
    emu.set_totp_secret(&pool, "alice", "JBSWY3DPEHPK3PXP")
        .unwrap();
    api.idp(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "alice",
               "SMSMfaSettings": {"Enabled": true, "PreferredMfa": false},
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": false}}),
    )
    .await
    .unwrap();
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_MFA_TYPE");
    let r = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SELECT_MFA_TYPE", "ClientId": cid(&client), "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "ANSWER": "SOFTWARE_TOKEN_MFA"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert!(r["Session"].is_string());
}

#[tokio::test]
async fn sign_up_confirmation_and_user_states() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    let r = api
        .idp(
            "SignUp",
            json!({"ClientId": c.id, "Username": "dave", "Password": "Passw0rd!",
                   "UserAttributes": [{"Name": "email", "Value": "dave@example.com"}]}),
        )
        .await
        .unwrap();
    assert_eq!(r["UserConfirmed"], false);
    let e = api
        .password_auth(&c.id, "dave", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UserNotConfirmedException");
    let e = api
        .idp(
            "ConfirmSignUp",
            json!({"ClientId": c.id, "Username": "dave", "ConfirmationCode": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "CodeMismatchException");
    let code = emu.confirmation_code(&pool, "dave").unwrap();
    api.idp(
        "ConfirmSignUp",
        json!({"ClientId": c.id, "Username": "dave", "ConfirmationCode": code}),
    )
    .await
    .unwrap();
    api.password_auth(&c.id, "dave", "Passw0rd!").await.unwrap();
    api.idp(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "dave"}),
    )
    .await
    .unwrap();
    let e = api
        .password_auth(&c.id, "dave", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        ("NotAuthorizedException", "User is disabled.")
    );
    api.idp(
        "AdminEnableUser",
        json!({"UserPoolId": pool, "Username": "dave"}),
    )
    .await
    .unwrap();
    api.password_auth(&c.id, "dave", "Passw0rd!").await.unwrap();
    let e = api
        .idp(
            "SignUp",
            json!({"ClientId": c.id, "Username": "dave", "Password": "Passw0rd!"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UsernameExistsException");
    // PreventUserExistenceErrors: unknown user looks like a wrong password.
    let hidden = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                prevent_user_existence_errors: true,
                ..Default::default()
            },
        )
        .unwrap();
    let e = api
        .password_auth(&hidden.id, "nobody", "x")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
}

#[tokio::test]
async fn protocol_details_unknown_operation_headers_and_cors() {
    let (_emu, api) = start().await;
    let res = api
        .http
        .post(format!("{}/", api.endpoint))
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.NoSuchThing",
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/x-amz-json-1.1");
    assert!(res.headers().contains_key("x-amzn-requestid"));
    assert_eq!(
        res.headers()["x-amzn-errortype"],
        "UnknownOperationException"
    );
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["__type"], "UnknownOperationException");
    let res = api
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/", api.endpoint))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        res.headers()["access-control-allow-headers"],
        "content-type,x-amz-target,x-amz-user-agent"
    );
    let e = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nope"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "ResourceNotFoundException");
    let res = api
        .http
        .post(format!("{}/", api.endpoint))
        .header("x-amz-target", "AWSCognitoIdentityService.GetId")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn demo_setup_signs_in_and_prints_amplify_outputs() {
    let (emu, demo) = Emulator::start_demo().await.unwrap();
    let api = Api::new(emu.endpoint());
    let r = api
        .password_auth(&demo.client_id, &demo.username, &demo.password)
        .await
        .unwrap();
    let id_token = r["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let provider = emu.cognito_provider_name(&demo.user_pool_id);
    api.ci(
        "GetId",
        json!({"IdentityPoolId": demo.identity_pool_id, "Logins": {provider: id_token}}),
    )
    .await
    .unwrap();
    let outputs: Value = serde_json::from_str(&demo.amplify_outputs_json()).unwrap();
    assert_eq!(outputs["auth"]["user_pool_id"], demo.user_pool_id);
    assert_eq!(outputs["auth"]["user_pool_endpoint"], emu.endpoint());
    assert!(!format!("{demo:?}").contains(&demo.password));
    emu.shutdown().await;
}

/// Rough latency of sequential GetUser calls on loopback. Run with
/// `cargo test --release -p cognito-emulator --test http_api -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "benchmark"]
async fn bench_sequential_get_user() {
    let (_emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let body = json!({"AccessToken": r["AuthenticationResult"]["AccessToken"]});
    for _ in 0..50 {
        api.idp("GetUser", body.clone()).await.unwrap();
    }
    let n = 1000;
    let t = Instant::now();
    for _ in 0..n {
        api.idp("GetUser", body.clone()).await.unwrap();
    }
    let per = t.elapsed().as_micros() / n;
    println!("GetUser: {per} us/request over {n} sequential requests");
}

#[tokio::test]
async fn software_token_association_verification_and_preference() {
    let (emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let at = r["AuthenticationResult"]["AccessToken"].clone();
    let e = api
        .idp("SetUserMFAPreference", json!({"AccessToken": at, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let secret = api
        .idp("AssociateSoftwareToken", json!({"AccessToken": at}))
        .await
        .unwrap()["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = base32_decode(&secret);
    let e = api
        .idp("VerifySoftwareToken", json!({"AccessToken": at, "UserCode": if totp_code(&raw, emu.now()) == "111111" { "222222" } else { "111111" }}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "EnableSoftwareTokenMFAException");
    let v = api
        .idp(
            "VerifySoftwareToken",
            json!({"AccessToken": at, "UserCode": totp_code(&raw, emu.now())}),
        )
        .await
        .unwrap();
    assert_eq!(v["Status"], "SUCCESS");
    api.idp("SetUserMFAPreference", json!({"AccessToken": at, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}))
        .await
        .unwrap();
    let u = api
        .idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap();
    assert_eq!(u["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
}

#[tokio::test]
async fn challenge_sessions_expire_after_three_minutes() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    emu.admin_create_user(&pool, "alice", "Temp0rary!", false)
        .unwrap();
    let r = api
        .password_auth(&c.id, "alice", "Temp0rary!")
        .await
        .unwrap();
    emu.set_clock_offset(181);
    let e = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": c.id, "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": "Perm4nent!"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
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
