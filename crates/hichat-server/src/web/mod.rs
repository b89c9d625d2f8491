//! The web listener (axum): the browser client, IRC over WebSocket (at `/`,
//! `/ws` or any other path that is not a file of the client, as Ergo does),
//! `/healthz` for load balancers, `/metrics` for Prometheus, and the admin
//! API under `/api/v1/` when it is on ([`admin`]). The client's service
//! worker is at `/sw.js`, so that it may control the whole site.
//!
//! Connections are accepted here rather than by `axum::serve` so that the
//! same loop can do HTTPS (a TLS handshake first) and hand every request
//! the socket's address. A WebSocket connection, once upgraded, becomes an
//! ordinary IRC connection of the server ([`crate::transport::ws`]): it is
//! tracked for graceful shutdown like a TCP one.

pub mod admin;
mod assets;
mod guard;

use crate::config::{Config, Web};
use crate::server::Server;
use crate::transport::tls::TlsAcceptor;
use crate::transport::{ws, Kind};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Extension;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What every request handler can reach.
#[derive(Clone)]
struct WebState {
    server: Arc<Server>,
    /// Failed admin API attempts per address.
    admin_throttle: Arc<admin::tokens::Throttle>,
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
        .route("/assets/{*file}", get(asset))
        .route("/sw.js", get(service_worker))
        .route("/ws", get(websocket))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/api/{*path}", any(admin::handle))
        .fallback(websocket_or_not_found)
        .with_state(WebState { server, admin_throttle: Arc::default() })
}

/// The address a web connection was accepted on: a page served from it is
/// of the same origin, whatever `Host` header the request carries.
#[derive(Debug, Clone, Copy)]
struct LocalAddr(SocketAddr);

/// The answer to a connection over the web listener's caps, written before
/// it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/// Serves HTTP (or HTTPS with `tls`) on `listener` until the server shuts
/// down. Connections are capped per address and in all, must send each
/// request's header in time, and are closed when idle (see [`guard`]).
pub async fn serve(server: Arc<Server>, listener: TcpListener, tls: Option<TlsAcceptor>) {
    let app = router(server.clone());
    let slots = Arc::new(guard::Slots::default());
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
        let config = &server.info.config;
        let web = &config.web;
        let exempt = Config::ip_in(&web.trusted_proxies, addr.ip())
            || Config::ip_in(&config.limits.connections_exempt, addr.ip());
        let key = (!exempt).then(|| crate::ip_key::ip_key(addr.ip(), config.limits.ipv6_prefix));
        let Some(slot) = slots.take(key, web.connections_per_ip, web.max_connections) else {
            // A new socket's buffer is empty: the answer fits without waiting.
            let _ = stream.try_write(BUSY);
            tracing::debug!(addr = %addr.ip(), "web connection refused: too many");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok(local) = stream.local_addr() else { continue };
        let header_timeout = Duration::from_secs(web.header_read_timeout_secs);
        let idle_timeout = Duration::from_secs(web.idle_timeout_secs);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                req.extensions_mut().insert(LocalAddr(local));
                let mut app = app.clone();
                tower_service::Service::call(&mut app, req)
            });
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
            builder.http2().timer(TokioTimer::new());
            let activity = guard::Activity::new();
            let stream = guard::Tracked::new(stream, activity.clone());
            let connection = async {
                match tls {
                    Some(acceptor) => match tokio::time::timeout(TLS_HANDSHAKE, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => builder.serve_connection_with_upgrades(TokioIo::new(stream), service).await,
                        _ => Ok(()),
                    },
                    None => builder.serve_connection_with_upgrades(TokioIo::new(stream), service).await,
                }
            };
            // The connection future ends when a WebSocket is upgraded: from
            // then on IRC's own timeouts apply, and the slot is given back.
            tokio::select! {
                result = connection => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "web connection ended with an error");
                    }
                }
                _ = activity.idle(idle_timeout) => tracing::debug!(addr = %addr.ip(), "web connection idle: closed"),
            }
            drop(slot);
        });
    }
}

/// How long an HTTPS client may take to finish the TLS handshake.
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);

