//! `cargo xtask interop`: independent clients against the cognito-emulator.
//!
//! 1. `interop/boto3_setup.py`: boto3 creates a user pool, an app client, a
//!    user with a permanent password and an identity pool, and writes an
//!    `amplify_outputs.json` for the next steps.
//! 2. `interop/pycognito_srp.py`: pycognito signs in with SRP; a wrong
//!    password must fail with `NotAuthorizedException`.
//! 3. `interop/amplify_js/amplify_interop.mjs`: Amplify JS v6 in Node signs
//!    in, reads the session, refreshes, signs out, and fetches a guest
//!    session.
//! 4. `interop/accounts_setup.py` (boto3: a pool that auto-verifies e-mail,
//!    a client allowing `USER_AUTH`) and `interop/amplify_js/accounts.mjs`:
//!    Amplify JS's account flows (sign-up with auto sign-in, password change
//!    and reset, attributes, deleteUser).
//! 5. `interop/boto3_devices.py` makes a pool that remembers every device, and
//!    `interop/amplify_js/devices.mjs` runs Amplify JS's device story on it
//!    (confirm, fetchDevices, rememberDevice, device SRP, refresh, forget).
//! 6. `interop/oauth_authlib.py`: authlib (an independent OAuth 2.0 client)
//!    runs the hosted UI's code flow with PKCE on a pool boto3 sets up with
//!    a domain and an OAuth client: a refresh, a replayed code, a wrong
//!    verifier, a wrong client secret.
//! 7. `interop/user_auth_setup.py` (boto3: a passwordless pool and a pool with
//!    MFA `ON`), then `interop/amplify_js/user_auth.mjs`: Amplify JS's
//!    `USER_AUTH` with `EMAIL_OTP`, the first-factor selection with
//!    `PASSWORD_SRP`, and the TOTP set-up of `MFA_SETUP`.

use std::path::Path;
use std::time::Instant;

use crate::cmd::cmd;
use crate::emulator;
use crate::error::{Error, Result};
use crate::node::{self, AMPLIFY_JS_DIR};
use crate::project;
use crate::venv::{self, Venv};

/// The interop test user. It lives only in a throwaway emulator.
pub(crate) const USERNAME: &str = "interop-user";
/// The interop test user's password: a fixed value for a throwaway local
/// emulator, still passed only through the environment.
pub(crate) const PASSWORD: &str = "Interop-Passw0rd!";

/// `cargo xtask interop`.
pub(crate) fn run() -> Result<()> {
    let started = Instant::now();
    let venv = venv::ensure()?;
    node::ensure_amplify_js()?;
    let emulator = emulator::start()?;
    let scratch = project::fresh_scratch("interop")?;
    let outputs = scratch.join("amplify_outputs.json");

    // Each client's time and result; `None`: skipped, as boto3 setup failed.
    let mut results: Vec<(&str, f64, Option<Result<()>>)> = Vec::new();
    let (secs, setup) = timed(|| boto3_setup(&venv, &emulator.endpoint, &outputs));
    let setup_ok = setup.is_ok();
    results.push(("boto3 setup", secs, Some(setup)));
    if setup_ok {
        let (secs, result) = timed(|| pycognito_srp(&venv, &outputs));
        results.push(("pycognito SRP", secs, Some(result)));
        let (secs, result) = timed(|| amplify_js(&emulator.endpoint, &outputs));
        results.push(("Amplify JS", secs, Some(result)));
        let (secs, result) = timed(|| amplify_js_accounts(&venv, &emulator.endpoint, &scratch));
        results.push(("Amplify JS accounts", secs, Some(result)));
        let (secs, result) = timed(|| amplify_js_devices(&venv, &emulator.endpoint, &scratch));
        results.push(("Amplify JS devices", secs, Some(result)));
    } else {
        results.push(("pycognito SRP", 0.0, None));
        results.push(("Amplify JS", 0.0, None));
        results.push(("Amplify JS accounts", 0.0, None));
        results.push(("Amplify JS devices", 0.0, None));
    }
    let (secs, result) = timed(|| amplify_js_user_auth(&venv, &emulator.endpoint, &scratch));
    results.push(("Amplify JS user-auth", secs, Some(result)));
    // Its own pool, set up by boto3 inside the script.
    let (secs, result) = timed(|| oauth_authlib(&venv, &emulator.endpoint));
    results.push(("authlib OAuth", secs, Some(result)));

    let not_passed: Vec<&str> = results
        .iter()
        .filter(|(_, _, r)| !matches!(r, Some(Ok(()))))
        .map(|(name, _, _)| *name)
        .collect();
    if !not_passed.is_empty() {
        eprintln!("{}", emulator.log_tail());
    }
    drop(emulator);
    let _ = std::fs::remove_dir_all(&scratch);

    println!(
        "\ninterop results ({:.1}s in all, with installs, the build and the emulator's start):",
        started.elapsed().as_secs_f64()
    );
    for (name, secs, result) in &results {
        match result {
            Some(Ok(())) => println!("  PASS  {name:<20} {secs:>5.1}s"),
            Some(Err(e)) => println!("  FAIL  {name:<20} {secs:>5.1}s  {e}"),
            None => println!("  SKIP  {name:<20}     –   needs boto3 setup, which failed"),
        }
    }
    if not_passed.is_empty() {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "interop did not pass: {}",
            not_passed.join(", ")
        )))
    }
}

