//! `history`: a server that keeps channel history (IRCv3
//! `draft/chathistory`), and search over it (`draft/search`) when offered.
//!
//! 1. **Persisting.** S senders pipeline M messages each into a channel
//!    that an observer (with `message-tags`, `batch`, `draft/chathistory`)
//!    also sits in. When the observer has received all S·M, it takes the
//!    `msgid` of the last and sends `CHATHISTORY LATEST <chan> * 1` until
//!    that msgid comes back: the store's lag is the time from the last
//!    delivery until then, and messages persisted per second is S·M over
//!    the time from the first write until then.
//! 2. **CHATHISTORY LATEST.** 10 channels get 100 messages each; R
//!    requesters, each in every channel, send `CHATHISTORY LATEST <chan> *
//!    100` round the channels, one request in flight each, N in all;
//!    requests per second and latency percentiles.
//! 3. **Search** (skipped unless the server offers `draft/search`): a
//!    channel gets `--search-messages` messages whose text holds words from
//!    a vocabulary of 1,000; then `SEARCH w<k> in:<chan>` for random k, one
//!    at a time; latency percentiles.

use super::{text, Ctx};
use crate::args::HistoryArgs;
use crate::client::{connect, BenchConn, Plan};
use crate::report::Report;
use crate::stats::{new_histogram, percentiles};
use anyhow::{anyhow, bail, Context};
use bytes::{BufMut, BytesMut};
use hichat_proto::Message;
use std::sync::Arc;
use tokio::task::JoinSet;
use tokio::time::{timeout_at, Instant};

/// The capabilities the history clients ask for.
const CAPS: &[&str] = &["batch", "message-tags", "server-time", "draft/chathistory", "draft/search"];
/// Distinct search words (`w0` .. `w999`).
const VOCABULARY: u64 = 1_000;

pub async fn run(ctx: &Ctx, a: &HistoryArgs) -> anyhow::Result<Report> {
    let plan = &ctx.plan;
    let deadline = ctx.deadline;
    let mut report = ctx.report(
        "history",
        format!("S={} M={} R={} N={} search={}", a.senders, a.messages, a.requesters, a.requests, a.search_messages),
    );
    let mut next_client = 0u64;
    let mut client_id = || {
        next_client += 1;
        next_client
    };
    let (mut observer, caps) = open_with_caps(plan, client_id()).await?;
    if !caps.iter().any(|c| c == "draft/chathistory") {
        // Not a failure of the harness: a server without history (or a
        // hichat from before it) has nothing to measure here.
        report.notes.push("the server does not offer draft/chathistory: nothing measured".into());
        return Ok(report);
    }
    let before = ctx.sample();
    let start_all = Instant::now();

    // 1. Persisting.
    let channel = plan.channel();
    observer.join(&channel).await?;
    let (persisted, lag) = timeout_at(deadline, persist(ctx, a, &mut observer, &channel, &mut client_id))
        .await
        .map_err(|_| anyhow!("persisting phase ran past the deadline"))??;
    report.headline("persisted_per_s", persisted, "/s", true).headline("store_lag", lag * 1e3, "ms", false).add(
        "messages",
        (a.senders * a.messages) as f64,
        "",
    );

    // 2. CHATHISTORY LATEST across channels.
    let channels: Vec<String> = (0..a.channels).map(|k| format!("{channel}h{k}")).collect();
    let seeder_id = client_id();
    let mut seeder = plan.open(seeder_id, false).await?;
    for c in &channels {
        seeder.join(c).await?;
    }
    let mut seed = BytesMut::new();
    for c in &channels {
        for i in 0..100 {
            Message::new("PRIVMSG", [c.clone(), text(&format!("seed {i} "), 64)]).write(&mut seed);
        }
    }
    // Requesters join before the seed is said: an unregistered channel's
    // history is read only by members who were there.
    let mut requesters = Vec::new();
    for _ in 0..a.requesters {
        let (mut conn, _) = open_with_caps(plan, client_id()).await?;
        for c in &channels {
            conn.join(c).await?;
        }
        requesters.push(conn);
    }
    seeder.send(&seed).await?;
    // The seed is stored once the seeder's last line is: ask for it.
    let last_seed = channels.last().cloned().unwrap_or_default();
    timeout_at(deadline, wait_history_count(&mut requesters[0], &last_seed, 100))
        .await
        .map_err(|_| anyhow!("seed messages were not stored before the deadline"))??;
    let latest = timeout_at(deadline, latest_load(requesters, &channels, a.requests)).await;
    match latest {
        Ok(Ok(load)) => {
            let p = percentiles(&load.histogram);
            report
                .headline("chathistory_per_s", load.done as f64 / load.elapsed, "/s", true)
                .headline("chathistory_p99", p.p99, "ms", false)
                .add("chathistory_p50", p.p50, "ms")
                .add("chathistory_lines_per_reply", load.lines as f64 / load.done.max(1) as f64, "")
                .add("chathistory_failed", load.failed as f64, "");
        }
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            report.complete = false;
            report.notes.push("CHATHISTORY requests ran past the deadline".into());
        }
    }

    // 3. Search.
    if !caps.iter().any(|c| c == "draft/search") {
        report.notes.push("the server does not offer draft/search: no search figures".into());
    } else if a.search_messages > 0 {
        let search_channel = format!("{channel}s");
        observer.join(&search_channel).await?;
        let searched = timeout_at(deadline, search(ctx, a, &mut observer, &search_channel, &mut client_id)).await;
        match searched {
            Ok(Ok((histogram, results))) => {
                let p = percentiles(&histogram);
                report.headline("search_p99", p.p99, "ms", false).add("search_p50", p.p50, "ms").add(
                    "search_results_per_query",
                    results as f64 / histogram.len().max(1) as f64,
                    "",
                );
            }
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                report.complete = false;
                report.notes.push("search ran past the deadline".into());
            }
        }
    }
    report.server_usage(before, ctx.sample(), start_all.elapsed().as_secs_f64());
    Ok(report)
}

