//! The cognito-emulator binary, built and started on a loopback port for
//! the interop clients.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::Stdio;
use std::sync::mpsc;

use crate::cmd::cmd;
use crate::error::{Context, Error, Result, bail};
use crate::project;
use crate::server::{self, STARTUP_TIMEOUT, ServerGuard};

/// A running emulator; dropping it stops the process.
#[derive(Debug)]
pub(crate) struct EmulatorGuard {
    /// `http://127.0.0.1:<port>`: the user pool and identity pool endpoint.
    pub(crate) endpoint: String,
    guard: ServerGuard,
}

impl EmulatorGuard {
    /// The last lines of the emulator's log, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        self.guard.log_tail()
    }
}

/// Builds the emulator binary, starts it on 127.0.0.1 port 0, reads the
/// address it prints, and waits until it answers HTTP.
pub(crate) fn start() -> Result<EmulatorGuard> {
    start_with(false).map(|(guard, _)| guard)
}

/// The emulator's demo set-up (`--seed-demo`): its `amplify_outputs.json`
/// (with the hosted UI's `oauth` section) and the demo user.
pub(crate) struct Demo {
    /// The `amplify_outputs.json` the emulator printed.
    pub(crate) outputs_json: String,
    /// The demo user's name.
    pub(crate) username: String,
    /// The demo user's password (a fixed value of a throwaway emulator).
    pub(crate) password: String,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// [`start`] with `--seed-demo`: also returns the demo set-up it printed.
pub(crate) fn start_demo() -> Result<(EmulatorGuard, Demo)> {
    let (guard, demo) = start_with(true)?;
    demo.map(|d| (guard, d))
        .ok_or_else(|| Error::msg("the emulator printed no demo set-up"))
}

fn start_with(seed_demo: bool) -> Result<(EmulatorGuard, Option<Demo>)> {
    cmd(
        "cargo",
        [
            "build",
            "-p",
            "cognito-emulator",
            "--bin",
            "cognito-emulator",
        ],
    )
    .run()
    .context("cannot build the emulator")?;
    let exe = project::cargo_target_dir()
        .join("debug")
        .join("cognito-emulator");
    if !exe.exists() {
        bail!("built the emulator, but {} does not exist", exe.display());
    }
    let scratch = project::scratch_dir();
    std::fs::create_dir_all(&scratch)?;
    let log_path = scratch.join(format!("emulator-{}.log", std::process::id()));
    let log =
        File::create(&log_path).context(format_args!("cannot create {}", log_path.display()))?;

    let mut args = vec!["--bind", "127.0.0.1", "--port", "0"];
    if seed_demo {
        args.push("--seed-demo");
    }
    let mut child =
        cmd(&exe, args).spawn(Stdio::null(), Stdio::piped(), Stdio::from(log.try_clone()?))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::msg("emulator stdout not piped"))?;
    let mut guard = ServerGuard::new("cognito-emulator", child, Some(log_path.clone()));

    // Copy stdout to the log, and hand over the first URL it prints.
    let (tx, rx) = mpsc::channel();
    let (json_tx, json_rx) = mpsc::channel();
    std::thread::spawn(move || forward_stdout(stdout, log, &tx, &json_tx));
    let endpoint = match rx.recv_timeout(STARTUP_TIMEOUT) {
        Ok(url) => url,
        Err(_) => {
            guard.check_alive()?;
            bail!(
                "the emulator printed no http:// address within {}s{}",
                STARTUP_TIMEOUT.as_secs(),
                guard.log_tail()
            );
        }
    };
    let addr = socket_addr(&endpoint)?;
    let demo = if seed_demo {
        let Ok(outputs_json) = json_rx.recv_timeout(STARTUP_TIMEOUT) else {
            guard.check_alive()?;
            bail!("the emulator printed no demo set-up{}", guard.log_tail());
        };
        // `demo user: NAME / PASSWORD  (identity pool ...)` on stderr, which
        // is in the log before the JSON is printed on stdout.
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let (username, password) =
            demo_user(&log).ok_or_else(|| Error::msg("the emulator printed no demo user"))?;
        Some(Demo {
            outputs_json,
            username,
            password,
        })
    } else {
        None
    };
    server::wait_until_http_ready(&mut guard, addr)?;
    println!("cognito-emulator is ready at {endpoint}");
    Ok((EmulatorGuard { endpoint, guard }, demo))
}

/// The demo user's name and password from the emulator's log.
fn demo_user(log: &str) -> Option<(String, String)> {
    let rest = log.lines().find_map(|l| l.strip_prefix("demo user: "))?;
    let (name, rest) = rest.split_once(" / ")?;
    let password = rest.split_whitespace().next()?;
    Some((name.to_owned(), password.to_owned()))
}

/// Copies the emulator's stdout to the log; sends the first URL on `tx`, and
/// the first JSON object printed (the demo's outputs, from a line `{` to a
/// line `}`) on `json_tx`.
fn forward_stdout(
    stdout: std::process::ChildStdout,
    mut log: File,
    tx: &mpsc::Sender<String>,
    json_tx: &mpsc::Sender<String>,
) {
    let mut sent = false;
    let mut json: Option<String> = None;
    let mut json_sent = false;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if !json_sent {
            if line == "{" {
                json = Some(String::new());
            }
            if let Some(j) = json.as_mut() {
                j.push_str(&line);
                j.push('\n');
                if line == "}" {
                    json_sent = json_tx.send(std::mem::take(j)).is_ok();
                    json = None;
                }
                // The outputs are not copied to the log.
                continue;
            }
        }
        let _ = writeln!(log, "{line}");
        if !sent && let Some(url) = find_url(&line) {
            sent = tx.send(url).is_ok();
        }
    }
}

/// The first `http://host:port` in a line, without a trailing slash.
fn find_url(line: &str) -> Option<String> {
    let start = line.find("http://")?;
    let url: String = line[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"\"'`,;)".contains(*c))
        .collect();
    Some(url.trim_end_matches('/').to_owned())
}

fn socket_addr(endpoint: &str) -> Result<SocketAddr> {
    let host_port = endpoint.trim_start_matches("http://");
    let host_port = host_port.split('/').next().unwrap_or(host_port);
    host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| Error::msg(format!("cannot parse the emulator address `{endpoint}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_demo_user_from_the_log() {
        let log = "listening on http://127.0.0.1:1\n\
                   demo user: demo / DemoPassw0rd!  (identity pool us-east-1:abc)\n";
        assert_eq!(
            demo_user(log),
            Some(("demo".to_owned(), "DemoPassw0rd!".to_owned()))
        );
        assert_eq!(demo_user("listening on http://127.0.0.1:1\n"), None);
    }

    #[test]
    fn finds_the_first_url_of_a_line() {
        assert_eq!(
            find_url("listening on http://127.0.0.1:4321/ now").as_deref(),
            Some("http://127.0.0.1:4321")
        );
        assert_eq!(find_url("no address"), None);
    }
}
