//! The real `amplify-auth` binary against the emulator: `--auth-flow user-auth` (a code
//! by email, a choice of first factor), TOTP set-up at sign-in when the pool requires
//! MFA, and the `mfa` commands. Exit codes per the README table; codes, TOTP secrets
//! and the otpauth:// URI never reach stderr or the stored session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read as _, Write as _};
use std::time::Duration;

use cognito_emulator::ClientOptions;
use predicates::prelude::*;
use serde_json::{Value, json};
use support::{Bed, PASSWORD, assert_no_secret, base32_decode, wait_gone};

/// One call of the emulator's Cognito API over plain HTTP (the CLI tests have no HTTP
/// client of their own).
fn idp(bed: &Bed, op: &str, body: Value) -> Value {
    idp_at(&bed.setup.endpoint, op, body)
}

/// One Cognito call to the emulator or moto at `endpoint` (`http://host:port`).
fn idp_at(endpoint: &str, op: &str, body: Value) -> Value {
    let endpoint = endpoint.trim_start_matches("http://");
    let host = endpoint.trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.to_string();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).unwrap_or_default();
    assert_eq!(status, "200", "{op}: {resp}");
    let (_, b) = resp.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(b).unwrap()
}

/// A pool whose sign-in policy allows the password and emailed codes, a client with
/// `ALLOW_USER_AUTH`, and `alice` with an email address.
fn user_auth_bed() -> Bed {
    let bed = Bed::with_client(ClientOptions {
        explicit_auth_flows: Some(vec![
            "ALLOW_USER_AUTH".into(),
            "ALLOW_USER_SRP_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]),
        ..ClientOptions::default()
    });
    idp(
        &bed,
        "UpdateUserPool",
        json!({"UserPoolId": bed.pool(), "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}}),
    );
    bed.emu()
        .admin_create_user_with_attributes(
            bed.pool(),
            "alice",
            PASSWORD,
            true,
            &[("email", "alice@example.com"), ("email_verified", "true")],
        )
        .unwrap();
    bed
}

fn email_code(bed: &Bed) -> String {
    bed.emu()
        .email_otp_code(bed.pool(), "alice")
        .expect("an emailed code")
}

fn other(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.to_owned()
}

fn socket(bed: &Bed) -> std::path::PathBuf {
    bed.storage.join("default").join("challenge.sock")
}

#[test]
fn email_otp_in_a_script_exits_7_naming_email_then_a_wrong_code_6_and_the_code_signs_in() {
    let bed = user_auth_bed();
    let out = bed
        .cmd(&[
            "sign-in",
            "-u",
            "alice",
            "--auth-flow",
            "user-auth",
            "--preferred-challenge",
            "email-otp",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("the code sent by email to a***@example.com"),
        "{err}"
    );
    assert!(err.contains("confirm-sign-in --code"), "{err}");
    let code = email_code(&bed);
    assert!(!err.contains(&code));
    // A wrong code: 6, nothing stored, the challenge still waits.
    bed.cmd(&["confirm-sign-in", "--code", &other(&code)])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(&code).not());
    assert_eq!(bed.stored("default"), "", "nothing stored before the end");
    bed.cmd(&["whoami"]).assert().code(3);
    bed.cmd(&["confirm-sign-in", "--code", &code])
        .assert()
        .success()
        .stdout("Signed in as alice.\n");
    let out = bed.cmd(&["whoami", "--json"]).output().unwrap();
    let who: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(who["sign_in_details"]["auth_flow_type"], "USER_AUTH");
    assert!(wait_gone(&socket(&bed), Duration::from_secs(10)));
    assert_no_secret("the stored session", &bed.stored("default"), &[code]);
}

#[test]
fn email_otp_from_the_outputs_passwordless_section_with_the_code_up_front_is_one_process() {
    let bed = user_auth_bed();
    // auth.passwordless.preferred_challenge is the default first factor.
    let mut outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(&bed.outputs).unwrap()).unwrap();
    outputs["auth"]["passwordless"] =
        json!({"email_otp_enabled": true, "preferred_challenge": "EMAIL_OTP"});
    std::fs::write(&bed.outputs, outputs.to_string()).unwrap();
    // A code given up front that is wrong: rejected, 6.
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--auth-flow",
        "user-auth",
        "--code",
        "000000",
    ])
    .assert()
    .code(6);
    assert_eq!(bed.stored("default"), "");
    // SMS_OTP is off in that section: refused as bad input before any call.
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--auth-flow",
        "user-auth",
        "--preferred-challenge",
        "sms-otp",
        "--code",
        "000000",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("SMS_OTP is not enabled"));
    // --preferred-challenge without user-auth is a usage error.
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--password-stdin",
        "--preferred-challenge",
        "email-otp",
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .code(2);
}

