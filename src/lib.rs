//! Amplify Auth for Rust.
pub use auth_core as core;
