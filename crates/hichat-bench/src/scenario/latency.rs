//! `latency`: a steady rate of messages into a channel of C clients. Each
//! message carries its send time (`~t=<ns>~`, nanoseconds on this process's
//! clock); every receiver records now minus that into a histogram.
//!
//! The send time is taken just before the write, not the scheduled time:
//! the timer's 1 ms granularity would otherwise show up as latency.

use super::{barrier, open_many, quit_all, text, Ctx};
use crate::args::LatencyArgs;
use crate::report::Report;
use crate::stats::{new_histogram, percentiles};
use anyhow::bail;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::task::JoinSet;
use tokio::time::{sleep_until, Instant};

/// Time after the last send that receivers keep waiting for stragglers.
const GRACE: Duration = Duration::from_secs(5);

/// The send time embedded in `line` by a sender, in nanoseconds.
pub fn embedded_time(line: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(line, b"~t=")? + 3;
    let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[at..at + digits]).ok()?.parse().ok()
}

/// How many of `total` messages sender `j` of `s` sends (messages are dealt
/// round-robin).
fn share(total: u64, s: u64, j: u64) -> u64 {
    total / s + u64::from(j < total % s)
}

pub async fn run(ctx: &Ctx, a: &LatencyArgs) -> anyhow::Result<Report> {
    let (c, s) = (a.clients, a.senders);
    if s > c {
        bail!("--senders ({s}) cannot exceed --clients ({c})");
    }
    let total = a.rate * a.duration;
    let plan = ctx.plan.clone();
    let conns = open_many(&plan, c, true, ctx.deadline).await?;
    let (conns, lost) = barrier(&plan, conns, ctx.deadline).await?;
    if lost > 0 {
        bail!("{lost} clients were disconnected during set-up");
    }
    let nicks: Vec<String> = conns[..s as usize].iter().map(|c| c.nick.clone()).collect();
    let splits: Vec<_> = conns.into_iter().map(|c| c.split()).collect();
    let writers: Vec<_> = splits[..s as usize].iter().map(|sp| sp.writer.clone()).collect();

    let clock = Instant::now();
    let start = clock + Duration::from_millis(100);
    let recv_deadline = ctx.deadline.min(start + Duration::from_secs(a.duration) + GRACE);
    let mut receivers = JoinSet::new();
    for (i, mut split) in splits.into_iter().enumerate() {
        let expected = total - if (i as u64) < s { share(total, s, i as u64) } else { 0 };
        receivers.spawn(async move {
            let mut hist = new_histogram();
            let mut got = 0;
            if expected > 0 {
                let _ = split
                    .receive(recv_deadline, |line, now| {
                        if let Some(sent) = embedded_time(line) {
                            let ns = now.duration_since(clock).as_nanos() as u64;
                            let _ = hist.record(ns.saturating_sub(sent).max(1));
                            got += 1;
                        }
                        got >= expected
                    })
                    .await;
            }
            (split, hist, got, expected)
        });
    }

    let before = ctx.sample();
    let self_before = ctx.sample_self();
    let mut senders = JoinSet::new();
    for (j, (writer, nick)) in writers.into_iter().zip(nicks).enumerate() {
        let plan = plan.clone();
        let size = a.size as usize;
        let rate = a.rate;
        senders.spawn(async move {
            for i in (j as u64..total).step_by(s as usize) {
                sleep_until(start + Duration::from_nanos(i * 1_000_000_000 / rate)).await;
                let sent = Instant::now().duration_since(clock).as_nanos();
                let line = plan.privmsg(&nick, &text(&format!("~t={sent}~ "), size));
                writer.lock().await.write_all(&line).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = senders.join_next().await {
        r??;
    }
    let send_secs = start.elapsed().as_secs_f64();

    let mut hist = new_histogram();
    let (mut got, mut expected, mut splits) = (0, 0, Vec::new());
    while let Some(r) = receivers.join_next().await {
        let (split, h, g, e) = r?;
        hist.add(&h)?;
        got += g;
        expected += e;
        splits.push(split);
    }
    let wall = start.elapsed().as_secs_f64();
    let after = ctx.sample();
    let self_after = ctx.sample_self();
    quit_all(splits).await;

    let p = percentiles(&hist);
    let mut report = ctx.report("latency", format!("C={c} rate={}/s", a.rate));
    report.complete = got == expected;
    report
        .headline("p50", p.p50, "ms", false)
        .add("p90", p.p90, "ms")
        .headline("p99", p.p99, "ms", false)
        .add("p999", p.p999, "ms")
        .add("max", p.max, "ms")
        .add("mean", p.mean, "ms")
        .add("sent", total as f64, "")
        .add("send_rate", total as f64 / send_secs, "/s")
        .add("deliveries", got as f64, "")
        .add("lost", (expected - got) as f64, "");
    report.server_usage(before, after, wall);
    report.bench_usage(self_before, self_after, wall);
    if got < expected {
        report.notes.push(format!("{} of {expected} deliveries missing after the grace period", expected - got));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_found_in_a_relayed_line() {
        assert_eq!(embedded_time(b":n!u@h PRIVMSG #c :~t=123456~ xxxx"), Some(123456));
        assert_eq!(embedded_time(b":n!u@h PRIVMSG #c :hello"), None);
        assert_eq!(embedded_time(b"~t=~"), None);
    }

    #[test]
    fn shares_add_up() {
        for (total, s) in [(10, 3), (5000, 1), (7, 7), (3, 5)] {
            assert_eq!((0..s).map(|j| share(total, s, j)).sum::<u64>(), total);
            assert_eq!(
                (0..s).map(|j| (j..total).step_by(s as usize).count() as u64).collect::<Vec<_>>(),
                (0..s).map(|j| share(total, s, j)).collect::<Vec<_>>()
            );
        }
    }
}
