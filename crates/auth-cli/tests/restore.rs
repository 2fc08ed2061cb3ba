//! Zero network calls on restore, process by process: once one
//! `amplify-auth` process has fetched the AWS credentials, later processes
//! (`credentials --format credential-process`, `token`, `session`) are
//! served from the store without a call while the session is valid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use cognito_emulator::ClientOptions;
use support::Bed;

fn credential_process(bed: &Bed) -> serde_json::Value {
    let out = bed
        .cmd(&["credentials", "--format", "credential-process"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn later_processes_make_no_call_for_credentials_tokens_or_the_session() {
    let bed = Bed::with_client(ClientOptions::default());
    bed.sign_in();
    let first = credential_process(&bed);
    assert!(first["AccessKeyId"].as_str().is_some_and(|k| !k.is_empty()));
    bed.emu().reset_counters();

    let again = credential_process(&bed);
    assert_eq!(again["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(again["SecretAccessKey"], first["SecretAccessKey"]);
    assert_eq!(again["Expiration"], first["Expiration"]);
    let token = bed.cmd(&["token", "--access"]).output().unwrap();
    assert!(token.status.success());
    let session = bed.session_json();
    assert_eq!(session["is_signed_in"], true);
    let calls: u64 = bed.emu().counters().values().sum();
    assert_eq!(calls, 0, "counters: {:?}", bed.emu().counters());

    // Signing out removes the stored credentials: the next process asks
    // for guest credentials of a new identity.
    bed.cmd(&["sign-out"]).assert().success();
    assert!(!bed.stored("default").contains("awsCredentials"));
    let guest = credential_process(&bed);
    assert_ne!(guest["AccessKeyId"], first["AccessKeyId"]);
}
