//! `hichat serve` and its helpers: load the config, bind, run until a signal.

use crate::cli::ServeArgs;
use hichat_server::{Config, Listener, Server};
use std::process::ExitCode;

/// Exit code for anything the user can fix (port taken, bad config).
const USER_ERROR: u8 = 2;

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("hichat: {message}");
    ExitCode::from(USER_ERROR)
}

pub fn run(args: ServeArgs) -> ExitCode {
    init_logging();
    let mut config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => return fail(e),
        },
        None => Config::default(),
    };
    if !args.listen.is_empty() {
        config.server.listen = args.listen.clone();
    }
    let console = args.console;
    if let Some(dir) = args.data_dir {
        config.server.data_dir = dir;
    }
    if let Err(e) = std::fs::create_dir_all(&config.server.data_dir) {
        return fail(format!("cannot create data directory {}: {e}", config.server.data_dir.display()));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start: {e}")),
    };
    runtime.block_on(async move {
        let mut listeners = Vec::new();
        for addr in &config.server.listen {
            match Listener::bind(addr) {
                Ok(l) => listeners.push(l),
                Err(e) => return fail(e),
            }
        }
        let addrs: Vec<String> = listeners.iter().map(Listener::local_addr).collect();
        eprintln!("hichat: serving IRC on {}", addrs.join(", "));
        let server = match Server::open(config) {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot open the database: {e}")),
        };
        let console_wanted = console || std::io::IsTerminal::is_terminal(&std::io::stdin());
        let console_done = if console_wanted { crate::console::start(&server) } else { None };
        let stop = async move {
            match console_done {
                Some(done) => tokio::select! {
                    _ = shutdown_signal() => {}
                    _ = done => {}
                },
                None => shutdown_signal().await,
            }
        };
        server.serve(listeners, stop).await;
        ExitCode::SUCCESS
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

/// `hichat config hash-password`: reads one line, prints an argon2id hash.
pub fn hash_password() -> ExitCode {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() || line.trim_end().is_empty() {
        return fail("type the password on standard input");
    }
    let salt = SaltString::generate(&mut OsRng);
    match argon2::Argon2::default().hash_password(line.trim_end_matches(['\r', '\n']).as_bytes(), &salt) {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("cannot hash: {e}")),
    }
}
