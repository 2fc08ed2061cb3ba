//! Instruction counts with `valgrind --tool=callgrind`: repeatable figures on
//! a noisy shared machine (as rustls' ci-bench does). valgrind is installed
//! with apt-get when missing.

use std::path::Path;

use super::capture;
use crate::apt;
use crate::cmd::Cmd;
use crate::error::{Context, Error, Result};

/// The row id of the instructions per cached `fetch_auth_session`.
pub(super) const ROW: &str = "callgrind_fetch_auth_session_cached";

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
fn total_instructions(callgrind_out: &str) -> Option<f64> {
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
    }
}
