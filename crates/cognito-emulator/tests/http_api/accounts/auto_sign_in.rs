//! `InitiateAuth` `USER_AUTH` with the `Session` of `ConfirmSignUp`: a confirmed
//! sign-up signs in without its password, once, through the client that confirmed it.

use serde_json::{Value, json};

use super::{codes, confirm, pool_and_client, sign_up};
use crate::common::{Api, WireError, claims, start};

async fn user_auth(api: &Api, client: &str, user: &str, session: &str) -> Result<Value, WireError> {
    api.idp(
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": user}, "Session": session}),
    )
    .await
}

fn user_auth_client() -> Value {
    json!({"ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
}

/// Signs `user` up and confirms it; the `Session` of `ConfirmSignUp`.
async fn confirmed(api: &Api, pool: &str, client: &str, user: &str) -> Value {
    sign_up(api, client, user, &format!("{user}@example.com"))
        .await
        .unwrap();
    let code = codes(api, pool, user).await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    confirm(api, client, user, &code).await.unwrap()["Session"].clone()
}

#[tokio::test]
async fn the_confirmation_session_signs_the_user_in_once() {
    let (emu, api) = start().await;
    let settings = json!({"AutoVerifiedAttributes": ["email"]});
    let (pool, client) = pool_and_client(&api, settings, user_auth_client()).await;
    let session = confirmed(&api, &pool, &client, "olga").await;
    let session = session
        .as_str()
        .expect("ConfirmSignUp returns a Session")
        .to_owned();
    // Not for another user.
    let other = confirmed(&api, &pool, &client, "pia").await;
    let e = user_auth(&api, &client, "pia", &session).await.unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    // The first use spent it (whoever tried); pia's own works.
    let e = user_auth(&api, &client, "olga", &session)
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let r = user_auth(&api, &client, "pia", other.as_str().unwrap())
        .await
        .unwrap();
    let access = claims(r["AuthenticationResult"]["AccessToken"].as_str().unwrap());
    assert_eq!(access["username"], "pia");
    assert!(r["AuthenticationResult"]["RefreshToken"].is_string());
    // Sessions last three minutes.
    let late = confirmed(&api, &pool, &client, "quinn").await;
    emu.set_clock_offset(181);
    let e = user_auth(&api, &client, "quinn", late.as_str().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
}

#[tokio::test]
async fn mfa_still_follows_a_confirmation_session() {
    let (emu, api) = start().await;
    let settings = json!({"AutoVerifiedAttributes": ["email"]});
    let (pool, client) = pool_and_client(&api, settings, user_auth_client()).await;
    let session = confirmed(&api, &pool, &client, "rae").await;
    emu.set_totp_secret(&pool, "rae", "JBSWY3DPEHPK3PXP")
        .unwrap();
    let r = user_auth(&api, &client, "rae", session.as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert!(r.get("AuthenticationResult").is_none());
}

#[tokio::test]
async fn without_allow_user_auth_there_is_no_session_and_user_auth_is_refused() {
    let (_emu, api) = start().await;
    let settings = json!({"AutoVerifiedAttributes": ["email"]});
    let (pool, client) = pool_and_client(&api, settings.clone(), json!({})).await;
    let session = confirmed(&api, &pool, &client, "sam").await;
    assert!(session.is_null());
    let e = user_auth(&api, &client, "sam", "made-up")
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        (
            "InvalidParameterException",
            "USER_AUTH flow not enabled for this client"
        )
    );
    // USER_AUTH without a session is choice-based sign-in (sign_in::user_auth): here
    // for a user this pool does not have.
    let (_, with) = pool_and_client(&api, settings, user_auth_client()).await;
    let e = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": with, "AuthParameters": {"USERNAME": "sam"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UserNotFoundException", "{}", e.message);
}
