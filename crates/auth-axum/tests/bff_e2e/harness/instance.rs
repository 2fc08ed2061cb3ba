//! One process of `examples/axum_bff.rs`: started on a fixed 127.0.0.1 port
//! (its callback URL is registered at the app client before it starts), its
//! stdout and stderr kept in memory for the log scan, ready when it prints
//! the address it listens on, and killed by its pid when dropped (also when
//! the test fails). [`Instance::restart`] kills it and starts it again on the
//! same port, with the same flags; the log of every run is kept.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long an instance may take to print its address.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// What the example prints once its listener is bound.
pub const READY_LINE: &str = "listening on http://";

/// The example's executable, built by cargo next to this test
/// (`target/<profile>/examples/axum_bff`).
///
/// `cargo nextest run -p auth-axum` and `--workspace` (and `cargo test`)
/// build the examples with the tests; a run narrowed with `--test` does not,
/// so a missing or stale executable is a failure that names the command.
pub fn example_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/bff_e2e-HASH -> target/<profile>/examples/axum_bff
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let example = profile_dir.join("examples").join("axum_bff");
    let fix = "build it with `cargo build -p auth-axum --example axum_bff` (or run the tests without `--test`, which builds the examples)";
    let built = std::fs::metadata(&example)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}; {fix}", example.display()));
    let sources = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
    ];
    if let Some(newer) = sources
        .iter()
        .flat_map(|d| newest_file(Path::new(d)))
        .find(|(_, t)| *t > built)
    {
        panic!(
            "{} is older than {}: {fix}",
            example.display(),
            newer.0.display()
        );
    }
    example
}

/// The most recently modified file under `dir`.
fn newest_file(dir: &Path) -> Option<(PathBuf, std::time::SystemTime)> {
    let mut newest: Option<(PathBuf, std::time::SystemTime)> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if let Ok(t) = meta.modified()
                && newest.as_ref().is_none_or(|(_, n)| t > *n)
            {
                newest = Some((path, t));
            }
        }
    }
    newest
}

/// The output of every run of an instance, line by line.
#[derive(Default)]
struct Log {
    state: Mutex<LogState>,
    changed: Condvar,
}

#[derive(Default)]
struct LogState {
    lines: Vec<String>,
    /// Pipes of the current run that are still open (2 while it runs).
    open: usize,
}

impl Log {
    fn push(&self, line: String) {
        self.state.lock().unwrap().lines.push(line);
        self.changed.notify_all();
    }

    fn closed_one(&self) {
        self.state.lock().unwrap().open -= 1;
        self.changed.notify_all();
    }
}

/// A running instance of the example.
pub struct Instance {
    /// `A` or `B`, in messages.
    pub name: &'static str,
    /// The port it listens on.
    pub port: u16,
    /// `http://127.0.0.1:<port>`: its `--public-url` too.
    pub base: String,
    args: Vec<String>,
    rust_log: String,
    child: Option<Child>,
    log: Arc<Log>,
}

impl Instance {
    /// Starts the example with `--listen 127.0.0.1:<port> --public-url
    /// <base> --outputs <outputs> --storage-url <storage_url>` and
    /// `RUST_LOG=trace`, and waits until it is ready.
    pub fn start(name: &'static str, port: u16, outputs: &Path, storage_url: &str) -> Self {
        Self::start_with(name, port, outputs, storage_url, &[], "trace")
    }

    /// [`Instance::start`] with `extra` flags and `RUST_LOG=<rust_log>`.
    pub fn start_with(
        name: &'static str,
        port: u16,
        outputs: &Path,
        storage_url: &str,
        extra: &[&str],
        rust_log: &str,
    ) -> Self {
        let base = format!("http://127.0.0.1:{port}");
        let mut args = vec![
            "--listen".to_owned(),
            format!("127.0.0.1:{port}"),
            "--public-url".to_owned(),
            base.clone(),
            "--outputs".to_owned(),
            outputs.display().to_string(),
            "--storage-url".to_owned(),
            storage_url.to_owned(),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut instance = Self {
            name,
            port,
            base,
            args,
            rust_log: rust_log.to_owned(),
            child: None,
            log: Arc::new(Log::default()),
        };
        instance.spawn();
        instance
    }

    fn spawn(&mut self) {
        let mut child = Command::new(example_exe())
            .args(&self.args)
            .env("RUST_LOG", &self.rust_log)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start instance {}: {e}", self.name));
        let from = self.log.state.lock().unwrap().lines.len();
        self.log.state.lock().unwrap().open = 2;
        forward(child.stdout.take().expect("piped"), &self.log);
        forward(child.stderr.take().expect("piped"), &self.log);
        self.child = Some(child);
        self.wait_ready(from);
    }

    /// Waits (on the output, not on a timer) until the run whose output
    /// starts at line `from` prints [`READY_LINE`].
    fn wait_ready(&mut self, from: usize) {
        let deadline = Instant::now() + READY_WITHIN;
        let mut st = self.log.state.lock().unwrap();
        loop {
            if st.lines[from..].iter().any(|l| l.contains(READY_LINE)) {
                return;
            }
            let now = Instant::now();
            if st.open == 0 || now >= deadline {
                let tail = st.lines[from..].join("\n");
                let exited = st.open == 0;
                drop(st);
                // Both pipes closed: the process has exited (or is exiting).
                let status = self.child.as_mut().and_then(|c| {
                    if exited {
                        c.wait().ok()
                    } else {
                        c.try_wait().ok().flatten()
                    }
                });
                panic!(
                    "instance {} did not print `{READY_LINE}` ({}):\n{tail}",
                    self.name,
                    status.map_or("still running, timed out".to_owned(), |s| format!(
                        "exited: {s}"
                    ))
                );
            }
            st = self.log.changed.wait_timeout(st, deadline - now).unwrap().0;
        }
    }

    /// Kills the process (SIGKILL: no clean shutdown) and starts it again on
    /// the same port with the same flags.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Kills the process by its pid and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Wait until both pipes are drained, so the log is complete.
        let mut st = self.log.state.lock().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while st.open > 0 && Instant::now() < deadline {
            st = self
                .log
                .changed
                .wait_timeout(st, Duration::from_millis(200))
                .unwrap()
                .0;
        }
    }

    /// The process id (0 when stopped).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Everything the instance printed, on every run so far.
    pub fn log(&self) -> String {
        self.log.state.lock().unwrap().lines.join("\n")
    }

    /// Lines printed so far (on every run).
    pub fn log_lines(&self) -> usize {
        self.log.state.lock().unwrap().lines.len()
    }

    /// The resident set size of the process, from `/proc/<pid>/statm`.
    pub fn rss_bytes(&self) -> u64 {
        let statm =
            std::fs::read_to_string(format!("/proc/{}/statm", self.pid())).unwrap_or_default();
        statm
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
            * 4096
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Copies `pipe` line by line into `log` on a thread of its own.
fn forward(pipe: impl Read + Send + 'static, log: &Arc<Log>) {
    let log = Arc::clone(log);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            match line {
                Ok(l) => log.push(l),
                Err(_) => break,
            }
        }
        log.closed_one();
    });
}
