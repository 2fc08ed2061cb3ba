//! The walk-through script (the README's CLI section, step by step) runs
//! against the emulator's demo set-up and tells the whole story.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{BIN, Bed};

#[test]
fn walkthrough_script_tells_the_story_against_the_emulator() {
    let bed = Bed::demo();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/walkthrough.sh");
    let mut child = Command::new("bash")
        .arg(&script)
        .arg(&bed.outputs)
        .env("AMPLIFY_AUTH", BIN)
        .env("AMPLIFY_AUTH_STORAGE_DIR", &bed.storage)
        .env_remove("AMPLIFY_AUTH_USER_POOL_ENDPOINT")
        .env_remove("AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the walk-through did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "Not signed in",
        "Signed in as demo.",
        "\"username\": \"demo\"",
        "% left",
        "\"is_signed_in\": true",
        "export AWS_SECRET_ACCESS_KEY=[masked]",
        "Signed out everywhere.",
        "(exit code 3)",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("AWS_SESSION_TOKEN='"),
        "secrets are masked"
    );
}
