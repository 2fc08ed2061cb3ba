//! `cargo xtask ci`: the one command that runs every check and test.
//!
//! Order: fmt, clippy, the Python venv, the SRP vectors check, moto, the
//! workspace tests (with `MOTO_ENDPOINT` set), doc tests, interop, then the
//! the benchmark smoke run, the fuzz smoke run and a short soak. A failed step does not stop
//! the steps that do not depend on it; the run fails if any step failed.

use std::time::Instant;

use crate::cmd::cmd;
use crate::error::{Error, Result};
use crate::hooks;
use crate::interop;
use crate::moto::{self, MotoGuard};
use crate::srp_vectors;
use crate::venv::{self, Venv};

/// One finished step.
struct Step {
    name: &'static str,
    result: Result<()>,
    secs: f64,
}

/// The steps run so far.
#[derive(Default)]
struct Report {
    steps: Vec<Step>,
}

impl Report {
    /// Runs one step, prints its result, and keeps the value it made.
    fn step<T>(&mut self, name: &'static str, f: impl FnOnce() -> Result<T>) -> Option<T> {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = f();
        let secs = started.elapsed().as_secs_f64();
        let (outcome, value) = match result {
            Ok(v) => (Ok(()), Some(v)),
            Err(e) => (Err(e), None),
        };
        self.record(name, outcome, secs);
        value
    }

    fn record(&mut self, name: &'static str, result: Result<()>, secs: f64) {
        match &result {
            Ok(()) => println!("==> {name}: PASS ({secs:.1}s)"),
            Err(e) => println!("==> {name}: FAIL ({secs:.1}s)\n{e}"),
        }
        self.steps.push(Step { name, result, secs });
    }

    /// Prints the summary; fails if any step failed.
    fn finish(self, started: Instant) -> Result<()> {
        println!("\n==> summary");
        for step in &self.steps {
            let verdict = if step.result.is_ok() { "PASS" } else { "FAIL" };
            println!("  {:<22} {:>7.1}s  {verdict}", step.name, step.secs);
        }
        let failed: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| s.result.is_err())
            .map(|s| s.name)
            .collect();
        let total = started.elapsed().as_secs_f64();
        if failed.is_empty() {
            println!("xtask ci: OK, every step passed ({total:.0}s)");
            Ok(())
        } else {
            println!(
                "xtask ci: FAILED, {} of {} steps failed: {} ({total:.0}s)",
                failed.len(),
                self.steps.len(),
                failed.join(", ")
            );
            Err(Error::msg(format!("ci failed: {}", failed.join(", "))))
        }
    }
}

/// `cargo xtask ci`.
pub(crate) fn run() -> Result<()> {
    let started = Instant::now();
    let mut report = Report::default();

    report.step("fmt", || {
        cmd("cargo", ["fmt", "--all", "--", "--check"]).run()
    });
    report.step("clippy", || {
        cmd(
            "cargo",
            [
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
        .run()
    });
    let venv: Option<Venv> = report.step("python venv", venv::ensure);
    report.step("srp-vectors --check", || {
        srp_vectors::run(needs(venv.as_ref())?, true)
    });

    // moto lives exactly as long as the test steps: the guard's Drop stops
    // it even when a step fails.
    let moto: Option<MotoGuard> =
        report.step("moto", || moto::start_moto(needs(venv.as_ref())?, None));
    let moto_endpoint = moto.as_ref().map(|m| m.endpoint.clone());
    report.step("tests", || workspace_tests(moto_endpoint.as_deref()));
    report.step("doc tests", || {
        cmd("cargo", ["test", "--workspace", "--doc"]).run()
    });
    drop(moto);

    report.step("interop", interop::run);

    // HOOKS: later steps, wired up by the team in xtask/src/hooks.rs.
    report.step("bench --smoke", || hooks::bench(true));
    report.step("fuzz --smoke", || hooks::fuzz(crate::FUZZ_SMOKE_SECS));
    report.step("soak", || hooks::soak(20));

    report.finish(started)
}

/// The whole workspace test suite: nextest when installed, else cargo test.
/// With `MOTO_ENDPOINT` (and `AMPLIFY_AUTH_REQUIRE_MOTO=1`) set, the moto
/// integration tests run too.
fn workspace_tests(moto_endpoint: Option<&str>) -> Result<()> {
    let mut test = if cmd("cargo", ["nextest", "--version"]).probe() {
        cmd("cargo", ["nextest", "run", "--workspace", "--no-fail-fast"])
    } else {
        println!("cargo-nextest is not installed; using cargo test");
        cmd("cargo", ["test", "--workspace", "--no-fail-fast"])
    };
    match moto_endpoint {
        // AMPLIFY_AUTH_REQUIRE_MOTO turns a moto test's skip into a failure,
        // so that a lost MOTO_ENDPOINT cannot pass silently.
        Some(endpoint) => {
            test = test
                .env("MOTO_ENDPOINT", endpoint)
                .env("AMPLIFY_AUTH_REQUIRE_MOTO", "1");
        }
        None => println!("moto did not start: the moto integration tests will skip themselves"),
    }
    test.run()
}

/// The venv, or the reason a step that needs it cannot run.
fn needs(venv: Option<&Venv>) -> Result<&Venv> {
    venv.ok_or_else(|| Error::msg("skipped: the python venv step failed"))
}
