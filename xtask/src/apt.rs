//! Debian packages that tasks need at run time, installed with apt-get when
//! they are missing.
//!
//! A [`Package`] names the Debian package and the binary (or file) whose
//! presence proves it is installed. [`ensure`] does nothing when every proof
//! is present; otherwise it runs `apt-get update` (once per xtask process)
//! and `apt-get install -y --no-install-recommends <missing packages>` with
//! `DEBIAN_FRONTEND=noninteractive`, as root or through `sudo -n`, and checks
//! the proofs again. Every failure says what was missing and why it could not
//! be installed.
//!
//! Packages the tasks use, with their proofs:
//!
//! | package           | proof                        | used by |
//! |-------------------|------------------------------|---------|
//! | `valgrind`        | `valgrind` on `PATH`         | `bench` (callgrind rows) |
//! | `redis-server`, `redis-tools` | `redis-server`, `redis-cli` | the Redis storage tests, `bench` (`storage.rs`) |
//! | `dbus`, `gnome-keyring` | `dbus-run-session`, `gnome-keyring-daemon` | the Secret Service tests (`storage.rs`) |
//! | `keyutils`, `openssl` | `keyctl`, `openssl` | the keyutils tests, the `rediss://` test's CA (`storage.rs`) |
//!
//! For the next ones, the proofs are `chromium` and `chromedriver`
//! (`chromium`, `chromium-driver`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::cmd::cmd;
use crate::error::{Error, Result, bail};

/// A Debian package and what proves that it is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Package {
    /// The name `apt-get install` takes.
    pub(crate) name: &'static str,
    /// What is present once the package is installed.
    pub(crate) proof: Proof,
}

/// What proves that a package is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proof {
    /// An executable file of this name in a `PATH` directory.
    Binary(&'static str),
    /// A file at this absolute path (for packages without a binary).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "no task installs a package without a binary yet")
    )]
    File(&'static str),
}

impl Package {
    /// A package proved by the executable `binary` on `PATH`.
    pub(crate) const fn binary(name: &'static str, binary: &'static str) -> Self {
        Self {
            name,
            proof: Proof::Binary(binary),
        }
    }
}

/// valgrind, for the callgrind rows of `cargo xtask bench`.
pub(crate) const VALGRIND: Package = Package::binary("valgrind", "valgrind");

impl std::fmt::Display for Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proof::Binary(b) => write!(f, "`{b}` on PATH"),
            Proof::File(p) => write!(f, "{p}"),
        }
    }
}

/// Whether `apt-get update` has succeeded in this process.
static UPDATED: Mutex<bool> = Mutex::new(false);

/// Installs the packages whose proof is missing (see the module docs).
pub(crate) fn ensure(packages: &[Package]) -> Result<()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let present = |proof: &Proof| proof.present_on(&path);
    let missing = plan(packages, &present);
    if missing.is_empty() {
        return Ok(());
    }
    if !Proof::Binary("apt-get").present_on(&path) {
        bail!(
            "{} missing, and this machine has no apt-get: install {} with its package manager",
            describe_missing(packages, &present),
            missing.join(", ")
        );
    }
    let Some(sudo) = privilege(effective_uid(), || cmd("sudo", ["-n", "true"]).probe()) else {
        bail!(
            "{} missing, and installing it needs root or password-less sudo: run `apt-get install -y {}` as root",
            describe_missing(packages, &present),
            missing.join(" ")
        );
    };
    let mut updated = UPDATED
        .lock()
        .map_err(|_| Error::msg("apt: the update lock was poisoned"))?;
    ensure_with(packages, &present, &mut updated, &mut |args| {
        apt_get(sudo, args)
    })
}

