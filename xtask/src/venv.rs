//! The Python virtualenv (`target/py-venv`) that holds moto, boto3 and
//! pycognito, and the tasks that run Python from it.

use std::path::{Path, PathBuf};

use crate::cmd::cmd;
use crate::error::{Context, Result, bail};
use crate::project;

/// The requirements file, relative to the workspace root.
const REQUIREMENTS: &str = "interop/requirements.txt";
/// The stamp inside the venv that records which requirements it holds.
const STAMP: &str = ".xtask-requirements-stamp";

/// A ready virtualenv.
#[derive(Debug, Clone)]
pub(crate) struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The venv's Python interpreter.
    pub(crate) fn python(&self) -> PathBuf {
        self.dir.join("bin").join("python")
    }
}

/// Where the venv lives: `<root>/target/py-venv`.
pub(crate) fn dir() -> PathBuf {
    project::root().join("target").join("py-venv")
}

/// Creates the venv if needed, and installs `interop/requirements.txt` into
/// it unless its stamp says that exact file is already installed. A venv
/// made by hand (no stamp) just gets `pip install` again, which is
/// idempotent.
pub(crate) fn ensure() -> Result<Venv> {
    let venv = Venv { dir: dir() };
    let root = project::root();
    let requirements = root.join(REQUIREMENTS);
    let wanted = std::fs::read(&requirements)
        .context(format_args!("cannot read {}", requirements.display()))?;
    let wanted = project::stable_hash(&wanted);

    if !venv.python().exists() {
        let python = host_python()?;
        cmd(&python, ["-m", "venv"])
            .arg(&venv.dir)
            .run()
            .context("cannot create the Python venv (on Debian/Ubuntu install python3-venv)")?;
    }
    let stamp = venv.dir.join(STAMP);
    let installed = std::fs::read_to_string(&stamp).unwrap_or_default();
    if installed.trim() == wanted {
        println!(
            "venv: {} is up to date with {REQUIREMENTS}",
            shown(&venv.dir)
        );
        return Ok(venv);
    }
    cmd(
        venv.python(),
        [
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
        ],
    )
    .arg("-r")
    .arg(REQUIREMENTS)
    .run()
    .context(format_args!("cannot install {REQUIREMENTS} into the venv"))?;
    std::fs::write(&stamp, format!("{wanted}\n"))
        .context(format_args!("cannot write {}", stamp.display()))?;
    Ok(venv)
}

/// The machine's Python 3: `python3`, or `python` when that is Python 3.
fn host_python() -> Result<String> {
    for candidate in ["python3", "python"] {
        if cmd(
            candidate,
            ["-c", "import sys; sys.exit(sys.version_info[0] != 3)"],
        )
        .probe()
        {
            return Ok(candidate.to_owned());
        }
    }
    bail!("no Python 3 found on PATH (tried python3 and python): install Python 3.11 with pip")
}

fn shown(path: &Path) -> String {
    let root = project::root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}
