//! Where `hichat serve` logs. On standard error as a rule; but when the
//! operator console is an interactive terminal, that terminal is a chat
//! window, so the log goes to a file in the data directory and only
//! warnings and errors also reach the terminal. The log is text, or JSON
//! lines (`--log-format json`) for log collectors.

use hichat_server::config::LogFormat;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the log is JSON: the binary's own status lines go through the
/// log then, so that every line on standard error is one JSON object.
static JSON: AtomicBool = AtomicBool::new(false);

/// Prints one of the binary's status lines (`hichat: serving IRC on ...`):
/// as text on standard error, or as a log event when the log is JSON.
pub fn say(message: impl std::fmt::Display) {
    if JSON.load(Ordering::Relaxed) {
        tracing::info!("{message}");
    } else {
        eprintln!("hichat: {message}");
    }
}

/// As [`say`], for an error the user must fix.
pub fn say_error(message: impl std::fmt::Display) {
    if JSON.load(Ordering::Relaxed) {
        tracing::error!("{message}");
    } else {
        eprintln!("hichat: {message}");
    }
}

/// The log's destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Stderr,
    /// This file, with warnings also on standard error.
    File(PathBuf),
}

/// The log file's name in the data directory.
pub const FILE_NAME: &str = "hichat.log";

/// Decides where the log goes: to a file in `data_dir` when the console
/// runs (`console`) with a terminal on both sides (stdin and stderr),
/// otherwise to standard error, where a service manager collects it.
pub fn target(console: bool, stdin_tty: bool, stderr_tty: bool, data_dir: &Path) -> LogTarget {
    if console && stdin_tty && stderr_tty {
        LogTarget::File(data_dir.join(FILE_NAME))
    } else {
        LogTarget::Stderr
    }
}

/// Sets up logging to `target` in `format` (`RUST_LOG` chooses what;
/// `info` by default). Returns where it went: standard error too when the
/// file cannot be opened, with the reason. With a file, the warnings also
/// shown on the terminal stay text: a person reads them.
pub fn init(target: LogTarget, format: LogFormat) -> Result<LogTarget, (LogTarget, String)> {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let json = format == LogFormat::Json;
    JSON.store(json, Ordering::Relaxed);
    let stderr_only = || {
        let layer = fmt::layer().with_writer(std::io::stderr);
        if json {
            // flatten_event: `message` and the fields sit beside `level`.
            tracing_subscriber::registry().with(layer.json().flatten_event(true).with_filter(filter())).init();
        } else {
            tracing_subscriber::registry().with(layer.with_ansi(ansi).with_filter(filter())).init();
        }
    };
    let LogTarget::File(path) = target else {
        stderr_only();
        return Ok(LogTarget::Stderr);
    };
    let file = match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        Ok(f) => f,
        Err(e) => {
            stderr_only();
            return Err((LogTarget::Stderr, format!("cannot write the log to {}: {e}", path.display())));
        }
    };
    // The status lines go to the terminal as text here, whatever the format.
    JSON.store(false, Ordering::Relaxed);
    let to_file = fmt::layer().with_ansi(false).with_writer(std::sync::Mutex::new(file));
    let to_file = if json { to_file.json().flatten_event(true).boxed() } else { to_file.boxed() };
    tracing_subscriber::registry()
        .with(to_file.with_filter(filter()))
        .with(fmt::layer().with_ansi(ansi).with_writer(std::io::stderr).with_filter(LevelFilter::WARN))
        .init();
    Ok(LogTarget::File(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_only_for_an_interactive_console() {
        let dir = Path::new("data");
        assert_eq!(target(true, true, true, dir), LogTarget::File(dir.join("hichat.log")));
        // --console on a pipe (tests, scripts), or output to a file or journal.
        assert_eq!(target(true, false, true, dir), LogTarget::Stderr);
        assert_eq!(target(true, true, false, dir), LogTarget::Stderr);
        assert_eq!(target(false, false, false, dir), LogTarget::Stderr);
    }
}
