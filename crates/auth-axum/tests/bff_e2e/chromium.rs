//! The two-instance scenario in real Chromium: this bed runs
//! `interop/browser/bff_two_instances.mjs` (playwright-core driving Debian's
//! chromium), then checks what the browser cannot see: the emulator's count
//! of retired refresh tokens presented, and both instances' logs.
//!
//! Ignored in the tests step (it needs Chromium and the harness's
//! `node_modules`); `cargo xtask browser` installs both and runs it, as the
//! ignored tests named `chromium`.

use std::path::Path;
use std::process::Command;

use crate::harness::{Bed, PASSWORD, USERNAME};

/// `interop/browser/`, from this crate.
const BROWSER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/browser");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs Chromium and interop/browser/node_modules: `cargo xtask browser` runs it"]
async fn chromium_two_instances_share_a_session_through_redis() {
    let dir = Path::new(BROWSER_DIR);
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "{}/node_modules is missing: `cargo xtask browser` installs it",
        dir.display()
    );
    let Some(bed) = Bed::start().await else {
        return;
    };
    let calls_before = bed.refresh_calls();
    let (a, b) = (bed.a.base.clone(), bed.b.base.clone());
    let output = tokio::task::block_in_place(|| {
        Command::new("node")
            .arg(dir.join("bff_two_instances.mjs"))
            .args(["--a", &a, "--b", &b, "--username", USERNAME])
            .env("AMPLIFY_AUTH_PASSWORD", PASSWORD)
            .current_dir(dir)
            .output()
            .expect("node")
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the story failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("all 4 checks passed"), "{stdout}");
    let calls = bed.refresh_calls() - calls_before;
    assert!(calls >= 1, "the forced refreshes made no refresh call");
    assert_eq!(
        bed.retired_presented(),
        0,
        "a retired refresh token was presented ({calls} refresh calls)"
    );
    bed.assert_no_jwt_anywhere(&[]);
}
