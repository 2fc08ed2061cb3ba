//! The account commands end to end: the real `amplify-auth` binary against
//! the in-process emulator (sign-up with auto sign-in, password reset and
//! change, attributes, delete-user), with the exit codes of the table and no
//! password in any output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use cognito_emulator::ClientOptions;
use support::{Bed, PASSWORD};

/// A new password that meets the emulator's default policy.
const NEW_PASSWORD: &str = "N3w-Passw0rd!x";

/// A bed whose client allows `USER_AUTH` (auto sign-in) when `user_auth`.
fn bed(user_auth: bool) -> Bed {
    let mut flows = vec!["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
    if user_auth {
        flows.push("ALLOW_USER_AUTH");
    }
    Bed::with_client(ClientOptions {
        explicit_auth_flows: Some(flows.into_iter().map(str::to_owned).collect()),
        ..ClientOptions::default()
    })
}

/// What a run printed, and its exit code.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `amplify-auth ARGS` with `stdin`, and checks that no password
/// reached stdout or stderr.
fn run(bed: &Bed, args: &[&str], stdin: &str) -> Run {
    let out = bed.cmd(args).write_stdin(stdin).output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for secret in [PASSWORD, NEW_PASSWORD] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "`{}` printed a password",
            args.join(" ")
        );
    }
    run
}

/// Asserts the exit code, showing the output when it differs.
#[track_caller]
fn expect(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "exit code {}, stdout {:?}, stderr {:?}",
        run.code, run.stdout, run.stderr
    );
}

/// A code other than `good`.
fn wrong(good: &str) -> String {
    if good == "000000" { "111111" } else { "000000" }.to_owned()
}

/// Signs `user` up through the CLI, with an e-mail; exit code 7 (a code is
/// needed).
fn sign_up(bed: &Bed, user: &str) {
    let email = format!("--attribute=email={user}@example.com");
    let r = run(
        bed,
        &[
            "--verbose",
            "sign-up",
            "--username",
            user,
            "--password-stdin",
            &email,
        ],
        &format!("{PASSWORD}\n"),
    );
    expect(&r, 7);
    assert!(
        r.stdout.starts_with(&format!("Signed up {user}")),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("confirm-sign-up"), "{}", r.stderr);
    assert!(r.stderr.contains("(EMAIL)"), "{}", r.stderr);
    let code = bed.emu().confirmation_code(bed.pool(), user).unwrap();
    assert!(!r.stderr.contains(&code), "the code in the verbose logs");
}

/// Signs `user` up and confirms it (no sign-in).
fn confirmed(bed: &Bed, user: &str) {
    sign_up(bed, user);
    let code = bed.emu().confirmation_code(bed.pool(), user).unwrap();
    expect(
        &run(
            bed,
            &["confirm-sign-up", "--username", user, "--code", &code],
            "",
        ),
        0,
    );
}

fn sign_in(bed: &Bed, user: &str, password: &str) -> Run {
    run(
        bed,
        &["sign-in", "--username", user, "--password-stdin"],
        &format!("{password}\n"),
    )
}

