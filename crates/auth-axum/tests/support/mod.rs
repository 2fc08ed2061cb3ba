//! The test bed: an in-process emulator with two pools, three app clients and
//! users with and without groups; real tokens from real sign-ins
//! (`USER_PASSWORD_AUTH` over HTTP, independent of our client); an axum app
//! on 127.0.0.1 with the routes under test, stopped when the bed is dropped.

#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::net::SocketAddr;
use std::time::Duration;

use auth_axum::{
    AuthRejection, CognitoAccessClaims, CognitoAuthLayer, CognitoIdClaims, JwksVerifier,
};
use auth_core::clock::ManualClock;
use axum::routing::get;
use axum::{Extension, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognito_emulator::{ClientOptions, Emulator};
use serde_json::{Value, json};

pub const PASSWORD: &str = "Passw0rd!x";

/// A signed-in user's real tokens.
pub struct Tokens {
    pub access: String,
    pub id: String,
}

pub struct Bed {
    pub emu: Emulator,
    pub pool: String,
    pub client: String,
    pub other_client: String,
    pub other_pool: String,
    pub other_pool_client: String,
    pub clock: ManualClock,
    pub verifier: JwksVerifier,
    pub base: String,
    pub http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Bed {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The routes under test.
pub fn app(verifier: &JwksVerifier) -> Router {
    let layer = CognitoAuthLayer::new(verifier.clone());
    let access = Router::new()
        .route(
            "/access",
            get(|c: CognitoAccessClaims| async move { c.username().unwrap_or("-").to_owned() }),
        )
        .layer(layer.clone());
    let id = Router::new()
        .route(
            "/id",
            get(|c: CognitoIdClaims| async move { c.username().unwrap_or("-").to_owned() }),
        )
        .layer(layer.clone().id_tokens());
    let staff = Router::new()
        .route("/staff", get(|| async { "staff only" }))
        .layer(layer.clone().require_group("staff"));
    let admin_scope = Router::new()
        .route("/admin-scope", get(|| async { "scoped" }))
        .layer(layer.clone().require_scope("aws.cognito.signin.user.admin"));
    let orders = Router::new()
        .route("/orders", get(|| async { "orders" }))
        .layer(layer.require_scope("orders/read"));
    // No layer: the extractors verify themselves with the verifier in the extensions.
    let extracting = Router::new()
        .route(
            "/extract",
            get(|c: CognitoAccessClaims| async move { c.sub().unwrap_or("-").to_owned() }),
        )
        .route(
            "/optional",
            get(|c: Option<CognitoAccessClaims>| async move {
                c.map_or("anonymous".to_owned(), |c| {
                    c.username().unwrap_or("-").to_owned()
                })
            }),
        )
        .route(
            "/handler-group",
            get(|c: CognitoAccessClaims| async move {
                c.require_group("staff")?;
                Ok::<_, AuthRejection>("in staff")
            }),
        )
        .layer(Extension(verifier.clone()));
    let unconfigured = Router::new().route(
        "/unconfigured",
        get(|c: CognitoAccessClaims| async move { c.sub().unwrap_or("-").to_owned() }),
    );
    access
        .merge(id)
        .merge(staff)
        .merge(admin_scope)
        .merge(orders)
        .merge(extracting)
        .merge(unconfigured)
}

/// Serves `app` on a free 127.0.0.1 port.
pub async fn serve(app: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), task)
}

impl Bed {
    pub async fn start() -> Self {
        let emu = Emulator::start().await.unwrap();
        let pool = emu.create_user_pool("api-pool").unwrap();
        let client = emu
            .create_user_pool_client(&pool, ClientOptions::default())
            .unwrap()
            .id;
        let other_client = emu
            .create_user_pool_client(&pool, ClientOptions::default())
            .unwrap()
            .id;
        let other_pool = emu.create_user_pool("other-pool").unwrap();
        let other_pool_client = emu
            .create_user_pool_client(&other_pool, ClientOptions::default())
            .unwrap()
            .id;
        emu.admin_create_user(&pool, "alice", PASSWORD, true)
            .unwrap();
        emu.admin_create_user(&pool, "bob", PASSWORD, true).unwrap();
        emu.admin_create_user(&other_pool, "carol", PASSWORD, true)
            .unwrap();
        emu.create_group(&pool, "staff").unwrap();
        emu.admin_add_user_to_group(&pool, "alice", "staff")
            .unwrap();
        let clock = ManualClock::at_millis(emu.now() * 1000);
        let verifier = Self::verifier_for(&emu, &pool, &client, &clock);
        let (base, server) = serve(app(&verifier)).await;
        Self {
            emu,
            pool,
            client,
            other_client,
            other_pool,
            other_pool_client,
            clock,
            verifier,
            base,
            http: reqwest::Client::new(),
            server,
        }
    }

    /// A verifier of `pool`/`client` tokens, on `clock`.
    pub fn verifier_for(
        emu: &Emulator,
        pool: &str,
        client: &str,
        clock: &ManualClock,
    ) -> JwksVerifier {
        JwksVerifier::new(
            emu.issuer(pool),
            client,
            format!("{}/{pool}/.well-known/jwks.json", emu.endpoint()),
        )
        .with_clock(std::sync::Arc::new(clock.clone()))
        .with_leeway(Duration::from_secs(5))
        .with_refetch_interval(Duration::from_secs(60))
    }

    /// Signs `username` in through the emulator's HTTP API.
    pub async fn sign_in(&self, client: &str, username: &str) -> Tokens {
        let body = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client,
            "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
        });
        let v: Value = self
            .http
            .post(self.emu.endpoint())
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
        let r = &v["AuthenticationResult"];
        Tokens {
            access: r["AccessToken"].as_str().expect("signed in").to_owned(),
            id: r["IdToken"].as_str().expect("signed in").to_owned(),
        }
    }

    /// `GET path` with `Authorization: <authorization>` (none when `None`).
    pub async fn get(&self, path: &str, authorization: Option<&str>) -> Answer {
        get_at(&self.http, &format!("{}{path}", self.base), authorization).await
    }

    /// `GET path` with `Authorization: Bearer <token>`.
    pub async fn get_bearer(&self, path: &str, token: &str) -> Answer {
        self.get(path, Some(&format!("Bearer {token}"))).await
    }
}

