//! `fanout`: C clients in one channel, S of them pipeline M messages each;
//! the clock runs from the first write until every receiver has every
//! message. Each sender's messages reach C-1 clients, so the run makes
//! S x M x (C-1) deliveries.

use super::{barrier, open_many, quit_all, text, Ctx};
use crate::args::FanoutArgs;
use crate::report::Report;
use anyhow::bail;
use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// What one receiver saw.
struct Received {
    got: u64,
    expected: u64,
    /// When its last expected message was read.
    finished: Option<Instant>,
}

pub async fn run(ctx: &Ctx, a: &FanoutArgs) -> anyhow::Result<Report> {
    let (c, s, m) = (a.clients, a.senders, a.messages);
    if s > c {
        bail!("--senders ({s}) cannot exceed --clients ({c})");
    }
    let plan = &ctx.plan;
    let conns = open_many(plan, c, true, ctx.deadline).await?;
    let (conns, lost) = barrier(plan, conns, ctx.deadline).await?;
    if lost > 0 {
        bail!("{lost} clients were disconnected during set-up");
    }

    let payloads: Vec<Bytes> = conns[..s as usize]
        .iter()
        .enumerate()
        .map(|(j, conn)| {
            let mut out = BytesMut::with_capacity((m * (a.size + 64)) as usize);
            for i in 0..m {
                out.put(plan.privmsg(&conn.nick, &text(&format!("s{j}m{i} "), a.size as usize)));
            }
            out.freeze()
        })
        .collect();
    let splits: Vec<_> = conns.into_iter().map(|c| c.split()).collect();
    let writers: Vec<_> = splits[..s as usize].iter().map(|sp| sp.writer.clone()).collect();

    let deadline = ctx.deadline;
    let mut receivers = JoinSet::new();
    for (i, mut split) in splits.into_iter().enumerate() {
        let expected = s * m - if (i as u64) < s { m } else { 0 };
        receivers.spawn(async move {
            let mut got = 0;
            let mut finished = None;
            if expected > 0 {
                let _ = split
                    .receive(deadline, |_, now| {
                        got += 1;
                        if got >= expected {
                            finished = Some(now);
                        }
                        got >= expected
                    })
                    .await;
            }
            (split, Received { got, expected, finished })
        });
    }

    let before = ctx.sample();
    let self_before = ctx.sample_self();
    let start = Instant::now();
    let mut senders = JoinSet::new();
    for (writer, payload) in writers.into_iter().zip(payloads) {
        senders.spawn(async move { writer.lock().await.write_all(&payload).await.map(|_| Instant::now()) });
    }
    let mut sent_at = start;
    while let Some(r) = senders.join_next().await {
        sent_at = sent_at.max(r??);
    }
    let mut splits = Vec::new();
    let (mut got, mut expected, mut last, mut complete) = (0, 0, start, true);
    while let Some(r) = receivers.join_next().await {
        let (split, rx) = r?;
        splits.push(split);
        got += rx.got;
        expected += rx.expected;
        match rx.finished {
            Some(t) => last = last.max(t),
            None if rx.expected == 0 => {}
            None => complete = false,
        }
    }
    if !complete {
        last = Instant::now();
    }
    let after = ctx.sample();
    let self_after = ctx.sample_self();
    quit_all(splits).await;

    let elapsed = last.duration_since(start).as_secs_f64();
    let mut report = ctx.report("fanout", format!("C={c} S={s} M={m}"));
    report.complete = complete;
    report
        .headline("deliveries_per_s", got as f64 / elapsed, "/s", true)
        .add("deliveries", got as f64, "")
        .add("expected", expected as f64, "")
        .add("elapsed", elapsed, "s")
        .add("send_time", sent_at.duration_since(start).as_secs_f64(), "s")
        .add("messages_per_s", (s * m) as f64 / elapsed, "/s");
    report.server_usage(before, after, elapsed);
    // CPU per delivery varies far less than wall-clock rates when other
    // work shares the machine. /proc counts 10 ms ticks: below a few ticks
    // the figure would be noise.
    if let (Some(b), Some(a)) = (before, after) {
        if got > 0 && a.cpu_secs - b.cpu_secs >= 0.05 {
            report.headline("server_cpu_per_delivery", (a.cpu_secs - b.cpu_secs) * 1e9 / got as f64, "ns", false);
        }
    }
    report.bench_usage(self_before, self_after, elapsed);
    if !complete {
        report.notes.push(format!("deadline reached: {got} of {expected} deliveries"));
    }
    Ok(report)
}
