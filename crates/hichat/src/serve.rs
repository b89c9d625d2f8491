//! `hichat serve` and its helpers: load the config, bind, run until a signal.

use crate::cli::ServeArgs;
use crate::logging::{self, LogTarget};
use hichat_server::config::LogFormat;
use hichat_server::rehash::ConfigSource;
use hichat_server::transport::tls::CertStore;
use hichat_server::{Config, Listener, Server};
use std::process::ExitCode;
use std::sync::Arc;

/// Exit code for anything the user can fix (port taken, bad config).
const USER_ERROR: u8 = 2;

fn fail(message: impl std::fmt::Display) -> ExitCode {
    logging::say_error(message);
    ExitCode::from(USER_ERROR)
}

/// What the command line overrides in the configuration file; applied at
/// start-up and again on every REHASH or SIGHUP.
#[derive(Clone)]
struct Overrides {
    listen: Vec<String>,
    tls_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
    tls_listen: Vec<String>,
    web: Option<String>,
    data_dir: Option<std::path::PathBuf>,
}

impl Overrides {
    fn apply(&self, config: &mut Config) {
        if !self.listen.is_empty() {
            config.server.listen.clone_from(&self.listen);
        }
        if let Some((cert, key)) = &self.tls_cert {
            config.tls.cert.clone_from(cert);
            config.tls.key.clone_from(key);
        }
        if !self.tls_listen.is_empty() {
            config.tls.listen.clone_from(&self.tls_listen);
        }
        if let Some(web) = &self.web {
            config.web.listen = Some(if web == "off" { String::new() } else { web.clone() });
        }
        if let Some(dir) = &self.data_dir {
            config.server.data_dir.clone_from(dir);
        }
    }
}

pub fn run(args: ServeArgs) -> ExitCode {
    let mut config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => return fail(e),
        },
        None => Config::default(),
    };
    let overrides = Overrides {
        listen: args.listen.clone(),
        tls_cert: args.tls_cert.clone().zip(args.tls_key.clone()),
        tls_listen: args.tls_listen.clone(),
        web: args.web.clone(),
        data_dir: args.data_dir.clone(),
    };
    overrides.apply(&mut config);
    match args.log_format.as_deref() {
        Some("json") => config.server.log_format = LogFormat::Json,
        Some(_) => config.server.log_format = LogFormat::Text,
        None => {}
    }
    let console = args.console;
    let certs = if config.tls.cert.as_os_str().is_empty() {
        None
    } else {
        match CertStore::load(&config.tls.cert, &config.tls.key) {
            Ok(c) => Some(c),
            Err(e) => return fail(e),
        }
    };
    if let Err(e) = std::fs::create_dir_all(&config.server.data_dir) {
        return fail(format!("cannot create data directory {}: {e}", config.server.data_dir.display()));
    }
    let stdin_tty = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let console_wanted = console || stdin_tty;
    let stderr_tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    match logging::init(
        logging::target(console_wanted, stdin_tty, stderr_tty, &config.server.data_dir),
        config.server.log_format,
    ) {
        // The first line says where the log went, as the console hides it.
        Ok(LogTarget::File(path)) => eprintln!("hichat: logging to {} (warnings also here)", path.display()),
        Ok(LogTarget::Stderr) => {}
        Err((_, e)) => logging::say(format_args!("{e}; logging here instead")),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start: {e}")),
    };
    runtime.block_on(async move {
        let shutdown = shutdown_signal();
        let hup = sighup();
        let mut listeners = Vec::new();
        for addr in &config.server.listen {
            match Listener::bind(addr) {
                Ok(l) => listeners.push(l),
                Err(e) => return fail(e),
            }
        }
        let addrs: Vec<String> = listeners.iter().map(Listener::local_addr).collect();
        logging::say(format_args!("serving IRC on {}", addrs.join(", ")));
        if let Some(certs) = &certs {
            for addr in &config.tls.listen {
                match Listener::bind_tls(addr, certs.irc_acceptor()) {
                    Ok(l) => {
                        logging::say(format_args!("serving IRC over TLS on {}", l.local_addr()));
                        listeners.push(l);
                    }
                    Err(e) => return fail(e),
                }
            }
        }
        let web = match bind_web(&config) {
            Ok(web) => web,
            Err(e) => return fail(e),
        };
        let server = match Server::open(config) {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot open the database: {e}")),
        };
        if let Some(listener) = web {
            let scheme = if certs.is_some() { "https" } else { "http" };
            if let Ok(addr) = listener.local_addr() {
                logging::say(format_args!("web client on {scheme}://{addr}/"));
            }
            let acceptor = certs.as_ref().map(|c| c.https_acceptor());
            tokio::spawn(hichat_server::web::serve(server.clone(), listener, acceptor));
        }
        if let Some(path) = args.config {
            let overrides = overrides.clone();
            let apply = Box::new(move |c: &mut Config| overrides.apply(c));
            server.set_config_source(ConfigSource { path, overrides: apply });
        }
        if let Some(certs) = certs {
            server.set_cert_store(certs);
        }
        tokio::spawn(reload_on_sighup(server.clone(), hup));
        let console_done = if console_wanted { crate::console::start(&server) } else { None };
        let stop = async move {
            match console_done {
                Some(done) => tokio::select! {
                    _ = shutdown => {}
                    _ = done => {}
                },
                None => shutdown.await,
            }
        };
        server.serve(listeners, stop).await;
        ExitCode::SUCCESS
    })
}