/// The planning and ordering of [`ensure`], with the system calls passed
/// in: `present` checks a proof, `run` runs `apt-get` with these arguments,
/// and `updated` records that `apt-get update` succeeded.
fn ensure_with(
    packages: &[Package],
    present: &dyn Fn(&Proof) -> bool,
    updated: &mut bool,
    run: &mut dyn FnMut(&[&str]) -> Result<()>,
) -> Result<()> {
    let missing = plan(packages, present);
    if missing.is_empty() {
        return Ok(());
    }
    println!(
        "apt: {} missing: installing {}",
        describe_missing(packages, present),
        missing.join(" ")
    );
    if !*updated {
        run(&["update"]).map_err(|e| e.context("apt-get update failed"))?;
        *updated = true;
    }
    let args = install_args(&missing);
    run(&args).map_err(|e| e.context(format!("cannot install {}", missing.join(" "))))?;
    let still = plan(packages, present);
    if !still.is_empty() {
        bail!(
            "apt-get installed {}, but {} still missing",
            missing.join(" "),
            describe_missing(packages, present)
        );
    }
    Ok(())
}

/// The packages to install: those whose proof is missing, each once, in
/// the order given.
fn plan(packages: &[Package], present: &dyn Fn(&Proof) -> bool) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for p in packages {
        if !present(&p.proof) && !names.contains(&p.name) {
            names.push(p.name);
        }
    }
    names
}

/// `apt-get install -y --no-install-recommends <names>`, as arguments.
fn install_args<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(names);
    args
}

/// "valgrind (`valgrind` on PATH) is", for messages.
fn describe_missing(packages: &[Package], present: &dyn Fn(&Proof) -> bool) -> String {
    let missing: Vec<String> = packages
        .iter()
        .filter(|p| !present(&p.proof))
        .map(|p| format!("{} ({})", p.name, p.proof))
        .collect();
    let verb = if missing.len() == 1 { "is" } else { "are" };
    format!("{} {verb}", missing.join(", "))
}

/// How to run apt-get: directly as root (`Some(false)`), through
/// `sudo -n` (`Some(true)`), or not at all (`None`).
fn privilege(euid: Option<u32>, sudo_works: impl FnOnce() -> bool) -> Option<bool> {
    if euid == Some(0) {
        Some(false)
    } else if sudo_works() {
        Some(true)
    } else {
        None
    }
}

/// Runs `apt-get <args>` non-interactively, through `sudo -n` if `sudo`.
fn apt_get(sudo: bool, args: &[&str]) -> Result<()> {
    let c = if sudo {
        cmd(
            "sudo",
            ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"],
        )
    } else {
        cmd("apt-get", Vec::<&str>::new()).env("DEBIAN_FRONTEND", "noninteractive")
    };
    args.iter().fold(c, |c, a| c.arg(a)).run()
}

/// The effective user id, from `/proc/self/status` (Linux; `None` elsewhere).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|euid| euid.parse().ok())
}

impl Proof {
    /// Whether the proof holds, searching binaries in `path` (a `PATH` value).
    fn present_on(&self, path: &std::ffi::OsStr) -> bool {
        match self {
            Proof::Binary(name) => find_executable(name, path).is_some(),
            Proof::File(file) => Path::new(file).is_file(),
        }
    }
}

