//! One way to send commands to one server (a `ConnectionManager` that
//! reconnects) or to a cluster (which routes by slot and follows
//! redirects), with every call bounded by the store's timeout.

use std::time::Duration;

use auth_core::storage::StorageError;
use redis::aio::ConnectionManager;
#[cfg(feature = "cluster-async")]
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, FromRedisValue, ScriptInvocation, TlsCertificates};

use crate::error;
use crate::url::Target;

/// A connection to a server or a cluster; cheap to clone (clones share it).
#[derive(Clone)]
pub(crate) enum Connection {
    Single(ConnectionManager),
    #[cfg(feature = "cluster-async")]
    Cluster(ClusterConnection),
}

/// Timeouts of a connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) command: Duration,
}

/// A connection plus what messages need to say where it goes.
#[derive(Clone)]
pub(crate) struct Link {
    connection: Connection,
    place: String,
    command_timeout: Duration,
}

impl Link {
    /// Connects to `target`, bounded by `timeouts.connect`.
    pub(crate) async fn connect(
        target: &Target,
        timeouts: Timeouts,
        root_ca: Option<Vec<u8>>,
    ) -> Result<Self, StorageError> {
        let place = error::place(&target.endpoint, target.cluster);
        let connecting = open(target, timeouts, root_ca);
        // The driver retries a refused connection; the whole attempt gets
        // one connect timeout plus one command timeout (the handshake).
        let budget = timeouts.connect + timeouts.command;
        let connection = match tokio::time::timeout(budget, connecting).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(error::map(&place, "connect", &e)),
            Err(_) => return Err(error::timed_out(&place, "connect", budget)),
        };
        Ok(Self {
            connection,
            place,
            command_timeout: timeouts.command,
        })
    }

    /// `Redis at host:port`, for messages.
    pub(crate) fn place(&self) -> &str {
        &self.place
    }

    /// Runs `cmd` (named `what` in errors) within the command timeout.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        what: &str,
        cmd: &Cmd,
    ) -> Result<T, StorageError> {
        let run = async {
            match self.connection.clone() {
                Connection::Single(mut c) => cmd.query_async(&mut c).await,
                #[cfg(feature = "cluster-async")]
                Connection::Cluster(mut c) => cmd.query_async(&mut c).await,
            }
        };
        self.bounded(what, run).await
    }

    /// Runs a script invocation (EVALSHA, or EVAL when the server does not
    /// know the script yet) within the command timeout.
    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        what: &str,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, StorageError> {
        let run = async {
            match self.connection.clone() {
                Connection::Single(mut c) => invocation.invoke_async(&mut c).await,
                #[cfg(feature = "cluster-async")]
                Connection::Cluster(mut c) => invocation.invoke_async(&mut c).await,
            }
        };
        self.bounded(what, run).await
    }

    async fn bounded<T>(
        &self,
        what: &str,
        run: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StorageError> {
        match tokio::time::timeout(self.command_timeout, run).await {
            Ok(Ok(value)) => Ok(value),
            // The driver's own response timeout is the same one.
            Ok(Err(e)) if e.is_timeout() => {
                Err(error::timed_out(&self.place, what, self.command_timeout))
            }
            Ok(Err(e)) => Err(error::map(&self.place, what, &e)),
            Err(_) => Err(error::timed_out(&self.place, what, self.command_timeout)),
        }
    }
}

async fn open(
    target: &Target,
    timeouts: Timeouts,
    root_ca: Option<Vec<u8>>,
) -> redis::RedisResult<Connection> {
    let certs = || TlsCertificates {
        client_tls: None,
        root_cert: root_ca.clone(),
    };
    #[cfg(feature = "cluster-async")]
    if target.cluster {
        let mut builder = redis::cluster::ClusterClientBuilder::new(target.nodes.clone())
            .connection_timeout(timeouts.connect)
            .response_timeout(timeouts.command)
            .overall_response_timeout(Some(timeouts.command))
            .retries(2);
        if target.tls && root_ca.is_some() {
            builder = builder.certs(certs());
        }
        let client = builder.build()?;
        return Ok(Connection::Cluster(client.get_async_connection().await?));
    }
    let node = target.nodes.first().map(String::as_str).unwrap_or_default();
    let client = if target.tls && root_ca.is_some() {
        redis::Client::build_with_tls(node, certs())?
    } else {
        redis::Client::open(node)?
    };
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeouts.connect))
        .set_response_timeout(Some(timeouts.command))
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_secs(1));
    Ok(Connection::Single(
        ConnectionManager::new_with_config(client, config).await?,
    ))
}
