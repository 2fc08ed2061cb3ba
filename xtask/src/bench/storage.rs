//! The storage rows (issue 13): builds and runs the workspace's
//! `benches/storage.rs` against the bench's emulator, with a real
//! `redis-server` that the binary starts itself (installed here through
//! [`apt`](crate::apt) when missing). Its rows are in [`rows`](super::rows).

use std::path::Path;

use super::build::executable;
use super::seeded::Seeded;
use super::{Mode, capture, results};
use crate::cmd::cmd;
use crate::error::{Context, Result};

/// Builds the binary (the test profile with `--smoke`, as the other
/// benches), runs it, and returns its `BENCH` lines.
pub(super) fn run(mode: Mode, outputs: &Path, emu: &Seeded) -> Result<Vec<String>> {
    crate::apt::ensure(&crate::storage::REDIS)?;
    let build = match mode {
        Mode::Smoke => cmd(
            "cargo",
            [
                "test",
                "-p",
                "amplify-auth",
                "--bench",
                "storage",
                "--no-run",
            ],
        ),
        _ => cmd(
            "cargo",
            [
                "bench",
                "-p",
                "amplify-auth",
                "--bench",
                "storage",
                "--no-run",
            ],
        ),
    };
    let json = capture(build.arg("--message-format=json-render-diagnostics"))
        .context("cannot build benches/storage.rs")?;
    let exe = executable(&json, "storage")?;
    let out = capture(
        cmd(&exe, [mode.flag()])
            .env("AMPLIFY_AUTH_BENCH_OUTPUTS", outputs)
            .env("AMPLIFY_AUTH_BENCH_USERNAME", &emu.username)
            .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password),
    )?;
    Ok(results::bench_lines(&out))
}
