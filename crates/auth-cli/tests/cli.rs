//! End-to-end tests: the real `amplify-auth` binary against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use cognito_emulator::ClientOptions;
use predicates::prelude::*;
use support::{BIN, Bed, PASSWORD, assert_no_secret, base32_decode, closed_port, wait_gone};

const TOTP_SECRET_B32: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn totp_now(bed: &Bed) -> String {
    cognito_emulator::totp_code(&base32_decode(TOTP_SECRET_B32), bed.emu().now())
}

fn wrong_code(good: &str) -> String {
    if good == "000000" { "111111" } else { "000000" }.to_owned()
}

#[test]
fn help_documents_exit_codes_and_needs_no_network_or_outputs() {
    let mut c = assert_cmd::Command::new(BIN);
    support::hermetic(&mut c);
    c.args(["--outputs", "/nonexistent/amplify_outputs.json", "--help"])
        .timeout(Duration::from_secs(10))
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("4  session expired"));
}

#[test]
fn completions_are_generated_for_bash() {
    let mut c = assert_cmd::Command::new(BIN);
    support::hermetic(&mut c);
    c.args(["completions", "bash"])
        .timeout(Duration::from_secs(10))
        .assert()
        .success()
        .stdout(predicate::str::contains("amplify-auth"))
        .stdout(predicate::str::contains("sign-in"));
}

