//! Remembered devices over HTTP: `DeviceConfiguration`, `NewDeviceMetadata`,
//! `ConfirmDevice`, `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER` with the independent
//! client SRP, refresh with the device key, the device APIs and their admin forms.

use serde_json::{Value, json};

use crate::common::{Api, SrpClient, cid, device_verifier, srp_timestamp, start};

const PW: &str = "Passw0rd!";

/// A device the test client remembers.
struct Device {
    key: String,
    group: String,
    password: String,
}

/// A pool that tracks devices (`always`: remembered on confirmation) with a user.
async fn tracking_pool(api: &Api, only_on_prompt: bool) -> (String, String) {
    let (pool, client) = api.setup(json!({}), "alice", PW).await;
    api.idp(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": true,
            "DeviceOnlyRememberedOnUserPrompt": only_on_prompt,
        }}),
    )
    .await
    .unwrap();
    (pool, cid(&client))
}

/// `USER_SRP_AUTH` with `DEVICE_KEY` (when given), answering `DEVICE_SRP_AUTH` and
/// `DEVICE_PASSWORD_VERIFIER` as Amplify does. Returns the last answer.
async fn sign_in(
    api: &Api,
    pool: &str,
    client: &str,
    device: Option<&Device>,
) -> Result<Value, crate::common::WireError> {
    let srp = SrpClient::new();
    let mut params = json!({"USERNAME": "alice", "SRP_A": srp.a_hex()});
    if let Some(d) = device {
        params["DEVICE_KEY"] = json!(d.key);
    }
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client, "AuthParameters": params}),
        )
        .await?;
    let mut resp = srp.respond(pool, PW, &r["ChallengeParameters"], &srp_timestamp());
    if let Some(d) = device {
        resp["DEVICE_KEY"] = json!(d.key);
    }
    let r = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client, "ChallengeResponses": resp}),
        )
        .await?;
    let Some(d) = device.filter(|_| r["ChallengeName"] == "DEVICE_SRP_AUTH") else {
        return Ok(r);
    };
    let dsrp = SrpClient::new();
    let r = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "DEVICE_SRP_AUTH", "ClientId": client, "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "SRP_A": dsrp.a_hex(), "DEVICE_KEY": d.key}}),
        )
        .await?;
    assert_eq!(r["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
    let mut resp = dsrp.respond_as(
        &d.group,
        &d.key,
        &d.password,
        &r["ChallengeParameters"],
        &srp_timestamp(),
    );
    resp["USERNAME"] = json!("alice");
    resp["DEVICE_KEY"] = json!(d.key);
    api.idp(
        "RespondToAuthChallenge",
        json!({"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ClientId": client,
               "Session": r["Session"], "ChallengeResponses": resp}),
    )
    .await
}

/// Confirms the `NewDeviceMetadata` of `result` with a verifier of a fresh password.
async fn confirm(api: &Api, result: &Value, name: &str) -> (Device, Value) {
    let meta = &result["AuthenticationResult"]["NewDeviceMetadata"];
    let device = Device {
        key: meta["DeviceKey"].as_str().unwrap().to_owned(),
        group: meta["DeviceGroupKey"].as_str().unwrap().to_owned(),
        password: "fixed-device-password-for-the-test".to_owned(),
    };
    let r = api
        .idp(
            "ConfirmDevice",
            json!({"AccessToken": result["AuthenticationResult"]["AccessToken"],
                   "DeviceKey": device.key, "DeviceName": name,
                   "DeviceSecretVerifierConfig": device_verifier(&device.group, &device.key, &device.password)}),
        )
        .await
        .unwrap();
    (device, r)
}

/// `dev:device_remembered_status` of `GetDevice`.
async fn remembered_status(api: &Api, token: &Value, key: &str) -> String {
    let d = api
        .idp("GetDevice", json!({"AccessToken": token, "DeviceKey": key}))
        .await
        .unwrap();
    d["Device"]["DeviceAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "dev:device_remembered_status")
        .and_then(|a| a["Value"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn access(r: &Value) -> &Value {
    &r["AuthenticationResult"]["AccessToken"]
}

#[tokio::test]
async fn a_pool_without_device_configuration_issues_no_device_metadata() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", PW).await;
    let r = sign_in(&api, &pool, &cid(&client), None).await.unwrap();
    assert!(r["AuthenticationResult"]["AccessToken"].is_string());
    assert!(r["AuthenticationResult"].get("NewDeviceMetadata").is_none());
    let d = api
        .idp("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert!(d["UserPool"]["DeviceConfiguration"].is_null());
}

#[tokio::test]
async fn a_confirmed_device_signs_in_through_device_srp_and_makes_no_new_device() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    let d = api
        .idp("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(
        d["UserPool"]["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"],
        true
    );
    let first = sign_in(&api, &pool, &client, None).await.unwrap();
    let (device, confirmed) = confirm(&api, &first, "laptop").await;
    assert_eq!(confirmed["UserConfirmationNecessary"], false);
    assert!(device.key.starts_with("us-east-1_"));

    let second = sign_in(&api, &pool, &client, Some(&device)).await.unwrap();
    assert!(access(&second).is_string(), "{second}");
    assert!(
        second["AuthenticationResult"]
            .get("NewDeviceMetadata")
            .is_none()
    );
    let list = api
        .idp(
            "ListDevices",
            json!({"AccessToken": access(&second), "Limit": 60}),
        )
        .await
        .unwrap();
    let devices = list["Devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["DeviceKey"], json!(device.key));
    let attrs = &devices[0]["DeviceAttributes"];
    assert!(
        attrs
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "device_name", "Value": "laptop"}))
    );
    assert!(
        attrs
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "dev:device_remembered_status", "Value": "remembered"}))
    );
    assert!(devices[0]["DeviceLastAuthenticatedDate"].is_i64());
}

