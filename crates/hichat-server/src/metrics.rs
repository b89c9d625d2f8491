//! Server metrics, served at `/metrics` in the Prometheus (OpenMetrics)
//! text format.
//!
//! Counters are `prometheus-client` atomics held directly by the server, so
//! counting on the hot path (a line read, bytes written) is one relaxed
//! atomic add, with no lock and no label lookup: the per-transport series
//! are looked up once, when [`Metrics::new`] runs. Gauges that describe the
//! state (registered users, channels) are not kept up to date on every
//! change; they are read from the state when `/metrics` is scraped.

use crate::transport::Kind;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The label of per-transport series.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransportLabel {
    transport: String,
}

/// Every metric the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Connections accepted, per transport (indexed by [`Kind::index`]).
    accepted: [Counter; Kind::ALL.len()],
    /// Connections open now, per transport.
    open: [Gauge; Kind::ALL.len()],
    /// IRC lines received from clients.
    pub lines_in: Counter,
    /// IRC lines written to clients.
    pub lines_out: Counter,
    /// PRIVMSG and NOTICE commands received.
    pub chat_messages: Counter,
    pub bytes_in: Counter,
    pub bytes_out: Counter,
    /// Clients disconnected because their send queue overflowed.
    pub sendq_drops: Counter,
    /// Times a client's input was held back by flood control.
    pub flood_throttled: Counter,
    /// What the store's writer reports (see [`StoreMetrics`]).
    pub store: StoreMetrics,
    users: Gauge,
    channels: Gauge,
}

/// The store's metrics, handed to its writer thread
/// (`SqliteStore::attach_metrics`), which updates them as it works.
#[derive(Debug, Clone)]
pub struct StoreMetrics {
    /// Seconds the writer takes to commit one batch (the transaction and
    /// its fsync).
    pub commit_seconds: Histogram,
    /// Jobs (changes and history lines) queued for the writer and not yet
    /// committed.
    pub queue_depth: Gauge,
    /// Lines of chat history in the store (the `messages` table): counted
    /// when the writer starts, then kept up to date by the writer as it
    /// adds and removes lines.
    pub history_lines: Gauge,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        StoreMetrics {
            // 0.1 ms to about 13 s: an fsync takes from well under a
            // millisecond (SSD) to seconds (a busy disk).
            commit_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 18)),
            queue_depth: Gauge::default(),
            history_lines: Gauge::default(),
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("hichat");
        let accepted_family = Family::<TransportLabel, Counter>::default();
        let open_family = Family::<TransportLabel, Gauge>::default();
        let label = |k: Kind| TransportLabel { transport: k.name().to_owned() };
        let accepted = Kind::ALL.map(|k| accepted_family.get_or_create(&label(k)).clone());
        let open = Kind::ALL.map(|k| open_family.get_or_create(&label(k)).clone());
        registry.register("connections", "Connections accepted, by transport", accepted_family);
        registry.register("connections_open", "Connections open now, by transport", open_family);
        let m = Metrics {
            accepted,
            open,
            lines_in: Counter::default(),
            lines_out: Counter::default(),
            chat_messages: Counter::default(),
            bytes_in: Counter::default(),
            bytes_out: Counter::default(),
            sendq_drops: Counter::default(),
            flood_throttled: Counter::default(),
            store: StoreMetrics::default(),
            users: Gauge::default(),
            channels: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("lines_in", "IRC lines received from clients", m.lines_in.clone());
        registry.register("lines_out", "IRC lines sent to clients", m.lines_out.clone());
        registry.register("chat_messages", "PRIVMSG and NOTICE commands received", m.chat_messages.clone());
        registry.register("received_bytes", "Bytes received from clients", m.bytes_in.clone());
        registry.register("sent_bytes", "Bytes sent to clients", m.bytes_out.clone());
        registry.register(
            "sendq_drops",
            "Clients disconnected because their send queue was full",
            m.sendq_drops.clone(),
        );
        registry.register(
            "flood_throttled",
            "Times flood control held a client's input back",
            m.flood_throttled.clone(),
        );
        registry.register(
            "store_commit_seconds",
            "Seconds to commit one batch of store writes, fsync included",
            m.store.commit_seconds.clone(),
        );
        registry.register(
            "store_queue_depth",
            "Store jobs (changes, history lines) queued and not yet committed",
            m.store.queue_depth.clone(),
        );
        registry.register("history_lines", "Lines of chat history in the store", m.store.history_lines.clone());
        registry.register("registered_users", "Registered users connected now", m.users.clone());
        registry.register("channels", "Channels that exist now", m.channels.clone());
        Metrics { registry, ..m }
    }

    /// Counts a new connection; the returned guard counts it closed when
    /// dropped.
    pub fn connection_opened(&self, kind: Kind) -> OpenConnection {
        self.accepted[kind.index()].inc();
        let gauge = self.open[kind.index()].clone();
        gauge.inc();
        OpenConnection(gauge)
    }

    /// The text exposition, with the state gauges set to `users` and
    /// `channels`.
    pub fn encode(&self, users: usize, channels: usize) -> String {
        self.users.set(users as i64);
        self.channels.set(channels as i64);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// Marks a connection as open for as long as it lives.
#[derive(Debug)]
pub struct OpenConnection(Gauge);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_in_the_text() {
        let m = Metrics::new();
        m.lines_in.inc_by(3);
        let guard = m.connection_opened(Kind::WebSocket);
        let text = m.encode(2, 1);
        assert!(text.contains("hichat_lines_in_total 3"), "{text}");
        assert!(text.contains("hichat_connections_total{transport=\"websocket\"} 1"), "{text}");
        assert!(text.contains("hichat_connections_open{transport=\"websocket\"} 1"), "{text}");
        assert!(text.contains("hichat_registered_users 2"), "{text}");
        drop(guard);
        assert!(m.encode(0, 0).contains("hichat_connections_open{transport=\"websocket\"} 0"));
    }
}