fn whoami(bed: &Bed) -> serde_json::Value {
    let r = run(bed, &["whoami", "--json"], "");
    expect(&r, 0);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn sign_up_exits_7_then_confirm_sign_up_with_sign_in_signs_in_through_auto_sign_in() {
    let bed = bed(true);
    sign_up(&bed, "alice");
    let code = bed.emu().confirmation_code(bed.pool(), "alice").unwrap();

    // A wrong code is rejected (6), and the right one still works.
    let r = run(
        &bed,
        &[
            "confirm-sign-up",
            "--username",
            "alice",
            "--code",
            &wrong(&code),
            "--sign-in",
        ],
        "",
    );
    expect(&r, 6);
    assert!(r.stderr.contains("code mismatch"), "{}", r.stderr);
    expect(&run(&bed, &["whoami"], ""), 3);

    // --verbose logs the requests to stderr: neither the code nor a token.
    let r = run(
        &bed,
        &[
            "--verbose",
            "confirm-sign-up",
            "--username",
            "alice",
            "--code",
            &code,
            "--sign-in",
        ],
        "",
    );
    expect(&r, 0);
    assert_eq!(r.stdout, "Confirmed alice.\nSigned in as alice.\n");
    assert!(!r.stderr.is_empty(), "verbose logs");
    assert!(!r.stdout.contains(&code) && !r.stderr.contains(&code));
    support::assert_no_secret(
        "confirm-sign-up --verbose",
        &r.stderr,
        &bed.stored_secrets("default"),
    );
    let who = whoami(&bed);
    assert_eq!(who["username"], "alice");
    assert_eq!(who["sign_in_details"]["auth_flow_type"], "USER_AUTH");
    // The session is a real one: tokens for the new user.
    let session = bed.session_json();
    assert_eq!(session["is_signed_in"], true, "{session}");
    assert!(session["identity_id"].is_string(), "{session}");

    // The code was single use.
    let r = run(
        &bed,
        &["confirm-sign-up", "--username", "alice", "--code", &code],
        "",
    );
    expect(&r, 6);
}

#[test]
fn a_taken_username_and_a_policy_violation_exit_2_and_say_which() {
    let bed = bed(false);
    let r = run(
        &bed,
        &["sign-up", "--username", "demo", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    expect(&r, 2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert!(
        r.stderr.contains("reset-password"),
        "the hint: {}",
        r.stderr
    );

    let r = run(
        &bed,
        &["sign-up", "--username", "bob", "--password-stdin"],
        "short\n",
    );
    expect(&r, 2);
    assert!(r.stderr.contains("policy"), "{}", r.stderr);
    assert!(
        r.stderr.contains("not long enough"),
        "names the rule: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("short\n") && !r.stdout.contains("short"));

    // Bad input before any request: no password on stdin, a malformed attribute.
    expect(
        &run(
            &bed,
            &["sign-up", "--username", "bob", "--password-stdin"],
            "",
        ),
        2,
    );
    let r = run(
        &bed,
        &[
            "sign-up",
            "--username",
            "bob",
            "--password-stdin",
            "--attribute",
            "email",
        ],
        &format!("{PASSWORD}\n"),
    );
    expect(&r, 2);
    assert!(r.stderr.contains("NAME=VALUE"), "{}", r.stderr);
}

#[test]
fn without_user_auth_the_sign_in_is_refused_visibly_and_unconfirmed_sign_in_exits_7() {
    let bed = bed(false);
    sign_up(&bed, "carol");

    // Signing in before the confirmation: exit 7, naming the command that answers it.
    let r = sign_in(&bed, "carol", PASSWORD);
    expect(&r, 7);
    assert!(r.stderr.contains("confirm-sign-up"), "{}", r.stderr);

    // A new code; the old one no longer works.
    let old = bed.emu().confirmation_code(bed.pool(), "carol").unwrap();
    let r = run(&bed, &["resend-sign-up-code", "--username", "carol"], "");
    expect(&r, 0);
    assert!(r.stdout.contains("(EMAIL)"), "{}", r.stdout);
    let new = bed.emu().confirmation_code(bed.pool(), "carol").unwrap();
    assert_ne!(new, old, "a new code was sent");
    let r = run(
        &bed,
        &["confirm-sign-up", "--username", "carol", "--code", &old],
        "",
    );
    expect(&r, 6);

    // Confirmed, but the client does not allow USER_AUTH: the result says so.
    let r = run(
        &bed,
        &[
            "confirm-sign-up",
            "--username",
            "carol",
            "--code",
            &new,
            "--sign-in",
        ],
        "",
    );
    expect(&r, 7);
    assert!(r.stdout.contains("Confirmed carol."), "{}", r.stdout);
    assert!(
        r.stderr.contains("auto sign-in is unavailable"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("amplify-auth sign-in"), "{}", r.stderr);
    expect(&run(&bed, &["whoami"], ""), 3);
    expect(&sign_in(&bed, "carol", PASSWORD), 0);
}

#[test]
fn reset_password_then_confirm_reset_password_and_the_new_password_signs_in() {
    let bed = bed(false);
    confirmed(&bed, "dave");

    let r = run(&bed, &["reset-password", "--username", "dave"], "");
    expect(&r, 0);
    assert!(r.stdout.contains("(EMAIL)"), "{}", r.stdout);
    assert!(r.stdout.contains("confirm-reset-password"), "{}", r.stdout);
    let code = bed.emu().forgot_password_code(bed.pool(), "dave").unwrap();

    let confirm = |code: &str, password: &str| {
        run(
            &bed,
            &[
                "--verbose",
                "confirm-reset-password",
                "--username",
                "dave",
                "--code",
                code,
                "--new-password-stdin",
            ],
            &format!("{password}\n"),
        )
    };
    expect(&confirm(&wrong(&code), NEW_PASSWORD), 6);
    let r = confirm(&code, "weak");
    expect(&r, 2);
    assert!(r.stderr.contains("policy"), "{}", r.stderr);
    let r = confirm(&code, NEW_PASSWORD);
    expect(&r, 0);
    assert!(!r.stderr.is_empty(), "verbose logs");
    assert!(!r.stderr.contains(&code), "the reset code in the logs");
    // Single use.
    expect(&confirm(&code, NEW_PASSWORD), 6);

    expect(&sign_in(&bed, "dave", PASSWORD), 6);
    expect(&sign_in(&bed, "dave", NEW_PASSWORD), 0);
    assert_eq!(whoami(&bed)["username"], "dave");
}

#[test]
fn change_password_reads_two_lines_and_a_wrong_current_password_exits_6() {
    let bed = bed(false);
    confirmed(&bed, "erin");
    // Not signed in: 3.
    expect(
        &run(
            &bed,
            &["change-password"],
            &format!("{PASSWORD}\n{NEW_PASSWORD}\n"),
        ),
        3,
    );
    expect(&sign_in(&bed, "erin", PASSWORD), 0);

    let r = run(&bed, &["change-password"], &format!("{PASSWORD}\n"));
    expect(&r, 2);
    assert!(r.stderr.contains("new one is missing"), "{}", r.stderr);
    expect(
        &run(
            &bed,
            &["change-password"],
            &format!("Wrong-Passw0rd!\n{NEW_PASSWORD}\n"),
        ),
        6,
    );
    // --verbose: neither password reaches the logs (`run` checks).
    let r = run(
        &bed,
        &["--verbose", "change-password"],
        &format!("{PASSWORD}\n{NEW_PASSWORD}\n"),
    );
    expect(&r, 0);
    assert_eq!(r.stdout, "Password changed.\n");
    assert!(!r.stderr.is_empty(), "verbose logs");
    // Still signed in; the new password is the one that works.
    assert_eq!(whoami(&bed)["username"], "erin");
    expect(&run(&bed, &["sign-out"], ""), 0);
    expect(&sign_in(&bed, "erin", PASSWORD), 6);
    expect(&sign_in(&bed, "erin", NEW_PASSWORD), 0);
}

#[test]
fn attributes_show_set_verify_and_delete() {
    let bed = bed(false);
    confirmed(&bed, "fred");
    expect(&run(&bed, &["attributes"], ""), 3);
    expect(&sign_in(&bed, "fred", PASSWORD), 0);

    let show = || {
        let r = run(&bed, &["attributes", "--json"], "");
        expect(&r, 0);
        serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap()
    };
    let a = show();
    assert_eq!(a["email"], "fred@example.com");
    assert_eq!(a["email_verified"], "true");
    assert!(a["sub"].is_string(), "{a}");

    let r = run(
        &bed,
        &[
            "attributes",
            "set",
            "email=fred2@example.com",
            "nickname=freddy",
        ],
        "",
    );
    expect(&r, 0);
    assert!(
        r.stdout
            .contains("email: updated; a verification code was sent to"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("nickname: updated\n"), "{}", r.stdout);
    let a = show();
    assert_eq!(a["nickname"], "freddy");

    let code = bed
        .emu()
        .attribute_verification_code(bed.pool(), "fred", "email")
        .unwrap();
    let r = run(
        &bed,
        &["attributes", "verify", "email", "--code", &wrong(&code)],
        "",
    );
    expect(&r, 6);
    let r = run(
        &bed,
        &["attributes", "verify", "email", "--code", &code],
        "",
    );
    expect(&r, 0);
    assert_eq!(r.stdout, "email: verified\n");
    let a = show();
    assert_eq!(a["email"], "fred2@example.com");
    assert_eq!(a["email_verified"], "true");

    // send-code sends a fresh one.
    let r = run(&bed, &["attributes", "send-code", "email"], "");
    expect(&r, 0);
    assert!(r.stdout.contains("(EMAIL)"), "{}", r.stdout);

    let r = run(&bed, &["attributes", "delete", "nickname"], "");
    expect(&r, 0);
    let r = run(&bed, &["attributes"], "");
    expect(&r, 0);
    assert!(!r.stdout.contains("nickname"), "{}", r.stdout);
    assert!(r.stdout.contains("fred2@example.com"), "{}", r.stdout);
    expect(&run(&bed, &["attributes", "set", "nickname"], ""), 2);
}

#[test]
fn delete_user_needs_yes_then_deletes_and_signs_out() {
    let bed = bed(false);
    confirmed(&bed, "gina");
    expect(&sign_in(&bed, "gina", PASSWORD), 0);

    let r = run(&bed, &["delete-user"], "");
    expect(&r, 2);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(whoami(&bed)["username"], "gina");

    let r = run(&bed, &["delete-user", "--yes"], "");
    expect(&r, 0);
    assert_eq!(r.stdout, "Deleted the account of gina and signed out.\n");
    expect(&run(&bed, &["whoami"], ""), 3);
    assert!(
        bed.stored_secrets("default").is_empty(),
        "tokens left behind"
    );
    // The account is gone.
    expect(&sign_in(&bed, "gina", PASSWORD), 6);
    expect(&run(&bed, &["delete-user", "--yes"], ""), 3);
}

#[test]
fn auto_sign_in_that_stops_at_mfa_in_a_script_says_to_sign_in() {
    const TOTP_SECRET_B32: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let bed = bed(true);
    sign_up(&bed, "hank");
    bed.emu()
        .set_totp_secret(bed.pool(), "hank", TOTP_SECRET_B32)
        .unwrap();
    let code = bed.emu().confirmation_code(bed.pool(), "hank").unwrap();
    let r = run(
        &bed,
        &[
            "confirm-sign-up",
            "--username",
            "hank",
            "--code",
            &code,
            "--sign-in",
        ],
        "",
    );
    expect(&r, 7);
    assert!(r.stdout.contains("Confirmed hank."), "{}", r.stdout);
    assert!(
        r.stderr.contains("auto sign-in stopped at a challenge"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("TOTP"), "{}", r.stderr);
    assert!(
        r.stderr.contains("amplify-auth sign-in --username hank"),
        "{}",
        r.stderr
    );
    expect(&run(&bed, &["whoami"], ""), 3);
    // The way on works: a sign-in with the code.
    let totp =
        cognito_emulator::totp_code(&support::base32_decode(TOTP_SECRET_B32), bed.emu().now());
    let r = run(
        &bed,
        &[
            "sign-in",
            "--username",
            "hank",
            "--password-stdin",
            "--code",
            &totp,
        ],
        &format!("{PASSWORD}\n"),
    );
    expect(&r, 0);
    assert_eq!(whoami(&bed)["username"], "hank");
}
