//! `cargo xtask bench [--quick | --smoke]`: our benchmarks and the peers'
//! (Amplify JS, pycognito) in one run, against one cognito-emulator, written
//! to `BENCHMARKS.md`.
//!
//! 1. Builds the release emulator and `crates/auth-cognito/benches/report.rs`
//!    (the dev profile with `--smoke`).
//! 2. Starts the emulator with `--seed-demo` on 127.0.0.1 and writes its
//!    `amplify_outputs.json`.
//! 3. Runs each group of our rows in its own process (so that one group's
//!    background work does not slow the next), then
//!    `bench/pycognito_bench.py` and `bench/amplify_js_bench.mjs` against the
//!    same emulator.
//! 4. Counts the instructions of the cached `fetch_auth_session` with
//!    `valgrind --tool=callgrind`.
//! 5. Replaces the table between the markers in `BENCHMARKS.md` (the prose
//!    around it is kept).
//!
//! `--smoke` runs a few iterations of everything, asserts no times and
//! writes nothing: CI runs it so that the benchmarks keep building and
//! running.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Instant;

use crate::cmd::{Cmd, cmd};
use crate::error::{Context, Error, Result, bail};
use crate::node;
use crate::project;
use crate::server::ServerGuard;
use crate::venv;

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
    fn flag(self) -> &'static str {
        match self {
            Mode::Smoke => "--test",
            Mode::Quick => "--quick",
            Mode::Full => "--full",
        }
    }

    fn peer_flag(self) -> &'static str {
        match self {
            Mode::Smoke => "smoke",
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// Our row groups, each run in its own process (`report --only <group>`).
/// Memory goes first in its own process so that nothing else's freed memory
/// hides its growth.
const GROUPS: [&str; 6] = [
    "memory",
    "hot_path",
    "srp_maths",
    "srp_sign_in_full",
    "concurrent",
    "restore",
];

const BEGIN: &str =
    "<!-- bench:begin (written by `cargo xtask bench`; edit outside the markers) -->";
const END: &str = "<!-- bench:end -->";

/// `cargo xtask bench`.
pub(crate) fn run(mode: Mode) -> Result<()> {
    let started = Instant::now();
    let (report, hot_path, emulator_exe) = build(mode)?;
    let built = started.elapsed();
    let measure_start = Instant::now();

    let venv = venv::ensure()?;
    node::ensure_amplify_js()?;
    let scratch = project::fresh_scratch("bench")?;
    let emu = start_emulator(&emulator_exe, &scratch)?;
    let outputs = scratch.join("amplify_outputs.json");
    std::fs::write(&outputs, &emu.outputs)
        .context(format_args!("cannot write {}", outputs.display()))?;

    let mut lines: Vec<String> = Vec::new();
    // Our report binary, run directly or under `wrapper` (valgrind).
    let ours = |wrapper: &[&str], extra: &[&str]| {
        let c = match wrapper.split_first() {
            Some((program, rest)) => with_args(cmd(program, rest.iter()), &[]).arg(&report),
            None => cmd(&report, Vec::<&str>::new()),
        };
        with_args(c, extra)
            .arg(mode.flag())
            .env("AMPLIFY_AUTH_BENCH_OUTPUTS", &outputs)
            .env("AMPLIFY_AUTH_BENCH_USERNAME", &emu.username)
            .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password)
    };
    for group in GROUPS {
        lines.extend(bench_lines(&capture(ours(&[], &["--only", group]))?));
    }
    if mode == Mode::Smoke {
        cmd(&hot_path, ["--test"]).run()?;
    }
    lines.extend(bench_lines(&capture(
        with_args(
            cmd(venv.python(), ["bench/pycognito_bench.py", "--outputs"]).arg(&outputs),
            &["--username", &emu.username, "--mode", mode.peer_flag()],
        )
        .env_secret("AMPLIFY_AUTH_PASSWORD", &emu.password),
    )?));
    lines.extend(bench_lines(&capture(
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

    let calls: u64 = match mode {
        Mode::Smoke => 100,
        Mode::Quick => 20_000,
        Mode::Full => 200_000,
    };
    let out_file = scratch.join("callgrind.out");
    let out_arg = format!("--callgrind-out-file={}", out_file.display());
    let calls_arg = calls.to_string();
    let callgrind = callgrind(
        &out_file,
        calls,
        ours(
            &[
                "valgrind",
                "--tool=callgrind",
                "--toggle-collect=*callgrind_hot_loop*",
                &out_arg,
            ],
            &["--callgrind", &calls_arg],
        ),
    );
    drop(emu);
    let measured = measure_start.elapsed();

    let results = Results::parse(&lines);
    let table = render(
        &results,
        callgrind.as_ref().ok(),
        mode,
        measured.as_secs_f64(),
    )
    .map_err(|_| Error::msg("cannot format the results table"))?;
    println!("\n{table}");
    if let Err(e) = &callgrind {
        println!("callgrind: {e}");
    }
    println!(
        "bench: built in {:.0}s, measured in {:.0}s",
        built.as_secs_f64(),
        measured.as_secs_f64()
    );
    std::fs::write(scratch.join("results.jsonl"), lines.join("\n") + "\n")?;
    if mode == Mode::Smoke {
        println!("bench --smoke: every benchmark ran (times not checked, nothing written)");
        return Ok(());
    }
    write_report(&table)?;
    println!("bench: wrote BENCHMARKS.md");
    Ok(())
}

/// Builds the emulator and the bench binaries; returns (report, hot_path,
/// emulator) executables.
fn build(mode: Mode) -> Result<(PathBuf, PathBuf, PathBuf)> {
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
            ["test", "-p", "auth-cognito", "--benches", "--no-run"],
        ),
        _ => cmd("cargo", ["bench", "-p", "auth-cognito", "--no-run"]),
    };
    let json = capture(build.arg("--message-format=json-render-diagnostics"))?;
    let report = executable(&json, "report")?;
    let hot_path = executable(&json, "hot_path")?;
    Ok((report, hot_path, emulator))
}

/// The executable cargo reported for bench target `name`.
fn executable(cargo_json: &str, name: &str) -> Result<PathBuf> {
    let wanted = format!("\"name\":\"{name}\"");
    cargo_json
        .lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\"") && l.contains(&wanted))
        .filter(|l| l.contains("\"kind\":[\"bench\"]"))
        .find_map(|l| json_str(l, "executable"))
        .map(PathBuf::from)
        .ok_or_else(|| Error::msg(format!("cargo built no executable for bench `{name}`")))
}

