//! The in-process [`Emulator`] handle, split by concern: start-up ([`EmulatorBuilder`]),
//! admin helpers (`admin`), test controls (`controls`) and the demo set-up (`demo`).

use std::net::SocketAddr;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{ApiError, EmulatorError};
use crate::jwt;
use crate::server::{Shared, lock};
use crate::state::State;

mod admin;
mod builder;
mod controls;
mod demo;
mod devices;
mod groups;

pub use admin::{Client, ClientOptions, HostedUiClient};
pub use builder::EmulatorBuilder;
pub use demo::DemoSetup;
pub use devices::DeviceConfiguration;

/// A running emulator. Dropping it stops the server; [`Emulator::shutdown`] also waits.
pub struct Emulator {
    shared: Shared,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl Emulator {
    /// Start with the defaults: 127.0.0.1, a free port, region `us-east-1`.
    pub async fn start() -> Result<Self, EmulatorError> {
        Self::builder().start().await
    }

    /// A builder for non-default settings.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:PORT` (no trailing slash).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The region of ids.
    pub fn region(&self) -> String {
        lock(&self.shared).config.region.clone()
    }

    /// The `iss` claim of tokens of `pool_id`.
    pub fn issuer(&self, pool_id: &str) -> String {
        lock(&self.shared).issuer(pool_id)
    }

    /// The identity-pool provider name of `pool_id`: the issuer without its scheme, e.g.
    /// `cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz`.
    pub fn cognito_provider_name(&self, pool_id: &str) -> String {
        let iss = self.issuer(pool_id);
        iss.strip_prefix("https://")
            .or_else(|| iss.strip_prefix("http://"))
            .unwrap_or(&iss)
            .to_owned()
    }

    /// The JWKS document (`{"keys": [..]}`) served for every pool.
    pub fn jwks(&self) -> Value {
        jwt::jwks()
    }

    /// Stop serving and wait for the accept loop to end. Open connections are closed.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// Run an operation handler in process, as the HTTP endpoint would (not counted, no
    /// faults).
    fn call(
        &self,
        f: fn(&mut State, &Value) -> Result<Value, ApiError>,
        req: Value,
    ) -> Result<Value, EmulatorError> {
        Ok(f(&mut lock(&self.shared), &req)?)
    }

    /// Run `f` on the locked state.
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut lock(&self.shared))
    }
}
