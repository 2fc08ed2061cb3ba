//! `cargo xtask ci`: the one command that runs every check and test.
//!
//! Order: fmt, clippy, foreign types, the Python venv, the SRP vectors
//! check, the storage tests' packages (redis-server, the keychains), the
//! workspace tests (storage tests required, not skipped), the doc tests, moto
//! and the moto tests (with `MOTO_ENDPOINT` set), interop, the browser
//! stories, then the benchmark smoke run, the instruction-count guard
//! (`bench --guard`), the fuzz
//! smoke run and the soak. A failed step does not stop the steps that do not
//! depend on it; a step whose prerequisite did not pass is skipped. The run
//! fails if any step failed or was skipped ([`Report`]).

use std::time::Instant;

use crate::ci_report::Report;
use crate::cmd::cmd;
use crate::error::Result;
use crate::hooks;
use crate::interop;
use crate::moto::{self, MotoGuard};
use crate::srp_vectors;
use crate::suites;
use crate::venv::{self, Venv};

/// Seconds of the soak in `ci`.
const SOAK_SECS: u64 = 20;

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
    report.step("foreign types", crate::foreign_types::ci);
    let venv: Option<Venv> = report.step("python venv", venv::ensure);
    report.step_needing("srp-vectors --check", ("python venv", venv.as_ref()), |v| {
        srp_vectors::run(v, true)
    });
    report.step("storage packages", crate::storage::ensure);
    report.step("tests", suites::workspace);
    report.step("doc tests", suites::doc_tests);

    // moto lives exactly as long as the moto tests: the guard's Drop stops
    // it even when the step fails.
    let moto: Option<MotoGuard> =
        report.step_needing("moto", ("python venv", venv.as_ref()), |v| {
            moto::start_moto(v, None)
        });
    report.step_needing("moto tests", ("moto", moto.as_ref()), |m| {
        suites::moto(&m.endpoint)
    });
    drop(moto);

    report.step("interop", interop::run);
    report.step("browser", crate::browser::run);

    // HOOKS: later steps, wired up by the team in xtask/src/hooks.rs.
    report.step("bench --smoke", || hooks::bench(true));
    report.step("instruction guard", || crate::bench::guard(false));
    report.step("fuzz --smoke", || hooks::fuzz(crate::FUZZ_SMOKE_SECS));
    report.step("soak", || hooks::soak(SOAK_SECS));

    report.finish(started)
}