/// Runs `c` with stdout captured (and also shown), stderr inherited.
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

fn bench_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("BENCH "))
        .map(str::to_owned)
        .collect()
}

/// A seeded emulator: the demo pool, client, user and identity pool.
struct Emulator {
    endpoint: String,
    outputs: String,
    username: String,
    password: String,
    _guard: ServerGuard,
}

fn start_emulator(exe: &Path, scratch: &Path) -> Result<Emulator> {
    let log_path = scratch.join("emulator.log");
    let log = File::create(&log_path)?;
    let mut child = cmd(exe, ["--bind", "127.0.0.1", "--port", "0", "--seed-demo"]).spawn(
        Stdio::null(),
        Stdio::piped(),
        Stdio::from(log.try_clone()?),
    )?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::msg("emulator stdout not piped"))?;
    let guard = ServerGuard::new("cognito-emulator", child, Some(log_path.clone()));
    // `listening on http://..`, then the outputs JSON, ending with `}`.
    let mut reader = BufReader::new(stdout);
    let mut endpoint = None;
    let mut outputs = String::new();
    let mut line = String::new();
    while reader.read_line(&mut line)? > 0 {
        if endpoint.is_none() {
            endpoint = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(|w| w.trim_end_matches('/').to_owned());
        } else {
            outputs.push_str(&line);
            if line.trim_end() == "}" {
                break;
            }
        }
        line.clear();
    }
    // Keep draining stdout so that the emulator never blocks on it.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    let Some(endpoint) = endpoint else {
        bail!("the emulator printed no address{}", guard.log_tail());
    };
    if outputs.is_empty() {
        bail!(
            "the emulator printed no amplify_outputs.json{}",
            guard.log_tail()
        );
    }
    // `demo user: NAME / PASSWORD  (identity pool ..)` on stderr (the log).
    let log_text = std::fs::read_to_string(&log_path)?;
    let (username, password) = log_text
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("demo user: ")?;
            let (user, rest) = rest.split_once(" / ")?;
            let pass = rest.split_whitespace().next()?;
            Some((user.to_owned(), pass.to_owned()))
        })
        .ok_or_else(|| Error::msg("the emulator did not print the demo user"))?;
    println!("cognito-emulator (seeded) is ready at {endpoint}");
    Ok(Emulator {
        endpoint,
        outputs,
        username,
        password,
        _guard: guard,
    })
}

