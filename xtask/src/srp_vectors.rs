//! `cargo xtask srp-vectors [--check]`: the SRP test vectors, made by
//! pycognito and cross-checked by Amplify JS.

use crate::cmd::cmd;
use crate::error::{Result, bail};
use crate::node;
use crate::project;
use crate::venv::Venv;

/// The vector generator: pycognito's SRP (`--out PATH` or `--check PATH`).
const SCRIPT: &str = "scripts/srp_vectors.py";
/// The cross-check: replays every vector through Amplify JS v6's SRP helpers.
const AMPLIFY_CHECK: &str = "scripts/srp_vectors_amplify.mjs";
/// The device SRP vectors, made by Amplify JS (`--out`); `--check` replays their claims.
const DEVICE_SCRIPT: &str = "scripts/device_vectors_amplify.mjs";
/// Where the device SRP vectors live.
const DEVICE_VECTORS: &str = "crates/auth-cognito/tests/data/device_vectors.json";
/// Where the SRP vectors live.
const VECTORS: &str = "crates/auth-cognito/tests/data/srp_vectors.json";

/// Writes (or, with `check`, verifies) the vectors with pycognito, then
/// replays them through Amplify JS when that cross-check script exists.
pub(crate) fn run(venv: &Venv, check: bool) -> Result<()> {
    let root = project::root();
    if !root.join(SCRIPT).exists() {
        bail!("{SCRIPT} does not exist yet: it generates {VECTORS} with pycognito");
    }
    let mode = if check { "--check" } else { "--out" };
    cmd(venv.python(), [SCRIPT, mode, VECTORS]).run()?;
    if root.join(AMPLIFY_CHECK).exists() {
        node::ensure_amplify_js()?;
        cmd("node", [AMPLIFY_CHECK, VECTORS]).run()?;
    }
    if root.join(DEVICE_SCRIPT).exists() {
        node::ensure_amplify_js()?;
        cmd("node", [DEVICE_SCRIPT, mode, DEVICE_VECTORS]).run()?;
    }
    Ok(())
}
