#![allow(clippy::unwrap_used)]

use std::fs;
use std::time::Duration;

use tempfile::TempDir;

use super::*;

fn store_in(dir: &TempDir) -> FileStorage {
    FileStorage::open(dir.path().join("session.json")).unwrap()
}

fn short(store: FileStorage) -> FileStorage {
    store.with_lock_timeout(Duration::from_millis(100))
}

fn write_raw(store: &FileStorage, bytes: &[u8]) {
    fs::write(store.path(), bytes).unwrap();
}

/// Whether this process is subject to permission bits (root is not).
#[cfg(unix)]
fn permissions_are_enforced() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe");
    fs::write(&probe, b"").unwrap();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).unwrap();
    fs::File::open(&probe).is_err()
}

#[tokio::test]
async fn round_trip_and_persistence_across_instances() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    assert_eq!(store.get("a").await.unwrap(), None);
    store.set("a", "1").await.unwrap();
    store.set("b", "two\n\"quoted\" ü").await.unwrap();
    store.set("a", "3").await.unwrap();

    let reopened = store_in(&dir);
    assert_eq!(reopened.get("a").await.unwrap().as_deref(), Some("3"));
    assert_eq!(
        reopened.get("b").await.unwrap().as_deref(),
        Some("two\n\"quoted\" ü")
    );

    let text = fs::read_to_string(store.path()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["entries"]["a"], "3");
}

#[tokio::test]
async fn remove_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    store.remove("absent").await.unwrap();
    store.clear().await.unwrap();
    assert!(
        !store.path().exists(),
        "no-op changes do not create the file"
    );

    store.set("a", "1").await.unwrap();
    store.set("b", "2").await.unwrap();
    store.remove("a").await.unwrap();
    store.remove("a").await.unwrap();
    assert_eq!(store.get("a").await.unwrap(), None);
    assert_eq!(store.get("b").await.unwrap().as_deref(), Some("2"));
    store.clear().await.unwrap();
    assert_eq!(store.get("b").await.unwrap(), None);
    assert!(disk::read(store.path()).unwrap().into_entries().is_empty());
}

#[tokio::test]
async fn open_creates_private_parent_dirs_but_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("session.json");
    let store = FileStorage::open(&path).unwrap();
    assert!(path.parent().unwrap().is_dir());
    assert!(!path.exists());
    assert_eq!(store.path(), path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for d in [dir.path().join("a"), dir.path().join("a").join("b")] {
            let mode = fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
    }
}

#[test]
fn open_rejects_a_path_without_file_name() {
    let err = FileStorage::open("/").unwrap_err();
    assert!(matches!(err, StorageError::Io { .. }), "{err:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn files_are_mode_0600_even_over_a_wider_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    store.set("a", "1").await.unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(store.shared.locks.lock_path()), 0o600);

    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
    store.set("a", "2").await.unwrap();
    assert_eq!(mode(store.path()), 0o600);
}

#[tokio::test]
async fn writes_leave_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    for i in 0..5 {
        store.set(&format!("k{i}"), "v").await.unwrap();
    }
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["session.json", "session.json.lock"]);
}

#[tokio::test]
async fn apply_changes_everything_in_one_atomic_write() {
    let dir = tempfile::tempdir().unwrap();
    let writer = store_in(&dir);
    writer.set("gone", "x").await.unwrap();
    writer
        .apply(vec![
            StorageChange::Set("a".into(), "1".into()),
            StorageChange::Remove("gone".into()),
            StorageChange::Set("a".into(), "2".into()),
        ])
        .await
        .unwrap();
    assert_eq!(writer.get("a").await.unwrap().as_deref(), Some("2"));
    assert_eq!(writer.get("gone").await.unwrap(), None);

    // A reader on another handle never sees half a batch.
    let reader = store_in(&dir);
    let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader_task = {
        let (stop, keys) = (Arc::clone(&stop), keys.clone());
        tokio::spawn(async move {
            let mut checks = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let entries = reader.read().await.unwrap();
                let values: Vec<_> = keys.iter().map(|k| entries.get(k).cloned()).collect();
                assert!(
                    values.windows(2).all(|w| w[0] == w[1]),
                    "torn batch: {values:?}"
                );
                checks += 1;
                tokio::task::yield_now().await;
            }
            checks
        })
    };
    for round in 0..30 {
        let batch = keys
            .iter()
            .map(|k| StorageChange::Set(k.clone(), round.to_string()))
            .collect();
        writer.apply(batch).await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader_task.await.unwrap() > 0);
}

