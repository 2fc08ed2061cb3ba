//! Instruction counts with `valgrind --tool=callgrind`: repeatable figures on
//! a noisy shared machine (as rustls' ci-bench does). valgrind is installed
//! with apt-get when missing.

use std::path::Path;

use super::capture;
use crate::apt;
use crate::cmd::{Cmd, cmd};
use crate::error::{Context, Error, Result};

/// The row id of the instructions per cached `fetch_auth_session`.
pub(super) const ROW: &str = "callgrind_fetch_auth_session_cached";

/// The row id of the SRP exponentiations' instructions, class 0 against 1.
pub(super) const CT_ROW: &str = "srp_ct_callgrind";

/// Counts the instructions inside the SRP exponentiations
/// (`auth_cognito::srp::exp::pow*`) for `runs` sign-ins' maths on each
/// class of secrets of `srp_ct` (`--callgrind-class 0|1`: a sparse `a` and
/// one password, or random ones), and returns a `BENCH`-style line for
/// [`CT_ROW`]: the difference (zero for constant-time code) and both counts.
pub(super) fn constant_time(scratch: &Path, srp_ct: &Path, runs: u32) -> Result<String> {
    apt::ensure(&[apt::VALGRIND]).context("callgrind rows")?;
    let mut counts = [0.0; 2];
    for (class, count) in counts.iter_mut().enumerate() {
        let out = scratch.join(format!("callgrind-srp-class{class}.out"));
        let runs_arg = runs.to_string();
        let class_arg = class.to_string();
        capture(
            cmd(
                "valgrind",
                [
                    "--tool=callgrind",
                    "--toggle-collect=*srp::exp::pow*",
                    &format!("--callgrind-out-file={}", out.display()),
                ],
            )
            .arg(srp_ct)
            .arg("--callgrind-class")
            .arg(&class_arg)
            .arg("--runs")
            .arg(&runs_arg),
        )
        .context("callgrind of the SRP exponentiations")?;
        let text = std::fs::read_to_string(&out)
            .context(format_args!("callgrind wrote no {}", out.display()))?;
        *count = total_instructions(&text)
            .filter(|n| *n > 0.0)
            .ok_or_else(|| Error::msg("callgrind counted nothing inside srp::exp::pow*"))?;
    }
    Ok(ct_line(counts, runs))
}

/// The `BENCH` JSON line of [`CT_ROW`].
fn ct_line(counts: [f64; 2], runs: u32) -> String {
    let diff = (counts[1] - counts[0]).abs();
    format!(
        "{{\"impl\":\"rust\",\"row\":\"{CT_ROW}\",\"value\":{diff},\"unit\":\"instructions\",\"extra\":{{\"class0\":{},\"class1\":{},\"runs\":{runs}}}}}",
        counts[0], counts[1]
    )
}

/// The valgrind arguments that count only `callgrind_hot_loop` (the report
/// binary's `--callgrind N` loop) and write the counts to `out`.
pub(super) fn valgrind_args(out: &Path) -> Vec<String> {
    vec![
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        "--toggle-collect=*callgrind_hot_loop*".to_owned(),
        format!("--callgrind-out-file={}", out.display()),
    ]
}

/// Runs `under_valgrind` (the report binary's `--callgrind calls` loop
/// under [`valgrind_args`]) and returns a `BENCH`-style JSON line for
/// [`ROW`]: instructions per call.
pub(super) fn measure(out: &Path, calls: u64, under_valgrind: Cmd) -> Result<String> {
    apt::ensure(&[apt::VALGRIND]).context("callgrind rows")?;
    capture(under_valgrind).context("callgrind")?;
    let text = std::fs::read_to_string(out)
        .context(format_args!("callgrind wrote no {}", out.display()))?;
    let total = total_instructions(&text)
        .ok_or_else(|| Error::msg("no summary line in the callgrind output"))?;
    Ok(row_line(total, calls))
}

/// The `BENCH` JSON line of [`ROW`] for `total` instructions over `calls`.
fn row_line(total: f64, calls: u64) -> String {
    let per_call = total / calls as f64;
    format!(
        "{{\"impl\":\"rust\",\"row\":\"{ROW}\",\"value\":{per_call},\"unit\":\"instructions\",\"extra\":{{\"calls\":{calls}}}}}"
    )
}

/// The `summary:` (or `totals:`) count of a callgrind output file.
pub(super) fn total_instructions(callgrind_out: &str) -> Option<f64> {
    callgrind_out
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::{json_num, json_str};

    #[test]
    fn reads_the_summary_and_makes_a_row_line() {
        let out =
            "version: 1\ncmd: report\nevents: Ir\nfn=(1) x\n3 5\nsummary: 123400\ntotals: 1\n";
        assert_eq!(total_instructions(out), Some(123_400.0));
        assert_eq!(total_instructions("events: Ir\n"), None);
        let line = row_line(123_400.0, 100);
        assert_eq!(json_str(&line, "impl").as_deref(), Some("rust"));
        assert_eq!(json_str(&line, "row").as_deref(), Some(ROW));
        assert_eq!(json_str(&line, "unit").as_deref(), Some("instructions"));
        assert_eq!(json_num(&line, "value"), Some(1234.0));
        assert_eq!(json_num(&line, "calls"), Some(100.0));
        let ct = ct_line([5.0e7, 5.0e7], 3);
        assert_eq!(json_str(&ct, "row").as_deref(), Some(CT_ROW));
        assert_eq!(json_num(&ct, "value"), Some(0.0));
        assert_eq!(json_num(&ct, "class1"), Some(5.0e7));
    }
}
