//! `--check`: the example calls itself as a browser would (a cookie jar,
//! the emulator's login form) and as an API client would (a bearer token),
//! and fails unless every answer is the expected one.

use std::collections::BTreeMap;
use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, CognitoConfig, SignInOptions};
use auth_core::prelude::{Auth, FetchAuthSessionOptions};
use auth_storage::MemoryStorage;
use cognito_emulator::DemoSetup;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::BoxError;

/// A browser without JavaScript: cookies per origin, redirects by hand.
struct Browser {
    http: reqwest::Client,
    cookies: BTreeMap<String, BTreeMap<String, String>>,
}

fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

impl Browser {
    fn new() -> Result<Self, BoxError> {
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            cookies: BTreeMap::new(),
        })
    }

    fn cookie_header(&self, url: &str) -> String {
        self.cookies
            .get(&origin(url))
            .map(|jar| {
                jar.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    fn keep(&mut self, url: &str, res: &reqwest::Response) {
        let jar = self.cookies.entry(origin(url)).or_default();
        for v in res.headers().get_all(SET_COOKIE) {
            let Some((name, rest)) = v.to_str().ok().and_then(|v| v.split_once('=')) else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default();
            if value.is_empty() || rest.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn send(
        &mut self,
        req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response, BoxError> {
        let res = req.header(COOKIE, self.cookie_header(url)).send().await?;
        self.keep(url, &res);
        Ok(res)
    }

    async fn get(&mut self, url: &str) -> Result<reqwest::Response, BoxError> {
        let req = self.http.get(url);
        self.send(req, url).await
    }

    async fn post_form(
        &mut self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response, BoxError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req, url).await
    }
}

/// The absolute target of a redirect.
fn location(res: &reqwest::Response, base: &str) -> Result<String, BoxError> {
    let loc = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("expected a redirect, got {}", res.status()))?;
    Ok(url::Url::parse(base)?.join(loc)?.to_string())
}

fn expect(what: &str, got: u16, want: u16) -> Result<(), BoxError> {
    println!("check: {what} -> {got}");
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: expected {want}, got {got}").into())
    }
}

/// Signs the demo user in through `/auth/sign-in` and the emulator's login
/// form, then `/me`, a forced refresh, sign-out, and `/api/claims`.
pub(crate) async fn run(
    config: &CognitoConfig,
    demo: &DemoSetup,
    base: &str,
) -> Result<(), BoxError> {
    let mut b = Browser::new()?;
    let me = format!("{base}/me");
    let res = b.get(&me).await?;
    expect("GET /me before sign-in", res.status().as_u16(), 401)?;
    let res = b.get(&format!("{base}/auth/sign-in")).await?;
    expect("GET /auth/sign-in", res.status().as_u16(), 302)?;
    let authorize = location(&res, base)?;
    let res = b.get(&authorize).await?;
    let login = location(&res, &authorize)?;
    let txn = url::Url::parse(&login)?
        .query_pairs()
        .find(|(k, _)| k == "txn")
        .map(|(_, v)| v.into_owned())
        .ok_or("the hosted UI's login page has no txn")?;
    let res = b
        .post_form(
            &format!("{}/login", origin(&login)),
            &[
                ("txn", &txn),
                ("username", &demo.username),
                ("password", &demo.password),
                ("action", "sign_in"),
            ],
        )
        .await?;
    let callback = location(&res, &login)?;
    let res = b.get(&callback).await?;
    expect("GET /auth/callback", res.status().as_u16(), 303)?;
    let res = b.get(&me).await?;
    expect("GET /me", res.status().as_u16(), 200)?;
    let body: Value = res.json().await?;
    println!(
        "check: /me is {} (identity {})",
        body["username"].as_str().unwrap_or("-"),
        body["identity_id"].as_str().unwrap_or("-")
    );
    if body["username"].as_str() != Some(demo.username.as_str()) {
        return Err(format!("/me answered {body}").into());
    }
    let res = b.get(&format!("{me}?force_refresh=true")).await?;
    expect("GET /me?force_refresh=true", res.status().as_u16(), 200)?;
    let res = b.get(&format!("{base}/auth/sign-out")).await?;
    expect("GET /auth/sign-out", res.status().as_u16(), 405)?;
    let res = b.post_form(&format!("{base}/auth/sign-out"), &[]).await?;
    expect("POST /auth/sign-out", res.status().as_u16(), 200)?;
    let res = b.get(&me).await?;
    expect("GET /me after sign-out", res.status().as_u16(), 401)?;
    bearer(config, demo, base).await?;
    println!("check: ok");
    Ok(())
}

/// `GET /api/claims` without a token and with the demo user's access token.
async fn bearer(config: &CognitoConfig, demo: &DemoSetup, base: &str) -> Result<(), BoxError> {
    // An API client signs in with SRP (no hosted UI) and sends the token.
    let plugin = CognitoAuthPlugin::builder(config.clone())
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let auth = Auth::new(Arc::new(plugin));
    let cognito = auth
        .get_plugin::<CognitoAuthPlugin>()
        .ok_or("the Cognito plugin is not registered")?;
    cognito
        .sign_in(&demo.username, &demo.password, SignInOptions::default())
        .await?;
    let session = auth
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await?;
    let tokens = session.tokens().ok_or("a signed-in session has tokens")?;
    let http = reqwest::Client::new();
    let url = format!("{base}/api/claims");
    let without = http.get(&url).send().await?;
    expect(
        "GET /api/claims without a token",
        without.status().as_u16(),
        401,
    )?;
    let with = http
        .get(&url)
        .bearer_auth(tokens.access_token.as_compact_str())
        .send()
        .await?;
    expect(
        "GET /api/claims with the access token",
        with.status().as_u16(),
        200,
    )?;
    Ok(())
}
