//! IRC over WebSocket, per the IRCv3 WebSocket specification.
//!
//! Each WebSocket message is one IRC line without its CRLF, in both
//! directions. The subprotocol decides the frame type the server sends:
//! `binary.ircv3.net` gives binary frames, `text.ircv3.net` text frames (with
//! any invalid UTF-8 replaced by U+FFFD, which cannot happen with hichat's
//! UTF-8-only lines but is what the spec asks). A client that asks for no
//! subprotocol gets text frames, and either kind is accepted from it.
//!
//! Like TLS, the connection runs the ordinary connection task on one end of
//! a Unix socket pair; [`serve`] is the bridge on the other end, turning
//! frames into CRLF-terminated lines and lines back into frames.

use crate::conn::{self, Peer};
use crate::server::Server;
use axum::extract::ws::{Message, WebSocket};
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// The subprotocol that gives text frames.
pub const TEXT: &str = "text.ircv3.net";
/// The subprotocol that gives binary frames.
pub const BINARY: &str = "binary.ircv3.net";

/// The largest WebSocket message accepted: a line with full tags (8191
/// bytes of tags plus 512 of message) and some slack.
pub const MAX_MESSAGE: usize = 16 * 1024;

/// Picks the subprotocol from a `Sec-WebSocket-Protocol` request header,
/// respecting the client's order of preference.
pub fn choose_protocol(offered: &str) -> Option<&'static str> {
    offered.split(',').map(str::trim).find_map(|p| match p {
        TEXT => Some(TEXT),
        BINARY => Some(BINARY),
        _ => None,
    })
}

/// Runs one IRC connection over an upgraded WebSocket. `protocol` is the
/// subprotocol agreed in the handshake, if any.
pub async fn serve(server: Arc<Server>, socket: WebSocket, addr: SocketAddr, protocol: Option<&'static str>) {
    let (inner, outer) = match UnixStream::pair() {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(error = %e, "cannot create a socket pair for a WebSocket connection");
            return;
        }
    };
    let binary = protocol == Some(BINARY);
    tokio::join!(conn::run(server, inner, Peer::Ip(addr)), bridge(socket, outer, binary));
}

/// Moves lines between the WebSocket and the connection task until either
/// side closes, then closes the other.
async fn bridge(socket: WebSocket, pair: UnixStream, binary: bool) {
    let (mut ws_tx, mut ws_rx) = socket.split();
    let (mut from_server, mut to_server) = pair.into_split();
    let upstream = async {
        while let Some(Ok(msg)) = ws_rx.next().await {
            let payload: Bytes = match msg {
                Message::Text(t) => Bytes::copy_from_slice(t.as_str().as_bytes()),
                Message::Binary(b) => b,
                Message::Close(_) => break,
                Message::Ping(_) | Message::Pong(_) => continue,
            };
            let line = trim_eol(&payload);
            let mut out = Vec::with_capacity(line.len() + 2);
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
            if to_server.write_all(&out).await.is_err() {
                break;
            }
        }
    };
    let downstream = async {
        let mut buf = BytesMut::with_capacity(8 * 1024);
        'read: loop {
            match from_server.read_buf(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            while let Some(end) = buf.iter().position(|b| *b == b'\n') {
                let line = buf.split_to(end + 1);
                let line = trim_eol(&line);
                let frame = if binary {
                    Message::Binary(Bytes::copy_from_slice(line))
                } else {
                    Message::Text(String::from_utf8_lossy(line).into_owned().into())
                };
                if ws_tx.send(frame).await.is_err() {
                    break 'read;
                }
            }
            if buf.capacity() > 64 * 1024 && buf.is_empty() {
                buf = BytesMut::with_capacity(8 * 1024);
            }
        }
        let _ = ws_tx.send(Message::Close(None)).await;
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}

/// `line` without a trailing `\n` or `\r\n`.
fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_follows_the_clients_order() {
        assert_eq!(choose_protocol("binary.ircv3.net, text.ircv3.net"), Some(BINARY));
        assert_eq!(choose_protocol("text.ircv3.net,binary.ircv3.net"), Some(TEXT));
        assert_eq!(choose_protocol("chat, text.ircv3.net"), Some(TEXT));
        assert_eq!(choose_protocol("chat"), None);
    }

    #[test]
    fn eol_is_trimmed() {
        assert_eq!(trim_eol(b"PING x\r\n"), b"PING x");
        assert_eq!(trim_eol(b"PING x\n"), b"PING x");
        assert_eq!(trim_eol(b"PING x"), b"PING x");
    }
}
