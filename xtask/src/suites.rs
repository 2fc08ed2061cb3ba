//! The workspace's test suites, run with cargo-nextest when it is installed
//! and with `cargo test` otherwise:
//!
//! - [`workspace`]: every test that needs nothing outside the workspace.
//!   Ignored tests show as skipped: the moto tests, the soak, and a local
//!   emulator benchmark.
//! - [`doc_tests`]: the doc tests, once (nextest does not run them, so the
//!   `cargo test` fallback leaves them out of [`workspace`]).
//! - [`moto`]: the moto tests, `#[ignore = "needs MOTO_ENDPOINT: ..."]` and
//!   named `moto` (a `moto` module or a `moto_` prefix), run as ignored
//!   tests with `MOTO_ENDPOINT` set. Run without it they fail rather than
//!   skip, and a run that selects none fails, so CI cannot lose them.
//!
//! The soak is ignored here too: `cargo xtask soak` runs it once, for a set
//! time (`hooks::soak`).

use crate::cmd::{Cmd, cmd};
use crate::error::{Result, bail};

/// What selects the moto tests: a name with `moto` in it.
pub(crate) const MOTO_FILTER: &str = "moto";

/// The test runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    Nextest,
    CargoTest,
}

fn runner() -> Runner {
    if cmd("cargo", ["nextest", "--version"]).probe() {
        Runner::Nextest
    } else {
        println!("cargo-nextest is not installed; using cargo test");
        Runner::CargoTest
    }
}

/// The arguments that run the workspace's tests (no doc tests).
fn workspace_args(runner: Runner) -> Vec<&'static str> {
    match runner {
        Runner::Nextest => vec![
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
            // Name each skipped (ignored) test, so that skips are visible.
            "--status-level",
            "skip",
        ],
        // `cargo test`'s default targets less the doc tests.
        Runner::CargoTest => vec![
            "test",
            "--workspace",
            "--no-fail-fast",
            "--lib",
            "--bins",
            "--tests",
            "--examples",
        ],
    }
}

/// What selects the real-browser tests run by `cargo xtask browser`: an
/// ignored test with `chromium` in its name (auth-axum's `bff_e2e`).
pub(crate) const CHROMIUM_FILTER: &str = "chromium";

/// The arguments that run exactly the ignored tests named `chromium`. The
/// whole workspace is selected, as in [`workspace`], so that cargo resolves
/// the same features and rebuilds nothing the tests step built (and builds
/// the examples those tests start).
fn chromium_args(runner: Runner) -> Vec<&'static str> {
    ignored_args(runner, CHROMIUM_FILTER, "test(/chromium/)", &["--examples"])
}

/// The arguments that run exactly the ignored tests whose names contain
/// `filter` (`expr`: the same selection as a nextest filter expression),
/// and fail a run that selects none. `cargo test` builds its default
/// targets less the doc tests, plus `extra` targets.
fn ignored_args(
    runner: Runner,
    filter: &'static str,
    expr: &'static str,
    extra: &[&'static str],
) -> Vec<&'static str> {
    match runner {
        Runner::Nextest => vec![
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
            "--run-ignored",
            "only",
            "-E",
            expr,
            "--no-tests",
            "fail",
        ],
        Runner::CargoTest => {
            let mut args = vec![
                "test",
                "--workspace",
                "--no-fail-fast",
                "--lib",
                "--bins",
                "--tests",
            ];
            args.extend_from_slice(extra);
            args.extend(["--", "--ignored", filter]);
            args
        }
    }
}

/// The ignored tests named `chromium` (Chromium and the harness's
/// `node_modules` installed by the caller), with Redis required.
pub(crate) fn chromium() -> Result<()> {
    crate::storage::required(cmd("cargo", chromium_args(runner()))).run()
}

/// The arguments that run exactly the ignored tests named `moto`.
fn moto_args(runner: Runner) -> Vec<&'static str> {
    ignored_args(runner, MOTO_FILTER, "test(/moto/)", &[])
}

/// `cargo nextest run --workspace` (or `cargo test` without the doc tests),
/// with the Redis and keychain tests required (`storage::required`).
pub(crate) fn workspace() -> Result<()> {
    crate::storage::required(cmd("cargo", workspace_args(runner()))).run()
}

/// `cargo test --workspace --doc`.
pub(crate) fn doc_tests() -> Result<()> {
    cmd("cargo", ["test", "--workspace", "--doc"]).run()
}

/// The moto tests against the moto server at `endpoint`.
pub(crate) fn moto(endpoint: &str) -> Result<()> {
    let runner = runner();
    if runner == Runner::CargoTest {
        // nextest fails a run that selects no test (`--no-tests fail`);
        // cargo test does not, so count them first.
        let listed =
            with_moto_env(cmd("cargo", moto_args(runner)).arg("--list"), endpoint).read_stdout()?;
        let count = listed.lines().filter(|l| l.ends_with(": test")).count();
        if count == 0 {
            bail!("no ignored test named `{MOTO_FILTER}` was found: the moto tests would not run");
        }
        println!("{count} moto tests");
    }
    with_moto_env(cmd("cargo", moto_args(runner)), endpoint).run()
}

fn with_moto_env(c: Cmd, endpoint: &str) -> Cmd {
    c.env("MOTO_ENDPOINT", endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_run_leaves_doc_tests_and_ignored_tests_out() {
        for runner in [Runner::Nextest, Runner::CargoTest] {
            let args = workspace_args(runner);
            assert!(
                !args.contains(&"--doc"),
                "{runner:?}: doc tests run once, in their own step"
            );
            assert!(!args.iter().any(|a| a.contains("ignored")), "{runner:?}");
        }
        // cargo test runs doc tests unless targets are named.
        assert!(workspace_args(Runner::CargoTest).contains(&"--lib"));
    }

    #[test]
    fn the_chromium_run_selects_only_ignored_tests_named_chromium_and_fails_on_none() {
        let nextest = chromium_args(Runner::Nextest);
        assert!(nextest.windows(2).any(|w| w == ["--run-ignored", "only"]));
        assert!(nextest.windows(2).any(|w| w == ["-E", "test(/chromium/)"]));
        assert!(nextest.windows(2).any(|w| w == ["--no-tests", "fail"]));
        assert!(nextest.contains(&"--workspace"));
        let cargo = chromium_args(Runner::CargoTest);
        assert!(cargo.ends_with(&["--", "--ignored", CHROMIUM_FILTER]));
        assert!(!CHROMIUM_FILTER.contains(MOTO_FILTER));
    }

    #[test]
    fn the_moto_run_selects_only_ignored_tests_named_moto_and_fails_on_none() {
        let nextest = moto_args(Runner::Nextest);
        assert!(nextest.windows(2).any(|w| w == ["--run-ignored", "only"]));
        assert!(nextest.windows(2).any(|w| w == ["-E", "test(/moto/)"]));
        assert!(nextest.windows(2).any(|w| w == ["--no-tests", "fail"]));
        let cargo = moto_args(Runner::CargoTest);
        assert!(cargo.ends_with(&["--", "--ignored", MOTO_FILTER]));
        assert!(!cargo.contains(&"--doc"));
    }
}
