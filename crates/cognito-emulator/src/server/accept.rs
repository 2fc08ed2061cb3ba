//! The accept loop: hyper serves each connection in its own task, and a handler can have
//! its connection closed without any HTTP response (the `Drop` fault) through [`ConnKill`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// Per-connection handle a handler uses to close its TCP connection without a response.
#[derive(Clone, Debug)]
pub(crate) struct ConnKill(Arc<Notify>);

impl ConnKill {
    /// Close this connection; the handler's future is dropped with it.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }
}

/// Accept connections until `shutdown` flips. Each connection is served by hyper in its
/// own task, which can be told (through [`ConnKill`]) to drop the connection mid-request.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => spawn_connection(stream, app.clone(), shutdown.clone()),
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            _ = shutdown.changed() => break,
        }
    }
}

fn spawn_connection(stream: TcpStream, app: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    tokio::spawn(async move {
        let kill = ConnKill(Arc::new(Notify::new()));
        let ext = kill.clone();
        let svc =
            tower::ServiceExt::map_request(app, move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ext.clone());
                req
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        tokio::select! {
            _ = conn => {}
            // Dropping `conn` closes the socket without writing any response.
            _ = kill.0.notified() => {}
            _ = shutdown.changed() => {}
        }
    });
}
