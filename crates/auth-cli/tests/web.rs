//! `amplify-auth sign-in --web` and the sign-out of a hosted-UI session, on the
//! emulator's demo set-up (its hosted UI and mock Google), with the test playing the
//! browser over HTTP. The real-browser run of the same story is `cargo xtask browser`.
//! moto has no hosted UI, so these have no moto twin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use support::Bed;

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `sign-in --web --no-browser ...` running, with the URL it printed.
struct WebSignIn {
    child: Child,
    url: String,
}

impl Drop for WebSignIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WebSignIn {
    fn start(bed: &Bed, extra: &[&str]) -> Self {
        let mut args = vec!["sign-in", "--web", "--no-browser", "--timeout", "60"];
        args.extend_from_slice(extra);
        let mut child = bed
            .std_cmd(&args)
            .env_remove("BROWSER")
            .env_remove("AMPLIFY_AUTH_OAUTH_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("http://"), "the URL first, got {first:?}");
        Self {
            child,
            url: first.trim().to_owned(),
        }
    }

    /// Waits for the command; its exit code, stdout and stderr.
    fn finish(mut self) -> (i32, String, String) {
        use std::io::Read as _;
        let status = self.child.wait().unwrap();
        let mut out = String::new();
        let mut err = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.code().unwrap_or(-1), out, err)
    }
}

/// The browser: no redirects followed, so the test sees each hop.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn location(res: reqwest::Response, base: &str) -> String {
    let loc = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    if loc.starts_with('/') {
        format!("{base}{loc}")
    } else {
        loc
    }
}

/// The login form filled in with `action`; returns the redirect to the app.
async fn login(base: &str, authorize: &str, password: &str, action: &str) -> String {
    let b = browser();
    let to_login = location(b.get(authorize).send().await.unwrap(), base).await;
    let txn = query_of(&to_login)["txn"].clone();
    let res = b
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("txn", &txn),
            ("username", "demo"),
            ("password", password),
            ("action", action),
        ]))
        .send()
        .await
        .unwrap();
    location(res, base).await
}

/// Follows the redirect to the CLI's loopback listener, as the browser does.
async fn deliver(redirect: &str) -> String {
    let res = browser().get(redirect).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.text().await.unwrap()
}

