//! Limits on the web listener's connections, against slowloris (many
//! connections that send half a header and wait): a cap per address and in
//! all ([`Slots`]), and a watchdog that closes a connection on which no
//! byte has moved for a while ([`Activity`], [`Tracked`]). The header-read
//! timeout itself is hyper's.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The web connections open now, per address key and in all.
#[derive(Debug, Default)]
pub struct Slots {
    inner: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    per_ip: HashMap<IpAddr, usize>,
    total: usize,
}

/// One connection's place in [`Slots`], given back on drop.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    key: Option<IpAddr>,
}

impl Slots {
    /// Takes a slot for a connection counted against `key` (`None`: exempt
    /// from the per-address cap), unless that address already has
    /// `per_ip` or everyone together has `total`.
    pub fn take(self: &Arc<Self>, key: Option<IpAddr>, per_ip: usize, total: usize) -> Option<Slot> {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if counts.total >= total {
            return None;
        }
        if let Some(key) = key {
            let n = counts.per_ip.entry(key).or_insert(0);
            if *n >= per_ip {
                return None;
            }
            *n += 1;
        }
        counts.total += 1;
        Some(Slot { slots: self.clone(), key })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.slots.inner.lock().unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(key) = self.key {
            if let Some(n) = counts.per_ip.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    counts.per_ip.remove(&key);
                }
            }
        }
    }
}

/// When bytes last moved on a connection.
#[derive(Debug, Clone)]
pub struct Activity(Arc<(Instant, AtomicU64)>);

impl Activity {
    pub fn new() -> Activity {
        Activity(Arc::new((Instant::now(), AtomicU64::new(0))))
    }

    fn touch(&self) {
        let (start, last) = &*self.0;
        last.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        let (start, last) = &*self.0;
        *start + Duration::from_millis(last.load(Ordering::Relaxed))
    }

    /// Returns once no byte has moved for `limit`.
    pub async fn idle(&self, limit: Duration) {
        loop {
            let deadline = self.last() + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

/// A stream that notes in an [`Activity`] each time bytes move.
#[derive(Debug)]
pub struct Tracked<S> {
    inner: S,
    activity: Activity,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, activity: Activity) -> Tracked<S> {
        Tracked { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_cap_per_address_and_in_all() {
        let slots = Arc::new(Slots::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let a1 = slots.take(Some(a), 2, 3).unwrap();
        let _a2 = slots.take(Some(a), 2, 3).unwrap();
        assert!(slots.take(Some(a), 2, 3).is_none(), "per address");
        let _b1 = slots.take(Some(b), 2, 3).unwrap();
        assert!(slots.take(None, 2, 3).is_none(), "in all, exempt or not");
        drop(a1);
        let _a3 = slots.take(Some(a), 2, 3).unwrap();
    }
}
