//! Running external commands: print them first, fail loudly after.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::error::{Error, Result};
use crate::project;

/// A command that prints itself (`$ cargo test ...`) before it runs.
pub(crate) struct Cmd {
    inner: Command,
    /// `program arg...`, quoted for display.
    argv: String,
    /// `KEY=value` assignments, quoted for display (secrets redacted).
    envs: Vec<String>,
    /// Set when the command does not run from the workspace root.
    dir: Option<PathBuf>,
}

/// Starts building `program args...`, run from the workspace root.
pub(crate) fn cmd<I, S>(program: impl AsRef<OsStr>, args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let program = program.as_ref();
    let mut inner = Command::new(program);
    inner.current_dir(project::root());
    let mut cmd = Cmd {
        inner,
        argv: shown_path(program),
        envs: Vec::new(),
        dir: None,
    };
    for arg in args {
        cmd = cmd.arg(arg);
    }
    cmd
}

impl Cmd {
    /// Adds one argument.
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        let arg = arg.as_ref();
        self.inner.arg(arg);
        self.argv.push(' ');
        self.argv.push_str(&quote(&arg.to_string_lossy()));
        self
    }

    /// Sets an environment variable, shown with its value.
    pub(crate) fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        let value = value.as_ref();
        self.envs
            .push(format!("{key}={}", quote(&value.to_string_lossy())));
        self.inner.env(key, value);
        self
    }

    /// Sets an environment variable whose value is a secret: shown as
    /// `[redacted]`.
    pub(crate) fn env_secret(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.envs.push(format!("{key}=[redacted]"));
        self.inner.env(key, value);
        self
    }

    /// Runs in `dir` instead of the workspace root.
    pub(crate) fn dir(mut self, dir: &Path) -> Self {
        self.inner.current_dir(dir);
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// The command as a shell line, for messages.
    fn shown(&self) -> String {
        let mut line = String::new();
        for env in &self.envs {
            line.push_str(env);
            line.push(' ');
        }
        line.push_str(&self.argv);
        match &self.dir {
            Some(dir) => format!("(cd {} && {line})", quote(&shown_relative(dir))),
            None => line,
        }
    }

    fn announce(&self) {
        println!("$ {}", self.shown());
    }

    /// Runs to completion with inherited stdio; fails unless it exits 0.
    pub(crate) fn run(mut self) -> Result<()> {
        self.announce();
        let status = self
            .inner
            .status()
            .map_err(|e| Error::msg(format!("could not start `{}`: {e}", self.shown())))?;
        if !status.success() {
            return Err(Error::msg(format!("`{}` failed ({status})", self.shown())));
        }
        Ok(())
    }

    /// Runs to completion with stdout captured and returned (stderr
    /// inherited); fails unless it exits 0.
    pub(crate) fn read_stdout(mut self) -> Result<String> {
        self.announce();
        let out = self
            .inner
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| Error::msg(format!("could not start `{}`: {e}", self.shown())))?;
        if !out.status.success() {
            return Err(Error::msg(format!(
                "`{}` failed ({})",
                self.shown(),
                out.status
            )));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| Error::msg(format!("`{}` printed invalid UTF-8", self.shown())))
    }

    /// Runs quietly and reports whether it exited 0 (for probes such as
    /// `cargo nextest --version`).
    pub(crate) fn probe(mut self) -> bool {
        self.inner
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts in the background with the given stdio.
    pub(crate) fn spawn(mut self, stdin: Stdio, stdout: Stdio, stderr: Stdio) -> Result<Child> {
        self.announce();
        self.inner
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| Error::msg(format!("could not start `{}`: {e}", self.shown())))
    }
}

/// Paths under the workspace root are shown relative to it.
fn shown_path(program: &OsStr) -> String {
    quote(&shown_relative(Path::new(program)))
}

fn shown_relative(path: &Path) -> String {
    let root = project::root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Quotes an argument for display when a shell would need it.
fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}
