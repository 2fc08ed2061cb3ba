//! Test helpers beyond `auth_storage_redis::testing`: TLS certificates made
//! with `openssl`, and waiting for a child's signal file.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use auth_storage_redis::testing::have;

/// A private CA and a server certificate for 127.0.0.1, made with the
/// `openssl` command.
pub(crate) struct TestCerts {
    pub(crate) ca: PathBuf,
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
    _tmp: tempfile::TempDir,
}

impl TestCerts {
    pub(crate) fn make() -> Option<Self> {
        if !have(&["openssl"]).unwrap() {
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let run = |args: &[&str]| {
            let output = Command::new("openssl")
                .current_dir(d)
                .args(args)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=amplify-auth test CA",
        ]);
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            d.join("san.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        Some(Self {
            ca: d.join("ca.pem"),
            cert: d.join("server.pem"),
            key: d.join("server.key"),
            _tmp: tmp,
        })
    }
}

/// Waits (bounded) until `path` exists: a child's "I hold the lock" signal.
pub(crate) fn wait_for_file(path: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} did not appear",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
