//! The project's task runner, in the style of rust-analyzer's xtask.
//!
//! Run it as `cargo xtask <task>` (the alias lives in `.cargo/config.toml`).
//! Every task prints each command it runs (`$ cargo clippy ...`) and fails
//! loudly, with the reason and a non-zero exit status.
//!
//! Tasks:
//! - `ci`: every check and test the project has, in order (see [`ci`]).
//! - `moto [--port P]`: a moto server on 127.0.0.1 until Ctrl-C.
//! - `srp-vectors [--check]`: regenerate or check the SRP test vectors.
//! - `demo [--moto|--cli]`: the quickstart example, `manage_sessions` against
//!   moto, or the CLI walk-through.
//! - `bench`, `fuzz`, `soak`: benchmarks, fuzzing and the soak test.
//! - `interop`: boto3, pycognito, Amplify JS and authlib against the cognito-emulator.
//! - `browser`: a real Chromium on the emulator's hosted UI (see [`browser`]).
//! - `foreign-types [--self-test]`: no foreign type in the libraries' public API.
//!
//! Only `std` is used, so that xtask builds in seconds on a fresh machine.

mod apt;
mod bench;
mod browser;
mod ci;
mod ci_report;
mod cmd;
mod demo;
mod emulator;
mod error;
mod foreign_types;
mod hooks;
mod interop;
mod moto;
mod node;
mod project;
mod server;
mod srp_vectors;
mod storage;
mod suites;
mod venv;

use std::process::ExitCode;

use error::{Result, bail};

/// Seconds per fuzz target in `ci` and `fuzz --smoke`.
pub(crate) const FUZZ_SMOKE_SECS: u64 = 10;

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  ci                     fmt, clippy, venv, srp-vectors --check, tests, doc tests,
                         moto tests, interop, browser, bench --smoke, fuzz --smoke, soak
  moto [--port P]        start a moto server on 127.0.0.1 and keep it running until Ctrl-C
  srp-vectors [--check]  write (or check) crates/auth-cognito/tests/data/srp_vectors.json
  demo [--moto|--cli]    run the quickstart example (or manage_sessions against moto,
                         or the amplify-auth CLI walk-through on the emulator)
  interop                boto3, pycognito, Amplify JS and authlib against the cognito-emulator
  browser                Chromium (playwright-core) signs the CLI in through the emulator's hosted UI
  venv                   create or update target/py-venv from interop/requirements.txt
  bench [--quick|--smoke]  our benchmarks and the peers' against one emulator -> BENCHMARKS.md
  bench --guard [--write-baseline]  instruction counts (callgrind) against bench/instructions_baseline.txt
  fuzz [--time N|--smoke]  run every fuzz target in fuzz/ for N seconds (smoke: 10)
  soak [--secs N]        64 tasks, short tokens, random faults against the emulator
  foreign-types [--self-test]  fail if a foreign type (reqwest, aws-sdk, ...) is in a
                         library's public API (--self-test: on a fixture with a known answer)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nerror: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        bail!("no task given");
    };
    let mut flags = Flags::new(rest);
    match task.as_str() {
        "ci" => {
            flags.finish()?;
            ci::run()
        }
        "moto" => {
            let port = flags.value("--port")?.map(|p| parse_port(&p)).transpose()?;
            flags.finish()?;
            moto::run_until_interrupted(port)
        }
        "srp-vectors" => {
            let check = flags.switch("--check");
            flags.finish()?;
            let venv = venv::ensure()?;
            srp_vectors::run(&venv, check)
        }
        "demo" => {
            let with_moto = flags.switch("--moto");
            let with_cli = flags.switch("--cli");
            flags.finish()?;
            if with_moto {
                demo::run_moto()
            } else if with_cli {
                demo::run_cli()
            } else {
                demo::run_quickstart()
            }
        }
        "interop" => {
            flags.finish()?;
            interop::run()
        }
        "browser" => {
            flags.finish()?;
            browser::run()
        }
        "venv" => {
            flags.finish()?;
            venv::ensure().map(|_| ())
        }
        "bench" => {
            let smoke = flags.switch("--smoke");
            let quick = flags.switch("--quick");
            let guard = flags.switch("--guard");
            let write_baseline = flags.switch("--write-baseline");
            flags.finish()?;
            if guard || write_baseline {
                bench::guard(write_baseline)
            } else if smoke {
                hooks::bench(true)
            } else if quick {
                bench::run(bench::Mode::Quick)
            } else {
                bench::run(bench::Mode::Full)
            }
        }
        "fuzz" => {
            let smoke = flags.switch("--smoke");
            let secs = match flags.value("--time")? {
                Some(s) => s
                    .parse::<u64>()
                    .map_err(|_| error::Error::msg(format!("--time takes a number, got `{s}`")))?,
                None if smoke => FUZZ_SMOKE_SECS,
                None => 60,
            };
            flags.finish()?;
            hooks::fuzz(secs)
        }
        "soak" => {
            let secs = match flags.value("--secs")? {
                Some(s) => s
                    .parse::<u64>()
                    .map_err(|_| error::Error::msg(format!("--secs takes a number, got `{s}`")))?,
                None => 60,
            };
            flags.finish()?;
            hooks::soak(secs)
        }
        "foreign-types" => {
            let self_test = flags.switch("--self-test");
            flags.finish()?;
            foreign_types::run(self_test)
        }
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("{USAGE}");
            bail!("unknown task `{other}`")
        }
    }
}

fn parse_port(s: &str) -> Result<u16> {
    s.parse()
        .map_err(|_| error::Error::msg(format!("--port takes a port number, got `{s}`")))
}

/// A tiny flag parser: `--name`, `--name value` and `--name=value`.
struct Flags {
    rest: Vec<String>,
}

impl Flags {
    fn new(args: &[String]) -> Self {
        Self {
            rest: args.to_vec(),
        }
    }

    fn switch(&mut self, name: &str) -> bool {
        let before = self.rest.len();
        self.rest.retain(|a| a != name);
        self.rest.len() != before
    }

    fn value(&mut self, name: &str) -> Result<Option<String>> {
        let prefix = format!("{name}=");
        if let Some(i) = self.rest.iter().position(|a| a.starts_with(&prefix)) {
            let arg = self.rest.remove(i);
            return Ok(Some(arg[prefix.len()..].to_owned()));
        }
        if let Some(i) = self.rest.iter().position(|a| a == name) {
            if i + 1 >= self.rest.len() {
                bail!("{name} needs a value");
            }
            let value = self.rest.remove(i + 1);
            self.rest.remove(i);
            return Ok(Some(value));
        }
        Ok(None)
    }

    fn finish(self) -> Result<()> {
        if !self.rest.is_empty() {
            bail!("unexpected arguments: {}", self.rest.join(" "));
        }
        Ok(())
    }
}
