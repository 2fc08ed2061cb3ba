//! The report: the Markdown table of a run (header, [`ROWS`], [`NOTES`])
//! and its place between the markers in `BENCHMARKS.md`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;

use super::Mode;
use super::results::{Results, json_str, ratio, show_or_dash};
use super::rows::{NOTES, ROWS, Row, verdict};
use crate::error::Result;
use crate::node;
use crate::project;
use crate::venv;

const BEGIN: &str =
    "<!-- bench:begin (written by `cargo xtask bench`; edit outside the markers) -->";
const END: &str = "<!-- bench:end -->";

/// The table of a run that measured for `secs` seconds, with the machine
/// and the peers' versions in the line above it.
pub(super) fn render(r: &Results, mode: Mode, secs: f64) -> String {
    let mut t = header(mode, secs);
    t.push_str(
        "| Row | Target | Ours | Amplify JS | pycognito | Amplify ÷ ours | pycognito ÷ ours | Met |\n",
    );
    t.push_str("|---|---|---|---|---|---|---|---|\n");
    for row in ROWS {
        t.push_str(&line(r, row));
        t.push('\n');
    }
    for note in NOTES {
        if let Some(text) = note(r) {
            t.push_str(&text);
            t.push('\n');
        }
    }
    t
}

/// One row's cells.
fn line(r: &Results, row: &Row) -> String {
    match row {
        Row::Figure {
            label,
            id,
            target,
            met,
        } => {
            let ours = r.ours(id);
            let amp = r.get(id, "amplify_js");
            let py = r.get(id, "pycognito");
            format!(
                "| {label} | {target} | {} | {} | {} | {} | {} | {} |",
                show_or_dash(ours),
                show_or_dash(amp),
                show_or_dash(py),
                ratio(amp, ours),
                ratio(py, ours),
                verdict(ours.map(|f| met(f.value)), id)
            )
        }
        Row::Custom(cells) => cells(r),
    }
}

fn header(mode: Mode, secs: f64) -> String {
    let mut t = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        t,
        "Measured by `cargo xtask bench{}` on {} ({} measuring, after the build). Peers: Amplify JS {} (Node {}), pycognito {}; all against one cognito-emulator ({} build) on 127.0.0.1.\n",
        match mode {
            Mode::Quick => " --quick",
            Mode::Smoke => " --smoke",
            Mode::Full => "",
        },
        machine(),
        format_args!("{secs:.0} s"),
        amplify_version(),
        tool_version("node", &["--version"]),
        pycognito_version(),
        if mode == Mode::Smoke {
            "debug"
        } else {
            "release"
        },
    );
    t
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
    let python = venv::dir().join("bin").join("python");
    tool_version(
        &python.to_string_lossy(),
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('pycognito'))",
        ],
    )
}

/// Replaces the table between the markers in BENCHMARKS.md (creating the
/// file with the markers when it has none), atomically.
pub(super) fn write(table: &str) -> Result<()> {
    let path = project::root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = splice(&old, table);
    let tmp = path.with_extension("md.tmp");
    let mut f = File::create(&tmp)?;
    f.write_all(new.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// `old` with `table` between the markers, the prose around them kept.
fn splice(old: &str, table: &str) -> String {
    match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{table}{}", &old[..b], &old[e..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n{table}{END}\n\n{old}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_replaced_between_the_markers_only() {
        let old = format!("# Benchmarks\n\nprose before\n{BEGIN}\nold table\n{END}\nprose after\n");
        assert_eq!(
            splice(&old, "new table\n"),
            format!("# Benchmarks\n\nprose before\n{BEGIN}\nnew table\n{END}\nprose after\n")
        );
        assert_eq!(
            splice("notes\n", "t\n"),
            format!("# Benchmarks\n\n{BEGIN}\nt\n{END}\n\nnotes\n")
        );
    }

    #[test]
    fn every_row_has_the_eight_cells_with_or_without_figures() {
        let lines: Vec<String> = [
            r#"{"impl":"rust","row":"srp_maths","value":2.5,"unit":"ms","extra":{"a_ms":1.0,"after_password_ms":1.5}}"#,
            r#"{"impl":"rust","row":"concurrent_force_refresh_10k","value":40,"unit":"ms","extra":{"callers":10000,"token_calls":1,"get_id_calls":0,"credential_calls":1}}"#,
            r#"{"impl":"rust","row":"callgrind_fetch_auth_session_cached","value":812.4,"unit":"instructions","extra":{"calls":100}}"#,
        ]
        .map(str::to_owned)
        .to_vec();
        for r in [Results::parse(&lines), Results::parse(&[])] {
            for row in ROWS {
                let cells = line(&r, row);
                assert_eq!(cells.matches(" | ").count(), 7, "{cells}");
                assert!(cells.starts_with("| ") && cells.ends_with(" |"), "{cells}");
            }
        }
        let r = Results::parse(&lines);
        let table: Vec<String> = ROWS.iter().map(|row| line(&r, row)).collect();
        assert!(table.iter().any(|l| l.starts_with("| SRP client maths")
            && l.contains("| 2.50 ms |")
            && l.ends_with("| yes |")));
        assert!(
            table
                .iter()
                .any(|l| l.contains("(callgrind, 100 calls) | – | 812 |"))
        );
        assert!(table.iter().any(|l| {
            l.contains("10000 callers: 1 token, 0 GetId, 1 credential calls; 40.00 ms")
                && l.ends_with("| yes |")
        }));
    }
}
