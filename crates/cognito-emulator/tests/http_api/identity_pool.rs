//! Identity pools over HTTP: guests, stable identities for logins, guest upgrade, external
//! providers, `GetOpenIdToken`.

use serde_json::{Value, json};

use crate::common::{cid, claims, start};

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