/// The first executable file called `name` in the directories of `path`.
fn find_executable(name: &str, path: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROMIUM: Package = Package::binary("chromium", "chromium");
    const DRIVER: Package = Package::binary("chromium-driver", "chromedriver");
    const KEYRING: Package = Package {
        name: "gnome-keyring",
        proof: Proof::File("/usr/bin/gnome-keyring-daemon"),
    };

    /// A machine on which only these proofs hold.
    fn machine(present: &'static [Proof]) -> impl Fn(&Proof) -> bool {
        move |p| present.contains(p)
    }

    #[test]
    fn plans_nothing_when_every_proof_is_present() {
        let present = machine(&[Proof::Binary("valgrind"), Proof::Binary("chromium")]);
        assert!(plan(&[VALGRIND, CHROMIUM], &present).is_empty());
    }

    #[test]
    fn plans_each_missing_package_once_in_order() {
        let present = machine(&[Proof::Binary("chromium")]);
        assert_eq!(
            plan(&[DRIVER, CHROMIUM, VALGRIND, DRIVER, KEYRING], &present),
            ["chromium-driver", "valgrind", "gnome-keyring"]
        );
        assert_eq!(
            install_args(&plan(&[VALGRIND], &present)),
            ["install", "-y", "--no-install-recommends", "valgrind"]
        );
    }

    #[test]
    fn runs_nothing_when_everything_is_installed() {
        let present = machine(&[Proof::Binary("valgrind")]);
        let mut calls: Vec<Vec<String>> = Vec::new();
        let mut updated = false;
        ensure_with(&[VALGRIND], &present, &mut updated, &mut |a| {
            calls.push(a.iter().map(|s| (*s).to_owned()).collect());
            Ok(())
        })
        .expect("nothing to do");
        assert!(calls.is_empty());
        assert!(!updated);
    }

    #[test]
    fn updates_once_per_process_then_installs_only_the_missing_packages() {
        // The fake apt-get "installs" by recording the package names, and
        // the proofs read that record.
        let installed = std::cell::RefCell::new(vec!["chromium".to_owned()]);
        let present = |p: &Proof| {
            let name = match p {
                Proof::Binary("chromedriver") => "chromium-driver",
                Proof::Binary(b) | Proof::File(b) => b,
            };
            installed.borrow().iter().any(|i| i == name)
        };
        let mut calls: Vec<String> = Vec::new();
        let mut run = |args: &[&str]| {
            calls.push(args.join(" "));
            if args[0] == "install" {
                let names = args[3..].iter().map(|a| (*a).to_owned());
                installed.borrow_mut().extend(names);
            }
            Ok(())
        };
        let mut updated = false;
        ensure_with(&[CHROMIUM, DRIVER], &present, &mut updated, &mut run).expect("first");
        ensure_with(&[VALGRIND], &present, &mut updated, &mut run).expect("second");
        ensure_with(&[VALGRIND, CHROMIUM], &present, &mut updated, &mut run).expect("third");
        assert_eq!(
            calls,
            [
                "update",
                "install -y --no-install-recommends chromium-driver",
                "install -y --no-install-recommends valgrind",
            ]
        );
    }

    #[test]
    fn fails_with_the_reason_when_apt_fails_or_the_proof_stays_missing() {
        let present = machine(&[]);
        let mut updated = false;
        let err = ensure_with(&[VALGRIND], &present, &mut updated, &mut |a| {
            if a[0] == "update" {
                Err(Error::msg("`apt-get update` failed (exit status: 100)"))
            } else {
                Ok(())
            }
        })
        .expect_err("update fails");
        assert!(
            err.to_string().starts_with("apt-get update failed: "),
            "{err}"
        );
        assert!(!updated, "a failed update is tried again next time");

        let err = ensure_with(&[VALGRIND], &present, &mut updated, &mut |_| Ok(()))
            .expect_err("installed but still missing");
        assert_eq!(
            err.to_string(),
            "apt-get installed valgrind, but valgrind (`valgrind` on PATH) is still missing"
        );

        let err = ensure_with(&[VALGRIND], &present, &mut updated, &mut |a| {
            if a[0] == "install" {
                Err(Error::msg("`apt-get install` failed (exit status: 100)"))
            } else {
                Ok(())
            }
        })
        .expect_err("install fails");
        assert!(
            err.to_string().starts_with("cannot install valgrind: "),
            "{err}"
        );
    }

    #[test]
    fn runs_apt_as_root_or_through_password_less_sudo_or_not_at_all() {
        assert_eq!(
            privilege(Some(0), || panic!("root needs no sudo")),
            Some(false)
        );
        assert_eq!(privilege(Some(1000), || true), Some(true));
        assert_eq!(privilege(None, || true), Some(true));
        assert_eq!(privilege(Some(1000), || false), None);
    }

    #[test]
    fn finds_only_executable_files_on_path() {
        let dir = std::env::temp_dir().join(format!("xtask-apt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("mkdir");
        let tool = dir.join("bin").join("some-tool");
        let data = dir.join("bin").join("some-data");
        std::fs::write(&tool, "#!/bin/sh\n").expect("write");
        std::fs::write(&data, "").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let path = std::env::join_paths([dir.join("missing"), dir.join("bin")]).expect("PATH");
        assert_eq!(find_executable("some-tool", &path), Some(tool));
        assert!(
            find_executable("some-data", &path).is_none(),
            "not executable"
        );
        assert!(find_executable("no-such-tool", &path).is_none());
        assert!(
            !Proof::File("/").present_on(&path),
            "a directory is not a file"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
