//! Building what the bench runs: the emulator binary and auth-cognito's
//! and auth-axum's bench executables, with the profile the mode asks for.

use std::path::PathBuf;

use super::{Mode, capture, with_args};
use crate::cmd::cmd;
use crate::error::{Context, Error, Result};
use crate::project;

/// The executables a bench run needs.
pub(super) struct Built {
    /// `benches/report.rs`: our rows, as `BENCH {json}` lines.
    pub(super) report: PathBuf,
    /// `benches/hot_path.rs` (divan), run once in smoke mode.
    pub(super) hot_path: PathBuf,
    /// `benches/srp_ct.rs`: the SRP implementations side by side, the
    /// dudect t-tests and the constant-time instruction counts.
    pub(super) srp_ct: PathBuf,
    /// auth-axum's `benches/bearer.rs`: bearer verification per request,
    /// and `jsonwebtoken`'s bare decode.
    pub(super) bearer: PathBuf,
    /// auth-axum's `benches/bff.rs`: the BFF rows, driving an
    /// `examples/axum_bff` process (built beside it, below).
    pub(super) bff: PathBuf,
    /// The `cognito-emulator` binary.
    pub(super) emulator: PathBuf,
}

/// Builds the emulator and the bench binaries (release, or the dev and
/// test profiles with `--smoke`).
pub(super) fn build(mode: Mode) -> Result<Built> {
    let (profile_args, dir): (&[&str], &str) = match mode {
        Mode::Smoke => (&[], "debug"),
        _ => (&["--release"], "release"),
    };
    with_args(
        cmd(
            "cargo",
            [
                "build",
                "-p",
                "cognito-emulator",
                "--bin",
                "cognito-emulator",
            ],
        ),
        profile_args,
    )
    .run()
    .context("cannot build the emulator")?;
    let emulator = project::cargo_target_dir()
        .join(dir)
        .join("cognito-emulator");
    // `cargo bench --no-run` builds with the bench profile; smoke uses the
    // test profile, whose dependencies the test suite has already built.
    let build = match mode {
        Mode::Smoke => cmd(
            "cargo",
            [
                "test",
                "-p",
                "auth-cognito",
                "-p",
                "auth-axum",
                "--benches",
                "--no-run",
            ],
        ),
        _ => cmd(
            "cargo",
            ["bench", "-p", "auth-cognito", "-p", "auth-axum", "--no-run"],
        ),
    };
    let json = capture(build.arg("--message-format=json-render-diagnostics"))?;
    // The example benches/bff.rs starts, in the profile directory of the
    // benches (`--profile bench` is `target/release`) and with the same
    // packages selected, so that no dependency is built twice.
    let example_profile: &[&str] = match mode {
        Mode::Smoke => &[],
        _ => &["--profile", "bench"],
    };
    with_args(
        cmd(
            "cargo",
            [
                "build",
                "-p",
                "auth-cognito",
                "-p",
                "auth-axum",
                "--example",
                "axum_bff",
            ],
        ),
        example_profile,
    )
    .run()
    .context("cannot build examples/axum_bff")?;
    Ok(Built {
        report: executable(&json, "report")?,
        hot_path: executable(&json, "hot_path")?,
        srp_ct: executable(&json, "srp_ct")?,
        bearer: executable(&json, "bearer")?,
        bff: executable(&json, "bff")?,
        emulator,
    })
}

/// The executable cargo reported for bench target `name`.
pub(super) fn executable(cargo_json: &str, name: &str) -> Result<PathBuf> {
    let wanted = format!("\"name\":\"{name}\"");
    cargo_json
        .lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\"") && l.contains(&wanted))
        .filter(|l| l.contains("\"kind\":[\"bench\"]"))
        .find_map(|l| super::results::json_str(l, "executable"))
        .map(PathBuf::from)
        .ok_or_else(|| Error::msg(format!("cargo built no executable for bench `{name}`")))
}
