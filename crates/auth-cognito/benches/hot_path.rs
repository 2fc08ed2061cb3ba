//! Divan micro-benchmarks of the hot paths, for interactive work:
//!
//! ```text
//! cargo bench -p auth-cognito --bench hot_path            # medians
//! cargo bench -p auth-cognito --bench hot_path -- --test  # run each once
//! ```
//!
//! `fetch_auth_session` and `get_current_user` run on valid cached tokens
//! and credentials (an in-process emulator signs the user in once), polled
//! once with a no-op waker: that path never waits. The SRP rows are the
//! client maths of one sign-in. `cargo xtask bench` uses `benches/report.rs`
//! instead, which also measures the peers' rows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};

use auth_cognito::srp::{self, PasswordVerifierChallenge, SrpClient, SrpServer};
use auth_cognito::{CognitoAuthPlugin, CognitoConfig, SignInOptions};
use auth_core::prelude::*;
use auth_storage::MemoryStorage;
use cognito_emulator::Emulator;
use divan::black_box;

fn main() {
    divan::main();
}

struct Bed {
    rt: tokio::runtime::Runtime,
    _emu: Emulator,
    plugin: CognitoAuthPlugin,
}

static BED: LazyLock<Bed> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (emu, plugin) = rt.block_on(async {
        let (emu, demo) = Emulator::start_demo().await.expect("emulator");
        let config = CognitoConfig::from_amplify_outputs(&demo.amplify_outputs_json()).unwrap();
        let plugin = CognitoAuthPlugin::builder(config)
            .storage(Arc::new(MemoryStorage::new()))
            .build()
            .unwrap();
        plugin
            .sign_in(&demo.username, &demo.password, SignInOptions::default())
            .await
            .unwrap();
        plugin
            .fetch_auth_session(FetchAuthSessionOptions::default())
            .await
            .unwrap();
        (emu, plugin)
    });
    Bed {
        rt,
        _emu: emu,
        plugin,
    }
});

fn poll_now<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => BED.rt.block_on(fut),
    }
}

#[divan::bench(threads = [1, 2])]
fn fetch_auth_session_cached(bencher: divan::Bencher<'_, '_>) {
    let bed = &*BED;
    let _guard = bed.rt.enter();
    bencher.bench(|| {
        black_box(poll_now(
            bed.plugin
                .fetch_auth_session(FetchAuthSessionOptions::default()),
        ))
        .unwrap()
    });
}

#[divan::bench]
fn get_current_user(bencher: divan::Bencher<'_, '_>) {
    let bed = &*BED;
    let _guard = bed.rt.enter();
    bencher.bench(|| black_box(poll_now(bed.plugin.get_current_user())).unwrap());
}

struct SrpInputs {
    b_hex: String,
    ts: String,
}

static SRP: LazyLock<SrpInputs> = LazyLock::new(|| {
    let verifier = srp::compute_verifier("Pool", "alice", "pw", "9f1e2d3c").unwrap();
    let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
    SrpInputs {
        b_hex: server.b_public_hex(),
        ts: srp::format_timestamp(1_762_247_103),
    }
});

/// `a`, `A = g^a`: can run before the password is typed.
#[divan::bench(sample_count = 30)]
fn srp_client_a() -> SrpClient {
    SrpClient::new(&mut rand::rng())
}

/// The whole client maths of one sign-in: `A`, `x`, `S`, HKDF, signature.
#[divan::bench(sample_count = 30)]
fn srp_sign_in_maths() {
    let inputs = &*SRP;
    let client = SrpClient::new(&mut rand::rng());
    let challenge = PasswordVerifierChallenge::new("Pool", "alice")
        .with_salt_hex("9f1e2d3c")
        .with_srp_b_hex(&inputs.b_hex)
        .with_secret_block_b64("AAECAw==");
    black_box(client.password_verifier(&challenge, "pw", &inputs.ts)).unwrap();
}