/// Instructions per cached `fetch_auth_session`, counted by callgrind.
struct Callgrind {
    per_call: f64,
    calls: u64,
}

fn callgrind(out: &Path, calls: u64, under_valgrind: Cmd) -> Result<Callgrind> {
    if !cmd("valgrind", ["--version"]).probe() {
        bail!("valgrind is not installed (Debian: apt-get install -y valgrind); skipped");
    }
    capture(under_valgrind)?;
    let text = std::fs::read_to_string(out)?;
    let total: f64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Error::msg("no summary line in the callgrind output"))?;
    Ok(Callgrind {
        per_call: total / calls as f64,
        calls,
    })
}

/// One measured figure.
#[derive(Debug, Clone)]
struct Figure {
    value: f64,
    unit: String,
    line: String,
}

impl Figure {
    fn extra(&self, key: &str) -> Option<f64> {
        json_num(&self.line, key)
    }
}

struct Results(BTreeMap<(String, String), Figure>);

impl Results {
    fn parse(lines: &[String]) -> Self {
        let mut map = BTreeMap::new();
        for line in lines {
            let (Some(imp), Some(row), Some(value)) = (
                json_str(line, "impl"),
                json_str(line, "row"),
                json_num(line, "value"),
            ) else {
                continue;
            };
            let unit = json_str(line, "unit").unwrap_or_default();
            map.insert(
                (row, imp),
                Figure {
                    value,
                    unit,
                    line: line.clone(),
                },
            );
        }
        Results(map)
    }

    fn get(&self, row: &str, imp: &str) -> Option<&Figure> {
        self.0.get(&(row.to_owned(), imp.to_owned()))
    }
}