/// What a request got back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// Asserts a 401 `invalid_token` whose description contains `why`.
    pub fn assert_invalid(&self, why: &str) {
        assert_eq!(self.status, 401, "{self:?}");
        let challenge = self.www_authenticate.as_deref().unwrap_or("");
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\", error_description=\""),
            "{self:?}"
        );
        assert!(challenge.contains(why), "{why:?} not in {self:?}");
        let body = self.json();
        assert_eq!(body["error"], "invalid_token");
        assert!(body["error_description"].as_str().unwrap().contains(why));
    }
}

pub async fn get_at(http: &reqwest::Client, url: &str, authorization: Option<&str>) -> Answer {
    let mut req = http.get(url);
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    let resp = req.send().await.unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (www_authenticate, retry_after) = (header("www-authenticate"), header("retry-after"));
    Answer {
        status: resp.status().as_u16(),
        www_authenticate,
        retry_after,
        body: resp.text().await.unwrap(),
    }
}

/// The three parts of a compact JWT.
pub fn parts(token: &str) -> (Value, Value, String) {
    let mut it = token.split('.');
    let mut json_part = || -> Value {
        serde_json::from_slice(&B64URL.decode(it.next().unwrap()).unwrap()).unwrap()
    };
    let header = json_part();
    let payload = json_part();
    (header, payload, it.next().unwrap().to_owned())
}

/// A compact JWT of these parts (the signature as given: forged tokens).
pub fn forge(header: &Value, payload: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        B64URL.encode(header.to_string()),
        B64URL.encode(payload.to_string())
    )
}
