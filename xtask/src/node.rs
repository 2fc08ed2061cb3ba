//! Node.js and npm: installs the interop packages (Amplify JS, the browser harness)
//! from their committed lockfiles.

use crate::cmd::cmd;
use crate::error::{Context, Result, bail};
use crate::project;

/// The Amplify JS interop package, relative to the workspace root.
pub(crate) const AMPLIFY_JS_DIR: &str = "interop/amplify_js";
/// The stamp inside node_modules that records which lockfile it holds.
const STAMP: &str = ".xtask-lock-stamp";

/// Installs `interop/amplify_js/node_modules` with `npm ci` (from the
/// committed package-lock.json) unless its stamp says it is current.
pub(crate) fn ensure_amplify_js() -> Result<()> {
    ensure_package(AMPLIFY_JS_DIR, "the Amplify JS interop package")
}

/// Installs `<dir>/node_modules` (`dir` relative to the workspace root) with
/// `npm ci` from its committed package-lock.json, unless the stamp in
/// node_modules says it holds that lockfile already. `what` names the
/// package in errors.
pub(crate) fn ensure_package(rel_dir: &str, what: &str) -> Result<()> {
    if !cmd("node", ["--version"]).probe() {
        bail!("`node` is not on PATH: install Node.js 20 with npm");
    }
    let dir = project::root().join(rel_dir);
    let lock = dir.join("package-lock.json");
    let stamp_input = match std::fs::read(&lock) {
        Ok(bytes) => bytes,
        Err(e) => bail!(
            "cannot read {}: {e} (it is committed with the repo)",
            lock.display()
        ),
    };
    let wanted = project::stable_hash(&stamp_input);
    let stamp = dir.join("node_modules").join(STAMP);
    if std::fs::read_to_string(&stamp).unwrap_or_default().trim() == wanted {
        println!("npm: {rel_dir}/node_modules is up to date with package-lock.json");
        return Ok(());
    }
    cmd("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .dir(&dir)
        .run()
        .context(format_args!("cannot install {what}"))?;
    std::fs::write(&stamp, format!("{wanted}\n"))
        .context(format_args!("cannot write {}", stamp.display()))?;
    Ok(())
}
