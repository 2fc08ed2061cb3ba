//! The hosted UI over HTTP, as a browser and an OAuth client see it: the authorize
//! checks, the login form, the mock provider, the token endpoint (PKCE, replays, client
//! authentication), refresh, revocation, userInfo, the hosted UI's session and /logout,
//! and the admin operations that set it up.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Api, cid, claims, start};

const CALLBACK: &str = "http://127.0.0.1:1/callback";
const SIGNED_OUT: &str = "http://127.0.0.1:1/signed-out";
const VERIFIER: &str = "verifier-0123456789-0123456789-0123456789-0123456789";

fn challenge(verifier: &str) -> String {
    B64URL.encode(Sha256::digest(verifier.as_bytes()))
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn query_of(location: &str) -> HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A browser without a cookie store of its own: redirects are not followed, the
/// hosted UI's cookie is kept by hand.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookie: None,
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", c),
            None => req,
        };
        let res = req.send().await.unwrap();
        if let Some(set) = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
        {
            let pair = set.split(';').next().unwrap_or("").to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        Answer {
            status: res.status().as_u16(),
            location: res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: res.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path_and_query: &str) -> Answer {
        let url = format!("{}{path_and_query}", self.base);
        let req = self.http.get(url);
        self.send(req).await
    }

    async fn post(&mut self, path: &str, body: String) -> Answer {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// `/oauth2/authorize` with PKCE S256 and `extra` parameters.
    async fn authorize(&mut self, client_id: &str, extra: &[(&str, &str)]) -> Answer {
        let ch = challenge(VERIFIER);
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email"),
            ("state", "st-1"),
            ("code_challenge", ch.as_str()),
            ("code_challenge_method", "S256"),
        ];
        pairs.extend_from_slice(extra);
        self.get(&format!("/oauth2/authorize?{}", form(&pairs)))
            .await
    }

    /// The login form's txn, after `/oauth2/authorize` sent us to `/login`.
    async fn login_txn(&mut self, authorize: &Answer) -> String {
        let loc = authorize.location.clone().expect("a redirect to /login");
        assert!(loc.starts_with("/login?txn="), "{loc}");
        let page = self.get(&loc).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"password\""));
        query_of(&format!("http://x{loc}"))["txn"].clone()
    }
}

/// A pool with an OAuth client (a secret when `secret`), a user `alice`, a mock Google.
async fn hosted_pool(api: &Api, secret: bool) -> (String, Value) {
    let (pool, client) = api
        .setup(
            json!({
                "GenerateSecret": secret,
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
                "CallbackURLs": [CALLBACK],
                "LogoutURLs": [SIGNED_OUT],
                "SupportedIdentityProviders": ["COGNITO", "Google"],
            }),
            "alice",
            "Passw0rd!",
        )
        .await;
    api.idp(
        "CreateIdentityProvider",
        json!({"UserPoolId": pool, "ProviderName": "Google", "ProviderType": "Google",
               "ProviderDetails": {"client_id": "x", "client_secret": "y", "authorize_scopes": "openid"},
               "AttributeMapping": {"email": "email"}}),
    )
    .await
    .unwrap();
    (pool, client)
}

/// Signs alice in through the form (`prompt=login`: even when the hosted UI remembers
/// her); returns the code.
async fn code_for_alice(b: &mut Browser, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut extra = extra.to_vec();
    extra.push(("prompt", "login"));
    let a = b.authorize(client_id, &extra).await;
    let txn = b.login_txn(&a).await;
    let done = b
        .post(
            "/login",
            form(&[
                ("txn", &txn),
                ("username", "alice"),
                ("password", "Passw0rd!"),
                ("action", "sign_in"),
            ]),
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    let loc = done.location.unwrap();
    assert!(loc.starts_with(CALLBACK), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], "st-1");
    q["code"].clone()
}

