//! The harness end to end: a tiny fanout and latency run against the
//! in-process relay. Only counts are checked, never timings.

use clap::Parser;
use hichat_bench::args::Cli;
use hichat_bench::{relay, scenario};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Runs the scenario given by `args` (after the program name and global
/// options) against a fresh relay.
async fn run_against_relay(args: &[&str]) -> hichat_bench::report::Report {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(relay::run(listener, async {
        let _ = stop_rx.await;
    }));

    let mut argv = vec!["hichat-bench", "--raw", "--timeout", "30", "--target", &addr, "--label", "relay"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).unwrap();
    let ctx = scenario::Ctx::new(&cli.common).unwrap();
    let report = scenario::run(&ctx, &cli.command).await.unwrap();

    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_fanout_delivers_everything() {
    let report = run_against_relay(&["fanout", "--clients", "5", "--senders", "2", "--messages", "50"]).await;
    assert!(report.complete, "{}", report.to_table());
    // Each sender's 50 messages reach the 4 other clients.
    assert_eq!(report.metric("deliveries"), Some(2.0 * 50.0 * 4.0));
    assert_eq!(report.case, "C=5 S=2 M=50");
    assert!(report.metric("deliveries_per_s").unwrap() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_latency_run_loses_nothing() {
    let report = run_against_relay(&["latency", "--clients", "4", "--rate", "200", "--duration", "1"]).await;
    assert!(report.complete, "{}", report.to_table());
    assert_eq!(report.metric("deliveries"), Some(200.0 * 3.0));
    assert_eq!(report.metric("lost"), Some(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn irc_only_scenarios_refuse_a_relay() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let cli = Cli::try_parse_from(["hichat-bench", "--raw", "--target", &addr, "storm"]).unwrap();
    let ctx = scenario::Ctx::new(&cli.common).unwrap();
    assert!(scenario::run(&ctx, &cli.command).await.is_err());
}
