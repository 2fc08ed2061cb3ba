//! The figures of one run: the `BENCH {json}` lines every implementation
//! prints, read into a map by (row, implementation), and how a figure is
//! shown in the table.
//!
//! The lines are flat JSON objects written by our report binary, the Python
//! and the Node benchmarks; a few string and number lookups read them, so
//! that xtask stays std-only.

use std::collections::BTreeMap;

/// One measured figure.
#[derive(Debug, Clone)]
pub(super) struct Figure {
    pub(super) value: f64,
    pub(super) unit: String,
    /// The whole JSON line, for the row's `extra` numbers.
    line: String,
}

impl Figure {
    /// A number from the line's `extra` object (or any other key).
    pub(super) fn extra(&self, key: &str) -> Option<f64> {
        json_num(&self.line, key)
    }
}

/// Every figure of a run, by (row id, implementation).
pub(super) struct Results(BTreeMap<(String, String), Figure>);

impl Results {
    /// Reads the `BENCH` lines (without the prefix); lines without an
    /// `impl`, a `row` or a `value` are left out.
    pub(super) fn parse(lines: &[String]) -> Self {
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

    /// The figure of implementation `imp` (`rust`, `amplify_js`,
    /// `pycognito`) for row `row`.
    pub(super) fn get(&self, row: &str, imp: &str) -> Option<&Figure> {
        self.0.get(&(row.to_owned(), imp.to_owned()))
    }

    /// Our figure for `row`.
    pub(super) fn ours(&self, row: &str) -> Option<&Figure> {
        self.get(row, "rust")
    }
}

/// The JSON of every `BENCH {json}` line of a process's output.
pub(super) fn bench_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("BENCH "))
        .map(str::to_owned)
        .collect()
}

/// A figure in its natural unit: ns, µs or ms for times.
pub(super) fn show(f: &Figure) -> String {
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

/// A figure, or `–` when it was not measured.
pub(super) fn show_or_dash(f: Option<&Figure>) -> String {
    f.map_or_else(dash, show)
}

/// The empty cell.
pub(super) fn dash() -> String {
    "–".to_owned()
}

/// How many times slower the peer is than us (`–` unless both exist in
/// the same unit).
pub(super) fn ratio(peer: Option<&Figure>, ours: Option<&Figure>) -> String {
    match (peer, ours) {
        (Some(p), Some(o)) if o.value > 0.0 && p.unit == o.unit => {
            format!("{:.0}×", p.value / o.value)
        }
        _ => dash(),
    }
}

/// The "Met" cell: `yes`, `**no**`, or `–` when not measured.
pub(super) fn met_cell(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "–",
    }
}

/// The service calls a burst of concurrent callers made.
pub(super) fn calls_of(f: &Figure) -> String {
    let n = |k| f.extra(k).map_or("?".to_owned(), |v| format!("{v:.0}"));
    format!(
        "{} callers: {} token, {} GetId, {} credential calls",
        n("callers"),
        n("token_calls"),
        n("get_id_calls"),
        n("credential_calls")
    )
}

/// The string value of `"key": "..."` in a flat JSON line (no escapes in
/// the values this reads).
pub(super) fn json_str(line: &str, key: &str) -> Option<String> {
    let rest = after_key(line, key)?;
    let rest = rest.strip_prefix('"')?;
    rest.find('"').map(|end| rest[..end].to_owned())
}

/// The number value of `"key": 1.5` in a JSON line.
pub(super) fn json_num(line: &str, key: &str) -> Option<f64> {
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
    fn keeps_the_bench_lines_by_row_and_implementation() {
        let out = format!(
            "noise\nBENCH {}\nBENCH {}\nBENCH {{\"impl\":\"rust\"}}\n",
            r#"{"impl":"rust","row":"srp_maths","value":2.5,"unit":"ms","extra":{"a_ms":1.0}}"#,
            r#"{"impl": "pycognito", "row": "srp_maths", "value": 60, "unit": "ms"}"#
        );
        let lines = bench_lines(&out);
        assert_eq!(lines.len(), 3);
        let r = Results::parse(&lines);
        let ours = r.ours("srp_maths").expect("ours");
        assert_eq!((ours.value, ours.unit.as_str()), (2.5, "ms"));
        assert_eq!(ours.extra("a_ms"), Some(1.0));
        assert_eq!(ratio(r.get("srp_maths", "pycognito"), Some(ours)), "24×");
        assert!(r.get("srp_maths", "amplify_js").is_none());
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
        assert_eq!(show(&f(12.0, "KiB")), "12.0 KiB");
        assert_eq!(show(&f(1.934, "x")), "1.93×");
        assert_eq!(show_or_dash(None), "–");
    }
}
