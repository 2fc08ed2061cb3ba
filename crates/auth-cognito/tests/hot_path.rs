//! The cached `fetch_auth_session` serves each thread from its own replica
//! of the session (`orchestrator/replica.rs`). These tests check that the
//! replicas never outlive a change: a refresh, a sign-out or a new sign-in
//! on one thread is seen by the next call on every other thread; and that a
//! user-pool-only configuration is served from the cache too, with the
//! general path's result and no I/O. Against the in-process emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use async_trait::async_trait;
use auth_cognito::{CognitoAuthPlugin, SignInOptions};
use auth_core::prelude::*;
use auth_core::storage::{StorageChange, StorageError, StorageLock};
use auth_storage::MemoryStorage;
use support::{Bed, BedOptions, PASSWORD};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A signed-in plugin whose session (tokens, and credentials with an
/// identity pool) has been fetched once.
async fn signed_in(bed: &Bed) -> CognitoAuthPlugin {
    bed.create_user("alice", PASSWORD).await;
    let (plugin, _storage, _clock) = bed.plugin();
    plugin
        .sign_in("alice", PASSWORD, SignInOptions::default())
        .await
        .expect("sign in");
    plugin
        .fetch_auth_session(FetchAuthSessionOptions::default())
        .await
        .expect("first fetch");
    plugin
}

fn with_identity_pool() -> BedOptions {
    BedOptions {
        identity_pool: Some(false),
        ..BedOptions::default()
    }
}

/// A cached fetch on the calling thread (which builds or reads this
/// thread's replica).
fn fetch_here(rt: &tokio::runtime::Handle, plugin: &CognitoAuthPlugin) -> AuthSession {
    rt.block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::default()))
        .expect("fetch")
}

fn access(s: &AuthSession) -> String {
    s.tokens()
        .expect("tokens")
        .access_token
        .as_compact_str()
        .to_owned()
}

fn key_id(s: &AuthSession) -> String {
    s.credentials()
        .expect("credentials")
        .access_key_id
        .to_string()
}

/// What a reader thread is told to do next.
enum Step {
    Read,
    Stop,
}

/// A thread that holds a replica (it reads twice first), then reads once
/// per `Step::Read` and sends what it got.
fn reader<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    rt: &'s tokio::runtime::Handle,
    plugin: &'s CognitoAuthPlugin,
) -> (mpsc::Sender<Step>, mpsc::Receiver<AuthSession>) {
    let (step_tx, step_rx) = mpsc::channel::<Step>();
    let (out_tx, out_rx) = mpsc::channel::<AuthSession>();
    scope.spawn(move || {
        fetch_here(rt, plugin);
        out_tx.send(fetch_here(rt, plugin)).expect("send");
        while let Ok(Step::Read) = step_rx.recv() {
            out_tx.send(fetch_here(rt, plugin)).expect("send");
        }
    });
    (step_tx, out_rx)
}

#[test]
fn a_refresh_on_one_thread_is_seen_by_the_next_call_on_another() {
    let rt = runtime();
    let bed = rt.block_on(Bed::emulator(with_identity_pool()));
    let plugin = rt.block_on(signed_in(&bed));
    let handle = rt.handle().clone();
    std::thread::scope(|s| {
        let (step, got) = reader(s, &handle, &plugin);
        let before = got.recv().expect("first read");
        bed.emu().reset_counters();

        let refreshed = rt
            .block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
            .expect("forced refresh");
        assert_ne!(access(&refreshed), access(&before), "new tokens");
        assert_ne!(key_id(&refreshed), key_id(&before), "new credentials");

        step.send(Step::Read).expect("step");
        let after = got.recv().expect("read after the refresh");
        assert_eq!(access(&after), access(&refreshed));
        assert_eq!(key_id(&after), key_id(&refreshed));
        assert_eq!(
            after
                .credentials()
                .unwrap()
                .secret_access_key
                .expose_secret(),
            refreshed
                .credentials()
                .unwrap()
                .secret_access_key
                .expose_secret()
        );
        assert_eq!(after.identity_id(), refreshed.identity_id());
        // The reader was served from the cache: only the forced refresh called.
        assert_eq!(bed.emu().count("GetTokensFromRefreshToken"), 1);
        assert_eq!(bed.emu().count("GetCredentialsForIdentity"), 1);
        step.send(Step::Stop).expect("stop");
    });
}

#[test]
fn a_sign_out_on_one_thread_is_seen_by_the_next_call_on_another() {
    let rt = runtime();
    let bed = rt.block_on(Bed::emulator(with_identity_pool()));
    let plugin = rt.block_on(signed_in(&bed));
    let handle = rt.handle().clone();
    std::thread::scope(|s| {
        let (step, got) = reader(s, &handle, &plugin);
        let before = got.recv().expect("first read");
        assert!(before.is_signed_in());

        rt.block_on(plugin.sign_out(SignOutOptions::default()))
            .expect("sign out");
        step.send(Step::Read).expect("step");
        let after = got.recv().expect("read after the sign-out");
        assert!(!after.is_signed_in());
        assert!(after.tokens().is_none() && after.credentials().is_none());

        // And a new sign-in is seen too.
        rt.block_on(plugin.sign_in("alice", PASSWORD, SignInOptions::default()))
            .expect("sign in again");
        let mine = fetch_here(rt.handle(), &plugin);
        step.send(Step::Read).expect("step");
        let theirs = got.recv().expect("read after the new sign-in");
        assert!(theirs.is_signed_in());
        assert_eq!(access(&theirs), access(&mine));
        assert_ne!(access(&theirs), access(&before));
        step.send(Step::Stop).expect("stop");
    });
}

