//! A real `aws-sdk-sts` client, configured with `CognitoCredentialsProvider`,
//! signs its requests with the credentials our identity pool issued.
//!
//! The STS endpoint is a small loopback server that records the access key id
//! in each request's SigV4 `Authorization` header and answers
//! `GetCallerIdentity`. The moto test (ignored unless asked for, as it needs
//! `MOTO_ENDPOINT`; `cargo xtask ci` runs it) calls moto's STS the same way.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amplify_auth::prelude::*;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use cognito_emulator::{DemoSetup, Emulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const STS_RESPONSE: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/Cognito_Auth_Role/CognitoIdentityCredentials</Arn>
    <UserId>AROAEXAMPLE:CognitoIdentityCredentials</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

/// Serves `GetCallerIdentity` on 127.0.0.1 and records the access key id of
/// every signed request.
async fn recording_sts() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head, then the body by Content-Length.
                let head_end = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                if let Some(akid) = head.lines().find_map(|l| {
                    let lower = l.to_ascii_lowercase();
                    lower.starts_with("authorization:").then(|| {
                        l.split("Credential=")
                            .nth(1)
                            .and_then(|c| c.split('/').next())
                            .unwrap_or_default()
                            .to_owned()
                    })
                }) {
                    record.lock().expect("record").push(akid);
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{STS_RESPONSE}",
                    STS_RESPONSE.len()
                );
                let _ = sock.write_all(response.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn sts_client(endpoint: &str, provider: CognitoCredentialsProvider) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(provider)
        .timeout_config(
            aws_sdk_sts::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// The emulator's demo set-up and a plugin configured for it.
async fn demo_plugin() -> (Emulator, DemoSetup, CognitoAuthPlugin) {
    let (emu, demo) = Emulator::start_demo().await.expect("emulator");
    let config = CognitoConfig::builder()
        .user_pool(&demo.user_pool_id, &demo.client_id)
        .identity_pool(&demo.identity_pool_id, true)
        .user_pool_endpoint(&demo.endpoint)
        .identity_pool_endpoint(&demo.endpoint)
        .build()
        .expect("config");
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()
        .expect("plugin");
    (emu, demo, plugin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_sdk_client_signs_with_the_identity_pool_credentials() {
    let (emu, demo, plugin) = demo_plugin().await;
    let (endpoint, seen) = recording_sts().await;
    let sts = sts_client(&endpoint, CognitoCredentialsProvider::new(plugin.clone()));

    // As a guest.
    let who = sts.get_caller_identity().send().await.expect("guest call");
    assert_eq!(who.account(), Some("123456789012"));
    let guest = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("guest session");
    let guest_key = String::from(
        guest
            .credentials()
            .expect("guest credentials")
            .access_key_id
            .clone(),
    );
    assert_eq!(seen.lock().expect("seen").last(), Some(&guest_key));
    assert_eq!(
        emu.identity_for_access_key(&guest_key),
        guest.identity_id().map(String::from)
    );

    // Signed in: a new client (the SDK caches identities per client) signs
    // with the user's credentials.
    plugin
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await
        .expect("sign in");
    let sts = sts_client(&endpoint, CognitoCredentialsProvider::new(plugin.clone()));
    sts.get_caller_identity().send().await.expect("user call");
    let user = plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("user session");
    let user_key = String::from(
        user.credentials()
            .expect("user credentials")
            .access_key_id
            .clone(),
    );
    assert!(user_key != guest_key);
    assert_eq!(seen.lock().expect("seen").last(), Some(&user_key));
    assert_eq!(
        emu.identity_for_access_key(&user_key),
        user.identity_id().map(String::from)
    );
    assert_eq!(emu.count("GetCredentialsForIdentity"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
async fn moto_sts_accepts_requests_signed_with_the_identity_pool_credentials() {
    let moto = match std::env::var("MOTO_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "this moto test needs MOTO_ENDPOINT: run `cargo xtask ci`, or `cargo xtask moto` and set MOTO_ENDPOINT"
        ),
    };
    let (_emu, demo, plugin) = demo_plugin().await;
    plugin
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await
        .expect("sign in");
    let sts = sts_client(&moto, CognitoCredentialsProvider::new(plugin.clone()));
    let who = sts.get_caller_identity().send().await.expect("moto STS");
    assert!(who.arn().is_some());
}
