//! `ForgotPassword`, `ConfirmForgotPassword` and `AdminResetUserPassword`.

use serde_json::json;

use super::{PASSWORD, codes, confirm, email_pool, sign_up, wrong};
use crate::common::{Api, start};

const NEW_PASSWORD: &str = "N3w-Passw0rd";

async fn confirmed_user(api: &Api, pool: &str, client: &str, user: &str) {
    sign_up(api, client, user, &format!("{user}@example.com"))
        .await
        .unwrap();
    let code = codes(api, pool, user).await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    confirm(api, client, user, &code).await.unwrap();
}

async fn confirm_forgot(
    api: &Api,
    client: &str,
    user: &str,
    code: &str,
    pw: &str,
) -> Result<serde_json::Value, crate::common::WireError> {
    api.idp(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": user, "ConfirmationCode": code, "Password": pw}),
    )
    .await
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_a_single_use_code() {
    let (emu, api) = start().await;
    let (pool, client) = email_pool(&api).await;
    confirmed_user(&api, &pool, &client, "fay").await;
    let r = api
        .idp(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "fay"}),
        )
        .await
        .unwrap();
    assert_eq!(
        r["CodeDeliveryDetails"],
        json!({"Destination": "f***@example.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"})
    );
    let code = codes(&api, &pool, "fay").await["forgot_password_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        emu.forgot_password_code(&pool, "fay").as_deref(),
        Some(code.as_str())
    );
    let e = confirm_forgot(&api, &client, "fay", &wrong(&code), NEW_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e.type_, "CodeMismatchException");
    // A password the policy refuses leaves the code usable.
    let e = confirm_forgot(&api, &client, "fay", &code, "weak")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidPasswordException");
    confirm_forgot(&api, &client, "fay", &code, NEW_PASSWORD)
        .await
        .unwrap();
    let e = confirm_forgot(&api, &client, "fay", &code, "An0ther-Passw0rd")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "ExpiredCodeException");
    assert_eq!(
        api.password_auth(&client, "fay", PASSWORD)
            .await
            .unwrap_err()
            .type_,
        "NotAuthorizedException"
    );
    api.password_auth(&client, "fay", NEW_PASSWORD)
        .await
        .unwrap();
    // Reset codes last an hour.
    api.idp(
        "ForgotPassword",
        json!({"ClientId": client, "Username": "fay"}),
    )
    .await
    .unwrap();
    let late = emu.forgot_password_code(&pool, "fay").unwrap();
    emu.set_clock_offset(3_600);
    let e = confirm_forgot(&api, &client, "fay", &late, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e.type_, "ExpiredCodeException");
}

#[tokio::test]
async fn a_reset_needs_a_verified_contact_and_hides_unknown_users_when_asked() {
    let (_emu, api) = start().await;
    let (_pool, client) = email_pool(&api).await;
    // Unconfirmed: the e-mail is not verified yet.
    sign_up(&api, &client, "unverified", "u@example.com")
        .await
        .unwrap();
    let e = api
        .idp(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "unverified"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let e = api
        .idp(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "nobody"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UserNotFoundException");
    let pool = api
        .idp("DescribeUserPoolClient", json!({"ClientId": client}))
        .await
        .unwrap()["UserPoolClient"]["UserPoolId"]
        .clone();
    let hidden = api
        .idp(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "h", "PreventUserExistenceErrors": "ENABLED"}),
        )
        .await
        .unwrap()["UserPoolClient"]["ClientId"]
        .clone();
    let r = api
        .idp(
            "ForgotPassword",
            json!({"ClientId": hidden, "Username": "nobody"}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
}

#[tokio::test]
async fn an_admin_reset_makes_sign_in_ask_for_a_new_password_until_it_is_set() {
    let (emu, api) = start().await;
    let (pool, client) = email_pool(&api).await;
    confirmed_user(&api, &pool, &client, "gil").await;
    api.idp(
        "AdminResetUserPassword",
        json!({"UserPoolId": pool, "Username": "gil"}),
    )
    .await
    .unwrap();
    let e = api
        .password_auth(&client, "gil", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e.type_, "PasswordResetRequiredException");
    let user = api
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "gil"}),
        )
        .await
        .unwrap();
    assert_eq!(user["UserStatus"], "RESET_REQUIRED");
    let code = emu.forgot_password_code(&pool, "gil").unwrap();
    confirm_forgot(&api, &client, "gil", &code, NEW_PASSWORD)
        .await
        .unwrap();
    api.password_auth(&client, "gil", NEW_PASSWORD)
        .await
        .unwrap();
}
