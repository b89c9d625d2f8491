//! The command line: global options and one subcommand per scenario.
//!
//! Every count has an upper bound, every run a deadline (`--timeout`), and
//! every address must be a loopback address: this tool generates heavy load
//! and must never be pointed at somebody else's server.

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// Most clients one process can hold: the open-file hard limit here is
/// 20,000, and the tool needs a few descriptors of its own.
pub const MAX_CLIENTS: u64 = 19_500;

/// hichat-bench: load scenarios for IRC servers on this machine.
#[derive(Debug, Parser)]
#[command(name = "hichat-bench", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every scenario.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Server to load (a loopback address and port).
    #[arg(long, global = true, default_value = "127.0.0.1:6667")]
    pub target: String,
    /// Seconds the whole run may take before it is abandoned.
    #[arg(long, global = true, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Print the result as one line of JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// PID of the server process, to report its CPU time and RSS.
    #[arg(long, global = true)]
    pub server_pid: Option<u32>,
    /// Name of the server in the report (default: the target address).
    #[arg(long, global = true)]
    pub label: Option<String>,
    /// The target is a line relay (`hichat-bench relay`), not an IRC server:
    /// no registration or JOIN, and lines are sent as a server would relay
    /// them (with a source prefix).
    #[arg(long, global = true)]
    pub raw: bool,
    /// Registrations in progress at once while setting clients up. ngIRCd's
    /// listen backlog is 10, so keep this small for it; InspIRCd completes
    /// registrations once a second, so give it hundreds.
    #[arg(long, global = true, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub connect_parallel: u64,
    /// Spread client connections over this many source addresses
    /// (127.0.0.1, 127.0.0.2, ...); 1 lets the kernel choose.
    #[arg(long, global = true, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=250))]
    pub source_addrs: u16,
    /// Runtime worker threads (default: one per core).
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub threads: Option<u64>,
}

impl Common {
    /// The overall deadline as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }

    /// The name of the server under test, for reports.
    pub fn label(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.target.clone())
    }
}

/// The scenarios.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// C clients in one channel; S of them pipeline M messages; time until
    /// every receiver has every message.
    Fanout(FanoutArgs),
    /// A steady message rate into a channel; delivery latency percentiles.
    Latency(LatencyArgs),
    /// Registrations per second with K connections in flight.
    Connect(ConnectArgs),
    /// N registered idle clients; server RSS per client.
    Idle(IdleArgs),
    /// N clients join one channel at once, then all quit.
    Storm(StormArgs),
    /// Channel history: messages persisted per second and the store's lag,
    /// CHATHISTORY LATEST requests per second, and SEARCH latency.
    History(HistoryArgs),
    /// A hichat server in this process with N simulated clients on
    /// in-memory transports: memory per client and one message to a large
    /// channel (no --target).
    Sim(SimArgs),
    /// Run the zero-logic line relay (the ceiling for fanout).
    Relay(RelayArgs),
    /// Medians, ranges and ratios over JSON results, as a markdown table.
    Summarize(SummarizeArgs),
    /// SVG charts of deliveries/s and p99 latency against channel size,
    /// one line per server, from JSON results.
    Chart(ChartArgs),
}

/// `fanout` options.
#[derive(Debug, Clone, Args)]
pub struct FanoutArgs {
    /// Clients in the channel (senders included).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(2..=MAX_CLIENTS))]
    pub clients: u64,
    /// Clients that send.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=MAX_CLIENTS))]
    pub senders: u64,
    /// Messages each sender pipelines.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub messages: u64,
    /// Bytes of text in each message.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(16..=400))]
    pub size: u64,
}

/// `latency` options.
#[derive(Debug, Clone, Args)]
pub struct LatencyArgs {
    /// Clients in the channel (senders included).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(2..=MAX_CLIENTS))]
    pub clients: u64,
    /// Clients sharing the send rate.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=MAX_CLIENTS))]
    pub senders: u64,
    /// Messages per second into the channel, all senders together.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub rate: u64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub duration: u64,
    /// Bytes of text in each message.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(32..=400))]
    pub size: u64,
}

/// `connect` options.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Registrations to complete.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub total: u64,
    /// Connections registering at once.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=MAX_CLIENTS))]
    pub in_flight: u64,
    /// Seconds one registration may take before it counts as failed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub attempt_timeout: u64,
}

