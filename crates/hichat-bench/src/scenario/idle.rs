//! `idle`: N registered clients that do nothing but answer PING; the
//! server's RSS before and after, per client.
//!
//! Clients are spread over several 127.0.0.x source addresses so that one
//! address's ephemeral ports are never the limit. Restart the server before
//! this scenario: RSS that earlier runs left behind would blur the baseline.

use super::Ctx;
use crate::args::IdleArgs;
use crate::report::Report;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{timeout_at, Instant};

pub async fn run(ctx: &Ctx, a: &IdleArgs) -> anyhow::Result<Report> {
    let n = a.clients;
    let base = ctx.sample();
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    let start = Instant::now();
    let mut holders = JoinSet::new();
    for i in 0..n {
        let (plan, deadline, ready, mut stop) = (ctx.plan.clone(), ctx.deadline, ready_tx.clone(), stop_rx.clone());
        holders.spawn(async move {
            let conn = match timeout_at(deadline, plan.open(i, false)).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => return ready.send(Err(format!("{e:#}"))).map_err(|_| ()),
                Err(_) => return ready.send(Err("timed out".into())).map_err(|_| ()),
            };
            let _ = ready.send(Ok(()));
            // An error here means the server dropped an idle client.
            conn.hold(async move {
                let _ = stop.changed().await;
            })
            .await
            .map_err(|_| ())
        });
    }
    drop(ready_tx);
    let (mut registered, mut failed, mut first_error) = (0u64, 0u64, None);
    while let Some(r) = ready_rx.recv().await {
        match r {
            Ok(()) => registered += 1,
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
        if registered + failed == n {
            break;
        }
    }
    let setup = start.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(a.settle_ms)).await;
    let held = ctx.sample();

    let _ = stop_tx.send(true);
    let mut dropped = 0u64;
    let _ = timeout_at(ctx.deadline, async {
        while let Some(r) = holders.join_next().await {
            if !matches!(r, Ok(Ok(()))) {
                dropped += 1;
            }
        }
    })
    .await;

    let mut report = ctx.report("idle", format!("N={n}"));
    report.complete = registered == n && dropped == 0;
    report
        .add("registered", registered as f64, "")
        .add("failed", failed as f64, "")
        .add("dropped", dropped as f64, "")
        .add("setup_time", setup, "s")
        .add("registrations_per_s", registered as f64 / setup, "/s");
    match (base, held) {
        (Some(b), Some(h)) => {
            let per_client = (h.rss_kib as f64 - b.rss_kib as f64) / registered.max(1) as f64;
            report.add("rss_baseline", b.rss_kib as f64, "KiB").add("rss_held", h.rss_kib as f64, "KiB").headline(
                "rss_per_client",
                per_client,
                "KiB",
                false,
            );
        }
        _ => report.notes.push("no server figures (give --server-pid)".into()),
    }
    if let Some(e) = first_error {
        report.notes.push(format!("{failed} clients failed to register; first: {e}"));
    }
    Ok(report)
}
