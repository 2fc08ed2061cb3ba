//! The bearer-verification row of `BENCHMARKS.md`, printed as `BENCH {json}`
//! lines for `cargo xtask bench` (row `bearer_verify`):
//!
//! - `rust`: one request through [`CognitoAuthLayer`] in process (a tower
//!   `oneshot` on a `Router`, no socket), warm JWKS cache: the header read,
//!   RS256, `iss`, `token_use`, `client_id`, `exp`; extra `verifier_only_ns`:
//!   `JwksVerifier::verify_access_token` alone;
//! - `jsonwebtoken`: `jsonwebtoken::decode` with the pool's key, bare
//!   (signature and `exp` only, none of Cognito's checks).
//!
//! aws-jwt-verify's figure for the same row comes from
//! `bench/aws_jwt_verify_bench.mjs`, against the same emulator.
//!
//! With `AMPLIFY_AUTH_BENCH_OUTPUTS`, `AMPLIFY_AUTH_BENCH_USERNAME` and
//! `AMPLIFY_AUTH_PASSWORD` it uses that pool (xtask's seeded emulator);
//! otherwise it starts the in-process emulator's demo. `--test` runs a few
//! iterations, `--quick` fewer than the default `--full`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::time::Instant;

use auth_axum::{CognitoAuthLayer, JwksVerifier};
use auth_cognito::CognitoConfig;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The median over `batches` of the ns per call of `f`, `batch` calls each.
async fn time_async<F, Fut>(batches: usize, batch: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut per_call = Vec::with_capacity(batches);
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..batch {
            f().await;
        }
        per_call.push(start.elapsed().as_nanos() as f64 / batch as f64);
    }
    median(per_call)
}

async fn sign_in(endpoint: &str, client_id: &str, username: &str, password: &str) -> String {
    let body = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": username, "PASSWORD": password},
    });
    let v: Value = reqwest::Client::new()
        .post(endpoint)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["AuthenticationResult"]["AccessToken"]
        .as_str()
        .expect("the bench user signs in")
        .to_owned()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "--full".to_owned());
    let (batches, batch) = match mode.as_str() {
        "--test" => (2, 20),
        "--quick" => (7, 2_000),
        _ => (15, 5_000),
    };
    let mut _emulator = None;
    let (outputs, username, password) = match std::env::var("AMPLIFY_AUTH_BENCH_OUTPUTS") {
        Ok(path) => (
            std::fs::read_to_string(path).expect("read AMPLIFY_AUTH_BENCH_OUTPUTS"),
            std::env::var("AMPLIFY_AUTH_BENCH_USERNAME").unwrap_or_else(|_| "demo".into()),
            std::env::var("AMPLIFY_AUTH_PASSWORD").expect("AMPLIFY_AUTH_PASSWORD"),
        ),
        Err(_) => {
            let (emu, demo) = cognito_emulator::Emulator::start_demo().await.unwrap();
            let outputs = demo.amplify_outputs_json();
            _emulator = Some(emu);
            (outputs, demo.username, demo.password)
        }
    };
    let config = CognitoConfig::from_amplify_outputs(&outputs).unwrap();
    let token = sign_in(
        &config.user_pool_endpoint(),
        config.user_pool_client_id().unwrap(),
        &username,
        &password,
    )
    .await;
    let verifier = JwksVerifier::for_config(&config).unwrap();
    verifier.verify_access_token(&token).await.unwrap();

    // Through the layer, in process.
    let app: Router = Router::new()
        .route("/api", get(|| async { StatusCode::NO_CONTENT }))
        .layer(CognitoAuthLayer::new(verifier.clone()));
    let authorization = format!("Bearer {token}");
    let request = || {
        Request::get("/api")
            .header("authorization", authorization.as_str())
            .body(Body::empty())
            .unwrap()
    };
    let status = app.clone().oneshot(request()).await.unwrap().status();
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "the layer accepts the token"
    );
    let layer_ns = time_async(batches, batch, || {
        let app = app.clone();
        let req = request();
        async move {
            let r = app.oneshot(req).await.unwrap();
            debug_assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }
    })
    .await;
    let verifier_ns = time_async(batches, batch, || {
        let v = &verifier;
        let t = token.as_str();
        async move {
            v.verify_access_token(t).await.unwrap();
        }
    })
    .await;

    // jsonwebtoken, bare: the pool's key, signature and exp only.
    let jwks_url = format!(
        "{}/{}/.well-known/jwks.json",
        config.user_pool_endpoint().trim_end_matches('/'),
        config.user_pool_id().unwrap()
    );
    let jwks: Value = reqwest::get(&jwks_url).await.unwrap().json().await.unwrap();
    let jwk = &jwks["keys"][0];
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    jsonwebtoken::decode::<Map<String, Value>>(&token, &key, &validation).unwrap();
    let jsonwebtoken_ns = time_async(batches, batch, || {
        let ok = jsonwebtoken::decode::<Map<String, Value>>(&token, &key, &validation).is_ok();
        assert!(ok);
        async {}
    })
    .await;

    let calls = batches * batch;
    let line = json!({"impl": "rust", "row": "bearer_verify", "value": layer_ns, "unit": "ns",
        "extra": {"verifier_only_ns": verifier_ns, "calls": calls}});
    println!("BENCH {line}");
    let line = json!({"impl": "jsonwebtoken", "row": "bearer_verify", "value": jsonwebtoken_ns,
        "unit": "ns", "extra": {"calls": calls}});
    println!("BENCH {line}");
}
