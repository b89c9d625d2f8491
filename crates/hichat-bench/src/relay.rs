//! A zero-logic line relay: every complete line a connection sends is
//! written to every other connection. No parsing, no state beyond the list
//! of connections. It does the same socket work as an IRC server relaying a
//! channel message, and nothing else, so its fan-out rate is the ceiling
//! this machine allows for the `fanout` load.
//!
//! Each read is cut after its last line ending and the complete lines go
//! out as one shared `Bytes` (a reference-count bump per receiver). Each
//! connection's writer drains everything queued for it into one write.
//! Queues are bounded; a full queue makes the reading side wait rather than
//! drop data, since a measurement must not lose lines.

use bytes::{Bytes, BytesMut};
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Chunks queued for one connection before its senders wait.
const QUEUE: usize = 8192;
/// Bytes gathered into one write, at most.
const WRITE_BATCH: usize = 256 * 1024;
/// Free space kept in the read buffer before each read.
const READ_CHUNK: usize = 64 * 1024;

/// The connections, each with the queue of its writer.
#[derive(Default)]
struct Peers {
    next_id: AtomicU64,
    // std lock: held only to clone queue handles or push chunks with
    // try_send, never across an await.
    list: RwLock<Vec<(u64, mpsc::Sender<Bytes>)>>,
}

/// Relays lines between the connections accepted on `listener` until
/// `shutdown` resolves.
pub async fn run(listener: TcpListener, shutdown: impl Future<Output = ()>) -> io::Result<()> {
    let peers = Arc::new(Peers::default());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                spawn_connection(&peers, stream);
            }
        }
    }
}

/// Registers the connection, then starts its reader and writer tasks. The
/// connection is in the list before its first byte is read, so a line it
/// sends is never relayed to fewer peers than were connected before it.
fn spawn_connection(peers: &Arc<Peers>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let id = peers.next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel(QUEUE);
    peers.list.write().expect("peer list lock").push((id, tx));
    let (reader, writer) = stream.into_split();
    tokio::spawn(write_loop(writer, rx));
    let peers = peers.clone();
    tokio::spawn(async move {
        let _ = read_loop(&peers, id, reader).await;
        peers.list.write().expect("peer list lock").retain(|(other, _)| *other != id);
    });
}

async fn read_loop(peers: &Peers, id: u64, mut reader: OwnedReadHalf) -> io::Result<()> {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        if buf.capacity() - buf.len() < READ_CHUNK / 4 {
            buf.reserve(READ_CHUNK);
        }
        if reader.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        let Some(last) = memchr::memrchr(b'\n', &buf) else { continue };
        let lines = buf.split_to(last + 1).freeze();
        let mut full = Vec::new();
        {
            let list = peers.list.read().expect("peer list lock");
            for (other, tx) in list.iter() {
                if *other == id {
                    continue;
                }
                if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(lines.clone()) {
                    full.push(tx.clone());
                }
            }
        }
        for tx in full {
            let _ = tx.send(lines.clone()).await;
        }
    }
}

async fn write_loop(mut writer: OwnedWriteHalf, mut rx: mpsc::Receiver<Bytes>) -> io::Result<()> {
    let mut batch = BytesMut::new();
    while let Some(first) = rx.recv().await {
        let mut next = rx.try_recv().ok();
        if next.is_none() {
            writer.write_all(&first).await?;
            continue;
        }
        batch.clear();
        batch.extend_from_slice(&first);
        while let Some(chunk) = next {
            batch.extend_from_slice(&chunk);
            if batch.len() >= WRITE_BATCH {
                break;
            }
            next = rx.try_recv().ok();
        }
        writer.write_all(&batch).await?;
    }
    Ok(())
}