/// `idle` options.
#[derive(Debug, Clone, Args)]
pub struct IdleArgs {
    /// Registered clients to hold open.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=MAX_CLIENTS))]
    pub clients: u64,
    /// Milliseconds to wait after the last registration before reading RSS.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub settle_ms: u64,
}

/// `storm` options.
#[derive(Debug, Clone, Args)]
pub struct StormArgs {
    /// Clients that join the channel at once, then quit.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(2..=MAX_CLIENTS))]
    pub clients: u64,
}

/// `history` options.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Clients pipelining messages into the channel.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub senders: u64,
    /// Messages each sender pipelines.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub messages: u64,
    /// Channels the CHATHISTORY requests go round (100 messages each).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub channels: u64,
    /// Clients sending CHATHISTORY requests, one in flight each.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub requesters: u64,
    /// CHATHISTORY LATEST requests in all.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub requests: u64,
    /// Messages stored for the search phase (0: no search phase).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub search_messages: u64,
    /// Searches, one at a time.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub searches: u64,
}

/// Most simulated clients: about 10 KiB each fits the machine's 24 GiB.
pub const MAX_SIM_CLIENTS: u64 = 2_000_000;

/// `sim` options.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Simulated clients to register.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(2..=MAX_SIM_CLIENTS))]
    pub clients: u64,
    /// Members of the channel the messages go to (at most --clients).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(2..=MAX_SIM_CLIENTS))]
    pub members: u64,
    /// Messages sent to the channel, one after another.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub messages: u64,
    /// Registrations in progress at once.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub in_flight: u64,
    /// Milliseconds to wait before each RSS reading.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub settle_ms: u64,
}

/// `relay` options.
#[derive(Debug, Clone, Args)]
pub struct RelayArgs {
    /// Address to listen on (loopback only). The relay stops after --timeout.
    #[arg(long, default_value = "127.0.0.1:6699")]
    pub listen: String,
}

/// `summarize` options.
#[derive(Debug, Clone, Args)]
pub struct SummarizeArgs {
    /// Files of JSON results, one per line (as printed with --json).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The label whose ratio to every other server is reported.
    #[arg(long, default_value = "hichat")]
    pub subject: String,
}

/// `chart` options.
#[derive(Debug, Clone, Args)]
pub struct ChartArgs {
    /// Files of JSON results, one per line (as printed with --json).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Directory for `fanout-deliveries.svg` and `latency-p99.svg`.
    #[arg(long, default_value = "docs/bench")]
    pub out_dir: PathBuf,
    /// Fan-out runs with this many senders make the deliveries/s chart.
    #[arg(long, default_value_t = 10)]
    pub senders: u64,
    /// Latency runs at this rate (messages/s) make the p99 chart.
    #[arg(long, default_value_t = 500)]
    pub rate: u64,
}

/// Resolves `addr` and refuses anything but a loopback address.
pub fn loopback_addr(addr: &str) -> anyhow::Result<SocketAddr> {
    let resolved = addr.to_socket_addrs().with_context(|| format!("cannot resolve {addr}"))?.next();
    let Some(sock) = resolved else { bail!("{addr} resolves to no address") };
    if !sock.ip().is_loopback() {
        bail!("{addr} is not a loopback address: hichat-bench only loads servers on this machine");
    }
    Ok(sock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only() {
        assert!(loopback_addr("127.0.0.1:6667").is_ok());
        assert!(loopback_addr("127.9.8.7:1").is_ok());
        assert!(loopback_addr("[::1]:6667").is_ok());
        assert!(loopback_addr("10.0.0.1:6667").is_err());
        assert!(loopback_addr("0.0.0.0:6667").is_err());
        assert!(loopback_addr("not an address").is_err());
    }

    #[test]
    fn bounds_are_enforced() {
        assert!(Cli::try_parse_from(["hichat-bench", "fanout", "--clients", "100000"]).is_err());
        assert!(Cli::try_parse_from(["hichat-bench", "--timeout", "0", "connect"]).is_err());
        let cli = Cli::try_parse_from(["hichat-bench", "fanout", "--clients", "5", "--json"]).unwrap();
        assert!(cli.common.json);
    }
}
