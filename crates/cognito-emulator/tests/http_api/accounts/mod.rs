//! The account flows over HTTP: sign-up and its codes, the password policy, password
//! reset, aliases, a user's attributes, account deletion, and `USER_AUTH` with the
//! session of a confirmed sign-up.

use serde_json::{Value, json};

use crate::common::{Api, WireError, cid};

mod aliases;
mod attributes;
mod auto_sign_in;
mod passwords;
mod sign_up;

const PASSWORD: &str = "Passw0rd!";

/// A pool made over HTTP with `settings` (`CreateUserPool` members) and a client with
/// `client` members; returns (pool id, client id).
async fn pool_and_client(api: &Api, settings: Value, client: Value) -> (String, String) {
    let mut req = json!({"PoolName": "accounts"});
    if let (Some(o), Some(extra)) = (req.as_object_mut(), settings.as_object()) {
        o.extend(extra.clone());
    }
    let pool = api.idp("CreateUserPool", req).await.unwrap()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut req = json!({"UserPoolId": pool, "ClientName": "c"});
    if let (Some(o), Some(extra)) = (req.as_object_mut(), client.as_object()) {
        o.extend(extra.clone());
    }
    let c = api.idp("CreateUserPoolClient", req).await.unwrap()["UserPoolClient"].clone();
    (pool, cid(&c))
}

/// A pool that auto-verifies e-mail, and a plain client.
async fn email_pool(api: &Api) -> (String, String) {
    pool_and_client(api, json!({"AutoVerifiedAttributes": ["email"]}), json!({})).await
}

async fn sign_up(api: &Api, client: &str, user: &str, email: &str) -> Result<Value, WireError> {
    api.idp(
        "SignUp",
        json!({"ClientId": client, "Username": user, "Password": PASSWORD,
               "UserAttributes": [{"Name": "email", "Value": email}]}),
    )
    .await
}

async fn confirm(api: &Api, client: &str, user: &str, code: &str) -> Result<Value, WireError> {
    api.idp(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": user, "ConfirmationCode": code}),
    )
    .await
}

/// The `/_emulator/.../codes` answer.
async fn codes(api: &Api, pool: &str, user: &str) -> Value {
    api.http
        .get(format!(
            "{}/_emulator/users/{pool}/{user}/codes",
            api.endpoint
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A code that is not `good`.
fn wrong(good: &str) -> String {
    if good == "000000" { "111111" } else { "000000" }.to_owned()
}

/// The access token of a `USER_PASSWORD_AUTH` sign-in.
async fn access_token(api: &Api, client: &str, user: &str, pw: &str) -> String {
    api.password_auth(client, user, pw).await.unwrap()["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `UserAttributes` of `GetUser`, as a map.
async fn attributes(api: &Api, token: &str) -> serde_json::Map<String, Value> {
    let r = api
        .idp("GetUser", json!({"AccessToken": token}))
        .await
        .unwrap();
    r["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["Name"].as_str().unwrap().to_owned(), a["Value"].clone()))
        .collect()
}
