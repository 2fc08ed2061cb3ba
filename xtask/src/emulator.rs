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

    let mut child = cmd(&exe, ["--bind", "127.0.0.1", "--port", "0"]).spawn(
        Stdio::null(),
        Stdio::piped(),
        Stdio::from(log.try_clone()?),
    )?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::msg("emulator stdout not piped"))?;
    let mut guard = ServerGuard::new("cognito-emulator", child, Some(log_path));

    // Copy stdout to the log, and hand over the first URL it prints.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || forward_stdout(stdout, log, &tx));
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
    server::wait_until_http_ready(&mut guard, addr)?;
    println!("cognito-emulator is ready at {endpoint}");
    Ok(EmulatorGuard { endpoint, guard })
}

fn forward_stdout(stdout: std::process::ChildStdout, mut log: File, tx: &mpsc::Sender<String>) {
    let mut sent = false;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
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
