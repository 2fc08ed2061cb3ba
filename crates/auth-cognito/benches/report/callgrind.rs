//! The loops `valgrind --tool=callgrind --toggle-collect=..` counts, for
//! the table's instruction row and the instruction guard
//! (`cargo xtask bench --guard`).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use auth_cognito::CognitoAuthPlugin;
use auth_core::prelude::*;
use auth_storage::{FileStorage, MemoryStorage};

use crate::bed::Bed;
use crate::run_now;

/// The loop callgrind counts (`--toggle-collect='*callgrind_hot_loop*'`).
#[inline(never)]
fn callgrind_hot_loop(rt: &tokio::runtime::Handle, plugin: &CognitoAuthPlugin, n: u64) {
    let pending = AtomicU64::new(0);
    for _ in 0..n {
        let s = run_now(
            rt,
            &pending,
            plugin.fetch_auth_session(FetchAuthSessionOptions::default()),
        );
        black_box(s.expect("fetch"));
    }
}

/// The `get_current_user` loop callgrind counts
/// (`--toggle-collect='*callgrind_user_loop*'`).
#[inline(never)]
fn callgrind_user_loop(rt: &tokio::runtime::Handle, plugin: &CognitoAuthPlugin, n: u64) {
    let pending = AtomicU64::new(0);
    for _ in 0..n {
        black_box(run_now(rt, &pending, plugin.get_current_user()).expect("user"));
    }
}

/// The restore loop callgrind counts (`--toggle-collect='*callgrind_restore_loop*'`):
/// open the store, build a plugin, serve the first `fetch_auth_session`
/// (no network call: the stored tokens and credentials are valid).
#[inline(never)]
fn callgrind_restore_loop(rt: &tokio::runtime::Handle, bed: &Bed, path: &std::path::Path, n: u64) {
    for _ in 0..n {
        let storage = FileStorage::open(path).expect("file storage");
        let plugin = bed.plugin(Arc::new(storage));
        let s = rt
            .block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::default()))
            .expect("restored fetch");
        black_box(s);
    }
}

/// `--callgrind N [--callgrind-what fetch|user|restore]`: runs one of the
/// loops callgrind counts, N times (`cargo xtask bench --guard`).
pub(crate) fn callgrind_loop(rt: &tokio::runtime::Runtime, bed: &Bed, what: &str, n: u64) {
    let handle = rt.handle().clone();
    match what {
        "restore" => {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("session.json");
            let storage = FileStorage::open(&path).expect("file storage");
            let plugin = rt.block_on(bed.signed_in(Arc::new(storage)));
            rt.block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::default()))
                .expect("first fetch");
            let before = rt.block_on(bed.counters());
            callgrind_restore_loop(&handle, bed, &path, n);
            let after = rt.block_on(bed.counters());
            let calls: u64 = after.values().sum::<u64>() - before.values().sum::<u64>();
            assert_eq!(calls, 0, "a restore made network calls");
        }
        _ => {
            let plugin = rt.block_on(bed.signed_in(Arc::new(MemoryStorage::new())));
            rt.block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::default()))
                .expect("warm fetch");
            if what == "user" {
                callgrind_user_loop(&handle, &plugin, n);
            } else {
                callgrind_hot_loop(&handle, &plugin, n);
            }
        }
    }
    println!("callgrind {what}: {n} calls");
}