async fn token(b: &Browser, body: String, basic: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = b
        .http
        .post(format!("{}/oauth2/token", b.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = basic {
        req = req.header(
            "authorization",
            format!("Basic {}", B64.encode(format!("{id}:{secret}"))),
        );
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn exchange<'a>(client_id: &'a str, code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", verifier),
    ]
}

#[tokio::test]
async fn the_code_flow_signs_in_through_the_form_with_pkce_and_the_code_works_once() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());
    let code = code_for_alice(&mut b, &id, &[("nonce", "n-42")]).await;
    let (status, t) = token(&b, form(&exchange(&id, &code, VERIFIER)), None).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    let id_claims = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id_claims["cognito:username"], "alice");
    assert_eq!(id_claims["nonce"], "n-42");
    let access = claims(t["access_token"].as_str().unwrap());
    assert_eq!(access["username"], "alice");
    assert_eq!(access["scope"], "openid email");
    assert!(t["refresh_token"].is_string());

    let (status, again) = token(&b, form(&exchange(&id, &code, VERIFIER)), None).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant", "a used code: {again}");

    let (status, refreshed) = token(
        &b,
        form(&[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ]),
        None,
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["scope"],
        "openid email"
    );
    assert!(refreshed["id_token"].is_string());
    assert_eq!(emu.count("oauth2/token"), 3);
}

#[tokio::test]
async fn a_wrong_verifier_redirect_uri_or_client_is_invalid_grant_and_uses_the_code_up() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());

    let code = code_for_alice(&mut b, &id, &[]).await;
    let wrong = "wrong-verifier-0123456789-0123456789-0123456789-0123";
    let (status, e) = token(&b, form(&exchange(&id, &code, wrong)), None).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("invalid_grant")),
        "{e}"
    );
    let (_, e) = token(&b, form(&exchange(&id, &code, VERIFIER)), None).await;
    assert_eq!(
        e["error"], "invalid_grant",
        "the code is used up by the wrong attempt"
    );

    let code = code_for_alice(&mut b, &id, &[]).await;
    let mut pairs = exchange(&id, &code, VERIFIER);
    pairs[3] = ("redirect_uri", "http://127.0.0.1:2/other");
    let (_, e) = token(&b, form(&pairs), None).await;
    assert_eq!(e["error"], "invalid_grant", "{e}");

    let code = code_for_alice(&mut b, &id, &[]).await;
    let mut pairs = exchange(&id, &code, VERIFIER);
    pairs.remove(4);
    let (_, e) = token(&b, form(&pairs), None).await;
    assert_eq!(e["error"], "invalid_grant", "a missing verifier: {e}");

    let (status, e) = token(
        &b,
        form(&[("grant_type", "password"), ("client_id", &id)]),
        None,
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, e) = token(&b, form(&exchange("no-such-client", "c", VERIFIER)), None).await;
    assert_eq!((status, e["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn a_client_with_a_secret_must_present_it_as_basic_or_in_the_form() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, true).await;
    let id = cid(&client);
    let secret = client["ClientSecret"].as_str().unwrap().to_owned();
    let mut b = Browser::new(&emu.endpoint());

    let code = code_for_alice(&mut b, &id, &[]).await;
    let (status, e) = token(&b, form(&exchange(&id, &code, VERIFIER)), None).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (401, Some("invalid_client")),
        "no secret"
    );
    let code = code_for_alice(&mut b, &id, &[]).await;
    let (status, e) = token(
        &b,
        form(&exchange(&id, &code, VERIFIER)),
        Some((&id, "wrong")),
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (401, Some("invalid_client")),
        "wrong secret"
    );
    let code = code_for_alice(&mut b, &id, &[]).await;
    let (status, t) = token(
        &b,
        form(&exchange(&id, &code, VERIFIER)),
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(status, 200, "Basic: {t}");
    let code = code_for_alice(&mut b, &id, &[]).await;
    let mut pairs = exchange(&id, &code, VERIFIER);
    pairs.push(("client_secret", &secret));
    let (status, t) = token(&b, form(&pairs), None).await;
    assert_eq!(status, 200, "client_secret_post: {t}");
}

#[tokio::test]
async fn authorize_refuses_unregistered_redirects_with_a_page_and_other_errors_by_redirect() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());

    let evil = b
        .get(&format!(
            "/oauth2/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &id),
                ("redirect_uri", "https://evil.example/cb"),
                ("state", "s")
            ])
        ))
        .await;
    assert_eq!(evil.status, 400);
    assert!(evil.location.is_none(), "no open redirect");
    assert!(evil.body.contains("redirect_mismatch"));
    let unknown = b.authorize("no-such-client", &[]).await;
    assert_eq!((unknown.status, unknown.location.is_none()), (400, true));

    for (extra, error) in [
        (("scope", "openid phone"), "invalid_scope"),
        (("identity_provider", "Facebook"), "invalid_request"),
        (("code_challenge_method", "md5"), "invalid_request"),
    ] {
        let a = b.authorize(&id, &[extra]).await;
        let q = query_of(&a.location.clone().unwrap_or_default());
        assert_eq!(q.get("error").map(String::as_str), Some(error), "{extra:?}");
        assert_eq!(q["state"], "st-1");
    }
    let implicit = b
        .get(&format!(
            "/oauth2/authorize?{}",
            form(&[
                ("response_type", "token"),
                ("client_id", &id),
                ("redirect_uri", CALLBACK),
                ("state", "st-1")
            ])
        ))
        .await;
    assert_eq!(
        query_of(&implicit.location.unwrap())["error"],
        "unsupported_response_type"
    );
}

