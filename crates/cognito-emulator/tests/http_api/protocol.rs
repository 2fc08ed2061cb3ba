//! The wire protocol and the test controls: unknown operations, headers, CORS, malformed
//! bodies, fault injection, counters, the demo set-up, and a latency probe.

use std::time::{Duration, Instant};

use cognito_emulator::{Emulator, Fault};
use serde_json::{Value, json};

use crate::common::{Api, cid, start};

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
    // The test-control routes answer preflights too, and carry CORS on their answers.
    for path in ["_emulator/counters", "_emulator/faults"] {
        let res = api
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/{path}", api.endpoint))
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["access-control-allow-origin"], "*", "{path}");
        assert!(
            res.headers()["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("POST"),
            "{path}"
        );
    }
    let res = api
        .http
        .get(format!("{}/_emulator/health", api.endpoint))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(res.text().await.unwrap(), "ok");
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
/// `cargo test --release -p cognito-emulator --test http_api -- --ignored --nocapture bench`.
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
