//! REHASH (operators) and SIGHUP: read the configuration file again and
//! apply it without dropping anyone.
//!
//! What changes at once: operator and WEBIRC blocks, limits and flood settings (for
//! connections made from then on; a connection keeps the send queue and
//! flood bucket it started with), the MOTD and other texts, accounts and
//! web settings, the STS duration, and the TLS certificate and key (new
//! handshakes use them; connections keep the session they have). Clients
//! are sent the new ISUPPORT tokens when limits they show change.
//!
//! What needs a restart: listening addresses, the data directory, and
//! turning TLS on. A changed one is kept at its old value with a warning.
//! The server and network names cannot change while clients know them: a
//! file that changes them is refused.
//!
//! Nothing is applied unless all of it can be: on any error (the file does
//! not parse, the certificate does not load) the old configuration stays.

use crate::config::Config;
use crate::i18n::Text;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::{accounts, isupport};
use hichat_proto::Numeric;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the configuration comes from: the file given with `--config`, and
/// what the command line overrides in it (applied again on every reload).
pub struct ConfigSource {
    pub path: PathBuf,
    pub overrides: Box<dyn Fn(&mut Config) + Send + Sync>,
}

impl std::fmt::Debug for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigSource").field("path", &self.path).finish_non_exhaustive()
    }
}

impl ConfigSource {
    /// A file with nothing overridden.
    pub fn file(path: impl Into<PathBuf>) -> ConfigSource {
        ConfigSource { path: path.into(), overrides: Box::new(|_| {}) }
    }
}

/// What a successful reload did.
#[derive(Debug, Default)]
pub struct Report {
    /// The file read, if there is one (SIGHUP without `--config` only
    /// reloads the certificate).
    pub file: Option<PathBuf>,
    /// Changes that were not applied, for the operator to read.
    pub warnings: Vec<String>,
    /// The ISUPPORT tokens changed and clients were told.
    pub isupport_changed: bool,
}

/// Reads and applies the configuration (blocking: it reads files; run it
/// off the async threads). On error nothing has changed.
pub fn reload(server: &Server) -> Result<Report, String> {
    let mut report = Report::default();
    let Some(source) = server.config_source() else {
        // Started without --config: the certificate is all there is to read.
        let Some(certs) = server.cert_store() else {
            return Err("no configuration file was given (--config), so there is nothing to read".into());
        };
        certs.reload().map_err(|e| e.to_string())?;
        return Ok(report);
    };
    report.file = Some(source.path.clone());
    let mut new = Config::load(&source.path).map_err(|e| e.to_string())?;
    (source.overrides)(&mut new);
    let old = server.info.config.get();
    if new.server.name != old.server.name {
        return Err("server.name cannot change while the server runs; restart to change it".into());
    }
    if new.server.network != old.server.network {
        return Err("server.network cannot change while the server runs; restart to change it".into());
    }
    keep_startup_settings(old, &mut new, &mut report.warnings);
    // The certificate is loaded before anything is applied, so a bad one
    // leaves everything as it was.
    let certs = server.cert_store();
    let loaded = match certs {
        Some(certs) => Some(certs.load_new(&new.tls.cert, &new.tls.key).map_err(|e| e.to_string())?),
        None => None,
    };
    if let (Some(certs), Some(loaded)) = (certs, loaded) {
        certs.install(loaded);
    }
    let lines = isupport::lines(&new);
    report.isupport_changed = lines != *server.info.isupport.get();
    server.info.config.replace(new);
    if report.isupport_changed {
        server.info.isupport.replace(lines);
    }
    Ok(report)
}