#[test]
fn without_a_preference_a_script_gets_the_choices_then_password_srp_uses_the_given_password() {
    let bed = user_auth_bed();
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--auth-flow",
        "user-auth",
        "--password-stdin",
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .code(7)
    .stderr(predicate::str::contains(
        "a choice of first factor (password, password-srp, email-otp)",
    ))
    .stderr(predicate::str::contains(
        "confirm-sign-in --choice <FACTOR>",
    ));
    // The helper holds the password given to sign-in: the choice finishes it (SRP,
    // checked by the emulator).
    bed.cmd(&["confirm-sign-in", "--choice", "password-srp"])
        .assert()
        .success()
        .stdout("Signed in as alice.\n");
    bed.cmd(&["whoami"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("alice "));
    bed.cmd(&["sign-out"]).assert().success();

    // No password given: choosing `password` asks for it, and a wrong one is 6.
    bed.cmd(&["sign-in", "-u", "alice", "--auth-flow", "user-auth"])
        .assert()
        .code(7);
    bed.cmd(&["confirm-sign-in", "--choice", "password"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("confirm-sign-in --password-stdin"));
    bed.cmd(&["confirm-sign-in", "--password-stdin"])
        .write_stdin("Wr0ngPassword!\n")
        .assert()
        .code(6)
        .stderr(predicate::str::contains("Wr0ngPassword").not());
    bed.cmd(&["whoami"]).assert().code(3);

    // The choice given up front: one process.
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--auth-flow",
        "user-auth",
        "--choice",
        "password-srp",
        "--password-stdin",
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .success()
    .stdout("Signed in as alice.\n");
}

/// The secret of the `otpauth://` URI in `stdout`.
fn uri_secret(stdout: &str) -> String {
    let uri = stdout
        .lines()
        .find(|l| l.starts_with("otpauth://totp/"))
        .unwrap_or_else(|| panic!("no otpauth URI in {stdout:?}"));
    let query = uri.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap()
        .to_owned()
}

fn totp(bed: &Bed, secret: &str) -> String {
    cognito_emulator::totp_code(&base32_decode(secret), bed.emu().now())
}

#[test]
fn mfa_on_sets_up_totp_at_sign_in_with_the_uri_on_stdout_then_a_code() {
    let bed = Bed::demo();
    idp(
        &bed,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": bed.pool(), "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    );
    let out = bed
        .cmd(&["--verbose", "sign-in", "-u", "demo", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("otpauth://totp/AWSCognito:demo?secret="),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{2588}'),
        "no QR code when stdout is not a terminal"
    );
    let secret = uri_secret(&stdout);
    assert_no_secret("sign-in's stderr", &stderr, std::slice::from_ref(&secret));
    assert!(stderr.contains("authenticator app"), "{stderr}");
    assert!(stderr.contains("confirm-sign-in --code"), "{stderr}");
    assert_eq!(bed.stored("default"), "");
    let code = totp(&bed, &secret);
    bed.cmd(&["confirm-sign-in", "--code", &other(&code)])
        .assert()
        .code(6);
    let out = bed
        .cmd(&["--verbose", "confirm-sign-in", "--code", &code])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"Signed in as demo.\n");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_no_secret("confirm-sign-in's stderr", &stderr, &[secret.clone(), code]);
    assert_no_secret("the stored session", &bed.stored("default"), &[secret]);
    bed.cmd(&["mfa", "status"])
        .assert()
        .success()
        .stdout("MFA enabled: totp\nMFA preferred: totp\n");
}

#[test]
fn mfa_commands_set_up_and_prefer_totp_which_the_next_sign_in_asks_for() {
    let bed = Bed::demo();
    bed.cmd(&["mfa", "status"]).assert().code(3);
    bed.sign_in();
    bed.cmd(&["mfa", "status", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"enabled\": []"))
        .stdout(predicate::str::contains("\"preferred\": null"));
    // A script: the URI is printed and the command exits 7 for the code.
    let out = bed.cmd(&["mfa", "setup-totp"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let secret = uri_secret(&stdout);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("mfa setup-totp --code"), "{stderr}");
    assert_no_secret(
        "setup-totp's stderr",
        &stderr,
        std::slice::from_ref(&secret),
    );
    bed.cmd(&["mfa", "setup-totp", "--code", "12345"])
        .assert()
        .code(2);
    let code = totp(&bed, &secret);
    bed.cmd(&["mfa", "setup-totp", "--code", &other(&code)])
        .assert()
        .code(6);
    bed.cmd(&["mfa", "setup-totp", "--code", &code])
        .assert()
        .success()
        .stdout(predicate::str::contains("TOTP is set up"));
    bed.cmd(&["mfa", "prefer", "totp"])
        .assert()
        .success()
        .stdout("MFA enabled: totp\nMFA preferred: totp\n");
    bed.cmd(&["sign-out"]).assert().success();
    // The next sign-in asks for a code; the one just used is refused in its window.
    bed.cmd(&["sign-in", "-u", "demo", "--password-stdin", "--code", &code])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(6);
    bed.emu().set_clock_offset(30);
    bed.cmd(&[
        "sign-in",
        "-u",
        "demo",
        "--password-stdin",
        "--code",
        &totp(&bed, &secret),
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .success();
}

#[test]
fn an_expired_challenge_exits_4_and_the_helper_ends() {
    let bed = user_auth_bed();
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--auth-flow",
        "user-auth",
        "--preferred-challenge",
        "email-otp",
    ])
    .assert()
    .code(7);
    let code = email_code(&bed);
    // Past the challenge session's 3 minutes (on the emulator's clock).
    bed.emu().set_clock_offset(4 * 60);
    bed.cmd(&["confirm-sign-in", "--code", &code])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("amplify-auth sign-in"));
    assert!(wait_gone(&socket(&bed), Duration::from_secs(10)));
    assert_eq!(bed.stored("default"), "");
    bed.cmd(&["whoami"]).assert().code(3);
}

#[test]
fn a_configured_password_preference_needs_the_password_up_front() {
    let bed = user_auth_bed();
    let mut outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(&bed.outputs).unwrap()).unwrap();
    outputs["auth"]["passwordless"] = json!({"preferred_challenge": "PASSWORD_SRP"});
    std::fs::write(&bed.outputs, outputs.to_string()).unwrap();
    // A script without the password is told to give it, before any call.
    bed.cmd(&["sign-in", "-u", "alice", "--auth-flow", "user-auth"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--password-stdin"));
    bed.cmd(&[
        "sign-in",
        "-u",
        "alice",
        "--auth-flow",
        "user-auth",
        "--password-stdin",
    ])
    .write_stdin(format!("{PASSWORD}\n"))
    .assert()
    .success()
    .stdout("Signed in as alice.\n");
}

/// The moto twin: moto 5 has `MFA_SETUP` after SRP sign-in in a pool with MFA `ON`, the
/// TOTP association and the MFA preferences, so the CLI's TOTP set-up at sign-in and its
/// `mfa` commands run against it too. moto lacks `USER_AUTH` (see the library's
/// `moto::lacks_user_auth...` check): the `--auth-flow user-auth` scenarios run on the
/// emulator only. moto checks no TOTP code unless told to, so wrong codes are not
/// checked here.
mod moto {
    use super::*;

    struct MotoBed {
        dir: tempfile::TempDir,
        outputs: std::path::PathBuf,
        storage: std::path::PathBuf,
    }

    impl MotoBed {
        /// A pool with MFA `ON` (TOTP) on moto, a client, and `username` with
        /// [`PASSWORD`].
        fn new(username: &str) -> Self {
            let endpoint = std::env::var("MOTO_ENDPOINT")
                .ok()
                .filter(|e| !e.is_empty())
                .expect("this moto test needs MOTO_ENDPOINT: run `cargo xtask ci`, or `cargo xtask moto` and set MOTO_ENDPOINT");
            let pool = idp_at(
                &endpoint,
                "CreateUserPool",
                json!({"PoolName": format!("cli-mfa-{username}")}),
            );
            let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
            idp_at(
                &endpoint,
                "SetUserPoolMfaConfig",
                json!({"UserPoolId": pool_id, "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
            );
            let client = idp_at(
                &endpoint,
                "CreateUserPoolClient",
                json!({"UserPoolId": pool_id, "ClientName": "cli", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
            );
            let client_id = client["UserPoolClient"]["ClientId"].as_str().unwrap();
            idp_at(
                &endpoint,
                "AdminCreateUser",
                json!({"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS"}),
            );
            idp_at(
                &endpoint,
                "AdminSetUserPassword",
                json!({"UserPoolId": pool_id, "Username": username, "Password": PASSWORD, "Permanent": true}),
            );
            let dir = tempfile::tempdir().unwrap();
            let outputs = dir.path().join("amplify_outputs.json");
            let doc = json!({"version": "1.4", "auth": {
                "aws_region": "us-east-1",
                "user_pool_id": pool_id,
                "user_pool_client_id": client_id,
                "user_pool_endpoint": endpoint,
            }});
            std::fs::write(&outputs, doc.to_string()).unwrap();
            let storage = dir.path().join("store");
            Self {
                dir,
                outputs,
                storage,
            }
        }

        fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
            let mut c = assert_cmd::Command::new(support::BIN);
            support::hermetic(&mut c);
            c.arg("--outputs")
                .arg(&self.outputs)
                .arg("--storage-dir")
                .arg(&self.storage)
                .args(args)
                .timeout(Duration::from_secs(60));
            c
        }
    }

    /// A TOTP code for moto's (lower-case, unpadded) secret at the system time.
    fn totp_now(secret: &str) -> String {
        let mut spec = data_encoding::BASE32_NOPAD.specification();
        spec.check_trailing_bits = false;
        let raw = spec
            .encoding()
            .unwrap()
            .decode(secret.to_ascii_uppercase().as_bytes())
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        cognito_emulator::totp_code(&raw, i64::try_from(now).unwrap())
    }

    #[test]
    #[ignore = "needs MOTO_ENDPOINT: cargo xtask ci starts moto"]
    fn mfa_on_sets_up_totp_at_sign_in_then_mfa_status_and_prefer() {
        let user = format!("u{}", std::process::id());
        let bed = MotoBed::new(&user);
        let out = bed
            .cmd(&["sign-in", "-u", &user, "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(7),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.contains(&format!("otpauth://totp/AWSCognito:{user}?secret=")),
            "{stdout}"
        );
        let secret = uri_secret(&stdout);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_no_secret("sign-in's stderr", &stderr, std::slice::from_ref(&secret));
        assert!(!bed.storage.join("default").join("session.json").exists());
        bed.cmd(&["confirm-sign-in", "--code", &totp_now(&secret)])
            .assert()
            .success()
            .stdout(format!("Signed in as {user}.\n"));
        // The mfa commands on moto's MFA API.
        let out = bed.cmd(&["mfa", "setup-totp"]).output().unwrap();
        assert_eq!(out.status.code(), Some(7));
        let secret = uri_secret(&String::from_utf8(out.stdout).unwrap());
        bed.cmd(&["mfa", "setup-totp", "--code", &totp_now(&secret)])
            .assert()
            .success();
        bed.cmd(&["mfa", "prefer", "totp"])
            .assert()
            .success()
            .stdout(predicate::str::contains("MFA preferred: totp"));
        bed.cmd(&["mfa", "status", "--json"])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"totp\""));
        drop(bed.dir);
    }
}
