//! Background servers (moto, the emulator): free ports, readiness polling,
//! and a guard that kills the child process when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::error::{Error, Result, bail};

/// How long a server may take to answer its first request.
pub(crate) const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server process. Dropping the guard kills it, so the server
/// stops on every path out of a task, failures and panics included.
#[derive(Debug)]
pub(crate) struct ServerGuard {
    name: &'static str,
    child: Child,
    /// Where its output goes, for error messages.
    log: Option<PathBuf>,
}

impl ServerGuard {
    /// Takes ownership of a freshly spawned server.
    pub(crate) fn new(name: &'static str, child: Child, log: Option<PathBuf>) -> Self {
        Self { name, child, log }
    }

    /// Fails if the process has already exited.
    pub(crate) fn check_alive(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(Error::msg(format!(
                "{} exited early ({status}){}",
                self.name,
                self.log_tail()
            ))),
            Err(e) => Err(Error::msg(format!("cannot poll {}: {e}", self.name))),
        }
    }

    /// Blocks until the process exits (for `cargo xtask moto`).
    pub(crate) fn wait(&mut self) -> Result<()> {
        // `Child::wait` closes the child's stdin first, which would stop a
        // server that exits on EOF (interop/run_moto.py): keep it open.
        let _stdin = self.child.stdin.take();
        let status = self.child.wait()?;
        bail!("{} exited ({status}){}", self.name, self.log_tail())
    }

    /// The last lines of the server's log, formatted for an error message.
    pub(crate) fn log_tail(&self) -> String {
        match &self.log {
            Some(log) => format!(
                "\n--- last lines of {} ---\n{}",
                log.display(),
                tail(log, 30)
            ),
            None => String::new(),
        }
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            println!("stopping {} (pid {})", self.name, self.child.id());
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 that was free a moment ago: bind port 0, read the
/// port the kernel chose, release it.
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Polls `addr` with a TCP connect and a plain `GET /` until something
/// answers with an HTTP status line, the server dies, or the timeout passes.
pub(crate) fn wait_until_http_ready(guard: &mut ServerGuard, addr: SocketAddr) -> Result<()> {
    let started = Instant::now();
    loop {
        guard.check_alive()?;
        if http_answers(addr) {
            return Ok(());
        }
        if started.elapsed() > STARTUP_TIMEOUT {
            bail!(
                "{} did not answer HTTP on {addr} within {}s{}",
                guard.name,
                STARTUP_TIMEOUT.as_secs(),
                guard.log_tail()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn http_answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET / HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// The last `n` lines of a text file (empty if unreadable).
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
