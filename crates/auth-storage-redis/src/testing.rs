//! Real `redis-server`s for tests (feature `testing`): one server, or a
//! three-node cluster, each node on a free 127.0.0.1 port in a temporary
//! directory with append-only persistence, stopped by its pid when the
//! guard drops (also when the test fails).
//!
//! The servers come from Debian's `redis-server` and `redis-tools`, which
//! `cargo xtask ci` installs. Where they are missing, [`RedisServer::start`]
//! and [`RedisCluster::start`] return `Ok(None)` after printing why the test
//! skips, unless `AMPLIFY_AUTH_REQUIRE_REDIS=1` (set by `cargo xtask ci`)
//! turns that into an error.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use auth_storage_redis::testing::RedisServer;
//!
//! let Some(server) = RedisServer::start()? else {
//!     return Ok(()); // skipped, with a message
//! };
//! let store = auth_storage_redis::RedisStore::builder(&server.url(""))?.connect().await?;
//! # let _ = store; Ok(()) }
//! ```

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to `1` to make a missing `redis-server` an error instead of a skip.
pub const REQUIRE_ENV: &str = "AMPLIFY_AUTH_REQUIRE_REDIS";
const READY_WITHIN: Duration = Duration::from_secs(20);

/// Why a test server could not be started or driven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("redis test harness: {0}")]
pub struct HarnessError(String);

type Result<T> = std::result::Result<T, HarnessError>;

fn fail(message: impl fmt::Display) -> HarnessError {
    HarnessError(message.to_string())
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

/// Whether `tools` are on `PATH`. When some are missing: an error if
/// [`REQUIRE_ENV`] is `1`, else `Ok(false)` after printing why the test skips.
///
/// # Errors
///
/// When tools are missing and the environment requires them.
pub fn have(tools: &[&str]) -> Result<bool> {
    let missing: Vec<&&str> = tools.iter().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return Ok(true);
    }
    if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
        return Err(fail(format_args!(
            "{REQUIRE_ENV}=1 but {missing:?} are not installed (cargo xtask ci installs redis-server and redis-tools)"
        )));
    }
    eprintln!("SKIP: needs {missing:?} (Debian: redis-server, redis-tools)");
    Ok(false)
}

/// A port on 127.0.0.1 that was free a moment ago; with `with_bus`, one
/// whose cluster bus port (`+10000`) was free too.
///
/// # Errors
///
/// When no such port is found in 50 tries.
pub fn free_port(with_bus: bool) -> Result<u16> {
    for _ in 0..50 {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(fail)?;
        let port = listener.local_addr().map_err(fail)?.port();
        if !with_bus {
            return Ok(port);
        }
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return Ok(port);
        }
    }
    Err(fail("no free port found"))
}

/// Sends one inline command to `port` and returns the first reply.
fn ping(port: u16) -> bool {
    let exchange = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"PING\r\n")?;
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf)?;
        Ok(buf[..n].starts_with(b"+PONG"))
    };
    exchange().unwrap_or(false)
}