#[tokio::test]
async fn a_wrong_device_password_is_refused() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    let first = sign_in(&api, &pool, &client, None).await.unwrap();
    let (mut device, _) = confirm(&api, &first, "laptop").await;
    device.password = "not-the-device-password".into();
    let e = sign_in(&api, &pool, &client, Some(&device))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
}

#[tokio::test]
async fn refresh_needs_the_device_key_of_its_sign_in() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    let first = sign_in(&api, &pool, &client, None).await.unwrap();
    let (device, _) = confirm(&api, &first, "laptop").await;
    let refresh = first["AuthenticationResult"]["RefreshToken"].clone();
    let call = |key: Option<&str>| {
        let mut req = json!({"ClientId": client, "RefreshToken": refresh});
        if let Some(k) = key {
            req["DeviceKey"] = json!(k);
        }
        api.idp("GetTokensFromRefreshToken", req)
    };
    let ok = call(Some(&device.key)).await.unwrap();
    assert!(access(&ok).is_string());
    let without = call(None).await.unwrap_err();
    assert_eq!(
        (without.type_.as_str(), without.message.as_str()),
        ("NotAuthorizedException", "Invalid Refresh Token")
    );
    let unknown = call(Some("us-east-1_00000000-0000-0000-0000-000000000000"))
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.type_.as_str(), unknown.message.as_str()),
        ("ResourceNotFoundException", "Device does not exist.")
    );
    // REFRESH_TOKEN_AUTH takes it as DEVICE_KEY.
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client,
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "DEVICE_KEY": device.key}}),
        )
        .await
        .unwrap();
    assert!(access(&r).is_string());
    assert!(r["AuthenticationResult"].get("NewDeviceMetadata").is_none());

    // Forgotten on the server: the key is refused, and the family refreshes without it.
    api.idp(
        "AdminForgetDevice",
        json!({"UserPoolId": pool, "Username": "alice", "DeviceKey": device.key}),
    )
    .await
    .unwrap();
    let gone = call(Some(&device.key)).await.unwrap_err();
    assert_eq!(gone.message, "Device does not exist.");
    assert!(access(&call(None).await.unwrap()).is_string());
}

#[tokio::test]
async fn a_forgotten_device_fails_sign_in_until_the_client_drops_it() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    let first = sign_in(&api, &pool, &client, None).await.unwrap();
    let (device, _) = confirm(&api, &first, "laptop").await;
    api.idp(
        "ForgetDevice",
        json!({"AccessToken": access(&first), "DeviceKey": device.key}),
    )
    .await
    .unwrap();
    let e = sign_in(&api, &pool, &client, Some(&device))
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        ("ResourceNotFoundException", "Device does not exist.")
    );
    let again = sign_in(&api, &pool, &client, None).await.unwrap();
    let meta = &again["AuthenticationResult"]["NewDeviceMetadata"];
    assert!(meta["DeviceKey"].is_string() && meta["DeviceKey"] != json!(device.key));
}