/// Runs `f` and measures it in seconds.
fn timed(f: impl FnOnce() -> Result<()>) -> (f64, Result<()>) {
    let started = Instant::now();
    let result = f();
    (started.elapsed().as_secs_f64(), result)
}

/// Creates the pool, client, user and identity pool at `endpoint` and
/// writes `outputs` (used against the emulator and against moto).
pub(crate) fn boto3_setup(venv: &Venv, endpoint: &str, outputs: &Path) -> Result<()> {
    cmd(
        venv.python(),
        [
            "interop/boto3_setup.py",
            "--endpoint",
            endpoint,
            "--username",
            USERNAME,
        ],
    )
    .arg("--outputs")
    .arg(outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}

fn pycognito_srp(venv: &Venv, outputs: &Path) -> Result<()> {
    cmd(
        venv.python(),
        [
            "interop/pycognito_srp.py",
            "--username",
            USERNAME,
            "--outputs",
        ],
    )
    .arg(outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}

fn amplify_js(endpoint: &str, outputs: &Path) -> Result<()> {
    let script = format!("{AMPLIFY_JS_DIR}/amplify_interop.mjs");
    cmd(
        "node",
        [
            script.as_str(),
            "--username",
            USERNAME,
            "--emulator",
            endpoint,
            "--outputs",
        ],
    )
    .arg(outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}

/// The account stories: boto3 sets up their own pool (`interop/accounts_setup.py`),
/// then Amplify JS signs users up and through the account flows
/// (`interop/amplify_js/accounts.mjs`).
fn amplify_js_accounts(venv: &Venv, endpoint: &str, scratch: &Path) -> Result<()> {
    let outputs = scratch.join("accounts_outputs.json");
    cmd(
        venv.python(),
        [
            "interop/accounts_setup.py",
            "--endpoint",
            endpoint,
            "--outputs",
        ],
    )
    .arg(&outputs)
    .run()?;
    let script = format!("{AMPLIFY_JS_DIR}/accounts.mjs");
    cmd(
        "node",
        [script.as_str(), "--emulator", endpoint, "--outputs"],
    )
    .arg(&outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}

/// The device story: boto3 makes a pool that remembers every device, then
/// Amplify JS confirms, lists, remembers, proves and forgets a device on it.
fn amplify_js_devices(venv: &Venv, endpoint: &str, scratch: &Path) -> Result<()> {
    const DEVICE_USER: &str = "interop-device-user";
    let outputs = scratch.join("amplify_outputs_devices.json");
    cmd(
        venv.python(),
        [
            "interop/boto3_devices.py",
            "--endpoint",
            endpoint,
            "--username",
            DEVICE_USER,
        ],
    )
    .arg("--outputs")
    .arg(&outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()?;
    let script = format!("{AMPLIFY_JS_DIR}/devices.mjs");
    cmd(
        "node",
        [
            script.as_str(),
            "--username",
            DEVICE_USER,
            "--emulator",
            endpoint,
            "--outputs",
        ],
    )
    .arg(&outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}

/// authlib against the hosted UI on its own pool (`interop/oauth_authlib.py`).
fn oauth_authlib(venv: &Venv, endpoint: &str) -> Result<()> {
    cmd(
        venv.python(),
        ["interop/oauth_authlib.py", "--endpoint", endpoint],
    )
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}

/// The passwordless and MFA set-up stories: boto3 makes their pools
/// (`interop/user_auth_setup.py`), then Amplify JS runs them
/// (`interop/amplify_js/user_auth.mjs`).
fn amplify_js_user_auth(venv: &Venv, endpoint: &str, scratch: &Path) -> Result<()> {
    let passwordless = scratch.join("passwordless_outputs.json");
    let mfa = scratch.join("mfa_outputs.json");
    cmd(
        venv.python(),
        [
            "interop/user_auth_setup.py",
            "--endpoint",
            endpoint,
            "--username",
            USERNAME,
        ],
    )
    .arg("--passwordless-outputs")
    .arg(&passwordless)
    .arg("--mfa-outputs")
    .arg(&mfa)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()?;
    let script = format!("{AMPLIFY_JS_DIR}/user_auth.mjs");
    cmd(
        "node",
        [
            script.as_str(),
            "--username",
            USERNAME,
            "--emulator",
            endpoint,
        ],
    )
    .arg("--outputs")
    .arg(&passwordless)
    .arg("--mfa-outputs")
    .arg(&mfa)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()
}