#[test]
fn usage_errors_and_bad_input_exit_2() {
    let bed = Bed::demo();
    // clap: --id or --access is required.
    bed.cmd(&["token"]).assert().code(2);
    // A profile name that is not a single safe path component.
    bed.cmd(&["--profile", "../etc", "status"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid profile name"));
    // A missing outputs file.
    let mut c = assert_cmd::Command::new(BIN);
    support::hermetic(&mut c);
    c.args(["--outputs", "/nonexistent/amplify_outputs.json", "whoami"])
        .arg("--storage-dir")
        .arg(&bed.storage)
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    // Malformed outputs.
    let bad = bed.dir.path().join("bad.json");
    std::fs::write(&bad, "{\"auth\": 3}").unwrap();
    let mut c = assert_cmd::Command::new(BIN);
    support::hermetic(&mut c);
    c.arg("--outputs")
        .arg(&bad)
        .arg("--storage-dir")
        .arg(&bed.storage)
        .arg("whoami")
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid configuration"));
    // A password from a pipe without --password-stdin.
    bed.cmd(&["sign-in", "--username", "demo"])
        .write_stdin("x\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--password-stdin"));
}

#[test]
fn signed_in_user_flows_through_every_command_without_printing_secrets() {
    let bed = Bed::demo();
    bed.cmd(&["whoami"])
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with(
            "amplify-auth: no user is signed in",
        ));
    bed.cmd(&["status"]).assert().code(3);

    bed.cmd(&["sign-in", "--username", "demo", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success()
        .stdout("Signed in as demo.\n");
    let secrets: Vec<String> = bed
        .stored_secrets("default")
        .into_iter()
        .chain([PASSWORD.to_owned()])
        .collect();
    assert!(secrets.len() >= 4, "tokens are stored");

    // whoami --json
    let out = bed.cmd(&["whoami", "--json"]).output().unwrap();
    assert!(out.status.success());
    let who: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(who["username"], "demo");
    assert_eq!(who["sign_in_details"]["login_id"], "demo");
    assert_eq!(who["sign_in_details"]["auth_flow_type"], "USER_SRP_AUTH");
    let sub = who["user_id"].as_str().unwrap().to_owned();

    // session --json: claims and expiries, never the tokens.
    let out = bed.cmd(&["session", "--json"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_no_secret("session --json", &text, &secrets);
    let s: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(s["is_signed_in"], true);
    assert_eq!(s["user_sub"], sub.as_str());
    assert_eq!(s["tokens"]["access_token"]["claims"]["username"], "demo");
    assert_eq!(
        s["tokens"]["id_token"]["claims"]["cognito:username"],
        "demo"
    );
    assert!(
        s["tokens"]["access_token"]["expires_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let identity_id = s["identity_id"].as_str().unwrap().to_owned();
    let key = s["credentials"]["access_key_id"].as_str().unwrap();
    assert_eq!(
        bed.emu().identity_for_access_key(key).as_deref(),
        Some(identity_id.as_str())
    );

    // token: exactly the JWT, and the right one, with no network call.
    bed.emu().reset_counters();
    let out = bed.cmd(&["token", "--id"]).output().unwrap();
    assert!(
        bed.emu().counters().is_empty(),
        "{:?}",
        bed.emu().counters()
    );
    assert!(out.status.success());
    let id_jwt = String::from_utf8(out.stdout).unwrap();
    assert_eq!(id_jwt.matches('\n').count(), 1);
    let id_jwt = id_jwt.trim_end();
    assert_eq!(id_jwt.split('.').count(), 3);
    assert!(secrets.iter().any(|t| t == id_jwt), "the stored id token");
    let out = bed.cmd(&["token", "--access"]).output().unwrap();
    let access_jwt = String::from_utf8(out.stdout).unwrap();
    assert!(secrets.iter().any(|t| t == access_jwt.trim_end()));

    // credentials, both formats.
    let out = bed
        .cmd(&["credentials", "--format", "credential-process"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c["Version"], 1);
    let key = c["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA"));
    assert!(!c["SecretAccessKey"].as_str().unwrap().is_empty());
    assert!(!c["SessionToken"].as_str().unwrap().is_empty());
    let exp = c["Expiration"].as_str().unwrap();
    assert!(exp.len() == 20 && exp.ends_with('Z') && exp.as_bytes()[10] == b'T');
    assert_eq!(
        bed.emu().identity_for_access_key(key).as_deref(),
        Some(identity_id.as_str())
    );
    assert!(!bed.emu().identity_logins(&identity_id).unwrap().is_empty());
    bed.cmd(&["credentials", "--format", "env"])
        .assert()
        .success()
        .stdout(predicate::str::contains("export AWS_ACCESS_KEY_ID='ASIA"))
        .stdout(predicate::str::contains("export AWS_SECRET_ACCESS_KEY='"))
        .stdout(predicate::str::contains("export AWS_SESSION_TOKEN='"))
        .stdout(predicate::str::contains(
            "export AWS_CREDENTIAL_EXPIRATION='",
        ));

    // status: a countdown, and no secrets.
    let out = bed.cmd(&["status"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Signed in as demo"), "{text}");
    assert!(text.contains("% left"), "{text}");
    assert_no_secret("status", &text, &secrets);

    // --verbose logs to stderr, redacted.
    let out = bed
        .cmd(&["--verbose", "session", "--force-refresh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut secrets_now = secrets.clone();
    secrets_now.extend(bed.stored_secrets("default"));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DEBUG"),
        "verbose logs"
    );
    assert_no_secret("session --verbose", &all, &secrets_now);

    // The store is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let file = bed.storage.join("default").join("session.json");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Another profile is independent.
    bed.cmd(&["--profile", "other", "whoami"]).assert().code(3);

    // sign-out, then guest credentials (and --no-guest refuses them).
    bed.cmd(&["sign-out"])
        .assert()
        .success()
        .stdout("Signed out.\n");
    bed.cmd(&["whoami"]).assert().code(3);
    bed.cmd(&["token", "--id"]).assert().code(3);
    bed.cmd(&["credentials", "--no-guest"]).assert().code(3);
    let out = bed.cmd(&["credentials"]).output().unwrap();
    assert!(out.status.success());
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let guest_identity = bed
        .emu()
        .identity_for_access_key(c["AccessKeyId"].as_str().unwrap())
        .unwrap();
    assert_ne!(guest_identity, identity_id);
    assert!(
        bed.emu()
            .identity_logins(&guest_identity)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn wrong_password_exits_6_with_one_line_and_no_secret() {
    let bed = Bed::demo();
    let out = bed
        .cmd(&["sign-in", "--username", "demo", "--password-stdin"])
        .write_stdin("Wr0ngPassword!\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("amplify-auth: not authorized"), "{err}");
    assert!(!err.contains("Wr0ngPassword"));
    // In process too (answers given, so no helper).
    bed.cmd(&[
        "sign-in",
        "--username",
        "demo",
        "--password-stdin",
        "--auth-flow",
        "password",
        "--code",
        "123456",
    ])
    .write_stdin("Wr0ngPassword!\n")
    .assert()
    .code(6);
}

#[test]
fn unreachable_service_exits_5() {
    let bed = Bed::demo();
    let port = closed_port();
    let outputs = bed.dir.path().join("dead.json");
    let text = std::fs::read_to_string(&bed.outputs)
        .unwrap()
        .replace(&bed.setup.endpoint, &format!("http://127.0.0.1:{port}"));
    std::fs::write(&outputs, text).unwrap();
    let mut c = assert_cmd::Command::new(BIN);
    support::hermetic(&mut c);
    c.arg("--outputs")
        .arg(&outputs)
        .arg("--storage-dir")
        .arg(&bed.storage)
        .args(["sign-in", "--username", "demo", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(5)
        .stderr(predicate::str::contains("network error"));
}

#[test]
fn revoked_session_exits_4_in_later_processes_until_sign_out() {
    let bed = Bed::demo();
    bed.sign_in();
    bed.emu()
        .admin_user_global_sign_out(bed.pool(), "demo")
        .unwrap();
    bed.cmd(&["session", "--force-refresh"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("session has expired"));
    // The library persists that the session expired: a later process says
    // so too, rather than "not signed in".
    bed.cmd(&["whoami"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("session has expired"));
    bed.cmd(&["sign-out"]).assert().success();
    bed.cmd(&["whoami"]).assert().code(3);
}

#[test]
fn global_sign_out_revokes_on_the_server() {
    let bed = Bed::demo();
    let out = bed
        .cmd(&[
            "--verbose",
            "sign-in",
            "--username",
            "demo",
            "--password-stdin",
            "--auth-flow",
            "password",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sign-in started"),
        "the helper's logs: {stderr}"
    );
    let mut secrets = bed.stored_secrets("default");
    secrets.push(PASSWORD.to_owned());
    assert_no_secret("sign-in --verbose", &stderr, &secrets);
    bed.cmd(&["whoami", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("USER_PASSWORD_AUTH"));
    bed.emu().reset_counters();
    bed.cmd(&["sign-out", "--global"])
        .assert()
        .success()
        .stdout("Signed out everywhere.\n");
    assert_eq!(bed.emu().count("GlobalSignOut"), 1);
    bed.cmd(&["whoami"]).assert().code(3);
}

#[test]
fn totp_challenge_is_answered_by_code_on_sign_in() {
    let bed = Bed::demo();
    bed.emu()
        .set_totp_secret(bed.pool(), "demo", TOTP_SECRET_B32)
        .unwrap();
    // No code: a script is told what to pass (the helper keeps waiting).
    // With a wrong code: rejected.
    let good = totp_now(&bed);
    bed.cmd(&[
        "--profile",
        "p1",
        "sign-in",
        "-u",
        "demo",
        "--password-stdin",
        "--code",
        &wrong_code(&good),
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .code(6)
    .stderr(predicate::str::contains("code mismatch"));
    bed.cmd(&[
        "--profile",
        "p1",
        "sign-in",
        "-u",
        "demo",
        "--password-stdin",
        "--code",
        &totp_now(&bed),
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .success()
    .stdout("Signed in as demo.\n");
    bed.cmd(&["--profile", "p1", "whoami"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("demo "));
}

#[test]
fn totp_challenge_is_answered_by_a_later_confirm_sign_in_process() {
    let bed = Bed::demo();
    bed.emu()
        .set_totp_secret(bed.pool(), "demo", TOTP_SECRET_B32)
        .unwrap();
    bed.cmd(&["confirm-sign-in", "--code", "123456"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no sign-in is waiting"));
    bed.cmd(&["sign-in", "-u", "demo", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(7)
        .stderr(predicate::str::contains("TOTP code"))
        .stderr(predicate::str::contains("confirm-sign-in --code"));
    let socket = bed.storage.join("default").join("challenge.sock");
    assert!(socket.exists());
    // A wrong code is rejected and can be retried.
    let good = totp_now(&bed);
    bed.cmd(&["confirm-sign-in", "--code", &wrong_code(&good)])
        .assert()
        .code(6);
    bed.cmd(&["whoami"]).assert().code(3);
    bed.cmd(&["confirm-sign-in", "--code", &totp_now(&bed)])
        .assert()
        .success()
        .stdout("Signed in as demo.\n");
    bed.cmd(&["whoami", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"username\": \"demo\""));
    assert!(
        wait_gone(&socket, Duration::from_secs(10)),
        "the helper ends"
    );
    bed.cmd(&["confirm-sign-in", "--code", "123456"])
        .assert()
        .code(2);
}

#[test]
fn new_password_challenge_is_answered_from_stdin() {
    let bed = Bed::demo();
    bed.emu()
        .admin_create_user(bed.pool(), "newbie", "Temp0rary!", false)
        .unwrap();
    bed.cmd(&["sign-in", "-u", "newbie", "--password-stdin"])
        .write_stdin("Temp0rary!\n")
        .assert()
        .code(7)
        .stderr(predicate::str::contains("--new-password-stdin"));
    bed.cmd(&["confirm-sign-in", "--new-password-stdin"])
        .write_stdin("Brand-New-Passw0rd!\n")
        .assert()
        .success()
        .stdout("Signed in as newbie.\n");
    bed.cmd(&["sign-out"]).assert().success();
    // In process: both passwords on stdin.
    bed.emu()
        .admin_set_user_password(bed.pool(), "newbie", "Temp0rary2!", false)
        .unwrap();
    bed.cmd(&[
        "sign-in",
        "-u",
        "newbie",
        "--password-stdin",
        "--new-password-stdin",
    ])
    .write_stdin("Temp0rary2!\nAnother-Passw0rd!\n")
    .assert()
    .success();
    bed.cmd(&["whoami"]).assert().success();
}

#[test]
fn two_processes_with_expired_tokens_refresh_once() {
    // The tokens' whole lifetime passes (on the emulator's clock and on the
    // clock the CLI reads the stored session by; no real waiting), so they
    // have expired; the refreshed ones have a whole lifetime ahead, so the
    // second process adopts them however slowly it starts.
    let bed = Bed::with_client(ClientOptions::default());
    bed.sign_in();
    let before = bed.session_json();
    let old_jti = before["tokens"]["access_token"]["claims"]["jti"].clone();
    bed.advance_clocks("default", lifetime_secs(&before));
    bed.emu().reset_counters();
    let mut children: Vec<_> = (0..2)
        .map(|_| {
            bed.std_cmd(&["session", "--json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .drain(..)
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut jtis = Vec::new();
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["is_signed_in"], true);
        jtis.push(v["tokens"]["access_token"]["claims"]["jti"].clone());
    }
    assert_eq!(
        bed.emu().count("GetTokensFromRefreshToken"),
        1,
        "counters: {:?}",
        bed.emu().counters()
    );
    assert_eq!(
        jtis[0], jtis[1],
        "both processes use the one refreshed token"
    );
    assert_ne!(jtis[0], old_jti);

    // `token` refreshes first when needed, and prints the new token.
    let stored_before = bed.stored_secrets("default");
    bed.advance_clocks("default", lifetime_secs(&bed.session_json()));
    bed.emu().reset_counters();
    let out = bed.cmd(&["token", "--access"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stored_before.iter().any(|t| t == token.trim_end()),
        "a new token"
    );
    assert!(
        bed.stored_secrets("default")
            .iter()
            .any(|t| t == token.trim_end())
    );
}

/// The lifetime (`exp - iat`) of the access token in a `session --json`.
fn lifetime_secs(session: &serde_json::Value) -> i64 {
    let claims = &session["tokens"]["access_token"]["claims"];
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(lifetime > 0, "{claims}");
    lifetime
}
