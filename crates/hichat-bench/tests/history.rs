//! The history scenario end to end at a tiny size against hichat itself,
//! started in this process on a loopback port. Only counts are checked,
//! never timings.

use clap::Parser;
use hichat_bench::args::Cli;
use hichat_bench::scenario;
use hichat_server::{Config, Listener, Server};
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_history_run_stores_and_reads_back() {
    let mut config = Config::default();
    config.flood.enabled = false;
    let server = Server::new(config);
    let listener = Listener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(vec![listener], async {
        let _ = stop_rx.await;
    }));

    let argv = [
        "hichat-bench",
        "--timeout",
        "60",
        "--target",
        &addr,
        "--source-addrs",
        "1",
        "history",
        "--senders",
        "2",
        "--messages",
        "50",
        "--channels",
        "2",
        "--requesters",
        "2",
        "--requests",
        "20",
        "--search-messages",
        "200",
        "--searches",
        "5",
    ];
    let cli = Cli::try_parse_from(argv).unwrap();
    let ctx = scenario::Ctx::new(&cli.common).unwrap();
    let report = scenario::run(&ctx, &cli.command).await.unwrap();
    eprintln!("{}", report.to_table());
    assert!(report.complete, "{}", report.to_table());
    if report.notes.iter().any(|n| n.contains("does not offer draft/chathistory")) {
        // A server without history: nothing is measured, and the run says so.
        assert!(report.metric("persisted_per_s").is_none());
    } else {
        assert!(report.metric("persisted_per_s").is_some(), "{}", report.to_table());
        assert_eq!(report.metric("chathistory_failed"), Some(0.0), "{}", report.to_table());
        assert_eq!(report.metric("chathistory_lines_per_reply"), Some(100.0), "{}", report.to_table());
    }

    let _ = stop_tx.send(());
    serving.await.unwrap();
}