/// Binds the web listener. The default address is skipped with a warning
/// when taken (several servers on one machine); one the user asked for must
/// work.
fn bind_web(config: &Config) -> Result<Option<tokio::net::TcpListener>, String> {
    let (addr, required) = match config.web.listen.as_deref() {
        Some("") => return Ok(None),
        Some(addr) => (addr, true),
        None => ("127.0.0.1:8080", false),
    };
    let error = match Listener::bind(addr) {
        Ok(Listener::Tcp(l)) => return Ok(Some(l)),
        Ok(_) => format!("{addr} is not an address for the web listener (expected e.g. 127.0.0.1:8080)"),
        Err(hichat_server::BindError::InUse(_)) => {
            format!("{addr} is already in use; choose another address for the web client with --web")
        }
        Err(e) => e.to_string(),
    };
    if required {
        return Err(error);
    }
    logging::say(format_args!("web client not served: {error}"));
    Ok(None)
}

/// Reloads the configuration file and the TLS certificate on every SIGHUP,
/// as REHASH does; connections stay up.
async fn reload_on_sighup(server: Arc<Server>, hup: Option<tokio::signal::unix::Signal>) {
    let Some(mut hup) = hup else { return };
    while hup.recv().await.is_some() {
        hichat_server::rehash::on_signal(&server).await;
    }
}

/// SIGHUP's handler, installed at once for the same reason as
/// [`shutdown_signal`]'s: a SIGHUP during start-up must not kill the server.
fn sighup() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

/// A future that completes on SIGINT or SIGTERM. The handlers are
/// installed when this is called, not when the future is first polled: a
/// signal that comes while the listeners are starting must shut the
/// server down gracefully, not kill it with the default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate()).ok();
    let int = signal(SignalKind::interrupt()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = wait(term) => {}
            _ = wait(int) => {}
        }
    }
}

/// `hichat config admin-token NAME`: a new token, and its config line.
pub fn admin_token(name: &str) -> ExitCode {
    use hichat_server::web::admin::tokens;
    if !tokens::valid_name(name) {
        return fail("a token name is 1 to 64 letters, digits, '.', '_' or '-'");
    }
    let (token, hash) = tokens::new_token();
    println!("token (give it to the client; it is not stored): {token}");
    println!("add to the [admin] section's tokens, and set enabled = true:");
    println!("  {{ name = \"{name}\", sha256 = \"{hash}\" }},");
    ExitCode::SUCCESS
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