/// A figure in its natural unit: ns, µs or ms for times.
fn show(f: &Figure) -> String {
    let ns = match f.unit.as_str() {
        "ns" => f.value,
        "ms" => f.value * 1e6,
        "KiB" => return format!("{:.1} KiB", f.value),
        "x" => return format!("{:.2}×", f.value),
        other => return format!("{:.3} {other}", f.value),
    };
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn ratio(peer: Option<&Figure>, ours: Option<&Figure>) -> String {
    match (peer, ours) {
        (Some(p), Some(o)) if o.value > 0.0 && p.unit == o.unit => {
            format!("{:.0}×", p.value / o.value)
        }
        _ => "–".to_owned(),
    }
}

fn calls_of(f: &Figure) -> String {
    let n = |k| f.extra(k).map_or("?".to_owned(), |v| format!("{v:.0}"));
    format!(
        "{} callers: {} token, {} GetId, {} credential calls",
        n("callers"),
        n("token_calls"),
        n("get_id_calls"),
        n("credential_calls")
    )
}

fn render(
    r: &Results,
    cg: Option<&Callgrind>,
    mode: Mode,
    secs: f64,
) -> std::result::Result<String, std::fmt::Error> {
    let mut t = String::new();
    let machine = machine();
    writeln!(
        t,
        "Measured by `cargo xtask bench{}` on {} ({} measuring, after the build). Peers: Amplify JS {} (Node {}), pycognito {}; all against one cognito-emulator ({} build) on 127.0.0.1.\n",
        match mode {
            Mode::Quick => " --quick",
            Mode::Smoke => " --smoke",
            Mode::Full => "",
        },
        machine,
        format_args!("{secs:.0} s"),
        amplify_version(),
        tool_version("node", &["--version"]),
        pycognito_version(),
        if mode == Mode::Smoke {
            "debug"
        } else {
            "release"
        },
    )?;
    writeln!(
        t,
        "| Row | Target | Ours | Amplify JS | pycognito | Amplify ÷ ours | pycognito ÷ ours | Met |"
    )?;
    writeln!(t, "|---|---|---|---|---|---|---|---|")?;
    let dash = || "–".to_owned();
    let mut row = |name: &str,
                   id: &str,
                   target: &str,
                   met: Option<bool>|
     -> std::result::Result<(), std::fmt::Error> {
        let ours = r.get(id, "rust");
        let amp = r.get(id, "amplify_js");
        let py = r.get(id, "pycognito");
        writeln!(
            t,
            "| {name} | {target} | {} | {} | {} | {} | {} | {} |",
            ours.map_or_else(dash, show),
            amp.map_or_else(dash, show),
            py.map_or_else(dash, show),
            ratio(amp, ours),
            ratio(py, ours),
            match met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            }
        )?;
        Ok(())
    };
    let v = |id: &str| r.get(id, "rust").map(|f| f.value);
    row(
        "`fetch_auth_session`, valid cached tokens + credentials, 1 thread (median)",
        "fetch_auth_session_cached",
        "≤ 0.2 µs",
        v("fetch_auth_session_cached").map(|x| x <= 200.0),
    )?;
    row(
        "`get_current_user`, valid tokens (median)",
        "get_current_user",
        "≤ 0.2 µs",
        v("get_current_user").map(|x| x <= 200.0),
    )?;
    row(
        "hot path throughput, 2 threads ÷ 1 thread",
        "hot_path_2_threads",
        "≥ 1.8×",
        v("hot_path_2_threads").map(|x| x >= 1.8),
    )?;
    row(
        "SRP client maths, one sign-in (a, A, x, S, HKDF, signature)",
        "srp_maths",
        "≤ 3 ms",
        v("srp_maths").map(|x| x <= 3.0),
    )?;
    row(
        "full SRP sign-in against the loopback emulator (median)",
        "srp_sign_in_full",
        "≤ 10 ms",
        v("srp_sign_in_full").map(|x| x <= 10.0),
    )?;
    row(
        "restore a session from `FileStorage` + first `fetch_auth_session`",
        "restore_file_storage",
        "≤ 1 ms",
        v("restore_file_storage").map(|x| x <= 1.0),
    )?;
    row(
        "memory per signed-in session (RSS growth ÷ sessions)",
        "memory_per_session",
        "≤ 16 KiB",
        v("memory_per_session").map(|x| x <= 16.0),
    )?;

    // The burst rows: calls matter more than time.
    let expired = r.get("concurrent_expired_10k", "rust");
    let forced = r.get("concurrent_force_refresh_10k", "rust");
    let amp_forced = r.get("concurrent_force_refresh_10k", "amplify_js");
    let expired_met = expired.map(|f| {
        f.extra("token_calls") == Some(1.0)
            && f.extra("get_id_calls").is_some_and(|n| n <= 1.0)
            && f.extra("credential_calls") == Some(1.0)
            && f.extra("budget_ms").is_some_and(|b| f.value <= b)
    });
    writeln!(
        t,
        "| concurrent callers on expired tokens + credentials | 1 token, ≤ 1 GetId, 1 credential call; all done within one round trip + 20 ms | {} | {} | – | – | – | {} |",
        expired.map_or_else(dash, |f| format!(
            "{}; all done in {} (one caller's round trip {:.1} ms, budget {:.1} ms)",
            calls_of(f),
            show(f),
            f.extra("one_caller_round_trip_ms").unwrap_or(f64::NAN),
            f.extra("budget_ms").unwrap_or(f64::NAN)
        )),
        amp_forced.map_or_else(dash, |f| format!(
            "forceRefresh: {}; {}",
            calls_of(f),
            show(f)
        )),
        match expired_met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        }
    )?;
    writeln!(
        t,
        "| concurrent `fetch_auth_session(force_refresh)` (as the peer row) | (same) | {} | {} | – | {} | – | {} |",
        forced.map_or_else(dash, |f| format!("{}; {}", calls_of(f), show(f))),
        amp_forced.map_or_else(dash, |f| format!("{}; {}", calls_of(f), show(f))),
        ratio(amp_forced, forced),
        forced.map_or("–", |f| {
            if f.extra("token_calls") == Some(1.0) && f.extra("credential_calls") == Some(1.0) {
                "yes"
            } else {
                "**no**"
            }
        }),
    )?;
    match cg {
        Some(cg) => writeln!(
            t,
            "| instructions per cached `fetch_auth_session` (callgrind, {} calls) | – | {:.0} | – | – | – | – | – |",
            cg.calls, cg.per_call
        )?,
        None => writeln!(
            t,
            "| instructions per cached `fetch_auth_session` (callgrind) | – | not measured (valgrind missing) | – | – | – | – | – |"
        )?,
    }
    if let (Some(ours), Some(a)) = (
        r.get("srp_maths", "rust"),
        r.get("hot_path_2_threads", "rust"),
    ) {
        writeln!(
            t,
            "\nDetails: SRP `a` + `A = g^a` (can run before the password is known) {:.2} ms, the rest {:.2} ms. Hot path: {:.2} M calls/s on 1 thread, {:.2} M calls/s on 2.",
            ours.extra("a_ms").unwrap_or(f64::NAN),
            ours.extra("after_password_ms").unwrap_or(f64::NAN),
            a.extra("one_thread_per_s").unwrap_or(f64::NAN) / 1e6,
            a.extra("two_threads_per_s").unwrap_or(f64::NAN) / 1e6,
        )?;
    }
    if let Some(f) = r.get("restore_file_storage", "rust") {
        writeln!(
            t,
            "Restore: tokens only (`get_current_user`) {:.2} ms, of which building the plugin (its HTTP clients) {:.2} ms; {:.1} `GetCredentialsForIdentity` call(s) per restore (credentials are not persisted).",
            f.extra("tokens_only_ms").unwrap_or(f64::NAN),
            f.extra("build_plugin_ms").unwrap_or(f64::NAN),
            f.extra("credential_calls_per_restore").unwrap_or(f64::NAN)
        )?;
    }
    if let Some(f) = r.get("memory_per_session", "rust") {
        writeln!(
            t,
            "Memory: {:.0} sessions, {:.0} bytes of stored session data each.",
            f.extra("sessions").unwrap_or(f64::NAN),
            f.extra("stored_bytes_per_session").unwrap_or(f64::NAN)
        )?;
    }
    if let Some(f) = r.get("fetch_auth_session_cached", "pycognito") {
        let _ = f;
        writeln!(
            t,
            "pycognito has no session cache with credentials: its cached-session figure is `Cognito.check_token(renew=False)` (the access token's expiry only)."
        )?;
    }
    Ok(t)
}

