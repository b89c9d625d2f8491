//! `sim`: a hichat server in this process with N simulated clients on
//! in-memory transports, beyond what sockets allow (the open-file limit
//! here is 20,000 per process).
//!
//! Each client is an ordinary connection task (`hichat_server::conn::run`,
//! the same session code as over TCP) on one end of a
//! `hichat_server::transport::mem` pair, with its own 10.x.y.z address. What
//! the server writes goes to one [`SimSink`] that reads it on the spot, as
//! a client that keeps up would, and keeps nothing.
//!
//! 1. Register N clients (NICK/USER, waiting for 001), K at a time; the
//!    process's RSS before and after, per client.
//! 2. Put the first C of them in one channel. This goes straight through
//!    `State::add_member`, which is what JOIN does after its checks: real
//!    JOINs would send every member every later JOIN and NAMES, O(C²)
//!    lines (5·10⁹ at C = 100,000), which is the `storm` scenario's subject,
//!    not this one's.
//! 3. Client 0 sends a PRIVMSG to the channel, M times one after another;
//!    each time, the clock runs until all C − 1 other members have it.
//!
//! The process's CPU time over step 3 gives CPU per delivery; it includes
//! the simulated clients' reading, which is a substring search per write.

use super::Ctx;
use crate::args::SimArgs;
use crate::report::Report;
use crate::stats;
use anyhow::bail;
use hichat_server::conn::{self, Peer};
use hichat_server::transport::mem::{self, MemClient, Sink};
use hichat_server::transport::Kind;
use hichat_server::{Config, Server};
use memchr::memmem;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::time::{timeout_at, Instant};

/// The channel the members share.
const CHANNEL: &str = "#sim";
/// The text every measured message starts with.
const MARK: &[u8] = b"SIMMARK";
/// A client's flag: 001 seen.
const REGISTERED: u8 = 1;

/// Reads everything the server writes to every simulated client.
struct SimSink {
    /// Per client: [`REGISTERED`] once 001 has arrived.
    flags: Vec<AtomicU8>,
    registered: AtomicU64,
    /// Registrations allowed in flight; a permit comes back with each 001.
    in_flight: Semaphore,
    /// Lines holding [`MARK`] delivered so far, and when the count last
    /// reached `mark_goal`.
    marks: AtomicU64,
    mark_goal: AtomicU64,
    goal_reached: Mutex<Option<std::time::Instant>>,
    goal_notify: Notify,
    bytes: AtomicU64,
    finder: memmem::Finder<'static>,
    welcome: memmem::Finder<'static>,
}

impl SimSink {
    fn new(clients: usize, in_flight: usize) -> Self {
        Self {
            flags: (0..clients).map(|_| AtomicU8::new(0)).collect(),
            registered: AtomicU64::new(0),
            in_flight: Semaphore::new(in_flight),
            marks: AtomicU64::new(0),
            mark_goal: AtomicU64::new(u64::MAX),
            goal_reached: Mutex::new(None),
            goal_notify: Notify::new(),
            bytes: AtomicU64::new(0),
            finder: memmem::Finder::new(MARK),
            welcome: memmem::Finder::new(b" 001 "),
        }
    }

    /// Waits until `goal` marked lines have been delivered in all; returns
    /// when the last one was.
    async fn wait_marks(&self, goal: u64, deadline: Instant) -> Option<std::time::Instant> {
        loop {
            let notified = self.goal_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.marks.load(Ordering::Acquire) >= goal {
                return *self.goal_reached.lock().unwrap_or_else(|e| e.into_inner());
            }
            timeout_at(deadline, notified).await.ok()?;
        }
    }
}

impl Sink for SimSink {
    fn deliver(&self, conn: u64, bytes: &[u8]) {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let flag = &self.flags[conn as usize];
        if flag.load(Ordering::Relaxed) & REGISTERED == 0 && self.welcome.find(bytes).is_some() {
            flag.fetch_or(REGISTERED, Ordering::Relaxed);
            self.registered.fetch_add(1, Ordering::Relaxed);
            self.in_flight.add_permits(1);
        }
        let marks = self.finder.find_iter(bytes).count() as u64;
        if marks > 0 {
            let total = self.marks.fetch_add(marks, Ordering::AcqRel) + marks;
            if total == self.mark_goal.load(Ordering::Acquire) {
                *self.goal_reached.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
                self.goal_notify.notify_waiters();
            }
        }
    }
}

/// The server configuration for a simulation: no flood control, history
/// write budget or per-IP limit, and no keep-alive PINGs during the run (an unanswered PING would
/// end in a QUIT to the whole channel).
fn sim_config() -> Config {
    let mut config = Config::default();
    config.server.name = "sim.hichat.local".into();
    config.flood.enabled = false;
    config.history.user_bytes_per_minute = 0;
    config.limits.connections_per_ip = usize::MAX;
    config.limits.ping_interval_secs = 86_400;
    config.limits.registration_timeout_secs = 86_400;
    config
}

/// Client `i`'s address: 10.x.y.z, one per client.
fn peer(i: u64) -> Peer {
    let ip = Ipv4Addr::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8);
    Peer::Ip(SocketAddr::new(IpAddr::V4(ip), 40_000 + (i % 20_000) as u16))
}