/// Two reader threads against a writer that forces 20 refreshes, one after
/// another: a read that starts after refresh `i` returned never sees the
/// tokens of an earlier one.
#[test]
fn readers_never_see_tokens_older_than_a_finished_refresh() {
    const REFRESHES: usize = 20;
    let rt = runtime();
    let bed = rt.block_on(Bed::emulator(with_identity_pool()));
    let plugin = rt.block_on(signed_in(&bed));
    let first = fetch_here(rt.handle(), &plugin);
    // Every access token in the order installed; `done` of them are final.
    let installed = Mutex::new(vec![access(&first)]);
    let done = AtomicUsize::new(1);
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    let handle = rt.handle().clone();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Acquire) {
                    let floor = done.load(Ordering::Acquire);
                    let got = access(&fetch_here(&handle, &plugin));
                    let list = installed.lock().unwrap();
                    // Not in the list yet: a refresh still running installed it.
                    if let Some(i) = list.iter().position(|t| *t == got) {
                        assert!(
                            i + 1 >= floor,
                            "read the tokens of refresh {i} after refresh {} returned",
                            floor - 1
                        );
                    }
                    drop(list);
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for _ in 0..REFRESHES {
            let s = rt
                .block_on(plugin.fetch_auth_session(FetchAuthSessionOptions::force_refresh()))
                .expect("forced refresh");
            let mut list = installed.lock().unwrap();
            list.push(access(&s));
            done.store(list.len(), Ordering::Release);
        }
        stop.store(true, Ordering::Release);
    });
    let list = installed.into_inner().unwrap();
    let distinct: std::collections::HashSet<_> = list.iter().collect();
    assert_eq!(
        distinct.len(),
        REFRESHES + 1,
        "every refresh gave new tokens"
    );
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert_eq!(access(&fetch_here(rt.handle(), &plugin)), list[REFRESHES]);
}

/// A storage that counts every call.
#[derive(Debug, Clone)]
struct Counting {
    inner: MemoryStorage,
    calls: Arc<AtomicU64>,
}

impl Counting {
    fn hit(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl KeyValueStorage for Counting {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.hit();
        self.inner.get(key).await
    }
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>, StorageError> {
        self.hit();
        self.inner.get_many(keys).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.hit();
        self.inner.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.hit();
        self.inner.remove(key).await
    }
    async fn clear(&self) -> Result<(), StorageError> {
        self.hit();
        self.inner.clear().await
    }
    async fn apply(&self, changes: Vec<StorageChange>) -> Result<(), StorageError> {
        self.hit();
        self.inner.apply(changes).await
    }
    async fn lock(&self) -> Result<StorageLock, StorageError> {
        self.hit();
        self.inner.lock().await
    }
}

#[test]
fn a_user_pool_only_session_is_cached_with_the_general_paths_result_and_no_io() {
    let rt = runtime();
    let bed = rt.block_on(Bed::emulator(BedOptions::default()));
    assert!(bed.identity_pool_id.is_none());
    rt.block_on(bed.create_user("alice", PASSWORD));
    let storage = Counting {
        inner: MemoryStorage::new(),
        calls: Arc::new(AtomicU64::new(0)),
    };
    let plugin = bed.plugin_with(
        Arc::new(storage.clone()),
        Arc::new(auth_core::clock::ManualClock::new()),
    );
    rt.block_on(plugin.sign_in("alice", PASSWORD, SignInOptions::default()))
        .expect("sign in");
    let general = rt
        .block_on(plugin.fetch_cognito_session(FetchAuthSessionOptions::default()))
        .into_auth_session()
        .expect("general path");
    bed.emu().reset_counters();
    let io_before = storage.calls.load(Ordering::SeqCst);

    let handle = rt.handle().clone();
    let cached: Vec<AuthSession> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    (0..100)
                        .map(|_| fetch_here(&handle, &plugin))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("reader"))
            .collect()
    });
    for c in &cached {
        assert!(c.is_signed_in());
        assert_eq!(access(c), access(&general));
        assert_eq!(
            c.tokens()
                .unwrap()
                .id_token
                .as_ref()
                .map(|t| t.as_compact_str()),
            general
                .tokens()
                .unwrap()
                .id_token
                .as_ref()
                .map(|t| t.as_compact_str())
        );
        assert_eq!(
            c.tokens().unwrap().access_token.claims(),
            general.tokens().unwrap().access_token.claims()
        );
        assert_eq!(c.user_sub(), general.user_sub());
        assert!(c.user_sub().is_some());
        assert_eq!(c.identity_id(), None);
        assert!(c.credentials().is_none() && general.credentials().is_none());
    }
    assert_eq!(
        storage.calls.load(Ordering::SeqCst),
        io_before,
        "no storage I/O"
    );
    assert_eq!(
        bed.emu().counters().values().sum::<u64>(),
        0,
        "no network call"
    );
}
