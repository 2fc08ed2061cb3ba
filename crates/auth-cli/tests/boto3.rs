//! A real client consumes the output: botocore runs `amplify-auth credentials
//! --format credential-process` as a profile's `credential_process` and calls
//! STS on moto with the credentials our identity pool (the emulator) issued.
//!
//! Needs `MOTO_ENDPOINT` and the venv at `target/py-venv` (both made by
//! `cargo xtask ci`), so the tests are ignored unless asked for, and named
//! `moto::*`: `cargo xtask ci` runs them with moto. Asked for without their
//! prerequisites, they fail with the reason rather than pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{BIN, Bed};

/// The moto endpoint and the venv's python; panics with the reason when
/// one is missing.
fn prerequisites() -> (String, PathBuf) {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/py-venv/bin/python");
    let endpoint = std::env::var("MOTO_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty());
    match endpoint {
        None => panic!(
            "this moto test needs MOTO_ENDPOINT: run `cargo xtask ci`, or `cargo xtask moto` and set MOTO_ENDPOINT"
        ),
        Some(_) if !python.exists() => {
            panic!("this moto test needs the venv target/py-venv: run `cargo xtask venv`")
        }
        Some(endpoint) => (endpoint, python),
    }
}

/// Runs the Python script (bounded) and returns its JSON line.
fn run_boto3(bed: &Bed, python: &PathBuf, endpoint: &str) -> serde_json::Value {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/credential_process_boto3.py");
    let mut child = Command::new(python)
        .arg(&script)
        .arg(BIN)
        .arg(&bed.outputs)
        .arg(&bed.storage)
        .arg(endpoint)
        .arg(bed.dir.path())
        .env_remove("AMPLIFY_AUTH_PROFILE")
        .env_remove("AMPLIFY_AUTH_USER_POOL_ENDPOINT")
        .env_remove("AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the boto3 script did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "boto3 script failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

/// The tests that need moto: named `moto::*` so that `cargo xtask ci` selects them.
mod moto {
    use super::*;

    #[test]
    #[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
    fn botocore_uses_the_identity_pool_credentials_of_the_signed_in_user_via_credential_process() {
        let (endpoint, python) = prerequisites();
        let bed = Bed::demo();
        bed.sign_in();
        let session = bed.session_json();
        let identity_id = session["identity_id"].as_str().unwrap().to_owned();
        bed.emu().reset_counters();

        let v = run_boto3(&bed, &python, &endpoint);
        eprintln!(
            "moto's GetCallerIdentity: account {}, arn {}, user id {}",
            v["sts_account"], v["sts_arn"], v["sts_user_id"]
        );
        assert_eq!(
            v["method"], "custom-process",
            "botocore ran credential_process"
        );
        assert_eq!(v["has_secret_key"], true);
        assert_eq!(v["has_session_token"], true);
        assert!(
            v["sts_arn"]
                .as_str()
                .is_some_and(|a| a.starts_with("arn:aws"))
        );
        let key = v["access_key"].as_str().unwrap();
        assert!(key.starts_with("ASIA"), "{key}");
        // The key botocore signed with is one our identity pool issued, for the
        // signed-in user's (authenticated) identity.
        assert_eq!(
            bed.emu().identity_for_access_key(key).as_deref(),
            Some(identity_id.as_str()),
            "the access key botocore used was issued by the emulator's identity pool for this user"
        );
        assert!(!bed.emu().identity_logins(&identity_id).unwrap().is_empty());
        // `session` above fetched the credentials and stored them: the
        // credential_process run reuses them without a call.
        assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 0);
    }

    #[test]
    #[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
    fn botocore_gets_guest_credentials_when_no_one_is_signed_in() {
        let (endpoint, python) = prerequisites();
        let bed = Bed::demo();
        let v = run_boto3(&bed, &python, &endpoint);
        let key = v["access_key"].as_str().unwrap();
        let identity = bed
            .emu()
            .identity_for_access_key(key)
            .expect("issued by the emulator");
        assert!(
            bed.emu().identity_logins(&identity).unwrap().is_empty(),
            "a guest identity"
        );
    }
}
