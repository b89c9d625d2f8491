//! IRC over WebSocket, per the IRCv3 WebSocket specification.
//!
//! Each WebSocket message is one IRC line without its CRLF, in both
//! directions. The subprotocol decides the frame type the server sends:
//! `binary.ircv3.net` gives binary frames, `text.ircv3.net` text frames (with
//! any invalid UTF-8 replaced by U+FFFD, which cannot happen with hichat's
//! UTF-8-only lines but is what the spec asks). A client that asks for no
//! subprotocol gets text frames, and either kind is accepted from it.
//!
//! A message holds one line: one that has a CR or LF inside (rather than
//! a single line ending, which is tolerated and trimmed) would otherwise
//! run several commands at once, and ends the connection with `ERROR` and
//! a close frame.
//!
//! Like TLS, the connection runs the ordinary connection task on one end of
//! a Unix socket pair; [`serve`] is the bridge on the other end, turning
//! frames into CRLF-terminated lines and lines back into frames.

use crate::conn::{self, Peer};
use crate::server::Server;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

/// The subprotocol that gives text frames.
pub const TEXT: &str = "text.ircv3.net";
/// The subprotocol that gives binary frames.
pub const BINARY: &str = "binary.ircv3.net";

/// The WebSocket read buffer's starting size. tungstenite's default (128
/// KiB) would be allocated for every connection, idle or not; lines are
/// short, and the buffer grows when a message needs it.
pub const READ_BUFFER: usize = 4 * 1024;

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
    let write_timeout = Duration::from_secs(server.info.config.limits.ping_timeout_secs);
    super::run_bridged(conn::run(server, inner, Peer::Ip(addr)), bridge(socket, outer, binary, write_timeout)).await;
}

/// Moves lines between the WebSocket and the connection task until either
/// side closes, then closes the other. Frames that the client does not take
/// within `write_timeout` end it too.
async fn bridge(socket: WebSocket, pair: UnixStream, binary: bool, write_timeout: Duration) {
    let (mut ws_tx, mut ws_rx) = socket.split();
    let (from_server, mut to_server) = pair.into_split();
    let upstream = async {
        while let Some(Ok(msg)) = ws_rx.next().await {
            let payload: Bytes = match msg {
                Message::Text(t) => Bytes::copy_from_slice(t.as_str().as_bytes()),
                Message::Binary(b) => b,
                Message::Close(_) => break,
                Message::Ping(_) | Message::Pong(_) => continue,
            };
            let Some(out) = frame_to_line(&payload) else {
                return Some(MANY_LINES);
            };
            if to_server.write_all(&out).await.is_err() {
                break;
            }
        }
        None
    };
    let downstream = async {
        // Bytes of a line not yet ended; empty (and unallocated) while idle.
        let mut partial = BytesMut::new();
        loop {
            if from_server.readable().await.is_err() {
                break;
            }
            // The read buffer lives only until the frames are made, so an
            // idle connection holds none.
            {
                let mut chunk = [0u8; 4096];
                match from_server.try_read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => partial.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(_) => break,
                }
            }
            let mut frames = Vec::new();
            while let Some(end) = partial.iter().position(|b| *b == b'\n') {
                let line = partial.split_to(end + 1);
                frames.push(frame(trim_eol(&line), binary));
            }
            if partial.is_empty() {
                partial = BytesMut::new();
            }
            // Queue every line read, then write them together.
            let send = async {
                for f in frames {
                    ws_tx.feed(f).await?;
                }
                ws_tx.flush().await
            };
            if !matches!(tokio::time::timeout(write_timeout, send).await, Ok(Ok(()))) {
                break;
            }
        }
        let _ = tokio::time::timeout(super::BRIDGE_GRACE, ws_tx.send(Message::Close(None))).await;
    };
    let refused = tokio::select! {
        refused = upstream => refused,
        _ = downstream => None,
    };
    if let Some(reason) = refused {
        let error = hichat_proto::Message::new("ERROR", [reason]).to_bytes();
        let close = CloseFrame { code: close_code::PROTOCOL, reason: "one IRC line per message".into() };
        let goodbye = async {
            ws_tx.feed(frame(trim_eol(&error), binary)).await?;
            ws_tx.send(Message::Close(Some(close))).await
        };
        let _ = tokio::time::timeout(super::BRIDGE_GRACE, goodbye).await;
    }
}

/// Why a message with several lines ends the connection.
const MANY_LINES: &str = "Closing Link: a WebSocket message must hold one IRC line, without CR or LF inside";

/// The bytes one WebSocket message from the client gives the connection
/// task: its payload as one CRLF-terminated line, or `None` for a message
/// that must be refused because it holds CR or LF inside (one IRC line per
/// message). Pure, for the `ws_frame` fuzz target.
pub fn frame_to_line(payload: &[u8]) -> Option<Vec<u8>> {
    let line = trim_eol(payload);
    if line.contains(&b'\r') || line.contains(&b'\n') {
        return None;
    }
    let mut out = Vec::with_capacity(line.len() + 2);
    out.extend_from_slice(line);
    out.extend_from_slice(b"\r\n");
    Some(out)
}

/// One line as the frame type the subprotocol asks for.
fn frame(line: &[u8], binary: bool) -> Message {
    if binary {
        Message::Binary(Bytes::copy_from_slice(line))
    } else {
        Message::Text(String::from_utf8_lossy(line).into_owned().into())
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
