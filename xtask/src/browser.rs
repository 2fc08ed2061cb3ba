//! `cargo xtask browser`: a real browser against the emulator's hosted UI.
//!
//! The browser harness is shared (the hosted UI's CLI story here; the axum
//! BFF's story later): Debian's `chromium` (installed through [`apt`] when
//! missing) driven by `playwright-core` from `interop/browser/`'s committed
//! `package-lock.json` (`npm ci` when the lockfile changed). The helpers the
//! stories share are in `interop/browser/harness.mjs` (the Chromium flags
//! this machine needs, the hosted UI's pages, child processes); a new story
//! is a script in `interop/browser/` plus one [`run_story`] call (in [`run`],
//! or in the task of its own feature, after [`ensure`]).
//!
//! A missing browser is a failure, never a skip: the task fails when
//! Chromium cannot be installed.
//!
//! Stories:
//! - `hosted_ui_cli.mjs`: `amplify-auth sign-in --web` on the emulator's demo
//!   set-up (`--seed-demo`): the login form (a wrong password, then the
//!   right one, the URL handed over through `$BROWSER`), sign-out through
//!   `/logout`, "Cancel" on the form, the mock Google provider (allow and
//!   cancel). moto has no hosted UI, so it has no moto twin.
//! - `bff_two_instances.mjs`: the axum BFF example, two instances sharing
//!   sessions through Redis (sign-in via A, `/me` on B, concurrent forced
//!   refreshes from tabs on both, sign-out on B seen by A). Its bed (the
//!   emulator with rotation, redis-server, the two processes) is the Rust
//!   test `chromium_two_instances_share_a_session_through_redis` in
//!   `crates/auth-axum/tests/bff_e2e`, an ignored test that
//!   [`suites::chromium`] runs here (the ignored tests named `chromium`).

use std::path::Path;
use std::time::Instant;

use crate::apt::{self, Package};
use crate::cmd::cmd;
use crate::emulator;
use crate::error::{Context, Error, Result, bail};
use crate::node;
use crate::project;
use crate::suites;

/// The browser harness's npm package, relative to the workspace root.
pub(crate) const BROWSER_DIR: &str = "interop/browser";
/// Debian's Chromium; the stories launch `/usr/bin/chromium`.
pub(crate) const CHROMIUM: Package = Package::binary("chromium", "chromium");

/// Installs what the browser stories need: Chromium (apt-get, when missing)
/// and `interop/browser/node_modules` (`npm ci`, when the lockfile changed).
pub(crate) fn ensure() -> Result<()> {
    apt::ensure(&[CHROMIUM]).context("the browser tests need Debian's chromium")?;
    if !Path::new("/usr/bin/chromium").is_file() {
        bail!("chromium is installed, but not as /usr/bin/chromium, which the stories launch");
    }
    node::ensure_package(BROWSER_DIR, "the browser harness (playwright-core)")
}

/// Runs the story `script` (a file in `interop/browser/`) with `node`,
/// `args`, and `secrets` passed through the environment only.
pub(crate) fn run_story(script: &str, args: &[&str], secrets: &[(&str, &str)]) -> Result<()> {
    let path = project::root().join(BROWSER_DIR).join(script);
    let c = cmd("node", Vec::<&str>::new()).arg(&path);
    let c = args.iter().fold(c, |c, a| c.arg(a));
    secrets
        .iter()
        .fold(c, |c, (k, v)| c.env_secret(k, v))
        .dir(&project::root().join(BROWSER_DIR))
        .run()
}

/// `cargo xtask browser` (also a step of `cargo xtask ci`).
pub(crate) fn run() -> Result<()> {
    let started = Instant::now();
    ensure()?;
    let installed = started.elapsed().as_secs_f64();
    cmd(
        "cargo",
        ["build", "-p", "auth-cli", "--bin", "amplify-auth"],
    )
    .run()
    .context("cannot build the CLI")?;
    let cli = project::cargo_target_dir()
        .join("debug")
        .join("amplify-auth");
    if !cli.exists() {
        bail!("built the CLI, but {} does not exist", cli.display());
    }
    let (emulator, demo) = emulator::start_demo()?;
    let scratch = project::fresh_scratch("browser")?;
    let outputs = scratch.join("amplify_outputs.json");
    std::fs::write(&outputs, &demo.outputs_json)
        .context(format_args!("cannot write {}", outputs.display()))?;
    let ready = started.elapsed().as_secs_f64();

    let story_started = Instant::now();
    let result = run_story(
        "hosted_ui_cli.mjs",
        &[
            "--cli",
            &cli.to_string_lossy(),
            "--outputs",
            &outputs.to_string_lossy(),
            "--scratch",
            &scratch.to_string_lossy(),
            "--username",
            &demo.username,
        ],
        &[("AMPLIFY_AUTH_PASSWORD", &demo.password)],
    );
    let story = story_started.elapsed().as_secs_f64();
    if result.is_err() {
        eprintln!("{}", emulator.log_tail());
    }
    drop(emulator);
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "\nbrowser: {:.1}s in all ({installed:.1}s installs, {:.1}s build and emulator, {story:.1}s the hosted-UI story)",
        started.elapsed().as_secs_f64(),
        ready - installed,
    );
    result.map_err(|e| Error::msg(format!("the hosted-UI browser story failed: {e}")))?;

    let bff_started = Instant::now();
    // The test starts its own redis-server (required: no skip here).
    apt::ensure(&crate::storage::REDIS).context("the axum BFF browser test needs redis-server")?;
    let bff = suites::chromium()
        .map_err(|e| Error::msg(format!("the axum BFF browser test failed: {e}")));
    println!(
        "browser: the axum BFF two-instance test took {:.1}s",
        bff_started.elapsed().as_secs_f64()
    );
    bff
}
