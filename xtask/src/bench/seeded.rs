//! The emulator every implementation is measured against: the release (or
//! smoke: debug) binary with `--seed-demo` on 127.0.0.1, its
//! `amplify_outputs.json` and its demo user.

use std::fs::File;
use std::io::{BufRead, BufReader, Read as _};
use std::path::Path;
use std::process::Stdio;

use crate::cmd::cmd;
use crate::error::{Error, Result, bail};
use crate::server::ServerGuard;

/// A seeded emulator: the demo pool, client, user and identity pool.
/// Dropping it stops the process.
pub(super) struct Seeded {
    /// `http://127.0.0.1:<port>`.
    pub(super) endpoint: String,
    /// The `amplify_outputs.json` it printed.
    pub(super) outputs: String,
    pub(super) username: String,
    pub(super) password: String,
    /// Its process id, for its CPU time.
    pub(super) pid: u32,
    _guard: ServerGuard,
}

impl Seeded {
    /// The emulator's CPU time so far (user + system, from
    /// `/proc/<pid>/stat`), in ms; `None` where that cannot be read.
    pub(super) fn cpu_ms(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let user: f64 = fields.next()?.parse().ok()?;
        let system: f64 = fields.next()?.parse().ok()?;
        // Linux counts in USER_HZ = 100 ticks per second.
        Some((user + system) * 10.0)
    }
}

/// Starts `exe --seed-demo` on 127.0.0.1 port 0 and reads what it prints:
/// `listening on http://..`, then the outputs JSON on stdout, and the demo
/// user on stderr (logged to `scratch/emulator.log`).
pub(super) fn start(exe: &Path, scratch: &Path) -> Result<Seeded> {
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
    let pid = child.id();
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
    Ok(Seeded {
        endpoint,
        outputs,
        username,
        password,
        pid,
        _guard: guard,
    })
}
