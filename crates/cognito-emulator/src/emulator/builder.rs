//! [`EmulatorBuilder`]: region, issuer, credentials lifetime, bind address and port, and
//! the start-up (signing key, listener, accept loop).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::Emulator;
use crate::error::EmulatorError;
use crate::jwt;
use crate::server::{self, Shared};
use crate::state::{Config, State};

/// Builder for [`Emulator`]: region, issuer, credentials lifetime, bind address and port.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    region: String,
    issuer_base: Option<String>,
    issuer_is_endpoint: bool,
    credentials_ttl: Duration,
    bind: IpAddr,
    port: u16,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            issuer_base: None,
            issuer_is_endpoint: false,
            credentials_ttl: Duration::from_secs(3600),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
        }
    }
}

impl EmulatorBuilder {
    /// Region of pool and identity ids (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Issuer prefix; tokens get `iss = <base>/<poolId>`. Default:
    /// `https://cognito-idp.<region>.amazonaws.com`.
    pub fn issuer_base(mut self, base: impl Into<String>) -> Self {
        self.issuer_base = Some(base.into());
        self
    }

    /// Use the emulator's own endpoint (`http://127.0.0.1:PORT`) as the issuer prefix, so
    /// that `iss` + `/.well-known/jwks.json` resolves to this emulator.
    pub fn issuer_from_endpoint(mut self) -> Self {
        self.issuer_is_endpoint = true;
        self
    }

    /// Lifetime of identity-pool credentials (default 1 hour).
    pub fn credentials_ttl(mut self, ttl: Duration) -> Self {
        self.credentials_ttl = ttl;
        self
    }

    /// Address to bind (default 127.0.0.1).
    pub fn bind(mut self, ip: IpAddr) -> Self {
        self.bind = ip;
        self
    }

    /// Port to bind (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Generate (once per process) the signing key, bind, and start serving.
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        tokio::task::spawn_blocking(|| jwt::key().map(|_| ()))
            .await
            .map_err(|e| EmulatorError::Io(format!("key generation task failed: {e}")))?
            .map_err(EmulatorError::Io)?;
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(self.bind, self.port))
            .await
            .map_err(|e| EmulatorError::Io(format!("bind failed: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| EmulatorError::Io(e.to_string()))?;
        let mut st = State::new(Config {
            region: self.region,
            issuer_base: self.issuer_base,
            issuer_is_endpoint: self.issuer_is_endpoint,
            credentials_ttl: self.credentials_ttl,
        });
        st.endpoint = format!("http://{addr}");
        let shared: Shared = Arc::new(Mutex::new(st));
        let (tx, rx) = watch::channel(false);
        let app = server::router(shared.clone());
        let task = tokio::spawn(server::serve(listener, app, rx));
        Ok(Emulator {
            shared,
            addr,
            shutdown: tx,
            task: Some(task),
        })
    }
}
