//! Wires the server's operator console to this process's stdin and stdout.

use hichat_server::{Console, ConsoleReply, Server};
use std::io::{BufRead, Write};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Starts the console; the receiver completes when it asks for shutdown
/// (`exit` or `/shutdown`; end of input only stops reading).
pub fn start(server: &Arc<Server>) -> Option<oneshot::Receiver<()>> {
    let console = Console::attach(server);
    let (lines_tx, mut lines) = mpsc::channel::<String>(64);
    // Reading stdin blocks, so it gets a thread of its own.
    std::thread::Builder::new()
        .name("console-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if lines_tx.blocking_send(line).is_err() {
                    break;
                }
            }
        })
        .ok()?;
    let (done_tx, done) = oneshot::channel();
    tokio::spawn(async move {
        let mut input_open = true;
        loop {
            tokio::select! {
                line = lines.recv(), if input_open => match line {
                    Some(line) => match console.input(&line) {
                        ConsoleReply::Print(out) => print_lines(&out),
                        ConsoleReply::Shutdown => break,
                    },
                    None => input_open = false,
                },
                out = console.output() => {
                    if out.is_empty() {
                        return;
                    }
                    print_lines(&out);
                }
            }
        }
        let _ = done_tx.send(());
    });
    Some(done)
}

fn print_lines(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}
