//! `storm`: N registered clients send JOIN for one channel at the same
//! moment, then all send QUIT. JOIN and QUIT each fan out to every member,
//! so the server delivers about N²/2 lines per phase.
//!
//! The join phase ends when every client has its end of NAMES and has read
//! every JOIN sent after it (checked with the barrier); the quit phase ends
//! when the server has closed every connection. Clients the server drops
//! along the way (e.g. for a full send queue) are counted.

use super::{barrier, open_many, Ctx};
use crate::args::StormArgs;
use crate::report::Report;
use tokio::task::JoinSet;
use tokio::time::{timeout_at, Instant};

pub async fn run(ctx: &Ctx, a: &StormArgs) -> anyhow::Result<Report> {
    let n = a.clients;
    let plan = ctx.plan.clone();
    let conns = open_many(&plan, n, false, ctx.deadline).await?;
    let lines_before: u64 = conns.iter().map(|c| c.lines).sum();

    let before = ctx.sample();
    let self_before = ctx.sample_self();
    let start = Instant::now();
    let mut joining = JoinSet::new();
    for mut conn in conns {
        let (channel, deadline) = (plan.channel(), ctx.deadline);
        joining.spawn(
            async move { matches!(timeout_at(deadline, conn.join(&channel)).await, Ok(Ok(()))).then_some(conn) },
        );
    }
    let mut joined = Vec::new();
    while let Some(r) = joining.join_next().await {
        joined.extend(r?);
    }
    let failed_join = n as usize - joined.len();
    let (alive, lost) = barrier(&plan, joined, ctx.deadline).await?;
    let join_secs = start.elapsed().as_secs_f64();
    let join_lines: u64 = alive.iter().map(|c| c.lines).sum::<u64>() - lines_before;
    let dropped = failed_join + lost;

    let quit_start = Instant::now();
    let mut quitting = JoinSet::new();
    let linger = ctx.deadline.saturating_duration_since(quit_start);
    for conn in alive {
        quitting.spawn(conn.quit(linger));
    }
    let mut quit_lines = 0;
    while let Some(r) = quitting.join_next().await {
        quit_lines += r?;
    }
    let quit_secs = quit_start.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();
    let after = ctx.sample();
    let self_after = ctx.sample_self();

    let mut report = ctx.report("storm", format!("N={n}"));
    report.complete = dropped == 0 && Instant::now() < ctx.deadline;
    report
        .headline("join_time", join_secs, "s", false)
        .headline("quit_time", quit_secs, "s", false)
        .add("total_time", total, "s")
        .headline("dropped", dropped as f64, "", false)
        .add("join_lines", join_lines as f64, "")
        .add("quit_lines", quit_lines as f64, "");
    report.server_usage(before, after, total);
    report.bench_usage(self_before, self_after, total);
    Ok(report)
}
