//! End-to-end tests of the emulator over HTTP, with reqwest and an independent SRP client.
//! One test binary (one link) with a module per concern; the helpers are in `tests/common`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod devices;
mod groups;
mod hosted_ui;
mod identity_pool;
mod mfa;
mod mfa_setup;
mod protocol;
mod sign_in;
mod tokens;
mod user_auth;
