//! The `FileStorage` file parser, through the public API: the fuzz input is
//! written as the store's file, then read with `get`. Never panics; a bad
//! file is a typed error.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use auth_storage::{FileStorage, KeyValueStorage};
use libfuzzer_sys::fuzz_target;

struct Bed {
    path: PathBuf,
    store: FileStorage,
    runtime: tokio::runtime::Runtime,
}

fn bed() -> &'static Bed {
    static BED: OnceLock<Bed> = OnceLock::new();
    BED.get_or_init(|| {
        // A RAM-backed directory when there is one: every run writes a file.
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("amplify-auth-fuzz-storage-{}", std::process::id()));
        let path = dir.join("session.json");
        let store = FileStorage::open(&path).expect("open");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        Bed {
            path,
            store,
            runtime,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let bed = bed();
    std::fs::write(&bed.path, data).expect("write the fuzz file");
    bed.runtime.block_on(async {
        let key = "CognitoIdentityServiceProvider.c.u.accessToken";
        match bed.store.get(key).await {
            Ok(_) => {}
            Err(e) => {
                let _ = e.to_string();
            }
        }
    });
});
