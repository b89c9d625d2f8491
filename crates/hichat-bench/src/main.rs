//! The `hichat-bench` binary: parses the command line, raises the open-file
//! limit, and runs one scenario, the relay, or the summary.

use anyhow::Context;
use clap::Parser;
use hichat_bench::args::{loopback_addr, Cli, Command};
use hichat_bench::{chart, relay, scenario, summary};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Summarize(a) = &cli.command {
        print!("{}", summary::summarize(&read_reports(&a.inputs)?, &a.subject));
        return Ok(());
    }
    if let Command::Chart(a) = &cli.command {
        for path in chart::write_charts(&read_reports(&a.inputs)?, &a.out_dir, a.senders, a.rate)? {
            println!("{}", path.display());
        }
        return Ok(());
    }

    // Thousands of sockets need more than the usual soft limit of 1024.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("hichat-bench: cannot raise the open-file limit: {e}");
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cli.common.threads {
        runtime.worker_threads(n as usize);
    }
    let runtime = runtime.enable_all().build()?;
    runtime.block_on(run(cli))
}

/// Reports from files of JSON lines.
fn read_reports(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<hichat_bench::report::Report>> {
    let mut reports = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        reports.extend(summary::parse_reports(&text));
    }
    Ok(reports)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let timeout = cli.common.timeout();
    if let Command::Relay(a) = &cli.command {
        let addr = loopback_addr(&a.listen)?;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        eprintln!("hichat-bench relay listening on {}", listener.local_addr()?);
        let stop = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = tokio::time::sleep(timeout) => {}
            }
        };
        relay::run(listener, stop).await?;
        return Ok(());
    }

    let ctx = scenario::Ctx::new(&cli.common)?;
    // Scenarios stop at the deadline themselves and report what they have;
    // this outer limit only catches a scenario stuck past it.
    let report = tokio::time::timeout(timeout + std::time::Duration::from_secs(15), scenario::run(&ctx, &cli.command))
        .await
        .map_err(|_| anyhow::anyhow!("run abandoned after --timeout {}s", cli.common.timeout))??;
    if cli.common.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}