/// The web client's page, or the IRC WebSocket when the request is an
/// upgrade (clients and test suites connect to `ws://host:port/`).
async fn index(
    web: State<WebState>,
    peer: ConnectInfo<SocketAddr>,
    local: Extension<LocalAddr>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        Ok(upgrade) => websocket(web, peer, local, headers, upgrade).await,
        Err(_) => asset_response(assets::INDEX),
    }
}

/// Any other path: the IRC WebSocket for an upgrade request, else 404.
async fn websocket_or_not_found(
    web: State<WebState>,
    peer: ConnectInfo<SocketAddr>,
    local: Extension<LocalAddr>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        Ok(upgrade) => websocket(web, peer, local, headers, upgrade).await,
        Err(_) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
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

/// The service worker, made once from the embedded files (see [`assets`]).
async fn service_worker() -> Response {
    static_response(assets::service_worker().as_bytes(), "text/javascript; charset=utf-8")
}

fn asset_response(a: &assets::Asset) -> Response {
    static_response(a.body, a.content_type)
}

fn static_response(body: &'static [u8], content_type: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
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
    Extension(LocalAddr(local)): Extension<LocalAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(web.config(), &headers, local) {
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
/// one (not from a browser), one of the configured origins, or a page from
/// this listener's own address (`local`, or `localhost` on a loopback
/// listener). The `Host` header is not trusted: with DNS rebinding, a page
/// from `http://evil.example:8080` sends `Host: evil.example:8080` to an
/// address it does not own.
fn origin_allowed(config: &Web, headers: &HeaderMap, local: SocketAddr) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    if config.allowed_origins.iter().any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some((host, port)) = origin_host_port(origin) else { return false };
    let local_ip = local.ip().to_canonical();
    if port != local.port() {
        return false;
    }
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical() == local_ip,
        Err(_) => host.eq_ignore_ascii_case("localhost") && local_ip.is_loopback(),
    }
}

/// The host and port of an origin (`http://127.0.0.1:8080`, `https://[::1]`,
/// `http://localhost`), the port defaulting to the scheme's.
fn origin_host_port(origin: &str) -> Option<(&str, u16)> {
    let (rest, default) = match origin.split_once("://")? {
        (scheme, rest) if scheme.eq_ignore_ascii_case("http") => (rest, 80),
        (scheme, rest) if scheme.eq_ignore_ascii_case("https") => (rest, 443),
        _ => return None,
    };
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default,
    };
    (!host.is_empty()).then_some((host, port))
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
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let mut c = Web::default();
        assert!(origin_allowed(&c, &headers(&[("host", "127.0.0.1:8080")]), local));
        let same = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]);
        assert!(origin_allowed(&c, &same, local));
        assert!(origin_allowed(&c, &headers(&[("origin", "http://localhost:8080")]), local));
        assert!(!origin_allowed(&c, &headers(&[("origin", "http://localhost:8081")]), local));
        assert!(!origin_allowed(&c, &headers(&[("origin", "http://127.0.0.1")]), local));
        let rebound = headers(&[("host", "evil.example:8080"), ("origin", "http://evil.example:8080")]);
        assert!(!origin_allowed(&c, &rebound, local));
        let other = headers(&[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]);
        assert!(!origin_allowed(&c, &other, local));
        c.allowed_origins = vec!["https://evil.example".into()];
        assert!(origin_allowed(&c, &other, local));
        c.allowed_origins = vec!["*".into()];
        assert!(origin_allowed(&c, &other, local));
    }

    #[test]
    fn origin_addresses() {
        let v6: SocketAddr = "[::1]:443".parse().unwrap();
        let c = Web::default();
        assert!(origin_allowed(&c, &headers(&[("origin", "https://[::1]")]), v6));
        assert!(!origin_allowed(&c, &headers(&[("origin", "http://[::1]")]), v6));
        let public: SocketAddr = "192.0.2.7:8080".parse().unwrap();
        assert!(origin_allowed(&c, &headers(&[("origin", "http://192.0.2.7:8080")]), public));
        assert!(!origin_allowed(&c, &headers(&[("origin", "http://localhost:8080")]), public));
        assert_eq!(origin_host_port("ftp://x"), None);
        assert_eq!(origin_host_port("http://"), None);
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
