//! Groups over HTTP: `CreateGroup`, `AdminAddUserToGroup`, `AdminRemoveUserFromGroup`,
//! `AdminListGroupsForUser`, and `cognito:groups` in the next tokens; the JWKS counter.

use serde_json::json;

use crate::common::{cid, claims, start};

#[tokio::test]
async fn group_membership_reaches_the_next_tokens() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let client = cid(&client);
    for name in ["staff", "admin"] {
        let g = api
            .idp(
                "CreateGroup",
                json!({"UserPoolId": pool, "GroupName": name}),
            )
            .await
            .unwrap();
        assert_eq!(g["Group"]["GroupName"], name);
    }
    let dup = api
        .idp(
            "CreateGroup",
            json!({"UserPoolId": pool, "GroupName": "staff"}),
        )
        .await
        .unwrap_err();
    assert_eq!(dup.type_, "GroupExistsException");

    let before = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    let access = claims(
        before["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert!(access.get("cognito:groups").is_none(), "{access}");

    for name in ["staff", "admin"] {
        api.idp(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": "alice", "GroupName": name}),
        )
        .await
        .unwrap();
    }
    let missing = api
        .idp(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": "alice", "GroupName": "nope"}),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.type_, "ResourceNotFoundException");
    let listed = api
        .idp(
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(listed["Groups"].as_array().unwrap().len(), 2);

    let after = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    let r = &after["AuthenticationResult"];
    for token in ["AccessToken", "IdToken"] {
        let c = claims(r[token].as_str().unwrap());
        assert_eq!(c["cognito:groups"], json!(["admin", "staff"]), "{token}");
    }

    api.idp(
        "AdminRemoveUserFromGroup",
        json!({"UserPoolId": pool, "Username": "alice", "GroupName": "admin"}),
    )
    .await
    .unwrap();
    let later = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    let c = claims(
        later["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(c["cognito:groups"], json!(["staff"]));

    // The JWKS route is counted.
    assert_eq!(emu.count("jwks.json"), 0);
    let url = format!("{}/{pool}/.well-known/jwks.json", api.endpoint);
    assert_eq!(api.http.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(emu.count("jwks.json"), 1);
}
