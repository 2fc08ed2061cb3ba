#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use async_trait::async_trait;

use super::*;
use crate::contract::{self, Backend};

/// Handles on one name are separate `open`s of one item and one lock file.
struct Keychain {
    dir: tempfile::TempDir,
    backend: KeychainBackend,
}

#[async_trait]
impl Backend for Keychain {
    async fn open(
        &self,
        name: &str,
        lock_timeout: Duration,
    ) -> Result<Arc<dyn KeyValueStorage>, String> {
        let store = KeychainStorage::builder(name, self.dir.path().join(format!("{name}.lock")))
            .service("amplify-auth-tests")
            .backend(self.backend)
            .lock_timeout(lock_timeout)
            .open()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(store))
    }
}

fn mock_store(item: &str, dir: &tempfile::TempDir) -> KeychainStorage {
    KeychainStorage::builder(item, dir.path().join("keychain.lock"))
        .service("amplify-auth-tests")
        .backend(KeychainBackend::Mock)
        .open()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_keychain_meets_the_storage_contract() {
    let backend = Keychain {
        dir: tempfile::tempdir().unwrap(),
        backend: KeychainBackend::Mock,
    };
    let report = contract::run_all(&backend, "mock-keychain").await;
    assert!(report.is_ok(), "{report}");
}

#[tokio::test]
async fn a_session_is_one_item_holding_one_json_blob() {
    let dir = tempfile::tempdir().unwrap();
    let store = mock_store("blob-client/default", &dir);
    store
        .apply(vec![
            StorageChange::Set("user.accessToken".into(), "a".into()),
            StorageChange::Set("user.refreshToken".into(), "r".into()),
        ])
        .await
        .unwrap();
    let text = store
        .shared
        .vault
        .read("amplify-auth-tests", "blob-client/default")
        .unwrap()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["entries"]["user.accessToken"], "a");
    assert_eq!(json["entries"]["user.refreshToken"], "r");
}

#[tokio::test]
async fn a_corrupt_item_is_a_typed_error_never_overwritten_and_clear_deletes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = mock_store("corrupt-client/default", &dir);
    let vault = &store.shared.vault;
    vault
        .write(
            "amplify-auth-tests",
            "corrupt-client/default",
            "{\"version\":1,\"entries\":{\"k\": secret-bytes",
        )
        .unwrap();
    let err = store.get("k").await.unwrap_err();
    let StorageError::Corrupt { detail } = &err else {
        panic!("expected Corrupt, got {err:?}");
    };
    assert!(detail.contains("corrupt-client/default"), "{detail}");
    assert!(!detail.contains("secret-bytes"), "{detail}");
    assert!(matches!(
        store.set("k", "v").await,
        Err(StorageError::Corrupt { .. })
    ));
    let raw = vault
        .read("amplify-auth-tests", "corrupt-client/default")
        .unwrap();
    assert!(
        raw.unwrap().contains("secret-bytes"),
        "a corrupt item was overwritten"
    );

    store.clear().await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
    store.set("k", "v").await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
}

#[test]
fn a_locked_keychain_is_unavailable_and_says_how_to_unlock() {
    let vault = Vault::open(KeychainBackend::Mock).unwrap();
    let cause: Box<dyn std::error::Error + Send + Sync> = "collection is locked".into();
    let err = vault.error(
        &keyring_core::Error::NoStorageAccess(cause),
        "client/default",
    );
    let StorageError::Unavailable { detail } = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(detail.contains("locked"), "{detail}");
    assert!(detail.contains("unlock"), "{detail}");
    assert!(err.is_transient());

    let bytes = b"secret-bytes".to_vec();
    let err = vault.error(&keyring_core::Error::BadEncoding(bytes), "client/default");
    assert!(
        matches!(&err, StorageError::Corrupt { detail } if !detail.contains("secret")),
        "{err:?}"
    );
}

#[test]
fn bad_names_are_rejected_before_touching_the_keychain() {
    let dir = tempfile::tempdir().unwrap();
    for item in ["", "line\nbreak", &"x".repeat(257)] {
        let err = KeychainStorage::builder(item, dir.path().join("k.lock"))
            .backend(KeychainBackend::Mock)
            .open()
            .unwrap_err();
        assert!(matches!(err, StorageError::Io { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn debug_names_the_item_and_backend_but_never_values() {
    let dir = tempfile::tempdir().unwrap();
    let store = mock_store("debug-client/default", &dir);
    store.set("accessToken", "secret-value-123").await.unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("debug-client/default"), "{debug}");
    assert!(debug.contains("Mock"), "{debug}");
    assert!(!debug.contains("secret-value-123"), "{debug}");
    assert_eq!(store.backend(), KeychainBackend::Mock);
}