#[tokio::test]
async fn the_form_shows_a_wrong_password_escapes_what_it_echoes_and_cancel_is_access_denied() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());
    let a = b
        .authorize(&id, &[("login_hint", "<script>x</script>")])
        .await;
    let txn = b.login_txn(&a).await;
    let page = b.get(&format!("/login?txn={txn}")).await;
    assert!(page.body.contains("&lt;script&gt;x&lt;/script&gt;"));
    assert!(!page.body.contains("<script>x"));
    assert!(!page.body.contains("st-1"), "the state stays server-side");
    let wrong = b
        .post(
            "/login",
            form(&[
                ("txn", &txn),
                ("username", "alice"),
                ("password", "nope"),
                ("action", "sign_in"),
            ]),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("Incorrect username or password."));
    assert!(wrong.location.is_none());
    let cancel = b
        .post("/login", form(&[("txn", &txn), ("action", "cancel")]))
        .await;
    let q = query_of(&cancel.location.unwrap());
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st-1");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn the_mock_provider_creates_and_links_a_federated_user_with_identities() {
    let (emu, api) = start().await;
    let (pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());
    for round in 0..2 {
        let a = b
            .authorize(&id, &[("identity_provider", "Google"), ("prompt", "login")])
            .await;
        let loc = a.location.unwrap();
        assert!(loc.starts_with("/mock-idp/authorize?txn="), "{loc}");
        let page = b.get(&loc).await;
        assert!(page.body.contains("id=\"allow\""));
        let txn = query_of(&format!("http://x{loc}"))["txn"].clone();
        let done = b
            .post(
                "/oauth2/idpresponse",
                form(&[
                    ("txn", &txn),
                    ("subject", "1234567890"),
                    ("email", "g@example.com"),
                    ("action", "allow"),
                ]),
            )
            .await;
        let q = query_of(&done.location.unwrap());
        let (status, t) = token(&b, form(&exchange(&id, &q["code"], VERIFIER)), None).await;
        assert_eq!(status, 200, "round {round}: {t}");
        let c = claims(t["id_token"].as_str().unwrap());
        assert_eq!(c["cognito:username"], "Google_1234567890");
        assert_eq!(c["identities"][0]["providerName"], "Google");
        assert_eq!(c["identities"][0]["userId"], "1234567890");
        assert_eq!(c["email"], "g@example.com");
    }
    let user = api
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "Google_1234567890"}),
        )
        .await
        .unwrap();
    assert_eq!(user["UserStatus"], "EXTERNAL_PROVIDER");

    let a = b.authorize(&id, &[("identity_provider", "Google")]).await;
    let loc = a.location.unwrap();
    let txn = query_of(&format!("http://x{loc}"))["txn"].clone();
    let denied = b
        .post(
            "/oauth2/idpresponse",
            form(&[("txn", &txn), ("action", "deny")]),
        )
        .await;
    assert_eq!(
        query_of(&denied.location.unwrap())["error"],
        "access_denied"
    );
}

