//! `cargo xtask bench [--quick | --smoke]`: our benchmarks and the peers'
//! (Amplify JS, pycognito) in one run, against one cognito-emulator, written
//! to `BENCHMARKS.md`.
//!
//! 1. Builds the release emulator and `crates/auth-cognito/benches/report.rs`
//!    (the dev profile with `--smoke`): [`build`].
//! 2. Starts the emulator with `--seed-demo` on 127.0.0.1 and writes its
//!    `amplify_outputs.json`: [`seeded`].
//! 3. Runs each group of our rows in its own process (so that one group's
//!    background work does not slow the next), the storage rows
//!    (`benches/storage.rs`, with a real redis-server: [`storage`]), then
//!    `bench/pycognito_bench.py` and `bench/amplify_js_bench.mjs` against the
//!    same emulator.
//!    The release `amplify-auth credentials --format credential-process`
//!    is timed process by process on a stored session: [`cli`].
//!    `benches/srp_ct.rs` then times the SRP implementations side by side
//!    (constant-time, the earlier variable-time code, crypto-bigint) and
//!    runs its dudect t-tests. auth-axum's `benches/bearer.rs` and
//!    `bench/aws_jwt_verify_bench.mjs` time bearer verification per request
//!    (ours, `jsonwebtoken`'s bare decode, aws-jwt-verify in Node).
//!    auth-axum's `benches/bff.rs` drives an `examples/axum_bff` process:
//!    `GET /me` per second and p99 (cached, and with a Redis read per
//!    request), and memory per session over 10,000 sessions.
//! 4. Counts the instructions of the cached `fetch_auth_session`, and of the
//!    SRP exponentiations on two classes of secrets, with
//!    `valgrind --tool=callgrind`, installing valgrind when it is missing:
//!    [`callgrind`].
//! 5. Reads every `BENCH {json}` line ([`results`]) and replaces the table
//!    between the markers in `BENCHMARKS.md`, the prose around it kept
//!    ([`report`]). The rows, their targets and the groups are in [`rows`].
//!
//! `--smoke` runs a few iterations of everything, asserts no times and
//! writes nothing: CI runs it so that the benchmarks keep building and
//! running.

mod build;
mod callgrind;
mod cli;
mod guard;
mod report;
mod results;
mod rows;
mod seeded;
mod storage;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Instant;

use crate::cmd::{Cmd, cmd};
use crate::error::{Context, Result, bail};
use crate::node;
use crate::project;
use crate::venv;

pub(crate) use guard::run as guard;

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A few iterations; nothing written.
    Smoke,
    /// Under 3 minutes once built.
    Quick,
    /// The default.
    Full,
}

impl Mode {
    /// The report binary's flag.
    fn flag(self) -> &'static str {
        match self {
            Mode::Smoke => "--test",
            Mode::Quick => "--quick",
            Mode::Full => "--full",
        }
    }

    /// The peers' `--mode` value.
    fn peer_flag(self) -> &'static str {
        match self {
            Mode::Smoke => "smoke",
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }

    /// Sign-ins per class for the constant-time instruction counts.
    fn ct_runs(self) -> u32 {
        match self {
            Mode::Smoke => 1,
            Mode::Quick => 3,
            Mode::Full => 10,
        }
    }

    /// Calls of the cached `fetch_auth_session` under callgrind.
    fn callgrind_calls(self) -> u64 {
        match self {
            Mode::Smoke => 100,
            Mode::Quick => 20_000,
            Mode::Full => 200_000,
        }
    }
}

