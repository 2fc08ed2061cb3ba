//! `cargo xtask demo [--moto]`: the runnable story of the reference page.

use crate::cmd::cmd;
use crate::error::Result;
use crate::interop::{self, PASSWORD, USERNAME};
use crate::moto;
use crate::project;
use crate::venv;

/// `cargo xtask demo`: the quickstart example, which starts the emulator
/// in process and walks through sign-in, sessions, refresh and sign-out.
pub(crate) fn run_quickstart() -> Result<()> {
    cmd("cargo", ["run", "--example", "quickstart"]).run()
}

/// `cargo xtask demo --moto`: the `manage_sessions` example against moto,
/// with the pool, client, user and identity pool made by boto3.
pub(crate) fn run_moto() -> Result<()> {
    let venv = venv::ensure()?;
    let moto = moto::start_moto(&venv, None)?;
    let scratch = project::fresh_scratch("demo-moto")?;
    let outputs = scratch.join("amplify_outputs.json");
    interop::boto3_setup(&venv, &moto.endpoint, &outputs)?;
    cmd(
        "cargo",
        [
            "run",
            "--example",
            "manage_sessions",
            "--",
            "--username",
            USERNAME,
        ],
    )
    .arg("--outputs")
    .arg(&outputs)
    .env_secret("AMPLIFY_AUTH_PASSWORD", PASSWORD)
    .run()?;
    drop(moto);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// `cargo xtask demo --cli`: the `amplify-auth` walk-through, step by step,
/// on its own emulator (`crates/auth-cli/scripts/walkthrough.sh`).
pub(crate) fn run_cli() -> Result<()> {
    cmd("bash", ["crates/auth-cli/scripts/walkthrough.sh"]).run()
}