#[tokio::test]
async fn the_hosted_ui_remembers_the_user_until_logout() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());
    code_for_alice(&mut b, &id, &[]).await;
    assert!(b.cookie.is_some());
    let again = b.authorize(&id, &[]).await;
    let loc = again.location.unwrap();
    assert!(
        loc.starts_with(CALLBACK),
        "signed in by the cookie, no form: {loc}"
    );
    assert!(query_of(&loc).contains_key("code"));

    let bad = b
        .get(&format!(
            "/logout?{}",
            form(&[("client_id", &id), ("logout_uri", "https://evil.example/")])
        ))
        .await;
    assert_eq!(
        (bad.status, bad.location.is_none()),
        (400, true),
        "no open redirect"
    );
    let out = b
        .get(&format!(
            "/logout?{}",
            form(&[("client_id", &id), ("logout_uri", SIGNED_OUT)])
        ))
        .await;
    assert_eq!(out.status, 302);
    assert_eq!(out.location.as_deref(), Some(SIGNED_OUT));
    assert!(b.cookie.is_none(), "the cookie is cleared");
    let after = b.authorize(&id, &[]).await;
    assert!(after.location.unwrap().starts_with("/login?txn="));
    assert_eq!(emu.count("logout"), 2);
}

#[tokio::test]
async fn revoke_ends_the_refresh_token_and_user_info_needs_openid() {
    let (emu, api) = start().await;
    let (_pool, client) = hosted_pool(&api, false).await;
    let id = cid(&client);
    let mut b = Browser::new(&emu.endpoint());
    let code = code_for_alice(&mut b, &id, &[]).await;
    let (_, t) = token(&b, form(&exchange(&id, &code, VERIFIER)), None).await;
    let info = b
        .http
        .get(format!("{}/oauth2/userInfo", emu.endpoint()))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["username"], "alice");
    assert_eq!(info["email"], "alice@example.com");
    let anonymous = b
        .http
        .get(format!("{}/oauth2/userInfo", emu.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let rt = t["refresh_token"].as_str().unwrap();
    let revoked = b
        .http
        .post(format!("{}/oauth2/revoke", emu.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", rt), ("client_id", &id)]))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let (status, e) = token(
        &b,
        form(&[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("refresh_token", rt),
        ]),
        None,
    )
    .await;
    assert_eq!((status, e["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn the_admin_operations_set_up_clients_domains_and_providers() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "bob", "Passw0rd!").await;
    let id = cid(&client);
    let updated = api
        .idp(
            "UpdateUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": id, "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                   "CallbackURLs": [CALLBACK], "LogoutURLs": [SIGNED_OUT],
                   "SupportedIdentityProviders": ["COGNITO"]}),
        )
        .await
        .unwrap();
    assert_eq!(updated["UserPoolClient"]["CallbackURLs"], json!([CALLBACK]));
    let described = api
        .idp(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": id}),
        )
        .await
        .unwrap();
    assert_eq!(
        described["UserPoolClient"]["AllowedOAuthFlows"],
        json!(["code"])
    );
    assert_eq!(
        described["UserPoolClient"]["AllowedOAuthFlowsUserPoolClient"],
        json!(true)
    );

    api.idp(
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": "my-app"}),
    )
    .await
    .unwrap();
    let d = api
        .idp("DescribeUserPoolDomain", json!({"Domain": "my-app"}))
        .await
        .unwrap();
    assert_eq!(d["DomainDescription"]["UserPoolId"], json!(pool));
    assert_eq!(d["DomainDescription"]["Status"], "ACTIVE");
    let e = api
        .idp(
            "CreateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": "Bad_Domain"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");

    api.idp(
        "CreateIdentityProvider",
        json!({"UserPoolId": pool, "ProviderName": "MyOidc", "ProviderType": "OIDC",
               "ProviderDetails": {"oidc_issuer": "https://issuer.example"}, "IdpIdentifiers": ["example.com"]}),
    )
    .await
    .unwrap();
    let p = api
        .idp(
            "DescribeIdentityProvider",
            json!({"UserPoolId": pool, "ProviderName": "MyOidc"}),
        )
        .await
        .unwrap();
    assert_eq!(p["IdentityProvider"]["ProviderType"], "OIDC");
    let dup = api
        .idp(
            "CreateIdentityProvider",
            json!({"UserPoolId": pool, "ProviderName": "MyOidc", "ProviderType": "OIDC"}),
        )
        .await
        .unwrap_err();
    assert_eq!(dup.type_, "DuplicateProviderException");
    let list = api
        .idp("ListIdentityProviders", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(list["Providers"][0]["ProviderName"], "MyOidc");
}