/// Connects client `i` and registers it with the history capabilities the
/// server offers.
async fn open_with_caps(plan: &Arc<Plan>, i: u64) -> anyhow::Result<(BenchConn, Vec<String>)> {
    let stream = connect(plan.addr, plan.source(i)).await.with_context(|| format!("connect to {}", plan.addr))?;
    let mut conn = BenchConn::new(stream, format!("{}h{i}", plan.tag));
    let caps = conn.register_with_caps(CAPS).await?;
    Ok((conn, caps))
}

/// Phase 1: returns (messages persisted per second, store lag in seconds).
async fn persist(
    ctx: &Ctx,
    a: &HistoryArgs,
    observer: &mut BenchConn,
    channel: &str,
    client_id: &mut impl FnMut() -> u64,
) -> anyhow::Result<(f64, f64)> {
    let total = a.senders * a.messages;
    let mut senders = Vec::new();
    for _ in 0..a.senders {
        senders.push(ctx.plan.open(client_id(), true).await?);
    }
    // Everyone's JOIN reached the observer before the clock starts.
    let start = Instant::now();
    let mut writes = JoinSet::new();
    for (j, sender) in senders.into_iter().enumerate() {
        let mut payload = BytesMut::new();
        for i in 0..a.messages {
            payload.put(ctx.plan.privmsg(&sender.nick, &text(&format!("p{j}m{i} "), 64)));
        }
        writes.spawn(async move {
            let mut sender = sender;
            sender.send(&payload).await.map(|_| sender)
        });
    }
    let (mut seen, mut last_msgid) = (0u64, None);
    while seen < total {
        let msg = observer.next_message().await?;
        if msg.verb() == "PRIVMSG" && msg.param(0).eq_ignore_ascii_case(channel) {
            seen += 1;
            last_msgid = msg.tag("msgid").flatten().map(str::to_owned);
        }
    }
    let delivered = Instant::now();
    let msgid = last_msgid.ok_or_else(|| anyhow!("relayed messages carry no msgid tag"))?;
    loop {
        let reply = request(observer, &format!("CHATHISTORY LATEST {channel} * 1\r\n")).await?;
        if reply.lines.iter().any(|m| m.tag("msgid").flatten() == Some(msgid.as_str())) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let stored = Instant::now();
    // The senders stay connected until now so none of their lines is cut.
    while let Some(w) = writes.join_next().await {
        let mut sender = w??;
        let _ = sender.send(b"QUIT :bench done\r\n").await;
    }
    Ok((total as f64 / stored.duration_since(start).as_secs_f64(), stored.duration_since(delivered).as_secs_f64()))
}

/// What one history or search request got back.
struct Reply {
    /// The messages inside the reply's batch.
    lines: Vec<Message>,
    /// The reply was a FAIL.
    failed: bool,
}

/// Sends one request and reads its reply: a whole batch, or a FAIL.
async fn request(conn: &mut BenchConn, line: &str) -> anyhow::Result<Reply> {
    conn.send(line.as_bytes()).await?;
    let mut lines = Vec::new();
    let mut open: Option<String> = None;
    loop {
        let msg = conn.next_message().await?;
        match (msg.verb().as_str(), &open) {
            ("FAIL", None) => return Ok(Reply { lines, failed: true }),
            ("BATCH", None) if msg.param(0).starts_with('+') => open = Some(msg.param(0)[1..].to_owned()),
            ("BATCH", Some(id)) if msg.param(0).strip_prefix('-') == Some(id.as_str()) => {
                return Ok(Reply { lines, failed: false })
            }
            (_, Some(id)) if msg.tag("batch").flatten() == Some(id.as_str()) => lines.push(msg),
            _ => {}
        }
    }
}

/// Asks for the latest `count` lines of `channel` until that many come back.
async fn wait_history_count(conn: &mut BenchConn, channel: &str, count: usize) -> anyhow::Result<()> {
    loop {
        let reply = request(conn, &format!("CHATHISTORY LATEST {channel} * {count}\r\n")).await?;
        if reply.failed {
            bail!("CHATHISTORY LATEST {channel} failed");
        }
        if reply.lines.len() >= count {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// The result of the CHATHISTORY load.
struct Load {
    done: u64,
    failed: u64,
    lines: u64,
    elapsed: f64,
    histogram: hdrhistogram::Histogram<u64>,
}

/// Phase 2: each requester sends `CHATHISTORY LATEST` round the channels,
/// one request in flight, until `total` requests are done in all.
async fn latest_load(requesters: Vec<BenchConn>, channels: &[String], total: u64) -> anyhow::Result<Load> {
    let n = requesters.len() as u64;
    let start = Instant::now();
    let mut set = JoinSet::new();
    for (r, mut conn) in requesters.into_iter().enumerate() {
        let channels = channels.to_vec();
        let share = total / n + u64::from((r as u64) < total % n);
        set.spawn(async move {
            let mut histogram = new_histogram();
            let (mut failed, mut lines) = (0u64, 0u64);
            for k in 0..share {
                let channel = &channels[(k as usize + r) % channels.len()];
                let sent = Instant::now();
                let reply = request(&mut conn, &format!("CHATHISTORY LATEST {channel} * 100\r\n")).await?;
                let _ = histogram.record(sent.elapsed().as_nanos() as u64);
                failed += u64::from(reply.failed);
                lines += reply.lines.len() as u64;
            }
            let _ = conn.send(b"QUIT :bench done\r\n").await;
            anyhow::Ok((histogram, failed, lines))
        });
    }
    let mut load = Load { done: 0, failed: 0, lines: 0, elapsed: 0.0, histogram: new_histogram() };
    while let Some(r) = set.join_next().await {
        let (h, failed, lines) = r??;
        load.done += h.len();
        load.failed += failed;
        load.lines += lines;
        load.histogram.add(&h)?;
    }
    load.elapsed = start.elapsed().as_secs_f64();
    Ok(load)
}

/// A small deterministic generator, so runs search for the same words.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Phase 3: fills `channel` and runs the searches; returns the latency
/// histogram and the total number of results.
async fn search(
    ctx: &Ctx,
    a: &HistoryArgs,
    observer: &mut BenchConn,
    channel: &str,
    client_id: &mut impl FnMut() -> u64,
) -> anyhow::Result<(hdrhistogram::Histogram<u64>, u64)> {
    let mut filler = ctx.plan.open(client_id(), false).await?;
    filler.join(channel).await?;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut payload = BytesMut::new();
    for i in 0..a.search_messages {
        let words: Vec<String> = (0..3).map(|_| format!("w{}", next_random(&mut rng) % VOCABULARY)).collect();
        Message::new("PRIVMSG", [channel.to_owned(), format!("{} message {i}", words.join(" "))]).write(&mut payload);
    }
    let writer = tokio::spawn(async move { filler.send(&payload).await.map(|_| filler) });
    let mut seen = 0;
    while seen < a.search_messages {
        let msg = observer.next_message().await?;
        if msg.verb() == "PRIVMSG" && msg.param(0).eq_ignore_ascii_case(channel) {
            seen += 1;
        }
    }
    // CHATHISTORY waits for what is queued to be committed.
    request(observer, &format!("CHATHISTORY LATEST {channel} * 1\r\n")).await?;
    let mut filler = writer.await??;
    let _ = filler.send(b"QUIT :bench done\r\n").await;

    let mut histogram = new_histogram();
    let mut results = 0u64;
    for _ in 0..a.searches {
        let word = format!("w{}", next_random(&mut rng) % VOCABULARY);
        let sent = Instant::now();
        let reply = request(observer, &format!("SEARCH {word} in:{channel}\r\n")).await?;
        let _ = histogram.record(sent.elapsed().as_nanos() as u64);
        if reply.failed {
            bail!("SEARCH {word} in:{channel} failed");
        }
        results += reply.lines.len() as u64;
    }
    Ok((histogram, results))
}
