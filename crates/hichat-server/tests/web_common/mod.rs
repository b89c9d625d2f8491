//! Fixtures for the WebSocket, TLS and metrics tests: a server with a web
//! listener (and optionally TLS) on ephemeral ports, a raw HTTP GET, a
//! development certificate, and a WebSocket IRC client.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use hichat_server::transport::tls::CertStore;
use hichat_server::{Config, Listener, Server};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

pub const WAIT: Duration = Duration::from_secs(5);

/// Flood control and per-address limits off: every test client is 127.0.0.1.
pub fn test_config() -> Config {
    let mut c = Config::default();
    c.flood.enabled = false;
    c.limits.connections_per_ip = 10_000;
    c
}

/// A server with IRC on TCP, a web listener, and TLS when `certs` is given.
pub struct WebServer {
    pub irc: String,
    pub web: SocketAddr,
    pub tls: Option<SocketAddr>,
    pub server: Arc<Server>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl WebServer {
    pub async fn start(config: Config, certs: Option<Arc<CertStore>>) -> WebServer {
        Self::from_server(Server::new(config), certs).await
    }

    /// Serves an already built server (e.g. one from `Server::open`).
    pub async fn from_server(server: Arc<Server>, certs: Option<Arc<CertStore>>) -> WebServer {
        let irc = Listener::bind("127.0.0.1:0").unwrap();
        let irc_addr = irc.local_addr();
        let mut listeners = vec![irc];
        let mut tls = None;
        if let Some(c) = &certs {
            let l = Listener::bind_tls("127.0.0.1:0", c.irc_acceptor()).unwrap();
            tls = Some(l.local_addr().parse().unwrap());
            listeners.push(l);
        }
        let web = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let web_addr = web.local_addr().unwrap();
        if let Some(c) = &certs {
            server.set_cert_store(c.clone());
        }
        tokio::spawn(hichat_server::web::serve(server.clone(), web, certs.map(|c| c.https_acceptor())));
        let (stop, stopped) = oneshot::channel::<()>();
        let s = server.clone();
        let task = tokio::spawn(async move {
            s.serve(listeners, async {
                let _ = stopped.await;
            })
            .await
        });
        WebServer { irc: irc_addr, web: web_addr, tls, server, stop: Some(stop), task: Some(task) }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// `GET path` over any stream; returns (status, headers, body).
pub async fn http_get<S: tokio::io::AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    path: &str,
) -> (u16, String, String) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("HTTP response in time");
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// Writes a self-signed certificate for localhost/127.0.0.1 into `dir`;
/// returns (cert path, key path, the certificate's DER).
pub fn write_cert(dir: &Path) -> (PathBuf, PathBuf, Vec<u8>) {
    std::fs::create_dir_all(dir).unwrap();
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let g = rcgen::generate_simple_self_signed(names).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, g.cert.pem()).unwrap();
    std::fs::write(&key, g.key_pair.serialize_pem()).unwrap();
    (cert, key, g.cert.der().to_vec())
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A line-oriented IRC client over plain TCP.
pub struct LineClient {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl LineClient {
    pub async fn connect(addr: &str) -> LineClient {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        LineClient { reader: BufReader::new(r), writer: w }
    }

    pub async fn send(&mut self, line: &str) {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }

    pub async fn line(&mut self) -> String {
        let mut s = String::new();
        let n = tokio::time::timeout(WAIT, self.reader.read_line(&mut s)).await.expect("a line in time").unwrap();
        assert!(n > 0, "connection closed");
        s.trim_end().to_owned()
    }

    /// Reads until a line contains `needle`; returns it.
    pub async fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let l = self.line().await;
            if l.contains(needle) {
                return l;
            }
        }
    }

    pub async fn register(addr: &str, nick: &str) -> LineClient {
        let mut c = LineClient::connect(addr).await;
        c.send(&format!("NICK {nick}")).await;
        c.send(&format!("USER {nick} 0 * :{nick}")).await;
        c.wait_for(" 001 ").await;
        c
    }
}

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Opens a WebSocket to `/ws` offering `protocols`; returns the socket and
/// the subprotocol the server chose.
pub async fn ws_connect(web: SocketAddr, protocols: &str, origin: Option<&str>) -> (Ws, Option<String>) {
    let mut req = format!("ws://{web}/ws").into_client_request().unwrap();
    if !protocols.is_empty() {
        req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocols).unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", HeaderValue::from_str(o).unwrap());
    }
    let (ws, res) = tokio_tungstenite::connect_async(req).await.expect("WebSocket handshake");
    let chosen = res.headers().get("Sec-WebSocket-Protocol").map(|v| v.to_str().unwrap().to_owned());
    (ws, chosen)
}

/// The next text or binary message as a string (and whether it was binary).
pub async fn ws_next(ws: &mut Ws) -> (String, bool) {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next()).await.expect("a frame in time").expect("open").unwrap();
        match msg {
            Message::Text(t) => return (t.as_str().to_owned(), false),
            Message::Binary(b) => return (String::from_utf8(b.to_vec()).unwrap(), true),
            Message::Close(_) => panic!("closed"),
            _ => {}
        }
    }
}

pub async fn ws_wait_for(ws: &mut Ws, needle: &str) -> String {
    loop {
        let (l, _) = ws_next(ws).await;
        if l.contains(needle) {
            return l;
        }
    }
}

pub async fn ws_send(ws: &mut Ws, line: &str) {
    ws.send(Message::text(line)).await.unwrap();
}
