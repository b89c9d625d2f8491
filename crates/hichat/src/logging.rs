//! Where `hichat serve` logs. On standard error as a rule; but when the
//! operator console is an interactive terminal, that terminal is a chat
//! window, so the log goes to a file in the data directory and only
//! warnings and errors also reach the terminal.

use std::path::{Path, PathBuf};

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

/// Sets up logging to `target` (`RUST_LOG` chooses what; `info` by
/// default). Returns where it went: standard error too when the file cannot
/// be opened, with the reason.
pub fn init(target: LogTarget) -> Result<LogTarget, (LogTarget, String)> {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let LogTarget::File(path) = target else {
        fmt().with_env_filter(filter()).with_ansi(ansi).with_writer(std::io::stderr).init();
        return Ok(LogTarget::Stderr);
    };
    let file = match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        Ok(f) => f,
        Err(e) => {
            fmt().with_env_filter(filter()).with_ansi(ansi).with_writer(std::io::stderr).init();
            return Err((LogTarget::Stderr, format!("cannot write the log to {}: {e}", path.display())));
        }
    };
    tracing_subscriber::registry()
        .with(fmt::layer().with_ansi(false).with_writer(std::sync::Mutex::new(file)).with_filter(filter()))
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
