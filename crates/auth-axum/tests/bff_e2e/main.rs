//! Two processes of `examples/axum_bff.rs` sharing sessions through a real
//! `redis-server`, against the emulator with refresh-token rotation (grace
//! 0) and its hosted UI: the cookie-jar client here, real Chromium in
//! [`chromium`] (run by `cargo xtask browser`).
//!
//! The Redis tests skip with a message when `redis-server` is missing,
//! unless `AMPLIFY_AUTH_REQUIRE_REDIS=1` (as `cargo xtask ci` sets) makes
//! that a failure. The example's executable is the one cargo builds with
//! the tests (see [`harness::instance::example_exe`]).

#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod chromium;
mod harness;
mod sessions;
