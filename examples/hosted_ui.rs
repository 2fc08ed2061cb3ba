//! Sign-in with the hosted UI (Amplify's `signInWithRedirect`), run end to
//! end against an in-process Cognito emulator. Nothing to configure, no
//! network beyond 127.0.0.1, nothing to click:
//!
//! ```text
//! cargo run --example hosted_ui
//! ```
//!
//! So that it runs unattended, the example plays the browser itself: a small
//! HTTP client opens the authorize URL, fills in the emulator's login form
//! (or the mock Google provider's page) and follows the redirect, where a
//! real app opens the system browser (`open_browser`, or
//! `sign_in_with_loopback`, which does it all). `cargo xtask browser` runs the
//! same flow in a real Chromium.
//!
//! 1. A desktop app or CLI: the loopback listener (RFC 8252) on the first
//!    loopback `redirect_sign_in_uri`, `complete`, the session (no
//!    `sign_in_details`, as in Amplify), and sign-out with the `/logout` URL.
//! 2. A server: the pending flow exported into its own session store between
//!    the `/sign-in` and `/callback` requests, and resumed by another plugin
//!    instance (here through the mock Google provider: a federated user).
//! 3. A forged `state` is refused before any code is exchanged.
//!
//! It prints claims and URL paths, never a token, a code, a state or a verifier.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use amplify_auth::cognito::hosted_ui::{HostedUiProvider, SignInWithRedirectOptions};
use amplify_auth::prelude::*;
use cognito_emulator::Emulator;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hosted_ui: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The stand-in for the user's browser on the emulator's hosted UI.
struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(base: &str) -> Result<Self, BoxError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base: base.to_owned(),
        })
    }

    /// The `Location` of a redirect, made absolute.
    fn location(&self, res: &reqwest::Response) -> Result<String, BoxError> {
        let loc = res
            .headers()
            .get("location")
            .ok_or_else(|| format!("expected a redirect, got {}", res.status()))?
            .to_str()?;
        Ok(if loc.starts_with('/') {
            format!("{}{loc}", self.base)
        } else {
            loc.to_owned()
        })
    }

    /// Opens `authorize_url`, submits the page it lands on with `fields`
    /// (posted to `action`), and returns the URL the hosted UI redirects
    /// the browser to: the app's redirect URI with `?code=..&state=..`.
    async fn sign_in(
        &self,
        authorize_url: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Result<String, BoxError> {
        let page = self.location(&self.http.get(authorize_url).send().await?)?;
        let txn = reqwest::Url::parse(&page)?
            .query_pairs()
            .find(|(k, _)| k == "txn")
            .map(|(_, v)| v.into_owned())
            .ok_or("the hosted UI's page has no transaction id")?;
        let mut form = vec![("txn", txn.as_str())];
        form.extend_from_slice(fields);
        // A form body is a query string: let `Url` do the encoding.
        let encoded = reqwest::Url::parse_with_params("http://form.invalid/", &form)?;
        let res = self
            .http
            .post(format!("{}{action}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded.query().unwrap_or_default().to_owned())
            .send()
            .await?;
        self.location(&res)
    }
}

fn path_of(url: &str) -> String {
    reqwest::Url::parse(url).map_or_else(|_| "?".to_owned(), |u| u.path().to_owned())
}

async fn run() -> Result<(), BoxError> {
    println!("Amplify Auth for Rust: sign-in with the hosted UI, on an in-process emulator\n");
    let (_emulator, demo) = Emulator::start_demo().await?;
    let outputs = demo.amplify_outputs_json();
    let config = CognitoConfig::from_amplify_outputs(&outputs)?;
    let oauth = config.oauth().ok_or("the demo has an oauth section")?;
    println!("0. auth.oauth from amplify_outputs.json");
    println!("   domain          {}", oauth.domain);
    println!("   scopes          {}", oauth.scopes.join(" "));
    println!(
        "   sign-in URIs    {}",
        oauth.redirect_sign_in_uri.join(", ")
    );
    let browser = Browser::new(&demo.endpoint)?;
    let plugin = CognitoAuthPlugin::builder(config.clone())
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;

    println!("\n1. A desktop app: the loopback listener");
    let (flow, listener) = plugin
        .prepare_loopback_sign_in(SignInWithRedirectOptions::default())
        .await?;
    println!("   listening on    {}", flow.redirect_uri());
    let authorize = reqwest::Url::parse(flow.authorize_url())?;
    let names: Vec<String> = authorize
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    println!(
        "   authorize URL   {}{} with {}",
        demo.endpoint,
        authorize.path(),
        names.join(", ")
    );
    // The "browser": the login form, then the redirect to the listener.
    let redirect = browser
        .sign_in(
            flow.authorize_url(),
            "/login",
            &[
                ("username", demo.username.as_str()),
                ("password", demo.password.as_str()),
                ("action", "sign_in"),
            ],
        )
        .await?;
    // The browser follows the redirect while the app waits on the listener.
    let deliver = tokio::spawn(browser.http.get(redirect.clone()).send());
    let received = listener.wait_for_redirect(Duration::from_secs(30)).await?;
    let delivered = deliver.await??;
    println!(
        "   the browser     is sent to {} (the listener answers {})",
        path_of(&redirect),
        delivered.status()
    );
    let result = flow.complete(received.expose_secret()).await?;
    println!("   complete        is_signed_in {}", result.is_signed_in);
    let user = plugin.get_current_user().await?;
    println!(
        "   current user    {} (sign_in_details: {})",
        user.username,
        if user.sign_in_details.is_none() {
            "none, as for every hosted-UI sign-in"
        } else {
            "present"
        }
    );
    let session = plugin
        .fetch_auth_session(FetchAuthSessionOptions::force_refresh())
        .await?;
    println!(
        "   refresh         is_signed_in {} after a forced refresh",
        session.is_signed_in()
    );
    let out = plugin.sign_out(SignOutOptions::default()).await?;
    match &out.sign_out_url {
        Some(url) => println!(
            "   sign-out        revoked; open {} to end the hosted UI's session too",
            path_of(url)
        ),
        None => println!("   sign-out        revoked (no /logout URL configured)"),
    }

    println!("\n2. A server: the pending flow kept in its own session store");
    let mut session_store: HashMap<&str, SecretString> = HashMap::new();
    let flow = plugin
        .sign_in_with_redirect(
            SignInWithRedirectOptions::default().with_provider(HostedUiProvider::Google),
        )
        .await?;
    let authorize_url = flow.authorize_url().to_owned();
    session_store.insert("browser-session-1", flow.export_secret());
    drop(flow);
    println!("   /sign-in        flow exported (a secret: server-side only), provider Google");
    let redirect = browser
        .sign_in(
            &authorize_url,
            "/oauth2/idpresponse",
            &[
                ("subject", "example-42"),
                ("email", "example-42@example.com"),
                ("action", "allow"),
            ],
        )
        .await?;
    // Another instance of the server handles the callback.
    let other = CognitoAuthPlugin::builder(config)
        .storage(Arc::new(MemoryStorage::new()))
        .build()?;
    let exported = session_store
        .remove("browser-session-1")
        .ok_or("the flow is in the store")?;
    let flow = other.resume_sign_in_with_redirect(exported.expose_secret())?;
    flow.complete(&redirect).await?;
    let user = other.get_current_user().await?;
    println!(
        "   /callback       another instance signed in {}",
        user.username
    );
    other.sign_out(SignOutOptions::default()).await?;

    println!("\n3. A forged state is refused");
    let flow = plugin
        .sign_in_with_redirect(SignInWithRedirectOptions::default())
        .await?;
    let forged = format!(
        "{}?code=stolen-code&state=not-the-flows-state-0123456789",
        flow.redirect_uri()
    );
    match flow.complete(&forged).await {
        Err(AuthError::StateMismatch) => {
            println!("   complete        refused: state mismatch, no code exchanged");
        }
        other => return Err(format!("a forged state was not refused: {other:?}").into()),
    }

    println!("\nDone.");
    Ok(())
}
