//! The steps of `cargo xtask ci` as they finish, and the summary: each step
//! PASS, FAIL or SKIP with its time. A step is skipped when a step it needs
//! failed (or was skipped); a skipped step fails the run as a failed one
//! does, since what it checks was not checked.

use std::time::Instant;

use crate::error::{Error, Result};

/// How a step ended.
enum Outcome {
    Pass,
    Fail(Error),
    /// It could not run: the reason.
    Skip(String),
}

impl Outcome {
    fn verdict(&self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skip(_) => "SKIP",
        }
    }
}

/// One finished step.
struct Step {
    name: &'static str,
    outcome: Outcome,
    secs: f64,
}

/// The steps run so far.
#[derive(Default)]
pub(crate) struct Report {
    steps: Vec<Step>,
}

impl Report {
    /// Runs one step, prints its result, and keeps the value it made.
    pub(crate) fn step<T>(
        &mut self,
        name: &'static str,
        f: impl FnOnce() -> Result<T>,
    ) -> Option<T> {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = f();
        let secs = started.elapsed().as_secs_f64();
        match result {
            Ok(v) => {
                self.record(name, Outcome::Pass, secs);
                Some(v)
            }
            Err(e) => {
                self.record(name, Outcome::Fail(e), secs);
                None
            }
        }
    }

    /// Runs a step that needs the value of an earlier step (`needs`, the
    /// earlier step's name and its value); without the value, the step is
    /// skipped.
    pub(crate) fn step_needing<P, T>(
        &mut self,
        name: &'static str,
        needs: (&'static str, Option<&P>),
        f: impl FnOnce(&P) -> Result<T>,
    ) -> Option<T> {
        match needs {
            (_, Some(value)) => self.step(name, || f(value)),
            (earlier, None) => {
                println!("\n==> {name}");
                let why = format!("needs `{earlier}`, which did not pass");
                self.record(name, Outcome::Skip(why), 0.0);
                None
            }
        }
    }

    fn record(&mut self, name: &'static str, outcome: Outcome, secs: f64) {
        let verdict = outcome.verdict();
        match &outcome {
            Outcome::Pass => println!("==> {name}: {verdict} ({secs:.1}s)"),
            Outcome::Fail(e) => println!("==> {name}: {verdict} ({secs:.1}s)\n{e}"),
            Outcome::Skip(why) => println!("==> {name}: {verdict}: {why}"),
        }
        self.steps.push(Step {
            name,
            outcome,
            secs,
        });
    }

    /// Prints the summary; fails unless every step passed.
    pub(crate) fn finish(self, started: Instant) -> Result<()> {
        println!("\n==> summary");
        for step in &self.steps {
            let verdict = step.outcome.verdict();
            match &step.outcome {
                Outcome::Skip(why) => println!("  {:<22} {:>7}   {verdict}  {why}", step.name, "–"),
                _ => println!("  {:<22} {:>7.1}s  {verdict}", step.name, step.secs),
            }
        }
        let total = started.elapsed().as_secs_f64();
        let names = |verdict: &str| -> Vec<&str> {
            self.steps
                .iter()
                .filter(|s| s.outcome.verdict() == verdict)
                .map(|s| s.name)
                .collect()
        };
        let (failed, skipped) = (names("FAIL"), names("SKIP"));
        if failed.is_empty() && skipped.is_empty() {
            println!("xtask ci: OK, every step passed ({total:.0}s)");
            return Ok(());
        }
        let mut parts = Vec::new();
        if !failed.is_empty() {
            parts.push(format!("{} failed: {}", failed.len(), failed.join(", ")));
        }
        if !skipped.is_empty() {
            parts.push(format!("{} skipped: {}", skipped.len(), skipped.join(", ")));
        }
        println!(
            "xtask ci: FAILED, of {} steps {} ({total:.0}s)",
            self.steps.len(),
            parts.join("; ")
        );
        Err(Error::msg(format!("ci failed: {}", parts.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skipped_step_fails_the_run_like_a_failed_one() {
        let mut r = Report::default();
        let venv: Option<u8> = r.step("venv", || Err(Error::msg("no python")));
        let ran = std::cell::Cell::new(false);
        let out = r.step_needing("vectors", ("venv", venv.as_ref()), |_| {
            ran.set(true);
            Ok(())
        });
        assert!(
            out.is_none() && !ran.get(),
            "a step whose input failed does not run"
        );
        let verdicts: Vec<_> = r.steps.iter().map(|s| s.outcome.verdict()).collect();
        assert_eq!(verdicts, ["FAIL", "SKIP"]);
        let err = r.finish(Instant::now()).expect_err("fails");
        assert_eq!(
            err.to_string(),
            "ci failed: 1 failed: venv; 1 skipped: vectors"
        );

        let mut r = Report::default();
        let v = r.step("a", || Ok(7));
        assert_eq!(
            r.step_needing("b", ("a", v.as_ref()), |n| Ok(n + 1)),
            Some(8)
        );
        r.finish(Instant::now()).expect("every step passed");
    }
}