/// Puts back the settings that only take effect at start-up, with a
/// warning for each that the file changed.
fn keep_startup_settings(old: &Config, new: &mut Config, warnings: &mut Vec<String>) {
    let mut keep = |name: &str, changed: bool| {
        if changed {
            warnings.push(format!("{name} changed; it takes effect after a restart"));
        }
    };
    keep("server.listen", new.server.listen != old.server.listen);
    keep("server.data_dir", new.server.data_dir != old.server.data_dir);
    keep("tls.listen", new.tls.listen != old.tls.listen);
    keep("web.listen", new.web.listen != old.web.listen);
    keep("limits.whowas_entries", new.limits.whowas_entries != old.limits.whowas_entries);
    let tls_on = |c: &Config| !c.tls.cert.as_os_str().is_empty();
    let tls_switched = tls_on(old) != tls_on(new);
    keep("tls.cert (turning TLS on or off)", tls_switched);
    new.server.listen.clone_from(&old.server.listen);
    new.server.data_dir.clone_from(&old.server.data_dir);
    new.tls.listen.clone_from(&old.tls.listen);
    new.web.listen.clone_from(&old.web.listen);
    new.limits.whowas_entries = old.limits.whowas_entries;
    if tls_switched {
        new.tls.cert.clone_from(&old.tls.cert);
        new.tls.key.clone_from(&old.tls.key);
    }
}

/// Sends every registered client the 005 lines (after a reload changed
/// them).
pub fn announce_isupport(server: &Server) {
    let mut state = server.state();
    let ids: Vec<ClientId> = state.clients.values().filter(|c| c.registered).map(|c| c.id).collect();
    for id in ids {
        let mut ctx = crate::handlers::Ctx { info: &server.info, state: &mut state, id, oper_verified: None };
        for line in &server.info.isupport {
            let args: Vec<&str> = line.iter().map(String::as_str).collect();
            ctx.numeric(Numeric::RplISupport, &args);
        }
    }
    state.reap(&server.info.name);
}

/// What SIGHUP does: [`reload_and_log`], then the new 005 lines to clients.
pub async fn on_signal(server: &Arc<Server>) {
    if reload_and_log(server).await.is_ok_and(|r| r.isupport_changed) {
        announce_isupport(server);
    }
}

/// Reloads off the async threads and logs the outcome.
pub async fn reload_and_log(server: &Arc<Server>) -> Result<Report, String> {
    let s = server.clone();
    let result = tokio::task::spawn_blocking(move || reload(&s)).await.unwrap_or_else(|e| Err(e.to_string()));
    match &result {
        Ok(report) => {
            let file = report.file.as_deref().map(Path::display);
            match file {
                Some(file) => tracing::info!(file = %file, "configuration reloaded"),
                None => tracing::info!("no configuration file to reload (--config)"),
            }
            if server.cert_store().is_some() {
                tracing::info!("TLS certificate reloaded");
            }
            for w in &report.warnings {
                tracing::warn!("{w}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "configuration not reloaded; keeping the old one"),
    }
    result
}

/// Whether a command is REHASH.
pub fn is_rehash(verb: &str) -> bool {
    verb == "REHASH"
}

/// `REHASH`: operators only (481 otherwise). 382 on success, followed by a
/// NOTICE per setting that needs a restart; `FAIL REHASH` with the reason
/// when nothing could be applied.
pub async fn handle(server: &Arc<Server>, id: ClientId) {
    let allowed = accounts::with_ctx(server, id, |ctx| {
        if !crate::handlers::oper::operator_or_refuse(ctx) {
            return false;
        }
        tracing::info!(id, nick = %ctx.me().nick, "REHASH");
        true
    });
    if allowed != Some(true) {
        return;
    }
    let result = reload_and_log(server).await;
    let isupport_changed = result.as_ref().is_ok_and(|r| r.isupport_changed);
    accounts::with_ctx(server, id, |ctx| match result {
        Ok(report) => {
            let file = report.file.as_deref().map_or("TLS certificate".into(), |f| f.display().to_string());
            ctx.numeric(Numeric::RplRehashing, &[&file]);
            let nick = ctx.me().nick.clone();
            for w in report.warnings {
                let notice = ctx.server_message("NOTICE", [nick.as_str(), &format!("REHASH: {w}")]);
                ctx.send(&notice);
            }
        }
        Err(e) => {
            accounts::fail(ctx, "REHASH", "CANNOT_REHASH", &[], Text::with("fail-rehash", [("error", e.to_string())]))
        }
    });
    // After the operator's answer, so it reads as the outcome of its REHASH.
    if isupport_changed {
        announce_isupport(server);
    }
}
