//! The test bed: an in-process emulator (the demo pool and user, an app
//! client with rotation whose callback is the BFF's), one or more BFF
//! instances on 127.0.0.1 sharing a store, and a cookie-jar browser that
//! fills in the emulator's login form.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_axum::bff::{BffRejection, BffSessions, SessionStore, SignedInUser};
use auth_cognito::CognitoConfig;
use auth_core::clock::ManualClock;
use auth_core::storage::KeyValueStorage;
use auth_storage::MemoryStorage;
use axum::extract::Query;
use axum::routing::get;
use axum::{Extension, Json, Router};
use cognito_emulator::{ClientOptions, DemoSetup, Emulator, HostedUiClient};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Namespaces of a shared in-memory store the test can inspect: what
/// several instances sharing one Redis would see.
#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<HashMap<String, MemoryStorage>>>);

impl Shared {
    pub fn store(&self) -> SessionStore {
        let map = self.0.clone();
        SessionStore::from_fn(move |ns| {
            let mut map = map.lock().unwrap();
            Ok(Arc::new(map.entry(ns.to_owned()).or_default().clone()) as Arc<dyn KeyValueStorage>)
        })
    }

    /// The namespace of the session whose cookie value is `cookie`.
    pub fn session(&self, cookie: &str) -> MemoryStorage {
        let key = hex::encode(Sha256::digest(cookie.as_bytes()));
        let map = self.0.lock().unwrap();
        map.get(&format!("bff-session:{key}"))
            .cloned()
            .unwrap_or_default()
    }
}

pub struct Bed {
    pub emu: Emulator,
    pub demo: DemoSetup,
    pub config: CognitoConfig,
    pub clock: ManualClock,
    pub public_url: String,
    listener: Mutex<Option<tokio::net::TcpListener>>,
}

/// A running instance, stopped when dropped.
pub struct Instance {
    pub base: String,
    pub bff: BffSessions,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Debug, serde::Deserialize)]
struct MeQuery {
    #[serde(default)]
    force_refresh: bool,
}

async fn me(user: SignedInUser, Query(q): Query<MeQuery>) -> Result<Json<Value>, BffRejection> {
    let session = user.fetch_auth_session(q.force_refresh).await?;
    let who = user.user().await?;
    Ok(Json(json!({
        "username": who.username,
        "user_id": who.user_id,
        "identity_id": session.identity_id(),
    })))
}

impl Bed {
    pub async fn new() -> Self {
        let emu = Emulator::start().await.expect("emulator");
        let seeded = emu.seed_demo().expect("demo");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let public_url = format!("http://{}", listener.local_addr().expect("addr"));
        let callback = format!("{public_url}/auth/callback");
        let signed_out = format!("{public_url}/signed-out");
        let client = emu
            .create_user_pool_client(
                &seeded.user_pool_id,
                ClientOptions {
                    refresh_token_rotation: Some(Duration::ZERO),
                    oauth: Some(HostedUiClient::new(&callback, &signed_out)),
                    ..ClientOptions::default()
                },
            )
            .expect("client");
        let provider = emu.cognito_provider_name(&seeded.user_pool_id);
        let identity_pool_id = emu
            .create_identity_pool(true, &[(&provider, &client.id)], &[])
            .expect("identity pool");
        let demo = DemoSetup {
            client_id: client.id,
            identity_pool_id,
            redirect_sign_in_uri: callback,
            redirect_sign_out_uri: signed_out,
            ..seeded
        };
        let config =
            CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json()).expect("config");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_millis();
        Self {
            emu,
            demo,
            config,
            clock: ManualClock::at_millis(i64::try_from(now).expect("ms")),
            public_url,
            listener: Mutex::new(Some(listener)),
        }
    }

    /// A BFF instance on `store` with at most `max_cached` cached sessions.
    /// Every instance has the same public URL (the first one binds it; the
    /// others are other "processes" behind the same load balancer, reached
    /// directly by their own address).
    pub async fn instance(&self, store: SessionStore, max_cached: usize) -> Instance {
        let bff = BffSessions::builder(self.config.clone(), self.public_url.clone())
            .store(store)
            .clock(Arc::new(self.clock.clone()))
            .max_cached_sessions(max_cached)
            .build()
            .expect("bff");
        self.serve(bff).await
    }

    /// An instance of a BFF built by the test.
    pub async fn serve(&self, bff: BffSessions) -> Instance {
        let taken = self.listener.lock().unwrap().take();
        let listener = match taken {
            Some(l) => l,
            None => tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind"),
        };
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let app = Router::new()
            .route("/me", get(me))
            .route(
                "/debug",
                get(|user: SignedInUser| async move { format!("{user:?}") }),
            )
            .merge(bff.routes())
            .layer(Extension(bff.clone()));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Instance {
            base: format!("http://{addr}"),
            bff,
            server,
        }
    }
}