#[tokio::test]
async fn corrupt_file_gives_typed_errors_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let bad = b"{\"version\":1,\"entries\":{\"k\":\"secret-token-value\",";
    write_raw(&store, bad);

    let results = [
        store.get("k").await.map(|_| ()),
        store.set("k", "new").await,
        store.remove("k").await,
        store
            .apply(vec![StorageChange::Set("x".into(), "y".into())])
            .await,
    ];
    for result in results {
        match result {
            Err(StorageError::Corrupt { detail }) => {
                assert!(detail.contains("session.json"), "{detail}");
                assert!(detail.contains("line 1 column"), "{detail}");
                assert!(!detail.contains("secret"), "{detail}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    assert_eq!(fs::read(store.path()).unwrap(), bad, "bytes unchanged");
}

#[tokio::test]
async fn reset_corrupt_moves_the_bad_file_aside() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    assert_eq!(store.reset_corrupt().await.unwrap(), None, "no file");

    store.set("k", "v").await.unwrap();
    assert_eq!(store.reset_corrupt().await.unwrap(), None, "healthy file");
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));

    write_raw(&store, b"not json");
    let aside = store.reset_corrupt().await.unwrap().unwrap();
    assert!(
        aside
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("session.json.corrupt-")
    );
    assert_eq!(fs::read(&aside).unwrap(), b"not json");
    assert!(!store.path().exists());
    store.set("k", "fresh").await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("fresh"));

    // A second corrupt file in the same millisecond gets another name.
    write_raw(&store, b"[");
    let second = store.reset_corrupt().await.unwrap().unwrap();
    assert_ne!(second, aside);
}

#[tokio::test]
async fn clear_moves_a_corrupt_file_aside() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    write_raw(&store, b"\x00garbage");
    store.clear().await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
    let kept = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .count();
    assert_eq!(kept, 1);
}

#[tokio::test]
async fn a_directory_at_the_path_is_a_typed_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    fs::create_dir(store.path()).unwrap();
    for result in [
        store.get("k").await.map(|_| ()),
        store.set("k", "v").await,
        store.clear().await,
        store.reset_corrupt().await.map(|_| ()),
    ] {
        assert!(matches!(result, Err(StorageError::Io { .. })), "{result:?}");
    }
    assert!(store.path().is_dir());
}

#[cfg(unix)]
#[tokio::test]
async fn an_unreadable_file_is_a_typed_io_error() {
    use std::os::unix::fs::PermissionsExt;
    if !permissions_are_enforced() {
        eprintln!("skipped: this user (root?) ignores file permissions");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    store.set("k", "v").await.unwrap();
    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o000)).unwrap();
    let get = store.get("k").await;
    let set = store.set("k", "w").await;
    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(get, Err(StorageError::Io { .. })), "{get:?}");
    assert!(matches!(set, Err(StorageError::Io { .. })), "{set:?}");
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
}

