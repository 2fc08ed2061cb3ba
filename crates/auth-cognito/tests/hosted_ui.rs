//! Sign-in with the hosted UI against the emulator's hosted UI: the library drives
//! `sign_in_with_redirect` / `complete`, and the test plays the browser over HTTP (the
//! login form, the mock provider's page, the redirect). The real-browser story is
//! `cargo xtask browser`.
//!
//! moto has no hosted UI (no `/oauth2/*` pages or endpoints), so none of these
//! scenarios has a moto twin.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use auth_cognito::config::OAuthConfig;
use auth_cognito::hosted_ui::{HostedUiProvider, SignInWithRedirectOptions};
use auth_cognito::{CognitoAuthPlugin, CognitoConfig};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use cognito_emulator::{ClientOptions, Emulator, HostedUiClient};
use support::{LogCapture, assert_no_secret};

const PASSWORD: &str = "Hosted-Passw0rd-42";
const SIGNED_OUT: &str = "http://127.0.0.1:1/signed-out";

/// An emulator with a hosted-UI client, a user `alice`, a mock Google and an
/// identity pool.
struct Bed {
    emu: Emulator,
    pool: String,
    client_id: String,
    secret: Option<String>,
    identity_pool: String,
    callback: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Bed {
    async fn new(secret: bool) -> Self {
        let emu = Emulator::start().await.expect("emulator");
        let pool = emu.create_user_pool("hosted").expect("pool");
        emu.create_identity_provider(&pool, "Google", "Google")
            .expect("provider");
        let callback = format!("http://127.0.0.1:{}/callback", free_port());
        let client = emu
            .create_user_pool_client(
                &pool,
                ClientOptions {
                    generate_secret: secret,
                    oauth: Some(
                        HostedUiClient::new(&callback, SIGNED_OUT)
                            .with_identity_providers(["COGNITO", "Google"]),
                    ),
                    ..ClientOptions::default()
                },
            )
            .expect("client");
        emu.admin_create_user_with_attributes(
            &pool,
            "alice",
            PASSWORD,
            true,
            &[("email", "alice@example.com")],
        )
        .expect("user");
        let provider = emu.cognito_provider_name(&pool);
        let identity_pool = emu
            .create_identity_pool(true, &[(&provider, &client.id)], &[])
            .expect("identity pool");
        Self {
            emu,
            pool,
            client_id: client.id,
            secret: client.secret,
            identity_pool,
            callback,
        }
    }

    fn config(&self, redirect_sign_in: &[&str]) -> CognitoConfig {
        let oauth = OAuthConfig::new("hosted.auth.us-east-1.example.invalid")
            .with_scopes(["openid", "email", "aws.cognito.signin.user.admin"])
            .with_redirect_sign_in_uri(redirect_sign_in.iter().copied())
            .with_redirect_sign_out_uri([SIGNED_OUT])
            .with_response_type("code");
        let mut b = CognitoConfig::builder()
            .user_pool(&self.pool, &self.client_id)
            .identity_pool(&self.identity_pool, true)
            .user_pool_endpoint(self.emu.endpoint())
            .identity_pool_endpoint(self.emu.endpoint())
            .oauth(oauth)
            .oauth_endpoint(self.emu.endpoint());
        if let Some(s) = &self.secret {
            b = b.client_secret(s.as_str());
        }
        b.build().expect("config")
    }

    fn plugin_on(&self, storage: MemoryStorage) -> CognitoAuthPlugin {
        CognitoAuthPlugin::builder(self.config(&[&self.callback]))
            .storage(Arc::new(storage))
            .build()
            .expect("plugin")
    }

    fn plugin(&self) -> (CognitoAuthPlugin, MemoryStorage) {
        let storage = MemoryStorage::new();
        (self.plugin_on(storage.clone()), storage)
    }
}

/// The test's browser: follows the hosted UI's pages by hand, without following the
/// final redirect to the app.
struct Browser {
    http: reqwest::Client,
    base: String,
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

impl Browser {
    fn new(base: String) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http"),
            base,
        }
    }

