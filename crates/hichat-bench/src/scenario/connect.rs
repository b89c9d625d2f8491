//! `connect`: N registrations (connect, NICK/USER, wait for 001) with K in
//! flight at any time; registrations per second and the time each took.
//!
//! A registered connection is handed to a closer task (QUIT, then read until
//! the server hangs up) so that closing does not hold an in-flight slot.
//! Closers are bounded too, to stay under the open-file limit.

use super::Ctx;
use crate::args::ConnectArgs;
use crate::client::{connect, BenchConn};
use crate::report::Report;
use crate::stats::{new_histogram, percentiles};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{timeout, Instant};

/// Connections being closed at once, at most.
const CLOSERS: usize = 2_000;

pub async fn run(ctx: &Ctx, a: &ConnectArgs) -> anyhow::Result<Report> {
    let next = Arc::new(AtomicU64::new(0));
    let closers = Arc::new(Semaphore::new(CLOSERS));
    let attempt = Duration::from_secs(a.attempt_timeout);
    let before = ctx.sample();
    let self_before = ctx.sample_self();
    let start = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..a.in_flight.min(a.total) {
        let (plan, next, closers, total, deadline) =
            (ctx.plan.clone(), next.clone(), closers.clone(), a.total, ctx.deadline);
        workers.spawn(async move {
            let mut hist = new_histogram();
            let (mut failed, mut first_error) = (0u64, None);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                let one = async {
                    let stream = connect(plan.addr, plan.source(i)).await?;
                    let mut conn = BenchConn::new(stream, plan.nick(i));
                    conn.register().await?;
                    anyhow::Ok(conn)
                };
                match timeout(attempt.min(deadline.saturating_duration_since(t)), one).await {
                    Ok(Ok(conn)) => {
                        let _ = hist.record(t.elapsed().as_nanos() as u64);
                        let permit = closers.clone().acquire_owned().await?;
                        tokio::spawn(async move {
                            conn.quit(Duration::from_secs(2)).await;
                            drop(permit);
                        });
                    }
                    Ok(Err(e)) => {
                        failed += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                    Err(_) => {
                        failed += 1;
                        first_error.get_or_insert_with(|| "timed out".to_string());
                    }
                }
            }
            anyhow::Ok((hist, failed, first_error))
        });
    }
    let mut hist = new_histogram();
    let (mut failed, mut first_error) = (0, None);
    while let Some(r) = workers.join_next().await {
        let (h, f, e) = r??;
        hist.add(&h)?;
        failed += f;
        first_error = first_error.or(e);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let after = ctx.sample();
    let self_after = ctx.sample_self();

    let ok = hist.len();
    let p = percentiles(&hist);
    let mut report = ctx.report("connect", format!("N={} K={}", a.total, a.in_flight));
    report.complete = ok == a.total;
    report
        .headline("registrations_per_s", ok as f64 / elapsed, "/s", true)
        .add("registered", ok as f64, "")
        .headline("failed", failed as f64, "", false)
        .add("elapsed", elapsed, "s")
        .add("p50", p.p50, "ms")
        .add("p99", p.p99, "ms")
        .add("max", p.max, "ms");
    report.server_usage(before, after, elapsed);
    report.bench_usage(self_before, self_after, elapsed);
    if let Some(e) = first_error {
        report.notes.push(format!("{failed} registrations failed; first: {e}"));
    }
    // Let closers finish so the next run starts from a quiet server.
    let _ = timeout(Duration::from_secs(3), closers.acquire_many(CLOSERS as u32)).await;
    Ok(report)
}
