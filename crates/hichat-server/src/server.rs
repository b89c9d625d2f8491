//! The server: shared configuration and state, connection spawning, and the
//! graceful shutdown of everything.

use crate::config::Config;
use crate::conn::{self, Peer};
use crate::listener::{accept_loop, Accepted, Listener};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::rehash::ConfigSource;
use crate::state::State;
use crate::store::{SqliteStore, Store, StoreError};
use crate::transport::tls::{self, CertStore};
use crate::transport::Kind;
use crate::{clock, isupport};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

/// Facts about this server, and its configuration.
#[derive(Debug)]
pub struct ServerInfo {
    /// The configuration; REHASH replaces it (see [`crate::rehash`]).
    pub config: Live<Config>,
    pub name: String,
    pub version: String,
    /// When the server started, as shown in 003.
    pub created: String,
    /// The 005 tokens, grouped per line; REHASH replaces them with the
    /// configuration.
    pub isupport: Live<Vec<Vec<String>>>,
    /// The port of the TLS listener, set when one is served.
    pub tls_port: OnceLock<u16>,
}

impl ServerInfo {
    /// The `sts` capability's value for a client connected over TLS or not
    /// (IRCv3 STS): the port to upgrade to for a plain-text client, the
    /// policy's duration for a secure one. `None` without a TLS listener or
    /// when `tls.sts` is off.
    pub fn sts_value(&self, tls: bool) -> Option<String> {
        let port = *self.tls_port.get()?;
        let config = &self.config.tls;
        config.sts.then(|| if tls { format!("duration={}", config.sts_duration_secs) } else { format!("port={port}") })
    }
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    pub info: ServerInfo,
    state: Mutex<State>,
    shutdown: watch::Sender<bool>,
    /// Every connection task, so shutdown can wait for them.
    tasks: TaskTracker,
    pub metrics: Metrics,
    /// Where accounts, registered channels and bans last.
    pub store: Arc<dyn Store>,
    /// The TLS certificate, which REHASH reloads.
    certs: OnceLock<Arc<CertStore>>,
    /// The configuration file REHASH reads.
    config_source: OnceLock<ConfigSource>,
    /// Where password hashing runs (sized at start; REHASH keeps it).
    pub hashing: crate::accounts::hashing::HashPool,
}

impl Server {
    pub fn new(config: Config) -> Arc<Server> {
        Self::with_store(config, SqliteStore::in_memory())
    }

    /// A server on `store`. Only one store is made (and its schema migrated)
    /// per server.
    fn with_store(config: Config, store: SqliteStore) -> Arc<Server> {
        let (shutdown, _) = watch::channel(false);
        let metrics = Metrics::new();
        store.attach_metrics(metrics.store.clone());
        let state = State::new(config.limits.whowas_entries);
        let hashing = crate::accounts::hashing::HashPool::new(config.accounts.hash_workers, config.accounts.hash_queue);
        Arc::new(Server {
            info: ServerInfo {
                name: config.server.name.clone(),
                version: format!("hichat-{}", env!("CARGO_PKG_VERSION")),
                created: clock::format_utc(clock::unix_now()),
                isupport: Live::new(isupport::lines(&config)),
                tls_port: OnceLock::new(),
                config: Live::new(config),
            },
            state: Mutex::new(state),
            shutdown,
            tasks: TaskTracker::new(),
            metrics,
            store: Arc::new(store),
            certs: OnceLock::new(),
            config_source: OnceLock::new(),
            hashing,
        })
    }

    /// Tells the server which file its configuration came from, so REHASH
    /// and SIGHUP can read it again. Only the first call counts.
    pub fn set_config_source(&self, source: ConfigSource) {
        let _ = self.config_source.set(source);
    }

    pub fn config_source(&self) -> Option<&ConfigSource> {
        self.config_source.get()
    }