    async fn location(&self, res: reqwest::Response) -> String {
        let status = res.status();
        let loc = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match loc {
            Some(l) if l.starts_with('/') => format!("{}{l}", self.base),
            Some(l) => l,
            None => panic!(
                "no redirect ({status}): {}",
                res.text().await.unwrap_or_default()
            ),
        }
    }

    /// Opens the authorize URL; returns where the hosted UI sends the browser.
    async fn open(&self, authorize_url: &str) -> String {
        let res = self
            .http
            .get(authorize_url)
            .send()
            .await
            .expect("authorize");
        self.location(res).await
    }

    async fn post(&self, path: &str, body: String) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post")
    }

    /// The login form, filled in with `action` (`sign_in` or `cancel`); returns the
    /// redirect back to the app.
    async fn login(&self, authorize_url: &str, user: &str, password: &str, action: &str) -> String {
        let login = self.open(authorize_url).await;
        let txn = query_of(&login)["txn"].clone();
        let res = self
            .post(
                "/login",
                form(&[
                    ("txn", &txn),
                    ("username", user),
                    ("password", password),
                    ("action", action),
                ]),
            )
            .await;
        self.location(res).await
    }

    /// The mock provider's page, answered with `action` (`allow` or `deny`).
    async fn provider(&self, authorize_url: &str, subject: &str, action: &str) -> String {
        let page = self.open(authorize_url).await;
        assert!(page.contains("/mock-idp/authorize"), "{page}");
        let txn = query_of(&page)["txn"].clone();
        let res = self
            .post(
                "/oauth2/idpresponse",
                form(&[
                    ("txn", &txn),
                    ("subject", subject),
                    ("email", "fed@example.com"),
                    ("action", action),
                ]),
            )
            .await;
        self.location(res).await
    }
}

fn stored_keys(storage: &MemoryStorage) -> usize {
    storage.keys().len()
}

#[tokio::test]
async fn a_hosted_ui_sign_in_is_a_session_without_sign_in_details_that_offers_logout() {
    let bed = Bed::new(false).await;
    let (plugin, storage) = bed.plugin();
    let mut events = plugin.subscribe();
    let browser = Browser::new(bed.emu.endpoint());

    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    assert_eq!(flow.redirect_uri(), bed.callback);
    let redirect = browser
        .login(flow.authorize_url(), "alice", PASSWORD, "sign_in")
        .await;
    assert!(redirect.starts_with(&bed.callback), "{redirect}");
    let result = flow.complete(&redirect).await.expect("signed in");
    assert!(result.is_signed_in);
    assert!(
        matches!(events.recv().await, Ok(AuthEvent::SignedIn { username }) if username == "alice")
    );

    let user = plugin.get_current_user().await.expect("user");
    assert_eq!(user.username, "alice");
    assert!(user.sign_in_details.is_none(), "as in Amplify");
    let session = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    assert!(
        session.identity_id_result.is_ok(),
        "{:?}",
        session.identity_id_result
    );
    assert!(session.aws_credentials_result.is_ok());
    let scope = session
        .user_pool_tokens_result
        .as_ref()
        .expect("tokens")
        .access_token
        .claims()
        .get_str("scope")
        .map(str::to_owned);
    assert_eq!(
        scope.as_deref(),
        Some("openid email aws.cognito.signin.user.admin")
    );
    assert_eq!(bed.emu.count("GetCredentialsForIdentity"), 1);

    // The session came from the hosted UI, and a new process knows it too.
    let prefix = format!("CognitoIdentityServiceProvider.{}", bed.client_id);
    assert_eq!(
        storage
            .get(&format!("{prefix}.oauthSignIn"))
            .await
            .expect("get")
            .as_deref(),
        Some("true,false")
    );
    assert!(
        storage
            .get(&format!("{prefix}.alice.signInDetails"))
            .await
            .expect("get")
            .is_none()
    );

    // A forced refresh goes through GetTokensFromRefreshToken and keeps the origin.
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("refreshed");
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 1);

    let reloaded = bed.plugin_on(storage.clone());
    let out = reloaded
        .sign_out(SignOutOptions::default())
        .await
        .expect("signed out");
    assert!(out.remote_signed_out, "the refresh token was revoked");
    assert_eq!(bed.emu.count("RevokeToken"), 1);
    let logout = out
        .sign_out_url
        .expect("the hosted UI's /logout is offered");
    assert_eq!(
        logout,
        format!(
            "{}/logout?client_id={}&logout_uri=http%3A%2F%2F127.0.0.1%3A1%2Fsigned-out",
            bed.emu.endpoint(),
            bed.client_id
        )
    );
    assert!(
        storage
            .get(&format!("{prefix}.oauthSignIn"))
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test]
async fn a_password_sign_in_offers_no_logout_page() {
    let bed = Bed::new(false).await;
    let (plugin, _storage) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, auth_cognito::SignInOptions::default())
        .await
        .expect("signed in");
    let out = plugin
        .sign_out(SignOutOptions::default())
        .await
        .expect("out");
    assert!(out.sign_out_url.is_none());
    assert!(
        plugin.hosted_ui_sign_out_url().is_some(),
        "the config has one all the same"
    );
}