/// `nproc`, the CPU model and the date.
fn machine() -> String {
    let nproc = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let date = tool_version("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    // A shared machine: the load average says how much to trust wall times.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    format!(
        "{date}, nproc = {nproc}, CPU: {cpu}, 1-minute load average {load} at the end, {}",
        tool_version("rustc", &["--version"])
    )
}

fn tool_version(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "?".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

fn amplify_version() -> String {
    let path = project::root()
        .join(node::AMPLIFY_JS_DIR)
        .join("node_modules/aws-amplify/package.json");
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| json_str(&t, "version"))
        .unwrap_or_else(|| "?".to_owned())
}

fn pycognito_version() -> String {
    let dir = venv::dir();
    let python = dir.join("bin").join("python");
    tool_version(
        &python.to_string_lossy(),
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('pycognito'))",
        ],
    )
}

/// Replaces the table between the markers in BENCHMARKS.md (creating the
/// file with the markers when it has none).
fn write_report(table: &str) -> Result<()> {
    let path = project::root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{table}{}", &old[..b], &old[e..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n{table}{END}\n\n{old}"),
    };
    let tmp = path.with_extension("md.tmp");
    let mut f = File::create(&tmp)?;
    f.write_all(new.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// The string value of `"key": "..."` in a flat JSON line (no escapes in
/// the values this reads).
fn json_str(line: &str, key: &str) -> Option<String> {
    let rest = after_key(line, key)?;
    let rest = rest.strip_prefix('"')?;
    rest.find('"').map(|end| rest[..end].to_owned())
}

/// The number value of `"key": 1.5` in a JSON line.
fn json_num(line: &str, key: &str) -> Option<f64> {
    let rest = after_key(line, key)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn after_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\"");
    let at = line.find(&pat)? + pat.len();
    let rest = line[at..].trim_start().strip_prefix(':')?;
    Some(rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flat_json_from_rust_and_python() {
        let rust = r#"{"extra":{"calls":200000,"p10":1.5},"impl":"rust","row":"get_current_user","unit":"ns","value":125.5}"#;
        let py = r#"{"impl": "pycognito", "row": "srp_maths", "value": 66.5, "unit": "ms", "extra": {"runs": 2}}"#;
        assert_eq!(json_str(rust, "impl").as_deref(), Some("rust"));
        assert_eq!(json_num(rust, "value"), Some(125.5));
        assert_eq!(json_num(rust, "calls"), Some(200_000.0));
        assert_eq!(json_str(py, "row").as_deref(), Some("srp_maths"));
        assert_eq!(json_num(py, "value"), Some(66.5));
        assert_eq!(json_num(py, "runs"), Some(2.0));
        assert_eq!(json_num(py, "missing"), None);
    }

    #[test]
    fn shows_times_in_natural_units() {
        let f = |value, unit: &str| Figure {
            value,
            unit: unit.to_owned(),
            line: String::new(),
        };
        assert_eq!(show(&f(351.6, "ns")), "352 ns");
        assert_eq!(show(&f(68_000.0, "ns")), "68.0 µs");
        assert_eq!(show(&f(5.5, "ms")), "5.50 ms");
        assert_eq!(show(&f(0.8, "ms")), "800.0 µs");
    }
}