    /// Tells the server the certificate its TLS listeners serve, so REHASH
    /// and SIGHUP can reload it. Only the first call counts.
    pub fn set_cert_store(&self, certs: Arc<CertStore>) {
        let _ = self.certs.set(certs);
    }

    pub fn cert_store(&self) -> Option<&Arc<CertStore>> {
        self.certs.get()
    }

    /// A server whose accounts, registered channels and bans last in
    /// `<data_dir>/hichat.db` (the directory must exist). [`Server::new`]
    /// keeps them in memory only.
    pub fn open(config: Config) -> Result<Arc<Server>, StoreError> {
        let store = SqliteStore::open(&config.server.data_dir)?;
        let records = store.load()?;
        let mut server = Server::with_store(config, store);
        let s = Arc::get_mut(&mut server).expect("a new server is not shared yet");
        s.state.get_mut().unwrap_or_else(|e| e.into_inner()).records = records;
        Ok(server)
    }

    /// Locks the state. Never hold the guard across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that changes to `true` when the server shuts down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Starts a task for an accepted connection.
    pub fn spawn_connection(self: Arc<Self>, accepted: Accepted) {
        let kind = match &accepted {
            Accepted::Tcp(..) => Kind::Tcp,
            Accepted::Unix(_) => Kind::Unix,
            Accepted::Tls(..) => Kind::Tls,
        };
        let server = self.clone();
        self.spawn_tracked(kind, async move {
            match accepted {
                Accepted::Tcp(stream, addr) => conn::run(server, stream, Peer::Ip(addr)).await,
                Accepted::Unix(stream) => conn::run(server, stream, Peer::Local).await,
                // Boxed: a TLS session's state is several KiB, and unboxed it
                // would size every connection's task, plain ones included
                // (11 KiB per idle TCP client, measured with massif).
                Accepted::Tls(stream, addr, acceptor) => Box::pin(tls::serve(server, stream, addr, acceptor)).await,
            }
        });
    }

    /// Starts a connection's task (a bridged one, such as a WebSocket, or
    /// any other): shutdown waits for it, and metrics count it as `kind`.
    pub fn spawn_tracked(&self, kind: Kind, task: impl Future<Output = ()> + Send + 'static) {
        let open = self.metrics.connection_opened(kind);
        // Boxed: a block that owns a future and awaits it stores it twice
        // (as the captured value and as the awaited one), which made every
        // connection's task 4.8 KiB instead of 2.4.
        let task = Box::pin(task);
        self.tasks.spawn(async move {
            let _open = open;
            task.await
        });
    }

    /// Serves the listeners until `shutdown` completes, then tells every
    /// client `ERROR :Server shutting down` and waits (up to 1.5 s) for the
    /// connections to flush and close.
    pub async fn serve(self: Arc<Self>, listeners: Vec<Listener>, shutdown: impl Future<Output = ()>) {
        let mut accepts = Vec::new();
        if let Some(port) = listeners.iter().find_map(Listener::tls_port) {
            let _ = self.info.tls_port.set(port);
        }
        // Chat history goes to the store this server ended up with.
        let (recorder, replays) = crate::history::Recorder::new(
            self.store.clone(),
            &self.info.config.history,
            &self.info.config.server.default_channel,
        );
        self.state().history = recorder;
        tokio::spawn(crate::history::run(self.clone(), replays));
        for listener in listeners {
            tracing::info!(addr = %listener.local_addr(), "listening");
            accepts.push(tokio::spawn(accept_loop(self.clone(), listener)));
        }
        shutdown.await;
        tracing::info!("shutting down");
        self.shutdown.send_replace(true);
        for a in accepts {
            let _ = a.await;
        }
        self.tasks.close();
        if tokio::time::timeout(Duration::from_millis(1500), self.tasks.wait()).await.is_err() {
            tracing::warn!(left = self.tasks.len(), "connections still open after the shutdown grace period");
        }
        // Commit whatever is still queued before returning.
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }
}