#[tokio::test]
async fn a_forged_state_is_refused_and_no_code_is_exchanged() {
    let bed = Bed::new(false).await;
    let (plugin, storage) = bed.plugin();
    let browser = Browser::new(bed.emu.endpoint());
    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    let redirect = browser
        .login(flow.authorize_url(), "alice", PASSWORD, "sign_in")
        .await;
    let code = query_of(&redirect)["code"].clone();
    let forged = format!(
        "{}?code={code}&state=forged-forged-forged-forged-forged",
        bed.callback
    );
    let err = flow.complete(&forged).await.expect_err("refused");
    assert!(matches!(err, AuthError::StateMismatch), "{err:?}");
    assert_eq!(bed.emu.count("oauth2/token"), 0, "no code was exchanged");
    assert_eq!(stored_keys(&storage), 0, "nothing stored");
    assert!(matches!(
        plugin.get_current_user().await,
        Err(AuthError::SignedOut)
    ));
}

#[tokio::test]
async fn cancel_and_deny_are_a_cancelled_sign_in_and_store_nothing() {
    let bed = Bed::new(false).await;
    let (plugin, storage) = bed.plugin();
    let browser = Browser::new(bed.emu.endpoint());
    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    let redirect = browser.login(flow.authorize_url(), "", "", "cancel").await;
    assert_eq!(query_of(&redirect)["error"], "access_denied");
    let err = flow.complete(&redirect).await.expect_err("cancelled");
    assert!(matches!(err, AuthError::SignInCancelled { .. }), "{err:?}");

    let options = SignInWithRedirectOptions::default().with_provider(HostedUiProvider::Google);
    let flow = plugin.sign_in_with_redirect(options).await.expect("flow");
    let redirect = browser
        .provider(flow.authorize_url(), "someone", "deny")
        .await;
    let err = flow.complete(&redirect).await.expect_err("denied");
    assert!(matches!(err, AuthError::SignInCancelled { .. }), "{err:?}");
    assert_eq!(bed.emu.count("oauth2/token"), 0);
    assert_eq!(stored_keys(&storage), 0);
}

