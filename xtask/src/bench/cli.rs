//! The `credential_process` row (issue 15): the `amplify-auth` binary, as an
//! AWS tool runs it, against a session it stored earlier.
//!
//! The CLI signs the demo user in and runs `credentials --format
//! credential-process` once (which fetches and stores the AWS
//! credentials); then N more processes are timed from spawn to exit, with
//! the emulator's call counters read before and after: while the stored
//! credentials are valid each process must make no call. `amplify-auth
//! --version` is timed the same way, as the floor of a process start
//! (loading the binary, clap) below which no command can go.
//!
//! The binary is the release build (`--smoke`: the debug build the tests
//! use). The figures go out as `BENCH` lines for [`rows`](super::rows).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Mode;
use super::seeded::Seeded;
use crate::cmd::cmd;
use crate::error::{Context, Error, Result, bail};
use crate::project;

/// The environment variables that would point the CLI elsewhere.
const ENV_KEYS: [&str; 7] = [
    "AMPLIFY_AUTH_OUTPUTS",
    "AMPLIFY_AUTH_PROFILE",
    "AMPLIFY_AUTH_STORAGE_DIR",
    "AMPLIFY_AUTH_STORAGE_URL",
    "AMPLIFY_AUTH_USER_POOL_ENDPOINT",
    "AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT",
    "AMPLIFY_AUTH_OAUTH_ENDPOINT",
];

/// Builds the binary, measures, and returns the row's `BENCH` lines.
pub(super) fn run(mode: Mode, outputs: &Path, emu: &Seeded, scratch: &Path) -> Result<Vec<String>> {
    let (profile, dir): (&[&str], &str) = match mode {
        Mode::Smoke => (&[], "debug"),
        _ => (&["--release"], "release"),
    };
    let mut build = cmd(
        "cargo",
        ["build", "-p", "auth-cli", "--bin", "amplify-auth"],
    );
    for a in profile {
        build = build.arg(a);
    }
    build.run().context("cannot build amplify-auth")?;
    let exe = project::cargo_target_dir().join(dir).join("amplify-auth");
    let cli = Cli {
        exe,
        outputs: outputs.to_path_buf(),
        store: scratch.join("cli-store"),
    };

    let mut sign_in = cli
        .command(&["sign-in", "--username", &emu.username, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start amplify-auth sign-in")?;
    if let Some(mut stdin) = sign_in.stdin.take() {
        writeln!(stdin, "{}", emu.password)?;
    }
    if !sign_in.wait()?.success() {
        bail!("amplify-auth sign-in failed");
    }
    // The first process fetches the credentials and stores them.
    cli.credential_process()?;

    let runs = match mode {
        Mode::Smoke => 3,
        Mode::Quick => 30,
        Mode::Full => 100,
    };
    let before = total_calls(&emu.endpoint)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        cli.credential_process()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let calls = total_calls(&emu.endpoint)?.saturating_sub(before);
    let mut floor = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let out = cli.command(&["--version"]).output()?;
        floor.push(t.elapsed().as_secs_f64() * 1e3);
        if !out.status.success() {
            bail!("amplify-auth --version failed");
        }
    }
    println!(
        "credential_process: {runs} processes, {calls} calls to the emulator ({})",
        cli.exe.display()
    );
    let line = format!(
        "{{\"impl\":\"rust\",\"row\":\"cli_credential_process\",\"value\":{:.4},\"unit\":\"ms\",\"extra\":{{\"runs\":{runs},\"network_calls\":{calls},\"p90_ms\":{:.4},\"min_ms\":{:.4},\"version_ms\":{:.4}}}}}",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.0),
        percentile(&floor, 0.5),
    );
    Ok(vec![line])
}

/// The binary with the bench's outputs and its own storage directory.
struct Cli {
    exe: PathBuf,
    outputs: PathBuf,
    store: PathBuf,
}

impl Cli {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.exe);
        for k in ENV_KEYS {
            c.env_remove(k);
        }
        c.arg("--outputs")
            .arg(&self.outputs)
            .arg("--storage-dir")
            .arg(&self.store)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        c
    }

    /// One `credentials --format credential-process`; fails unless it
    /// printed credentials.
    fn credential_process(&self) -> Result<()> {
        let out = self
            .command(&["credentials", "--format", "credential-process"])
            .output()
            .context("cannot run amplify-auth credentials")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !text.contains("\"AccessKeyId\"") {
            bail!(
                "amplify-auth credentials --format credential-process failed ({})",
                out.status
            );
        }
        Ok(())
    }
}

/// The sum of the emulator's call counters (`GET /_emulator/counters`, a
/// flat JSON object of operation → count).
fn total_calls(endpoint: &str) -> Result<u64> {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).context("cannot reach the emulator")?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET /_emulator/counters HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .ok_or_else(|| Error::msg("the emulator's counters: no HTTP body"))?;
    Ok(sum_of_counts(body))
}

/// Adds every number that follows a `:` in a flat JSON object.
fn sum_of_counts(json: &str) -> u64 {
    json.split(':')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

/// The `p` quantile (0 = the minimum) of `xs`.
fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_the_counters_of_a_flat_object() {
        assert_eq!(
            sum_of_counts(r#"{"GetCredentialsForIdentity":2,"InitiateAuth": 3}"#),
            5
        );
        assert_eq!(sum_of_counts("{}"), 0);
    }

    #[test]
    fn percentiles_are_order_statistics() {
        let xs = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&xs, 0.0), 1.0);
        assert_eq!(percentile(&xs, 0.5), 3.0);
        assert_eq!(percentile(&xs, 1.0), 5.0);
    }
}
