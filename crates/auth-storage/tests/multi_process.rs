//! Several processes sharing one `FileStorage` file lose no update.
//!
//! The test binary spawns copies of itself; in a copy, the `worker` test
//! finds its instructions in the environment and does the work. In a
//! normal test run `worker` finds none and returns at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use auth_storage::{FileStorage, KeyValueStorage};

const PATH_ENV: &str = "AUTH_STORAGE_TEST_WORKER_PATH";
const ID_ENV: &str = "AUTH_STORAGE_TEST_WORKER_ID";
const PROCESSES: usize = 4;
const INCREMENTS: u32 = 25;
const DEADLINE: Duration = Duration::from_secs(60);

/// The child side: `INCREMENTS` locked read-modify-writes of `counter`, and
/// as many plain `set`s of keys of its own.
#[tokio::test]
async fn worker() {
    let (Ok(path), Ok(id)) = (std::env::var(PATH_ENV), std::env::var(ID_ENV)) else {
        return;
    };
    let store = FileStorage::open(path).expect("open");
    for i in 0..INCREMENTS {
        {
            let _guard = store.lock().await.expect("lock");
            let n: u32 = store
                .get("counter")
                .await
                .expect("get")
                .map_or(0, |v| v.parse().expect("counter is a number"));
            // Widen the window in which a missing lock would lose an update.
            tokio::time::sleep(Duration::from_millis(1)).await;
            store
                .set("counter", &(n + 1).to_string())
                .await
                .expect("set");
        }
        store
            .set(&format!("worker{id}.{i}"), "x")
            .await
            .expect("set own key");
    }
}

fn wait_bounded(mut child: Child, deadline: Instant) -> std::process::Output {
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "worker timed out; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn processes_incrementing_under_lock_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared").join("session.json");
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();

    let children: Vec<Child> = (0..PROCESSES)
        .map(|id| {
            Command::new(&exe)
                .args(["worker", "--exact", "--test-threads=1", "--nocapture"])
                .env(PATH_ENV, &path)
                .env(ID_ENV, id.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let deadline = started + DEADLINE;
    for child in children {
        let output = wait_bounded(child, deadline);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "worker failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("1 passed"), "worker did not run: {stdout}");
    }
    eprintln!(
        "{PROCESSES} processes x {INCREMENTS} locked increments in {:?}",
        started.elapsed()
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = json["entries"].as_object().unwrap();
    let total = PROCESSES as u32 * INCREMENTS;
    assert_eq!(entries["counter"], total.to_string());
    assert_eq!(entries.len(), 1 + total as usize, "every worker key kept");
}