#[tokio::test]
async fn on_user_prompt_a_device_is_remembered_only_when_asked() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, true).await;
    let first = sign_in(&api, &pool, &client, None).await.unwrap();
    let (device, confirmed) = confirm(&api, &first, "phone").await;
    assert_eq!(confirmed["UserConfirmationNecessary"], true);
    assert_eq!(
        remembered_status(&api, access(&first), &device.key).await,
        "not_remembered"
    );
    api.idp(
        "UpdateDeviceStatus",
        json!({"AccessToken": access(&first), "DeviceKey": device.key,
               "DeviceRememberedStatus": "remembered"}),
    )
    .await
    .unwrap();
    assert_eq!(
        remembered_status(&api, access(&first), &device.key).await,
        "remembered"
    );
    let bad = api
        .idp(
            "UpdateDeviceStatus",
            json!({"AccessToken": access(&first), "DeviceKey": device.key,
                   "DeviceRememberedStatus": "forever"}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.type_, "InvalidParameterException");
    let admin = api
        .idp(
            "AdminGetDevice",
            json!({"UserPoolId": pool, "Username": "alice", "DeviceKey": device.key}),
        )
        .await
        .unwrap();
    assert_eq!(admin["Device"]["DeviceKey"], json!(device.key));
}

#[tokio::test]
async fn list_devices_pages_through_every_device() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    let mut keys = Vec::new();
    let mut token = Value::Null;
    for i in 0..5 {
        let r = sign_in(&api, &pool, &client, None).await.unwrap();
        let (d, _) = confirm(&api, &r, &format!("device {i}")).await;
        keys.push(d.key);
        token = access(&r).clone();
    }
    let mut seen = Vec::new();
    let mut page_token: Option<Value> = None;
    let mut pages = 0;
    loop {
        let mut req = json!({"AccessToken": token, "Limit": 2});
        if let Some(t) = &page_token {
            req["PaginationToken"] = t.clone();
        }
        let page = api.idp("ListDevices", req).await.unwrap();
        pages += 1;
        for d in page["Devices"].as_array().unwrap() {
            seen.push(d["DeviceKey"].as_str().unwrap().to_owned());
        }
        match page.get("PaginationToken") {
            Some(t) => page_token = Some(t.clone()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    keys.sort();
    assert_eq!(seen, keys);
    let admin = api
        .idp(
            "AdminListDevices",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(admin["Devices"].as_array().unwrap().len(), 5);
    let bad = api
        .idp(
            "ListDevices",
            json!({"AccessToken": token, "PaginationToken": "bm90LWEta2V5"}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.type_, "InvalidParameterException");
}

#[tokio::test]
async fn a_remembered_device_skips_mfa_and_a_new_one_does_not() {
    let (emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    emu.enable_sms_mfa(&pool, "alice", Some("+15555550100"))
        .unwrap();
    let first = sign_in(&api, &pool, &client, None).await.unwrap();
    assert_eq!(first["ChallengeName"], "SMS_MFA");
    let code = emu.sms_code(&pool, "alice").unwrap();
    let done = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SMS_MFA", "ClientId": client, "Session": first["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "SMS_MFA_CODE": code}}),
        )
        .await
        .unwrap();
    let (device, _) = confirm(&api, &done, "laptop").await;
    let second = sign_in(&api, &pool, &client, Some(&device)).await.unwrap();
    assert!(access(&second).is_string(), "MFA was asked: {second}");
}

#[tokio::test]
async fn confirm_device_refuses_other_users_devices_and_bad_verifiers() {
    let (_emu, api) = start().await;
    let (pool, client) = tracking_pool(&api, false).await;
    let r = sign_in(&api, &pool, &client, None).await.unwrap();
    let meta = &r["AuthenticationResult"]["NewDeviceMetadata"];
    let confirm_with = |cfg: Value, key: Value| {
        api.idp(
            "ConfirmDevice",
            json!({"AccessToken": access(&r), "DeviceKey": key, "DeviceSecretVerifierConfig": cfg}),
        )
    };
    let e = confirm_with(
        json!({"Salt": "", "PasswordVerifier": "AAAA"}),
        meta["DeviceKey"].clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let cfg = device_verifier("-group", "key", "pw");
    let e = confirm_with(cfg.clone(), json!("us-east-1_nobody"))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "ResourceNotFoundException");
    confirm_with(cfg.clone(), meta["DeviceKey"].clone())
        .await
        .unwrap();
    let twice = confirm_with(cfg, meta["DeviceKey"].clone())
        .await
        .unwrap_err();
    assert_eq!(twice.type_, "InvalidParameterException");
}
