//! `cargo xtask bench --guard [--write-baseline]`: the instruction-count
//! regression guard CI runs. Instruction counts (valgrind's callgrind) do
//! not move with the load of a shared machine the way times do.
//!
//! It counts, per operation, the instructions of
//!
//! - a cached `fetch_auth_session` (tokens and credentials valid),
//! - `get_current_user`,
//! - the SRP client maths of one sign-in (`a`, `A`, `x`, `S`, the key and
//!   the signature),
//! - a restore: opening a `FileStorage`, building the plugin and serving
//!   the first `fetch_auth_session` from the stored tokens and credentials
//!   (the loop asserts that it made no network call),
//!
//! and compares them with [`BASELINE`]; it fails when any rises by more
//! than [`TOLERANCE`]. The binaries are the test-profile builds `bench
//! --smoke` already made (no release build in CI): the baseline holds
//! their counts, so rewrite it (`--write-baseline`) when a change is meant
//! to cost more, or when the toolchain or the profile changes.

use std::path::Path;

use std::path::PathBuf;

use super::build::executable;
use super::capture;
use crate::apt;
use crate::cmd::cmd;
use crate::error::{Context, Error, Result, bail};
use crate::project;

/// The committed counts, one `name instructions-per-operation` per line.
const BASELINE: &str = "bench/instructions_baseline.txt";

/// The largest rise allowed over the baseline.
const TOLERANCE: f64 = 0.20;

/// The binaries the loops run in.
struct Binaries {
    report: PathBuf,
    srp_ct: PathBuf,
}

/// One counted operation.
struct Measure {
    name: &'static str,
    /// The function whose instructions callgrind counts.
    toggle: &'static str,
    /// The binary's arguments.
    args: &'static [&'static str],
    /// How many operations the loop runs.
    ops: f64,
    srp: bool,
}

const MEASURES: [Measure; 4] = [
    Measure {
        name: "fetch_auth_session_cached",
        toggle: "*callgrind_hot_loop*",
        args: &["--callgrind", "2000", "--callgrind-what", "fetch"],
        ops: 2000.0,
        srp: false,
    },
    Measure {
        name: "get_current_user",
        toggle: "*callgrind_user_loop*",
        args: &["--callgrind", "2000", "--callgrind-what", "user"],
        ops: 2000.0,
        srp: false,
    },
    Measure {
        name: "restore_file_storage",
        toggle: "*callgrind_restore_loop*",
        args: &["--callgrind", "5", "--callgrind-what", "restore"],
        ops: 5.0,
        srp: false,
    },
    Measure {
        name: "srp_client_maths",
        toggle: "*ct_class_run*",
        args: &["--callgrind-class", "1", "--runs", "1"],
        ops: 1.0,
        srp: true,
    },
];

/// `cargo xtask bench --guard`.
pub(crate) fn run(write_baseline: bool) -> Result<()> {
    apt::ensure(&[apt::VALGRIND]).context("the instruction guard")?;
    // The test-profile bench binaries, as `bench --smoke` builds them.
    let json = capture(
        cmd(
            "cargo",
            ["test", "-p", "auth-cognito", "--benches", "--no-run"],
        )
        .arg("--message-format=json-render-diagnostics"),
    )?;
    let built = Binaries {
        report: executable(&json, "report")?,
        srp_ct: executable(&json, "srp_ct")?,
    };
    let scratch = project::fresh_scratch("bench-guard")?;
    let mut counts = Vec::new();
    for m in &MEASURES {
        let per_op = count(&built, &scratch, m)?;
        println!("guard: {:28} {per_op:>14.0} instructions", m.name);
        counts.push((m.name, per_op));
    }
    let path = project::root().join(BASELINE);
    if write_baseline {
        let text: String = counts
            .iter()
            .map(|(n, c)| format!("{n} {c:.0}\n"))
            .collect();
        std::fs::write(&path, text).context(format_args!("cannot write {BASELINE}"))?;
        println!("guard: wrote {BASELINE}");
        return Ok(());
    }
    let baseline = std::fs::read_to_string(&path).context(format_args!(
        "cannot read {BASELINE} (make it with `cargo xtask bench --guard --write-baseline`)"
    ))?;
    let verdicts = compare(&parse(&baseline)?, &counts);
    for v in &verdicts {
        println!("guard: {v}");
    }
    if verdicts.iter().any(|v| v.starts_with("FAIL")) {
        bail!("instruction counts rose by more than 20 % over {BASELINE}");
    }
    Ok(())
}

/// Instructions per operation of `m`, under callgrind.
fn count(built: &Binaries, scratch: &Path, m: &Measure) -> Result<f64> {
    let out = scratch.join(format!("callgrind-{}.out", m.name));
    let binary = if m.srp { &built.srp_ct } else { &built.report };
    let mut c = cmd(
        "valgrind",
        [
            "--tool=callgrind".to_owned(),
            format!("--toggle-collect={}", m.toggle),
            format!("--callgrind-out-file={}", out.display()),
        ],
    )
    .arg(binary);
    for a in m.args {
        c = c.arg(a);
    }
    capture(c).context(format_args!("callgrind of {}", m.name))?;
    let text = std::fs::read_to_string(&out)
        .context(format_args!("callgrind wrote no {}", out.display()))?;
    let total = super::callgrind::total_instructions(&text)
        .filter(|n| *n > 0.0)
        .ok_or_else(|| Error::msg(format!("callgrind counted nothing in {}", m.toggle)))?;
    Ok(total / m.ops)
}

/// `name count` lines.
fn parse(text: &str) -> Result<Vec<(String, f64)>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            match (parts.next(), parts.next().and_then(|c| c.parse().ok())) {
                (Some(n), Some(c)) => Ok((n.to_owned(), c)),
                _ => Err(Error::msg(format!("{BASELINE}: bad line `{l}`"))),
            }
        })
        .collect()
}

/// One line per measure: `ok`, or `FAIL` for a rise over [`TOLERANCE`] or a
/// measure missing from the baseline.
fn compare(baseline: &[(String, f64)], counts: &[(&str, f64)]) -> Vec<String> {
    counts
        .iter()
        .map(
            |(name, now)| match baseline.iter().find(|(n, _)| n == name) {
                Some((_, base)) => {
                    let change = now / base - 1.0;
                    let verdict = if change > TOLERANCE { "FAIL" } else { "ok" };
                    format!(
                        "{verdict} {name}: {now:.0} against {base:.0} ({:+.1} %)",
                        change * 100.0
                    )
                }
                None => format!("FAIL {name}: not in the baseline"),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rise_over_20_percent_fails_and_a_fall_passes() {
        let base = parse("# counts\nfetch 1000\nsrp 5000\n\n").expect("parse");
        let v = compare(&base, &[("fetch", 1199.0), ("srp", 4000.0)]);
        assert!(v.iter().all(|l| l.starts_with("ok")), "{v:?}");
        let v = compare(&base, &[("fetch", 1201.0), ("srp", 5000.0)]);
        assert!(v[0].starts_with("FAIL") && v[1].starts_with("ok"), "{v:?}");
        let v = compare(&base, &[("restore", 1.0)]);
        assert!(v[0].starts_with("FAIL"), "{v:?}");
        assert!(parse("fetch many\n").is_err());
    }
}
