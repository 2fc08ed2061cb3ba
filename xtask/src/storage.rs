//! What the storage tests need on the machine (issue 13): a real
//! `redis-server` and `redis-cli` (single server, 3-node cluster), the
//! Secret Service (`dbus-run-session`, `gnome-keyring-daemon`), keyutils
//! (`keyctl`) and `openssl` (the private CA of the `rediss://` test).
//!
//! [`ensure`] installs the missing Debian packages through [`apt`]; the CI
//! step runs it before the tests. [`required`] sets
//! `AMPLIFY_AUTH_REQUIRE_REDIS=1` and `AMPLIFY_AUTH_REQUIRE_KEYCHAIN=1` on
//! the test run, so that a test whose tools are missing fails instead of
//! skipping with a message.

use crate::apt::{self, Package};
use crate::cmd::Cmd;
use crate::error::Result;

/// The packages, each proved by a binary it installs.
pub(crate) const PACKAGES: [Package; 6] = [
    Package::binary("redis-server", "redis-server"),
    Package::binary("redis-tools", "redis-cli"),
    // dbus pulls dbus-bin (dbus-run-session, dbus-send) and the daemon.
    Package::binary("dbus", "dbus-run-session"),
    Package::binary("gnome-keyring", "gnome-keyring-daemon"),
    Package::binary("keyutils", "keyctl"),
    Package::binary("openssl", "openssl"),
];

/// Just `redis-server` and `redis-cli`, for the benchmarks.
pub(crate) const REDIS: [Package; 2] = [PACKAGES[0], PACKAGES[1]];

/// The variables that turn a storage test's skip into a failure.
pub(crate) const REQUIRE: [&str; 2] = [
    "AMPLIFY_AUTH_REQUIRE_REDIS",
    "AMPLIFY_AUTH_REQUIRE_KEYCHAIN",
];

/// The CI step: installs what is missing (nothing when all is there).
pub(crate) fn ensure() -> Result<()> {
    apt::ensure(&PACKAGES)
}

/// `c` with every [`REQUIRE`] variable set to `1`.
pub(crate) fn required(c: Cmd) -> Cmd {
    REQUIRE.iter().fold(c, |c, key| c.env(key, "1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_the_storage_tests_run_is_installed_by_a_package() {
        let proofs: Vec<String> = PACKAGES.iter().map(|p| p.proof.to_string()).collect();
        for tool in [
            "redis-server",
            "redis-cli",
            "dbus-run-session",
            "gnome-keyring-daemon",
            "keyctl",
            "openssl",
        ] {
            assert!(
                proofs.iter().any(|p| p.contains(&format!("`{tool}`"))),
                "{tool} has no package"
            );
        }
        assert_eq!(REDIS.map(|p| p.name), ["redis-server", "redis-tools"]);
    }
}
