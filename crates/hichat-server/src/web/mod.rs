//! The web listener (axum): the browser client, IRC over WebSocket at
//! `/ws`, `/healthz` for load balancers and `/metrics` for Prometheus.
//!
//! Connections are accepted here rather than by `axum::serve` so that the
//! same loop can do HTTPS (a TLS handshake first) and hand every request
//! the socket's address. A WebSocket connection, once upgraded, becomes an
//! ordinary IRC connection of the server ([`crate::transport::ws`]): it is
//! tracked for graceful shutdown like a TCP one.

mod assets;

use crate::config::{Config, Web};
use crate::server::Server;
use crate::transport::tls::TlsAcceptor;
use crate::transport::{ws, Kind};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What every request handler can reach.
#[derive(Clone)]
struct WebState {
    server: Arc<Server>,
}

impl WebState {
    fn config(&self) -> &Web {
        &self.server.info.config.web
    }
}

/// The routes.
fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
        .route("/ws", get(websocket))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .with_state(WebState { server })
}

/// Serves HTTP (or HTTPS with `tls`) on `listener` until the server shuts
/// down.
pub async fn serve(server: Arc<Server>, listener: TcpListener, tls: Option<TlsAcceptor>) {
    let app = router(server.clone());
    let mut shutdown = server.shutdown_signal();
    loop {
        let (stream, addr) = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "web accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                let mut app = app.clone();
                tower_service::Service::call(&mut app, req)
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let result = match tls {
                Some(acceptor) => match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => builder.serve_connection_with_upgrades(TokioIo::new(stream), service).await,
                    _ => return,
                },
                None => builder.serve_connection_with_upgrades(TokioIo::new(stream), service).await,
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "web connection ended with an error");
            }
        });
    }
}

async fn index() -> Response {
    asset_response(assets::INDEX)
}

async fn asset(Path(file): Path<String>) -> Response {
    match assets::find(&file) {
        Some(a) => asset_response(a),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// Pages and scripts may only load from here and talk to this server.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset_response(a: &assets::Asset) -> Response {
    let mut res = a.body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Assets are embedded: they change only with the binary.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

async fn metrics(State(web): State<WebState>) -> Response {
    let (users, channels) = {
        let state = web.server.state();
        (state.clients.values().filter(|c| c.registered).count(), state.channels.len())
    };
    let text = web.server.metrics.encode(users, channels);
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response()
}

async fn websocket(
    State(web): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(web.config(), &headers, &uri) {
        tracing::info!(addr = %peer.ip(), origin = ?headers.get(header::ORIGIN), "WebSocket refused: origin not allowed");
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    let addr = client_addr(web.config(), peer, &headers);
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok()).unwrap_or("");
    let protocol = ws::choose_protocol(offered);
    let upgrade =
        upgrade.max_message_size(ws::MAX_MESSAGE).max_frame_size(ws::MAX_MESSAGE).read_buffer_size(ws::READ_BUFFER);
    let upgrade = match protocol {
        Some(p) => upgrade.protocols([p]),
        None => upgrade,
    };
    let server = web.server.clone();
    upgrade.on_upgrade(move |socket| async move {
        let s = server.clone();
        server.spawn_tracked(Kind::WebSocket, ws::serve(s, socket, addr, protocol));
    })
}

/// Whether a WebSocket request's `Origin` may connect: a request without
/// one (not from a browser), a page from this same listener, or one of the
/// configured origins.
fn origin_allowed(config: &Web, headers: &HeaderMap, uri: &Uri) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    if config.allowed_origins.iter().any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
    let origin_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The client's address: the socket's, or when the socket is a trusted
/// proxy, the last address in its header that is not itself a trusted
/// proxy.
fn client_addr(config: &Web, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
    if !Config::ip_in(&config.trusted_proxies, peer.ip()) {
        return peer;
    }
    let Some(value) = headers.get(config.proxy_header.as_str()).and_then(|v| v.to_str().ok()) else {
        return peer;
    };
    value
        .split(',')
        .rev()
        .filter_map(|s| parse_forwarded_ip(s.trim()))
        .find(|ip| !Config::ip_in(&config.trusted_proxies, *ip))
        .map(|ip| SocketAddr::new(ip, 0))
        .unwrap_or(peer)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_forwarded_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok().or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origins() {
        let uri: Uri = "/ws".parse().unwrap();
        let mut c = Web::default();
        assert!(origin_allowed(&c, &headers(&[("host", "127.0.0.1:8080")]), &uri));
        let same = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]);
        assert!(origin_allowed(&c, &same, &uri));
        let other = headers(&[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]);
        assert!(!origin_allowed(&c, &other, &uri));
        c.allowed_origins = vec!["https://evil.example".into()];
        assert!(origin_allowed(&c, &other, &uri));
        c.allowed_origins = vec!["*".into()];
        assert!(origin_allowed(&c, &other, &uri));
    }

    #[test]
    fn proxy_header_only_from_trusted_proxies() {
        let mut c = Web::default();
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.2")]);
        assert_eq!(client_addr(&c, peer, &h), peer);
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        assert_eq!(client_addr(&c, peer, &h).ip(), "10.0.0.2".parse::<IpAddr>().unwrap());
        c.trusted_proxies.push("10.0.0.0/8".parse().unwrap());
        assert_eq!(client_addr(&c, peer, &h).ip(), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(client_addr(&c, peer, &headers(&[])), peer);
    }
}