/// A browser without JavaScript: cookies per origin (name -> value, with
/// the raw `Set-Cookie` lines kept for inspection), redirects by hand.
pub struct Browser {
    http: reqwest::Client,
    pub jar: BTreeMap<String, String>,
    pub set_cookies: Vec<String>,
}

pub fn origin(url: &str) -> String {
    url::Url::parse(url)
        .expect("url")
        .origin()
        .ascii_serialization()
}

pub fn location(res: &reqwest::Response, base: &str) -> String {
    let loc = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no redirect ({})", res.status()));
    url::Url::parse(base)
        .expect("base")
        .join(loc)
        .expect("join")
        .to_string()
}

fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{url} has no {name}"))
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http"),
            jar: BTreeMap::new(),
            set_cookies: Vec::new(),
        }
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let line = v.to_str().expect("ascii cookie").to_owned();
            let (name, rest) = line.split_once('=').expect("name=value");
            let value = rest.split(';').next().unwrap_or_default();
            if value.is_empty() || rest.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
            self.set_cookies.push(line);
        }
    }

    /// The cookies for our server (the emulator sets none that matter).
    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, url: &str) -> reqwest::Response {
        let res = self
            .http
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("get");
        self.keep(&res);
        res
    }

    pub async fn post(&mut self, url: &str, origin: Option<&str>) -> reqwest::Response {
        let mut req = self.http.post(url).header("cookie", self.cookie_header());
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.expect("post");
        self.keep(&res);
        res
    }

    /// `/auth/sign-in` on `base`, then the hosted UI's login form: returns
    /// the callback URL the hosted UI redirects to (not yet followed).
    pub async fn start_sign_in(&mut self, base: &str, user: &str, password: &str) -> String {
        let res = self.get(&format!("{base}/auth/sign-in")).await;
        assert_eq!(res.status(), 302);
        let authorize = location(&res, base);
        self.finish_login(&authorize, user, password).await
    }

    /// Opens the authorize URL and fills in the login form; returns the
    /// callback URL the hosted UI redirects to.
    pub async fn finish_login(&mut self, authorize: &str, user: &str, password: &str) -> String {
        let res = self.http.get(authorize).send().await.expect("authorize");
        let login = location(&res, authorize);
        let txn = query_param(&login, "txn");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("txn", txn.as_str()),
                ("username", user),
                ("password", password),
                ("action", "sign_in"),
            ])
            .finish();
        let res = self
            .http
            .post(format!("{}/login", origin(&login)))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("login");
        location(&res, &login)
    }

    /// The callback URL on instance `base` (the hosted UI redirects to the
    /// public URL; any instance may receive it).
    pub async fn callback(&mut self, callback: &str, base: &str) -> reqwest::Response {
        let url = url::Url::parse(callback).expect("callback");
        let path = format!("{base}/auth/callback?{}", url.query().unwrap_or_default());
        self.get(&path).await
    }

    /// A whole sign-in through `base`.
    pub async fn sign_in(&mut self, base: &str, user: &str, password: &str) {
        let cb = self.start_sign_in(base, user, password).await;
        let res = self.callback(&cb, base).await;
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.jar.get("amplify_session").cloned()
    }
}
