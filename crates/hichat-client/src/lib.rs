//! hichat's terminal client, `hichat connect`.
//!
//! It speaks IRC through `hichat-proto` and has two faces over one core:
//!
//! - a full-screen interface on a terminal (`ui/`): windows per channel and
//!   private conversation, scrollback, nick list, status bar, history and
//!   Tab completion, with correct widths for CJK and emoji;
//! - a plain line mode for scripts and pipes (`plain.rs`).
//!
//! Underneath, `connection.rs` and `session.rs` own the socket (registration
//! in `register.rs`, PING/PONG, lag, reconnecting), `state.rs` and
//! `incoming.rs` hold what the user sees (pure, no I/O), `commands.rs`
//! turns typed lines into IRC messages, and `client.rs` ties them together.

mod args;
mod client;
mod commands;
mod complete;
mod connection;
mod i18n;
mod incoming;
mod plain;
mod register;
mod session;
mod state;
mod ui;
mod wrap;

pub use args::ConnectArgs;
pub use plain::run_plain_io;

use std::io::IsTerminal;
use std::time::Duration;

/// Runs the client; returns the process exit code (0 normal, 2 for
/// user-fixable errors like connection refused).
pub fn run(args: ConnectArgs) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}", i18n::tr("start-failed", &[("error", &e.to_string())]));
            return 1;
        }
    };
    let code = runtime.block_on(run_async(args));
    // A blocking read of stdin may still be pending; don't wait for it.
    runtime.shutdown_background();
    code
}

async fn run_async(args: ConnectArgs) -> i32 {
    let plain = args.plain || !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal();
    if plain {
        return run_plain_io(args, tokio::io::stdin(), tokio::io::stdout(), std::io::stderr()).await;
    }
    let started = client::start(&args, Duration::from_secs(1), |e, wait| {
        let secs = wait.as_secs().max(1).to_string();
        eprintln!("{}", i18n::tr("retrying", &[("error", &e.to_string()), ("secs", &secs)]));
    })
    .await;
    match started {
        Ok(client) => ui::run(client).await,
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}
