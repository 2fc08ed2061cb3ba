//! Faults of the store itself, on real `redis-server`s: Redis down, killed
//! and restarted, frozen; a lock holder killed; a lease renewed, lost and
//! never deleted when it is someone else's; ACL users and TLS from the URL;
//! a key of another type. Waits are bounded and loopback only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use auth_storage_redis::testing::{RedisServer, free_port, have};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use auth_storage::{KeyValueStorage, StorageChange, StorageError};
use auth_storage_redis::{RedisStorage, RedisStore};

const HOLDER_URL_ENV: &str = "AUTH_STORAGE_REDIS_HOLDER_URL";
const HOLDER_MARK_ENV: &str = "AUTH_STORAGE_REDIS_HOLDER_MARK";

async fn storage(url: &str, namespace: &str) -> RedisStorage {
    let store = RedisStore::builder(url).unwrap().connect().await.unwrap();
    store.storage(namespace).unwrap()
}

/// Retries `get` until Redis answers again (bounded): the connection
/// reconnects on its own after a restart.
async fn get_when_back(storage: &RedisStorage, key: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match storage.get(key).await {
            Ok(value) => return value,
            Err(e) => {
                assert!(
                    e.is_transient(),
                    "a non-transient error while Redis comes back: {e:?}"
                );
                assert!(Instant::now() < deadline, "Redis did not come back: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[tokio::test]
async fn redis_down_is_a_typed_transient_error_that_names_redis() {
    let port = free_port(false).unwrap();
    let url = format!("redis://app:pw-never-shown@127.0.0.1:{port}");
    let connecting = RedisStore::builder(&url).unwrap().connect();
    let err = tokio::time::timeout(Duration::from_secs(20), connecting)
        .await
        .expect("connect is bounded")
        .unwrap_err();
    let StorageError::Unavailable { detail } = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(
        detail.contains(&format!("Redis at 127.0.0.1:{port}")),
        "{detail}"
    );
    assert!(!detail.contains("pw-never-shown"), "{detail}");
    assert!(err.is_transient());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_loses_no_session() {
    let Some(mut server) = RedisServer::start().unwrap() else {
        return;
    };
    let storage = storage(&server.url(""), "client:alice").await;
    storage
        .apply(vec![
            StorageChange::Set("accessToken".into(), "access-1".into()),
            StorageChange::Set("refreshToken".into(), "refresh-1".into()),
        ])
        .await
        .unwrap();

    server.kill();
    let err = storage.get("accessToken").await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable { .. }), "{err:?}");
    let err = storage.set("accessToken", "lost?").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    let err = storage.lock().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");

    server.restart().unwrap();
    assert_eq!(
        get_when_back(&storage, "accessToken").await.as_deref(),
        Some("access-1")
    );
    let both = storage
        .get_many(&["accessToken", "refreshToken"])
        .await
        .unwrap();
    assert_eq!(
        both,
        vec![Some("access-1".into()), Some("refresh-1".into())]
    );
    storage.lock().await.unwrap().release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_times_out_as_unavailable_then_recovers() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let storage = storage(&server.url("?timeout_ms=300"), "client:frozen").await;
    storage.set("k", "v").await.unwrap();
    server.signal("STOP").unwrap();
    let err = storage.get("k").await.unwrap_err();
    server.signal("CONT").unwrap();
    let StorageError::Unavailable { detail } = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(detail.contains("did not answer within 300ms"), "{detail}");
    assert_eq!(get_when_back(&storage, "k").await.as_deref(), Some("v"));
}

/// The child side of the crash test: takes the lease, says so, waits to be killed.
#[tokio::test]
async fn lock_holder() {
    let (Ok(url), Ok(mark)) = (
        std::env::var(HOLDER_URL_ENV),
        std::env::var(HOLDER_MARK_ENV),
    ) else {
        return;
    };
    let storage = storage(&url, "client:crash").await;
    let _guard = storage.lock().await.unwrap();
    std::fs::write(mark, b"held").unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_killed_delays_the_others_by_at_most_one_lease() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let lease = Duration::from_secs(2);
    let url = server.url(&format!("?lease_ms={}", lease.as_millis()));
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("held");
    let mut holder = Command::new(std::env::current_exe().unwrap())
        .args(["lock_holder", "--exact", "--test-threads=1"])
        .env(HOLDER_URL_ENV, &url)
        .env(HOLDER_MARK_ENV, &mark)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    support::wait_for_file(&mark, Duration::from_secs(30));
    holder.kill().unwrap();
    holder.wait().unwrap();
    let killed = Instant::now();

    let waiter = storage(&url, "client:crash").await;
    // The dead holder's lease is still there...
    let err = waiter
        .clone()
        .with_lock_timeout(Duration::from_millis(100))
        .lock()
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::LockTimeout { .. }), "{err:?}");
    // ...and ends within one lease: a wait of one lease (plus polling) gets it.
    let guard = waiter
        .with_lock_timeout(lease + Duration::from_millis(500))
        .lock()
        .await
        .expect("the lock is free again within one lease of the holder's death");
    eprintln!(
        "redis: lock taken {:?} after its holder was killed (lease {lease:?})",
        killed.elapsed()
    );
    guard.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_renewed_while_its_holder_works() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let url = server.url("?lease_ms=600");
    let holder = storage(&url, "client:renew").await;
    let other = storage(&url, "client:renew")
        .await
        .with_lock_timeout(Duration::from_millis(100));
    let guard = holder.lock().await.unwrap();
    // Four leases long: without renewal the lease would end after one.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let err = other.lock().await.unwrap_err();
        assert!(matches!(err, StorageError::LockTimeout { .. }), "{err:?}");
        assert!(guard.is_held());
    }
    guard.release().await.unwrap();
    other.lock().await.unwrap().release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_taken_over_is_reported_lost_and_never_deleted() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let storage = storage(&server.url("?lease_ms=600"), "client:lost").await;
    let guard = storage.lock().await.unwrap();
    // As if the lease had expired during a long pause and another holder took it.
    server
        .cli(&["set", storage.lock_key(), "another-holder", "px", "60000"])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while guard.is_held() {
        assert!(
            Instant::now() < deadline,
            "the lost lease was never noticed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    guard.release().await.unwrap();
    assert_eq!(
        server.cli(&["get", storage.lock_key()]).unwrap().trim(),
        "another-holder"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acl_user_and_password_come_from_the_url() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    if !have(&["redis-cli"]).unwrap() {
        return;
    }
    server
        .cli(&[
            "acl",
            "setuser",
            "app",
            "on",
            ">app-pass",
            "~amplify-auth:*",
            "+@all",
        ])
        .unwrap();
    server
        .cli(&[
            "acl",
            "setuser",
            "reader",
            "on",
            ">reader-pass",
            "~amplify-auth:*",
            "+@read",
            "+@connection",
        ])
        .unwrap();
    let port = server.port();

    let app = storage(
        &format!("redis://app:app-pass@127.0.0.1:{port}"),
        "client:acl",
    )
    .await;
    app.set("k", "v").await.unwrap();
    app.lock().await.unwrap().release().await.unwrap();
    assert_eq!(app.get("k").await.unwrap().as_deref(), Some("v"));

    let wrong = RedisStore::builder(&format!("redis://app:not-the-pass@127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    let StorageError::AccessDenied { detail } = &wrong else {
        panic!("expected AccessDenied, got {wrong:?}");
    };
    assert!(!detail.contains("not-the-pass"), "{detail}");
    assert!(!wrong.is_transient());

    let reader = storage(
        &format!("redis://reader:reader-pass@127.0.0.1:{port}"),
        "client:acl",
    )
    .await;
    assert_eq!(reader.get("k").await.unwrap().as_deref(), Some("v"));
    let err = reader.set("k", "w").await.unwrap_err();
    assert!(
        matches!(&err, StorageError::AccessDenied { detail } if detail.contains("NOPERM")),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_private_ca_from_the_url() {
    let Some(certs) = support::TestCerts::make() else {
        return;
    };
    let tls_port = free_port(false).unwrap().to_string();
    let Some(server) = RedisServer::start_with(&[
        "--tls-port",
        &tls_port,
        "--tls-cert-file",
        certs.cert.to_str().unwrap(),
        "--tls-key-file",
        certs.key.to_str().unwrap(),
        "--tls-ca-cert-file",
        certs.ca.to_str().unwrap(),
        "--tls-auth-clients",
        "no",
    ])
    .unwrap() else {
        return;
    };
    let ca = certs.ca.to_str().unwrap().replace('/', "%2F");
    let url = format!("rediss://127.0.0.1:{tls_port}/0?ca_file={ca}");
    let storage = storage(&url, "client:tls").await;
    storage.set("accessToken", "over-tls").await.unwrap();
    storage.lock().await.unwrap().release().await.unwrap();
    assert_eq!(
        server
            .cli(&["hget", storage.session_key(), "accessToken"])
            .unwrap()
            .trim(),
        "over-tls"
    );

    // The platform's roots do not know this CA: a typed error naming Redis.
    let untrusted = RedisStore::builder(&format!("rediss://127.0.0.1:{tls_port}/0"))
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(
        untrusted
            .to_string()
            .contains(&format!("Redis at 127.0.0.1:{tls_port}")),
        "{untrusted}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_type_is_corrupt_and_never_overwritten() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let storage = storage(&server.url(""), "client:wrongtype").await;
    server
        .cli(&["set", storage.session_key(), "not-a-hash"])
        .unwrap();
    assert!(matches!(
        storage.get("k").await,
        Err(StorageError::Corrupt { .. })
    ));
    assert!(matches!(
        storage.set("k", "v").await,
        Err(StorageError::Corrupt { .. })
    ));
    let batch = vec![StorageChange::Set("k".into(), "v".into())];
    assert!(matches!(
        storage.apply(batch).await,
        Err(StorageError::Corrupt { .. })
    ));
    assert_eq!(
        server.cli(&["get", storage.session_key()]).unwrap().trim(),
        "not-a-hash"
    );
    storage.clear().await.unwrap();
    storage.set("k", "v").await.unwrap();
}

#[tokio::test]
async fn debug_never_shows_the_password_or_values() {
    let Some(server) = RedisServer::start().unwrap() else {
        return;
    };
    let store =
        RedisStore::builder(&server.url("").replace("redis://", "redis://:pw-secret-1@")).unwrap();
    assert!(!format!("{store:?}").contains("pw-secret-1"));
    // The server has no password: AUTH with one fails, and says so without it.
    let err = store.connect().await.unwrap_err();
    assert!(!err.to_string().contains("pw-secret-1"), "{err}");

    let storage = storage(&server.url(""), "client:debug").await;
    storage.set("accessToken", "value-secret-2").await.unwrap();
    let debug = format!("{storage:?}");
    assert!(debug.contains("client:debug"), "{debug}");
    assert!(!debug.contains("value-secret-2"), "{debug}");
}