fn nick(i: u64) -> String {
    format!("s{i}")
}

pub async fn run(ctx: &Ctx, a: &SimArgs) -> anyhow::Result<Report> {
    let n = a.clients;
    let members = a.members.min(n);
    if members < 2 {
        bail!("--members must be at least 2");
    }
    let mut report = ctx.report("sim", format!("N={n} C={members}"));
    report.label = ctx.common.label.clone().unwrap_or_else(|| "hichat".into());
    report.target = "in-memory".into();
    let server = Server::new(sim_config());
    let sink = Arc::new(SimSink::new(n as usize, a.in_flight as usize));
    let mut clients: Vec<MemClient> = Vec::with_capacity(n as usize);
    tokio::time::sleep(Duration::from_millis(a.settle_ms)).await;
    let base = ctx.sample_self();

    // 1. Registration, K in flight.
    let start = Instant::now();
    let deadline = ctx.deadline;
    for i in 0..n {
        match timeout_at(deadline, sink.in_flight.acquire()).await {
            Ok(Ok(permit)) => permit.forget(),
            _ => break,
        }
        let (transport, client) = mem::pair(i, sink.clone());
        server.spawn_tracked(Kind::Memory, conn::run(server.clone(), transport, peer(i)));
        client.send(format!("NICK {}\r\nUSER sim 0 * :simulated\r\n", nick(i)).as_bytes());
        clients.push(client);
    }
    while sink.registered.load(Ordering::Relaxed) < clients.len() as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let registered = sink.registered.load(Ordering::Relaxed);
    let setup = start.elapsed().as_secs_f64();
    report.add("registered", registered as f64, "").add("setup_time", setup, "s").add(
        "registrations_per_s",
        registered as f64 / setup,
        "/s",
    );
    if registered < n {
        report.complete = false;
        report.notes.push(format!("only {registered} of {n} clients registered before the deadline"));
        return Ok(report);
    }
    tokio::time::sleep(Duration::from_millis(a.settle_ms)).await;
    let held = ctx.sample_self();
    let pair_bytes = mem::shared_bytes() + std::mem::size_of::<MemClient>() + 1;
    if let (Some(b), Some(h)) = (base, held) {
        let per_client = (h.rss_kib as f64 - b.rss_kib as f64) / n as f64;
        report
            .add("rss_baseline", b.rss_kib as f64, "KiB")
            .add("rss_registered", h.rss_kib as f64, "KiB")
            .add("rss_per_client_gross", per_client, "KiB")
            .add("sim_bytes_per_client", pair_bytes as f64, "B")
            .headline("rss_per_client", per_client - pair_bytes as f64 / 1024.0, "KiB", false);
    }

    // 2. The channel.
    let joined = Instant::now();
    {
        let mut state = server.state();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        for i in 0..members {
            let Some(id) = state.find_nick(&nick(i)).map(|c| c.id) else {
                bail!("client {} is not registered", nick(i))
            };
            state.add_member(id, CHANNEL, now);
        }
    }
    report.add("channel_fill_time", joined.elapsed().as_secs_f64(), "s");
    tokio::time::sleep(Duration::from_millis(a.settle_ms)).await;
    if let (Some(h), Some(j)) = (held, ctx.sample_self()) {
        report.add("rss_per_member", (j.rss_kib as f64 - h.rss_kib as f64) * 1024.0 / members as f64, "B");
    }

    // 3. One message at a time to the whole channel.
    let cpu_before = ctx.sample_self();
    let mut times_ms = Vec::new();
    for round in 0..a.messages {
        let goal = (round + 1) * (members - 1);
        sink.mark_goal.store(goal, Ordering::Release);
        let line = format!("PRIVMSG {CHANNEL} :{} {round} {}\r\n", String::from_utf8_lossy(MARK), "x".repeat(48));
        let sent = std::time::Instant::now();
        clients[0].send(line.as_bytes());
        match sink.wait_marks(goal, deadline).await {
            Some(done) => times_ms.push(done.duration_since(sent).as_secs_f64() * 1e3),
            None => {
                report.complete = false;
                report.notes.push(format!(
                    "message {round} reached {} of {goal} deliveries before the deadline",
                    sink.marks.load(Ordering::Relaxed)
                ));
                break;
            }
        }
    }
    let cpu_after = ctx.sample_self();
    if let Some(s) = stats::spread(&times_ms) {
        let deliveries = (members - 1) as f64;
        report
            .headline("message_time", s.median, "ms", false)
            .add("message_time_min", s.min, "ms")
            .add("message_time_max", s.max, "ms")
            .headline("deliveries_per_s", deliveries / (s.median / 1e3), "/s", true);
        if let (Some(b), Some(a)) = (cpu_before, cpu_after) {
            let cpu = a.cpu_secs - b.cpu_secs;
            // /proc counts in 10 ms ticks: too few say nothing.
            if cpu >= 0.05 {
                report.add("cpu_per_delivery", cpu * 1e9 / (deliveries * times_ms.len() as f64), "ns");
            }
        }
    }
    report.add("bytes_delivered", sink.bytes.load(Ordering::Relaxed) as f64, "B");
    // The clients are left connected: ending them would send C QUITs to the
    // channel, O(C²) lines. The process exits after the report.
    std::mem::forget(clients);
    Ok(report)
}
