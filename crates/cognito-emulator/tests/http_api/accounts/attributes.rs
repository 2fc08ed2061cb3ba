//! A user's own attributes and account: `UpdateUserAttributes`,
//! `GetUserAttributeVerificationCode`, `VerifyUserAttribute`, `DeleteUserAttributes`,
//! `DeleteUser`.

use serde_json::json;

use super::{
    PASSWORD, access_token, attributes, codes, confirm, email_pool, pool_and_client, sign_up, wrong,
};
use crate::common::{Api, start};

async fn signed_in(api: &Api, pool: &str, client: &str, user: &str) -> String {
    sign_up(api, client, user, &format!("{user}@example.com"))
        .await
        .unwrap();
    let code = codes(api, pool, user).await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    confirm(api, client, user, &code).await.unwrap();
    access_token(api, client, user, PASSWORD).await
}

#[tokio::test]
async fn a_changed_email_is_unverified_until_its_code_is_confirmed() {
    let (emu, api) = start().await;
    let (pool, client) = email_pool(&api).await;
    let token = signed_in(&api, &pool, &client, "kim").await;
    let r = api
        .idp(
            "UpdateUserAttributes",
            json!({"AccessToken": token, "UserAttributes": [
                {"Name": "email", "Value": "kim.new@example.com"},
                {"Name": "nickname", "Value": "kimmy"}]}),
        )
        .await
        .unwrap();
    assert_eq!(
        r["CodeDeliveryDetailsList"],
        json!([{"Destination": "k***@example.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"}])
    );
    let attrs = attributes(&api, &token).await;
    assert_eq!(attrs["email"], "kim.new@example.com");
    assert_eq!(attrs["email_verified"], "false");
    assert_eq!(attrs["nickname"], "kimmy");
    let c = codes(&api, &pool, "kim").await;
    let code = c["attribute_verification_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(c["attribute_verification_codes"]["email"], code);
    assert_eq!(
        emu.attribute_verification_code(&pool, "kim", "email")
            .as_deref(),
        Some(code.as_str())
    );
    let verify = |code: String| {
        let (api, token) = (&api, token.clone());
        async move {
            api.idp(
                "VerifyUserAttribute",
                json!({"AccessToken": token, "AttributeName": "email", "Code": code}),
            )
            .await
        }
    };
    assert_eq!(
        verify(wrong(&code)).await.unwrap_err().type_,
        "CodeMismatchException"
    );
    verify(code.clone()).await.unwrap();
    assert_eq!(
        verify(code).await.unwrap_err().type_,
        "ExpiredCodeException"
    );
    assert_eq!(attributes(&api, &token).await["email_verified"], "true");
    // A code on request, for an attribute that has a value.
    let r = api
        .idp(
            "GetUserAttributeVerificationCode",
            json!({"AccessToken": token, "AttributeName": "email"}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetails"]["AttributeName"], "email");
    let e = api
        .idp(
            "GetUserAttributeVerificationCode",
            json!({"AccessToken": token, "AttributeName": "phone_number"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    // sub and *_verified are not the user's to set.
    for name in ["sub", "email_verified"] {
        let e = api
            .idp(
                "UpdateUserAttributes",
                json!({"AccessToken": token, "UserAttributes": [{"Name": name, "Value": "x"}]}),
            )
            .await
            .unwrap_err();
        assert_eq!(e.type_, "InvalidParameterException", "{name}");
    }
    api.idp(
        "DeleteUserAttributes",
        json!({"AccessToken": token, "UserAttributeNames": ["nickname"]}),
    )
    .await
    .unwrap();
    assert!(!attributes(&api, &token).await.contains_key("nickname"));
}

#[tokio::test]
async fn a_verified_alias_cannot_be_taken_by_an_update() {
    let (_emu, api) = start().await;
    let settings = json!({"AliasAttributes": ["email", "preferred_username"], "AutoVerifiedAttributes": ["email"]});
    let (pool, client) = pool_and_client(&api, settings, json!({})).await;
    signed_in(&api, &pool, &client, "lee").await;
    let other = signed_in(&api, &pool, &client, "max").await;
    let e = api
        .idp(
            "UpdateUserAttributes",
            json!({"AccessToken": other, "UserAttributes": [{"Name": "email", "Value": "lee@example.com"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "AliasExistsException");
    api.idp(
        "UpdateUserAttributes",
        json!({"AccessToken": other, "UserAttributes": [{"Name": "preferred_username", "Value": "maxi"}]}),
    )
    .await
    .unwrap();
    api.password_auth(&client, "maxi", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_deleted_user_loses_every_token_and_cannot_sign_in() {
    let (_emu, api) = start().await;
    let (pool, client) = email_pool(&api).await;
    sign_up(&api, &client, "ned", "ned@example.com")
        .await
        .unwrap();
    let code = codes(&api, &pool, "ned").await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    confirm(&api, &client, "ned", &code).await.unwrap();
    let r = api.password_auth(&client, "ned", PASSWORD).await.unwrap();
    let token = r["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    api.idp("DeleteUser", json!({"AccessToken": token}))
        .await
        .unwrap();
    let e = api
        .idp("GetUser", json!({"AccessToken": token}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let e = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client,
                   "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let e = api
        .password_auth(&client, "ned", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UserNotFoundException");
}