#[tokio::test]
async fn a_missing_code_and_an_unknown_provider_are_typed_errors() {
    let bed = Bed::new(false).await;
    let (plugin, _storage) = bed.plugin();
    let browser = Browser::new(bed.emu.endpoint());
    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    let state = query_of(flow.authorize_url())["state"].clone();
    let err = flow
        .complete(&format!("{}?state={state}", bed.callback))
        .await
        .expect_err("no code");
    assert!(
        matches!(err, AuthError::InvalidParameter { ref name, .. } if name == "redirect_url"),
        "{err:?}"
    );

    let options = SignInWithRedirectOptions::default()
        .with_provider(HostedUiProvider::Custom("NoSuchProvider".into()));
    let flow = plugin.sign_in_with_redirect(options).await.expect("flow");
    let redirect = browser.open(flow.authorize_url()).await;
    match flow.complete(&redirect).await {
        Err(AuthError::OAuth { error, description }) => {
            assert_eq!(error, "invalid_request");
            assert!(description.contains("NoSuchProvider"), "{description}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant_and_stores_nothing() {
    let bed = Bed::new(false).await;
    let (plugin, _storage) = bed.plugin();
    let browser = Browser::new(bed.emu.endpoint());
    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    let exported = flow.export_secret();
    let redirect = browser
        .login(flow.authorize_url(), "alice", PASSWORD, "sign_in")
        .await;
    flow.complete(&redirect).await.expect("first use");

    // An attacker (or a second tab) replays the same redirect on another session.
    let (other, other_storage) = bed.plugin();
    let replay = other
        .resume_sign_in_with_redirect(exported.expose_secret())
        .expect("resumed");
    match replay.complete(&redirect).await {
        Err(AuthError::OAuth { error, .. }) => assert_eq!(error, "invalid_grant"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stored_keys(&other_storage), 0);
}

#[tokio::test]
async fn redirect_uris_must_be_registered_in_the_config_and_at_the_client() {
    let bed = Bed::new(false).await;
    let (plugin, _storage) = bed.plugin();
    let err = plugin
        .sign_in_with_redirect(
            SignInWithRedirectOptions::default().with_redirect_uri("https://evil.example/cb"),
        )
        .await
        .expect_err("not in the config");
    assert!(matches!(err, AuthError::InvalidParameter { .. }), "{err:?}");

    // In the config but not a callback URL of the client: the hosted UI shows an error
    // page and redirects nowhere.
    let unregistered = format!("http://127.0.0.1:{}/elsewhere", free_port());
    let plugin = CognitoAuthPlugin::builder(bed.config(&[&unregistered]))
        .storage(Arc::new(MemoryStorage::new()))
        .build()
        .expect("plugin");
    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http")
        .get(flow.authorize_url())
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers().get("location").is_none(), "no open redirect");
}

#[tokio::test]
async fn a_client_secret_goes_as_basic_and_the_mock_provider_federates_the_user() {
    let bed = Bed::new(true).await;
    let (plugin, _storage) = bed.plugin();
    let browser = Browser::new(bed.emu.endpoint());
    let options = SignInWithRedirectOptions::default().with_provider(HostedUiProvider::Google);
    let flow = plugin.sign_in_with_redirect(options).await.expect("flow");
    assert_eq!(flow.provider(), "Google");
    let redirect = browser
        .provider(flow.authorize_url(), "g-42", "allow")
        .await;
    flow.complete(&redirect)
        .await
        .expect("signed in with a secret client");
    let user = plugin.get_current_user().await.expect("user");
    assert_eq!(user.username, "Google_g-42");
    assert!(user.sign_in_details.is_none());
    let tokens = plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .expect("tokens");
    let id = tokens.id_token.expect("id token");
    let identities = id.claims().get("identities").expect("identities").clone();
    assert_eq!(identities[0]["providerName"], "Google");
    // A federated hosted-UI session refreshes like any other.
    plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::force_refresh())
        .await
        .expect("refreshed");
    assert_eq!(bed.emu.count("GetTokensFromRefreshToken"), 1);
}

#[tokio::test]
async fn a_server_exports_the_pending_flow_and_completes_it_on_another_instance_without_leaking_it()
{
    let logs = LogCapture::start();
    let bed = Bed::new(false).await;
    let browser = Browser::new(bed.emu.endpoint());
    let (instance_a, _) = bed.plugin();
    let flow = instance_a
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect("flow");
    let exported = flow.export_secret();
    let debug = format!("{flow:?}");
    let q = query_of(flow.authorize_url());
    let state = q["state"].clone();
    let verifier: serde_json::Value = serde_json::from_str(exported.expose_secret()).expect("json");
    let verifier = verifier["code_verifier"]
        .as_str()
        .expect("verifier")
        .to_owned();
    assert_no_secret("Debug of the pending flow", &debug, &[&state, &verifier]);
    assert!(!debug.contains(flow.authorize_url()));
    assert!(format!("{exported:?}").contains("redacted"));
    let authorize = flow.authorize_url().to_owned();
    drop(flow);

    let redirect = browser
        .login(&authorize, "alice", PASSWORD, "sign_in")
        .await;
    let code = query_of(&redirect)["code"].clone();
    let (instance_b, storage_b) = bed.plugin();
    assert!(matches!(
        instance_b.resume_sign_in_with_redirect("{\"v\":1}"),
        Err(AuthError::InvalidParameter { .. })
    ));
    let resumed = instance_b
        .resume_sign_in_with_redirect(exported.expose_secret())
        .expect("resumed");
    resumed
        .complete(&redirect)
        .await
        .expect("completed on instance B");
    assert_eq!(
        instance_b.get_current_user().await.expect("user").username,
        "alice"
    );
    assert!(stored_keys(&storage_b) > 0);
    let tokens = instance_b
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .expect("tokens");
    let access = tokens.access_token.as_compact_str().to_owned();
    assert_no_secret(
        "the logs of the hosted-UI flow",
        &logs.text(),
        &[&state, &verifier, &code, &access],
    );
}

#[tokio::test]
async fn the_loopback_listener_receives_the_redirect_from_the_browser() {
    let bed = Bed::new(false).await;
    let (plugin, _storage) = bed.plugin();
    let browser = Browser::new(bed.emu.endpoint());
    let (flow, listener) = plugin
        .prepare_loopback_sign_in(SignInWithRedirectOptions::default())
        .await
        .expect("bound");
    assert_eq!(
        listener.local_addr().map(|a| a.to_string()),
        Some(
            bed.callback
                .trim_start_matches("http://")
                .trim_end_matches("/callback")
                .to_owned()
        )
    );
    let waiting = tokio::spawn(listener.wait_for_redirect(Duration::from_secs(60)));
    let redirect = browser
        .login(flow.authorize_url(), "alice", PASSWORD, "sign_in")
        .await;
    // The browser follows the redirect to the app: the listener.
    let page = browser
        .http
        .get(&redirect)
        .send()
        .await
        .expect("to the listener");
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.expect("page");
    assert!(page.contains("close this window"));
    assert!(!page.contains(&query_of(&redirect)["code"]));
    let received = waiting.await.expect("join").expect("redirect");
    flow.complete(received.expose_secret())
        .await
        .expect("signed in");
    assert!(plugin.is_signed_in_cached());

    let err = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
        .expect_err("already signed in");
    assert!(matches!(err, AuthError::AlreadySignedIn));
}

#[tokio::test]
async fn without_an_oauth_section_the_error_names_it() {
    let bed = Bed::new(false).await;
    let config = CognitoConfig::builder()
        .user_pool(&bed.pool, &bed.client_id)
        .user_pool_endpoint(bed.emu.endpoint())
        .build()
        .expect("config");
    let plugin = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()
        .expect("plugin");
    match plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await
    {
        Err(AuthError::InvalidConfig { field, .. }) => assert_eq!(field, "auth.oauth"),
        other => panic!("{other:?}"),
    }
    match plugin
        .prepare_loopback_sign_in(SignInWithRedirectOptions::default())
        .await
    {
        Err(AuthError::InvalidConfig { field, .. }) => assert_eq!(field, "auth.oauth"),
        other => panic!("{other:?}"),
    }
}