/// `cargo xtask bench`.
pub(crate) fn run(mode: Mode) -> Result<()> {
    let started = Instant::now();
    let built = build::build(mode)?;
    let build_secs = started.elapsed().as_secs_f64();
    let measure_start = Instant::now();

    let venv = venv::ensure()?;
    node::ensure_amplify_js()?;
    let scratch = project::fresh_scratch("bench")?;
    let emu = seeded::start(&built.emulator, &scratch)?;
    let outputs = scratch.join("amplify_outputs.json");
    std::fs::write(&outputs, &emu.outputs)
        .context(format_args!("cannot write {}", outputs.display()))?;

    let mut lines: Vec<String> = Vec::new();
    // Our report binary, run directly or under `wrapper` (valgrind).
    let ours = |wrapper: &[String], extra: &[&str]| {
        let c = match wrapper.split_first() {
            Some((program, rest)) => with_args(cmd(program, rest), &[]).arg(&built.report),
            None => cmd(&built.report, Vec::<&str>::new()),
        };
        with_args(c, extra)
            .arg(mode.flag())
            .env("AMPLIFY_AUTH_BENCH_OUTPUTS", &outputs)
            .env("AMPLIFY_AUTH_BENCH_USERNAME", &emu.username)
            .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password)
    };
    for group in rows::GROUPS {
        let cpu_before = emu.cpu_ms();
        let group_lines = results::bench_lines(&capture(ours(&[], &["--only", group]))?);
        if group == "srp_sign_in_full" {
            lines.extend(emulator_cpu_line(&group_lines, cpu_before, emu.cpu_ms()));
        }
        lines.extend(group_lines);
    }
    lines.extend(storage::run(mode, &outputs, &emu)?);
    lines.extend(cli::run(mode, &outputs, &emu, &scratch)?);
    if mode == Mode::Smoke {
        cmd(&built.hot_path, ["--test"]).run()?;
    }
    lines.extend(results::bench_lines(&capture(cmd(
        &built.srp_ct,
        [mode.flag()],
    ))?));
    lines.extend(results::bench_lines(&capture(
        cmd(&built.bearer, [mode.flag()])
            .env("AMPLIFY_AUTH_BENCH_OUTPUTS", &outputs)
            .env("AMPLIFY_AUTH_BENCH_USERNAME", &emu.username)
            .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password),
    )?));
    // The BFF rows: an axum_bff process with its own in-process emulator
    // and redis-server (installed by the storage rows above).
    lines.extend(results::bench_lines(&capture(cmd(
        &built.bff,
        [mode.flag()],
    ))?));
    lines.extend(results::bench_lines(&capture(
        with_args(
            cmd("node", ["bench/aws_jwt_verify_bench.mjs", "--outputs"]).arg(&outputs),
            &["--username", &emu.username, "--mode", mode.peer_flag()],
        )
        .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password),
    )?));
    lines.extend(results::bench_lines(&capture(
        with_args(
            cmd(venv.python(), ["bench/pycognito_bench.py", "--outputs"]).arg(&outputs),
            &["--username", &emu.username, "--mode", mode.peer_flag()],
        )
        .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password),
    )?));
    lines.extend(results::bench_lines(&capture(
        with_args(
            cmd("node", ["bench/amplify_js_bench.mjs", "--outputs"]).arg(&outputs),
            &[
                "--username",
                &emu.username,
                "--emulator",
                &emu.endpoint,
                "--mode",
                mode.peer_flag(),
            ],
        )
        .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password),
    )?));

    let calls = mode.callgrind_calls();
    let out_file = scratch.join("callgrind.out");
    let calls_arg = calls.to_string();
    let counted = callgrind::measure(
        &out_file,
        calls,
        ours(
            &callgrind::valgrind_args(&out_file),
            &["--callgrind", &calls_arg],
        ),
    );
    drop(emu);
    // Under valgrind a debug build takes minutes: not in --smoke.
    let constant_time = if mode == Mode::Smoke {
        Ok(None)
    } else {
        callgrind::constant_time(&scratch, &built.srp_ct, mode.ct_runs()).map(Some)
    };
    let measured = measure_start.elapsed().as_secs_f64();
    if let Ok(line) = &counted {
        lines.push(line.clone());
    }
    if let Ok(Some(line)) = &constant_time {
        lines.push(line.clone());
    }

    let table = report::render(&results::Results::parse(&lines), mode, measured);
    println!("\n{table}");
    println!("bench: built in {build_secs:.0}s, measured in {measured:.0}s");
    std::fs::write(scratch.join("results.jsonl"), lines.join("\n") + "\n")?;
    // Every row is measured, or the run fails (and writes no report).
    counted?;
    constant_time?;
    if mode == Mode::Smoke {
        println!("bench --smoke: every benchmark ran (times not checked, nothing written)");
        return Ok(());
    }
    report::write(&table)?;
    println!("bench: wrote BENCHMARKS.md");
    Ok(())
}

/// The emulator's CPU time per sign-in of the full sign-in row, from its
/// CPU time around the group's process and the sign-ins the row counted.
fn emulator_cpu_line(group: &[String], before: Option<f64>, after: Option<f64>) -> Option<String> {
    let (before, after) = (before?, after?);
    let row = group
        .iter()
        .find(|l| results::json_str(l, "row").as_deref() == Some("srp_sign_in_full"))?;
    let sign_ins = results::json_num(row, "initiate_auth_calls")?;
    (sign_ins > 0.0).then(|| {
        format!(
            "{{\"impl\":\"emulator\",\"row\":\"srp_sign_in_full_cpu\",\"value\":{:.4},\"unit\":\"ms\",\"extra\":{{\"sign_ins\":{sign_ins}}}}}",
            (after - before) / sign_ins
        )
    })
}

/// Runs `c` with stdout captured (and also shown, except cargo's JSON
/// messages), stderr inherited; fails unless it exits 0.
fn capture(c: Cmd) -> Result<String> {
    let mut child: Child = c.spawn(Stdio::null(), Stdio::piped(), Stdio::inherit())?;
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if !line.starts_with("{\"reason\"") {
                println!("{line}");
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("the command above failed ({status})");
    }
    Ok(out)
}

fn with_args(mut c: Cmd, args: &[&str]) -> Cmd {
    for a in args {
        c = c.arg(a);
    }
    c
}