#[cfg(unix)]
#[tokio::test]
async fn a_read_only_directory_fails_writes_with_io_error() {
    use std::os::unix::fs::PermissionsExt;
    if !permissions_are_enforced() {
        eprintln!("skipped: this user (root?) ignores directory permissions");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("ro");
    let store = FileStorage::open(sub.join("session.json")).unwrap();
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o500)).unwrap();
    let set = store.set("k", "v").await;
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(set, Err(StorageError::Io { .. })), "{set:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_two_handles_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = store_in(&dir);
    let b = store_in(&dir);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            store.set(&format!("key{i}"), &i.to_string()).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let entries = store_in(&dir).read().await.unwrap();
    assert_eq!(entries.len(), 40);
    for i in 0..40 {
        assert_eq!(entries.get(&format!("key{i}")), Some(&i.to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_increments_through_separate_handles_are_serialized() {
    let dir = tempfile::tempdir().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store_in(&dir);
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                let _guard = store.lock().await?;
                let n: u32 = store
                    .get("counter")
                    .await?
                    .map_or(0, |v| v.parse().unwrap());
                tokio::task::yield_now().await;
                store.set("counter", &(n + 1).to_string()).await?;
            }
            Ok::<_, StorageError>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let count = store_in(&dir).get("counter").await.unwrap();
    assert_eq!(count.as_deref(), Some("40"));
}

#[tokio::test]
async fn operations_under_lock_reenter_without_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let store = short(store_in(&dir));
    let clone = store.clone();
    let guard = store.lock().await.unwrap();

    store.set("a", "1").await.unwrap();
    clone.set("b", "2").await.unwrap();
    store
        .apply(vec![StorageChange::Set("c".into(), "3".into())])
        .await
        .unwrap();
    store.remove("a").await.unwrap();
    assert_eq!(clone.get("b").await.unwrap().as_deref(), Some("2"));
    assert_eq!(store.reset_corrupt().await.unwrap(), None);

    // Other tasks of this process sharing the handle proceed too.
    let spawned = tokio::spawn({
        let clone = clone.clone();
        async move { clone.set("d", "4").await }
    });
    spawned.await.unwrap().unwrap();
    store.clear().await.unwrap();
    store.set("e", "5").await.unwrap();
    drop(guard);

    // After the guard drops, plain operations take the file lock again.
    store.set("f", "6").await.unwrap();
    let entries = store.read().await.unwrap();
    assert_eq!(entries.keys().collect::<Vec<_>>(), vec!["e", "f"]);
}

#[tokio::test]
async fn lock_excludes_separately_opened_handles_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let holder = store_in(&dir);
    let other = short(store_in(&dir));
    let guard = holder.lock().await.unwrap();

    let err = other.set("k", "v").await.unwrap_err();
    assert!(matches!(err, StorageError::LockTimeout { .. }), "{err:?}");
    let err = other.lock().await.unwrap_err();
    assert!(
        matches!(err, StorageError::LockTimeout { ref detail } if detail.ends_with("session.json.lock")),
        "{err:?}"
    );
    // Reads take no lock.
    assert_eq!(other.get("k").await.unwrap(), None);

    // A waiter with a generous timeout meets the held lock, is seen
    // waiting, and goes through once the holder lets go.
    let lock_path = dir.path().join("session.json.lock");
    let busy_before = crate::lockfile::contention::count(&lock_path);
    let waiter = tokio::spawn({
        let other = other.with_lock_timeout(Duration::from_secs(120));
        async move { other.set("k", "v").await }
    });
    tokio::time::timeout(
        Duration::from_secs(60),
        crate::lockfile::contention::wait_beyond(&lock_path, busy_before),
    )
    .await
    .expect("the waiter tried the held lock");
    assert!(
        !waiter.is_finished(),
        "the waiter waits while the lock is held"
    );
    assert_eq!(holder.get("k").await.unwrap(), None, "nothing written yet");
    drop(guard);
    waiter.await.unwrap().unwrap();
    assert_eq!(holder.get("k").await.unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn a_second_lock_on_a_clone_waits_for_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = short(store_in(&dir));
    let guard = store.lock().await.unwrap();
    let err = store.clone().lock().await.unwrap_err();
    assert!(matches!(err, StorageError::LockTimeout { .. }), "{err:?}");
    drop(guard);
    let _again = store.lock().await.unwrap();
}

#[tokio::test]
async fn debug_shows_the_path_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    store.set("access-token-key", "secret-value").await.unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("session.json"), "{debug}");
    assert!(!debug.contains("secret-value"), "{debug}");
    assert!(!debug.contains("access-token-key"), "{debug}");
    let guard = store.lock().await.unwrap();
    assert_eq!(
        format!("{guard:?}"),
        r#"StorageLock { kind: "local", held: true, .. }"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_operations_release_their_locks() {
    let dir = tempfile::tempdir().unwrap();
    let store = short(store_in(&dir));
    let other = short(store_in(&dir));
    for i in 0..20 {
        // Cancel operations at arbitrary points, including mid-write.
        let _ = tokio::time::timeout(Duration::ZERO, store.set(&format!("k{i}"), "v")).await;
        let _ = tokio::time::timeout(Duration::from_micros(200), store.lock()).await;
        let _ = tokio::time::timeout(Duration::from_micros(300), other.set("o", "v")).await;
    }
    // Nothing stays locked: both handles can still lock and write.
    drop(store.lock().await.unwrap());
    other.set("after", "1").await.unwrap();
    store.set("after", "2").await.unwrap();
    assert_eq!(other.get("after").await.unwrap().as_deref(), Some("2"));
    assert!(disk::read(store.path()).is_ok(), "file still parses");
}