#[test]
fn sign_in_web_signs_in_through_the_hosted_ui_and_whoami_shows_no_sign_in_details() {
    let bed = Bed::demo();
    let base = bed.setup.endpoint.clone();
    let run = WebSignIn::start(&bed, &[]);
    assert!(
        run.url.starts_with(&format!("{base}/oauth2/authorize?")),
        "{}",
        run.url
    );
    assert_eq!(query_of(&run.url)["code_challenge_method"], "S256");
    let redirect = bed.block_on(login(&base, &run.url, support::PASSWORD, "sign_in"));
    assert!(
        redirect.starts_with(&bed.setup.redirect_sign_in_uri),
        "{redirect}"
    );
    let page = bed.block_on(deliver(&redirect));
    assert!(
        !page.contains(&query_of(&redirect)["code"]),
        "the page carries no code"
    );
    let (code, out, err) = run.finish();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Signed in as demo."), "{out}");

    let who = bed.cmd(&["whoami", "--json"]).output().unwrap();
    assert!(who.status.success());
    let who: serde_json::Value = serde_json::from_slice(&who.stdout).unwrap();
    assert_eq!(who["username"], "demo");
    assert!(who["sign_in_details"].is_null());
    assert!(who["provider"].is_null());
    assert!(bed.stored("default").contains("oauthSignIn"));

    // sign-out revokes and prints the hosted UI's /logout (no browser).
    let out = bed.cmd(&["sign-out", "--no-browser"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let logout = stdout
        .lines()
        .find(|l| l.contains("/logout?"))
        .expect("the logout URL")
        .to_owned();
    let q = query_of(&logout);
    assert_eq!(q["client_id"], bed.setup.client_id);
    assert_eq!(q["logout_uri"], bed.setup.redirect_sign_out_uri);
    let res = bed.block_on(browser().get(&logout).send()).unwrap();
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(bed.emu().count("RevokeToken"), 1);
}

#[test]
fn sign_in_web_with_a_provider_federates_and_whoami_names_the_provider() {
    let bed = Bed::demo();
    let base = bed.setup.endpoint.clone();
    let run = WebSignIn::start(&bed, &["--provider", "google"]);
    assert_eq!(query_of(&run.url)["identity_provider"], "Google");
    let redirect = bed.block_on(async {
        let b = browser();
        let page = location(b.get(&run.url).send().await.unwrap(), &base).await;
        let txn = query_of(&page)["txn"].clone();
        let res = b
            .post(format!("{base}/oauth2/idpresponse"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("txn", &txn),
                ("subject", "cli-7"),
                ("email", "c@example.com"),
                ("action", "allow"),
            ]))
            .send()
            .await
            .unwrap();
        location(res, &base).await
    });
    bed.block_on(deliver(&redirect));
    let (code, out, err) = run.finish();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Signed in as Google_cli-7."), "{out}");
    let who = bed.cmd(&["whoami", "--json"]).output().unwrap();
    let who: serde_json::Value = serde_json::from_slice(&who.stdout).unwrap();
    assert_eq!(who["provider"], "Google");
    assert!(who["sign_in_details"].is_null());
}

#[test]
fn a_cancelled_sign_in_exits_6_and_says_so() {
    let bed = Bed::demo();
    let run = WebSignIn::start(&bed, &[]);
    let redirect = bed.block_on(login(&bed.setup.endpoint, &run.url, "", "cancel"));
    bed.block_on(deliver(&redirect));
    let (code, _out, err) = run.finish();
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("cancelled"), "{err}");
    assert_eq!(bed.emu().count("oauth2/token"), 0);
    assert!(!bed.stored("default").contains("accessToken"));
}

#[test]
fn a_forged_state_is_refused_nothing_is_stored_and_no_code_is_exchanged() {
    let bed = Bed::demo();
    let run = WebSignIn::start(&bed, &[]);
    // A page the user visits sends the listener a code with a state of its own.
    let forged = format!(
        "{}?code=attacker-code&state=attacker-state-0123456789abcdef",
        bed.setup.redirect_sign_in_uri
    );
    bed.block_on(deliver(&forged));
    let (code, _out, err) = run.finish();
    assert_ne!(code, 0);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("state"), "{err}");
    assert_eq!(bed.emu().count("oauth2/token"), 0, "no code was exchanged");
    assert!(
        !bed.stored("default").contains("accessToken"),
        "nothing stored"
    );
}

#[test]
fn without_a_loopback_redirect_uri_the_error_names_the_field() {
    let bed = Bed::demo();
    let text = std::fs::read_to_string(&bed.outputs).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["auth"]["oauth"]["redirect_sign_in_uri"] = serde_json::json!(["myapp://callback"]);
    std::fs::write(&bed.outputs, v.to_string()).unwrap();
    let out = bed
        .cmd(&["sign-in", "--web", "--no-browser"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("auth.oauth.redirect_sign_in_uri"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_browser_variable_is_used_to_open_the_sign_in_url() {
    let bed = Bed::demo();
    let fifo = bed.dir.path().join("url.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let script = bed.dir.path().join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n", fifo.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let child = bed
        .std_cmd(&["sign-in", "--web", "--timeout", "60"])
        .env("BROWSER", &script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Opening the FIFO waits for the script to write: an event, not a sleep.
    let mut url = String::new();
    BufReader::new(std::fs::File::open(&fifo).unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_owned();
    assert!(url.contains("/oauth2/authorize?"), "{url}");
    let redirect = bed.block_on(login(
        &bed.setup.endpoint,
        &url,
        support::PASSWORD,
        "sign_in",
    ));
    bed.block_on(deliver(&redirect));
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signed in as demo."));
}
