//! The HTTP/1 server: accepts connections and routes by path, in one place
//! (OAuth, the realtime socket, the notifications REST API and channel
//! sockets). Above the protocols it routes to, which build on `http`.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::sim::http::{Body, json_response, token};
use crate::sim::notifications::{api, socket as nsocket};
use crate::sim::realtime::handshake;
use crate::sim::shared::Shared;

pub(crate) const TOKEN_PATH: &str = "/oauth/token";
pub(crate) const REALTIME_PATH: &str = "/api/v2/realtime/events";
/// Everything else under here is the Notifications API's REST side.
pub(crate) const REST_PREFIX: &str = "/api/v2/";

pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(connection) => connection,
            Err(error) => {
                // Out of file descriptors and the like: note it, breathe, go on.
                tracing::warn!(error = %error, "simulator accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let conn_shared = shared.clone();
        shared.spawn(async move {
            let svc = service_fn(move |req| {
                let shared = conn_shared.clone();
                async move { Ok::<_, Infallible>(route(req, shared).await) }
            });
            let conn = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), svc)
                .with_upgrades();
            // A peer that hangs up mid-request is its own business.
            let _ = conn.await;
        });
    }
}

async fn route(req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::POST, TOKEN_PATH) => token::handle(req, shared).await,
        (&Method::GET, REALTIME_PATH) => handshake::handle(req, shared),
        (&Method::GET, path) if path.starts_with(nsocket::CHANNEL_PREFIX) => {
            nsocket::handle(req, shared)
        }
        (_, TOKEN_PATH | REALTIME_PATH) => json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &serde_json::json!({"error": "method_not_allowed"}),
        ),
        (_, path) if path.starts_with(REST_PREFIX) => api::handle(req, shared).await,
        (_, path) => json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": "not_found", "path": path}),
        ),
    }
}
