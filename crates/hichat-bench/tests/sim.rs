//! The in-process simulation end to end at a tiny size. Only counts are
//! checked, never timings.

use clap::Parser;
use hichat_bench::args::Cli;
use hichat_bench::scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_simulation_registers_everyone_and_delivers_to_every_member() {
    let argv = [
        "hichat-bench",
        "--timeout",
        "60",
        "sim",
        "--clients",
        "300",
        "--members",
        "50",
        "--messages",
        "3",
        "--settle-ms",
        "0",
    ];
    let cli = Cli::try_parse_from(argv).unwrap();
    let ctx = scenario::Ctx::new(&cli.common).unwrap();
    let report = scenario::run(&ctx, &cli.command).await.unwrap();
    assert!(report.complete, "{}", report.to_table());
    assert_eq!(report.case, "N=300 C=50");
    assert_eq!(report.metric("registered"), Some(300.0));
    assert!(report.metric("rss_per_client").is_some(), "{}", report.to_table());
    assert!(report.metric("message_time").is_some(), "{}", report.to_table());
}

#[test]
fn simulation_sizes_are_bounded() {
    assert!(Cli::try_parse_from(["hichat-bench", "sim", "--clients", "3000000"]).is_err());
    assert!(Cli::try_parse_from(["hichat-bench", "sim", "--members", "1"]).is_err());
}
