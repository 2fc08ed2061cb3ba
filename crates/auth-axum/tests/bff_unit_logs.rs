//! No secret of a BFF session reaches the log: with every `auth_axum` and
//! `auth_cognito` event recorded at TRACE, a sign-in, a forged callback, a
//! forced refresh and a sign-out leave no token, code, state or cookie value
//! in it, and the session events are logged (so the check can fail).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub,
    dead_code
)]

#[path = "bff_single/bed.rs"]
mod bed;

use std::io::Write;
use std::sync::{Arc, Mutex};

use auth_core::storage::KeyValueStorage as _;

use bed::{Bed, Browser, Shared};

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_session_secret_is_logged() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("auth_axum=trace,auth_cognito=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let bed = Bed::new().await;
    let shared = Shared::default();
    let a = bed.instance(shared.store(), 100).await;
    let mut b = Browser::new();
    let callback = b
        .start_sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    let pre = b
        .jar
        .get("amplify_pre_session")
        .cloned()
        .expect("pre-session");
    let query: Vec<(String, String)> = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let forged = callback.replace("state=", "state=x");
    assert_eq!(b.callback(&forged, &a.base).await.status(), 400);
    // The forged callback used the pre-session up: sign in again.
    b.sign_in(&a.base, &bed.demo.username, &bed.demo.password)
        .await;
    let session = b.session_cookie().unwrap();
    let stored = shared.session(&session);
    let mut secrets = Vec::new();
    for key in stored.keys().into_iter().filter(|k| k != "bff.session") {
        secrets.push(stored.get(&key).await.unwrap().unwrap_or_default());
    }
    assert!(
        secrets.iter().any(|v| v.contains("eyJ")),
        "the store holds the tokens"
    );
    assert_eq!(
        b.get(&format!("{}/me?force_refresh=true", a.base))
            .await
            .status(),
        200
    );
    assert_eq!(
        b.post(&format!("{}/auth/sign-out", a.base), None)
            .await
            .status(),
        200
    );

    secrets.extend([session, pre]);
    secrets.extend(query.into_iter().map(|(_, v)| v));
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("BFF session created"), "{text}");
    assert!(text.contains("BFF callback refused"), "{text}");
    assert!(text.contains("BFF session signed out"), "{text}");
    assert!(!text.contains("eyJ"), "a JWT in the log: {text}");
    for secret in secrets.iter().filter(|s| s.len() >= 16) {
        for chunk in secret.as_bytes().chunks(16).filter(|c| c.len() == 16) {
            let chunk = std::str::from_utf8(chunk).unwrap_or_default();
            assert!(
                !chunk.is_empty() && !text.contains(chunk),
                "a secret in the log"
            );
        }
    }
}
