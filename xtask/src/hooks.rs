//! The later steps of `cargo xtask ci`, also tasks of their own:
//! benchmarks, fuzzing and the soak test.

use crate::error::Result;

/// `cargo xtask bench [--smoke]`: the benchmarks; `--smoke` runs each once,
/// to prove it still builds and runs (not to measure).
pub(crate) fn bench(smoke: bool) -> Result<()> {
    let mode = if smoke {
        crate::bench::Mode::Smoke
    } else {
        crate::bench::Mode::Full
    };
    crate::bench::run(mode)
}

/// `cargo xtask fuzz --time N`: run each fuzz target (in `fuzz/`, outside
/// the workspace, coverage-guided libFuzzer on stable) for `secs` seconds;
/// `fuzz/run.sh` installs cargo-fuzz if needed and fails on any crash.
pub(crate) fn fuzz(secs: u64) -> Result<()> {
    crate::cmd::cmd("bash", ["fuzz/run.sh"])
        .arg(secs.to_string())
        .run()
}

/// `cargo xtask soak --secs N`: hammer the emulator with concurrent
/// sessions on loopback for `secs` seconds, bounded.
pub(crate) fn soak(secs: u64) -> Result<()> {
    // The soak is an ignored test of auth-cognito against the in-process
    // emulator (so that the test suites do not run it too); SOAK_SECS sets
    // its length and it prints (and writes to target/reliability/soak.md)
    // its figures.
    crate::cmd::cmd(
        "cargo",
        [
            "test",
            "-p",
            "auth-cognito",
            "--test",
            "soak",
            "--",
            "--ignored",
            "--nocapture",
        ],
    )
    .env("SOAK_SECS", secs.to_string())
    .run()
}
