//! Signing in with an e-mail address: as the username (`UsernameAttributes`) or as a
//! verified alias (`AliasAttributes`). SRP answers with `USER_ID_FOR_SRP`, the username
//! the proof is computed over.

use serde_json::{Value, json};

use super::{PASSWORD, codes, confirm, pool_and_client, sign_up};
use crate::common::{Api, SrpClient, WireError, claims, srp_timestamp, start};

/// SRP sign-in as `login`, checking that Cognito names the user `expected_id`.
async fn srp_as(
    api: &Api,
    pool: &str,
    client: &str,
    login: &str,
    expected_id: &str,
) -> Result<Value, WireError> {
    let srp = SrpClient::new();
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client,
                   "AuthParameters": {"USERNAME": login, "SRP_A": srp.a_hex()}}),
        )
        .await?;
    let p = &r["ChallengeParameters"];
    assert_eq!(p["USER_ID_FOR_SRP"], expected_id);
    assert_eq!(p["USERNAME"], expected_id);
    let resp = srp.respond(pool, PASSWORD, p, &srp_timestamp());
    api.idp(
        "RespondToAuthChallenge",
        json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client, "ChallengeResponses": resp}),
    )
    .await
}

#[tokio::test]
async fn with_email_as_username_the_username_is_the_sub_and_srp_names_it() {
    let (_emu, api) = start().await;
    let settings = json!({"UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"]});
    let (pool, client) = pool_and_client(&api, settings, json!({})).await;
    let e = sign_up(&api, &client, "not-an-email", "x@example.com")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let r = api
        .idp(
            "SignUp",
            json!({"ClientId": client, "Username": "hana@example.com", "Password": PASSWORD}),
        )
        .await
        .unwrap();
    let sub = r["UserSub"].as_str().unwrap().to_owned();
    let e = api
        .idp(
            "SignUp",
            json!({"ClientId": client, "Username": "hana@example.com", "Password": PASSWORD}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UsernameExistsException");
    // Codes and confirmation by the e-mail address.
    let code = codes(&api, &pool, "hana@example.com").await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    confirm(&api, &client, "hana@example.com", &code)
        .await
        .unwrap();
    let tokens = srp_as(&api, &pool, &client, "hana@example.com", &sub)
        .await
        .unwrap();
    let access = claims(
        tokens["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        (access["username"].as_str(), access["sub"].as_str()),
        (Some(sub.as_str()), Some(sub.as_str()))
    );
    let id = claims(tokens["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(id["email"], "hana@example.com");
    // USER_PASSWORD_AUTH by e-mail too.
    let r = api
        .password_auth(&client, "hana@example.com", PASSWORD)
        .await
        .unwrap();
    let access = claims(r["AuthenticationResult"]["AccessToken"].as_str().unwrap());
    assert_eq!(access["username"], sub);
}

#[tokio::test]
async fn an_email_alias_signs_in_once_verified_and_belongs_to_one_account() {
    let (_emu, api) = start().await;
    let settings = json!({"AliasAttributes": ["email"], "AutoVerifiedAttributes": ["email"]});
    let (pool, client) = pool_and_client(&api, settings, json!({})).await;
    let e = api
        .idp(
            "SignUp",
            json!({"ClientId": client, "Username": "ivy@example.com", "Password": PASSWORD}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    sign_up(&api, &client, "ivy", "shared@example.com")
        .await
        .unwrap();
    // Not verified yet: the alias names nobody.
    let e = api
        .password_auth(&client, "shared@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UserNotFoundException");
    let code = codes(&api, &pool, "ivy").await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    confirm(&api, &client, "ivy", &code).await.unwrap();
    srp_as(&api, &pool, &client, "shared@example.com", "ivy")
        .await
        .unwrap();
    // A second account with the same e-mail cannot confirm it without forcing.
    sign_up(&api, &client, "jo", "shared@example.com")
        .await
        .unwrap();
    let code = codes(&api, &pool, "jo").await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let e = confirm(&api, &client, "jo", &code).await.unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        (
            "AliasExistsException",
            "An account with the email already exists."
        )
    );
    api.idp(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "jo", "ConfirmationCode": code, "ForceAliasCreation": true}),
    )
    .await
    .unwrap();
    // The alias moved: it now names jo, and ivy signs in by username only.
    srp_as(&api, &pool, &client, "shared@example.com", "jo")
        .await
        .unwrap();
    srp_as(&api, &pool, &client, "ivy", "ivy").await.unwrap();
}
