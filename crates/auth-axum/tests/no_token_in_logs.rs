//! A token never reaches a log: with every `auth_axum` and `auth_cognito`
//! event recorded at TRACE, good and forged requests leave no part of any
//! token in the log, and the refusals are logged (so the check can fail).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::{Bed, forge, parts};

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
async fn no_part_of_a_token_is_logged() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("auth_axum=trace,auth_cognito=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let bed = Bed::start().await;
    let t = bed.sign_in(&bed.client, "bob").await;
    let (header, mut payload, sig) = parts(&t.access);
    payload["username"] = json!("alice");
    let tampered = forge(&header, &payload, &sig);
    let mut kid_header = header.clone();
    kid_header["kid"] = json!("forged-kid-value");
    let unknown_kid = forge(&kid_header, &parts(&t.access).1, &sig);
    assert_eq!(bed.get_bearer("/access", &t.access).await.status, 200);
    for token in [&t.id, &tampered, &unknown_kid] {
        assert_eq!(bed.get_bearer("/access", token).await.status, 401);
    }
    assert_eq!(bed.get_bearer("/staff", &t.access).await.status, 403);

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("request refused"),
        "the refusals are logged: {text}"
    );
    for token in [&t.access, &t.id, &tampered, &unknown_kid] {
        for part in token.split('.').filter(|p| p.len() >= 16) {
            assert!(
                !text.contains(&part[..16]),
                "a token part is in the log:\n{text}"
            );
        }
    }
    assert!(!text.contains("forged-kid-value"), "{text}");
}