/// Runs `redis-cli -h 127.0.0.1 -p PORT args...` and returns its stdout.
///
/// # Errors
///
/// When `redis-cli` cannot run or fails.
pub fn cli(port: u16, args: &[&str]) -> Result<String> {
    let output = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format_args!("run redis-cli: {e}")))?;
    if !output.status.success() {
        return Err(fail(format_args!(
            "redis-cli {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One `redis-server` process; killed (by its pid) when dropped.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    _tmp: Option<tempfile::TempDir>,
}

impl fmt::Debug for RedisServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisServer")
            .field("port", &self.port)
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl RedisServer {
    /// A server on a free port, or `Ok(None)` when Redis is not installed
    /// (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// When the server does not start or answer within 20 seconds.
    pub fn start() -> Result<Option<Self>> {
        Self::start_with(&[])
    }

    /// A server with extra `redis-server` arguments (for example TLS ports).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn start_with(extra: &[&str]) -> Result<Option<Self>> {
        if !have(&["redis-server"])? {
            return Ok(None);
        }
        let tmp = tempfile::tempdir().map_err(fail)?;
        let mut server = Self {
            child: None,
            port: free_port(false)?,
            dir: tmp.path().to_path_buf(),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            _tmp: Some(tmp),
        };
        server.spawn()?;
        Ok(Some(server))
    }

    fn cluster_node(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let mut server = Self {
            child: None,
            port: free_port(true)?,
            dir,
            extra: ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
            _tmp: None,
        };
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<()> {
        let port = self.port.to_string();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(["--daemonize", "no", "--logfile"])
            .arg(self.dir.join("redis.log"))
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| fail(format_args!("spawn redis-server: {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + READY_WITHIN;
        while !ping(self.port) {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(fail(format_args!(
                    "redis-server exited with {status}: {}",
                    self.log_tail()
                )));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(fail(format_args!(
                    "redis-server did not answer: {}",
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// The last lines of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
        let mut lines: Vec<&str> = log.lines().rev().take(10).collect();
        lines.reverse();
        lines.join(" | ")
    }

    /// The plain-text port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's data directory (its append-only file lives here).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The pid, 0 when the server is not running.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    /// `redis://127.0.0.1:PORT` followed by `suffix` (a path or a query).
    pub fn url(&self, suffix: &str) -> String {
        format!("redis://127.0.0.1:{}{suffix}", self.port)
    }

    /// Kills the server with SIGKILL and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills it and starts it again on the same port and directory: what
    /// was written before is read back from the append-only file.
    ///
    /// # Errors
    ///
    /// When the new server does not start.
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        self.spawn()
    }

    /// Sends `signal` (for example `STOP` or `CONT`) to the server's pid.
    ///
    /// # Errors
    ///
    /// When `kill` fails.
    pub fn signal(&self, signal: &str) -> Result<()> {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .map_err(fail)?;
        if status.success() {
            Ok(())
        } else {
            Err(fail(format_args!("kill -{signal} {} failed", self.pid())))
        }
    }

    /// Runs `redis-cli` against this server.
    ///
    /// # Errors
    ///
    /// As [`cli`].
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        cli(self.port, args)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three masters without replicas, joined by `redis-cli --cluster create`;
/// every node is killed when the guard drops.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    _tmp: tempfile::TempDir,
}

impl RedisCluster {
    /// Starts the nodes, creates the cluster and waits until every node
    /// reports `cluster_state:ok`; `Ok(None)` when Redis is not installed.
    ///
    /// # Errors
    ///
    /// When a node does not start or the cluster does not form within 20 seconds.
    pub fn start() -> Result<Option<Self>> {
        if !have(&["redis-server", "redis-cli"])? {
            return Ok(None);
        }
        let tmp = tempfile::tempdir().map_err(fail)?;
        let nodes = (0..3)
            .map(|i| RedisServer::cluster_node(tmp.path().join(format!("node{i}"))))
            .collect::<Result<Vec<_>>>()?;
        let mut args = vec!["--cluster".to_owned(), "create".to_owned()];
        args.extend(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)));
        args.extend(["--cluster-replicas", "0", "--cluster-yes"].map(str::to_owned));
        let output = Command::new("redis-cli")
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(fail)?;
        if !output.status.success() {
            return Err(fail(format_args!(
                "cluster create failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        let cluster = Self { nodes, _tmp: tmp };
        let deadline = Instant::now() + READY_WITHIN;
        for node in &cluster.nodes {
            while !node.cli(&["cluster", "info"])?.contains("cluster_state:ok") {
                if Instant::now() >= deadline {
                    return Err(fail("the cluster did not reach cluster_state:ok"));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(Some(cluster))
    }

    /// The nodes.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` followed by `suffix`.
    pub fn url(&self, suffix: &str) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}{suffix}", hosts.join(","))
    }
}
