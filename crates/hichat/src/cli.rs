//! The command line, described with clap.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// hichat: a chat server that speaks IRC, and its clients.
#[derive(Debug, Parser)]
#[command(name = "hichat", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the chat server (IRC on 127.0.0.1:6666 by default).
    Serve(ServeArgs),
    /// Chat in a terminal: connects to 127.0.0.1:6666 and joins #hello.
    Connect(hichat_client::ConnectArgs),
    /// Work with the configuration file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Make TLS certificates.
    Cert {
        #[command(subcommand)]
        command: CertCommand,
    },
    /// Copy the server's database to a file while the server runs.
    Backup(BackupArgs),
    /// Put a backup back in place of the database (the server stopped).
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The server's data directory (the one with hichat.db).
    #[arg(long, value_name = "DIR", default_value = "./hichat-data")]
    pub data_dir: PathBuf,
    /// The file to write the backup to.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `hichat backup` wrote.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The data directory to restore into (made if missing); a database
    /// already there is moved aside, never deleted.
    #[arg(long, value_name = "DIR", default_value = "./hichat-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Write a self-signed certificate for localhost and 127.0.0.1
    /// (cert.pem, key.pem), for trying TLS out; clients must be told to
    /// trust it.
    SelfSigned {
        /// The directory to write cert.pem and key.pem into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on for IRC clients; repeatable. Examples:
    /// 127.0.0.1:6666, [::1]:6666, unix:/run/hichat.sock.
    /// Replaces the config file's list.
    #[arg(long = "listen", value_name = "ADDR")]
    pub listen: Vec<String>,
    /// A TOML configuration file (see `hichat config default`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for the server's data (default ./hichat-data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Read the operator console from standard input even when it is not a
    /// terminal (on a terminal the console is always on).
    #[arg(long)]
    pub console: bool,
    /// Where to serve the web client, WebSocket, /healthz and /metrics
    /// (default 127.0.0.1:8080); `off` for none.
    #[arg(long, value_name = "ADDR")]
    pub web: Option<String>,
    /// Address to listen on for IRC over TLS (default 127.0.0.1:6697 when a
    /// certificate is given); repeatable.
    #[arg(long = "tls-listen", value_name = "ADDR")]
    pub tls_listen: Vec<String>,
    /// PEM certificate chain for TLS (IRC and HTTPS); reloaded on SIGHUP and
    /// REHASH.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The log's format: `text`, or `json` for one JSON object a line, for
    /// log collectors (overrides `[server] log_format`).
    #[arg(long, value_name = "FORMAT", value_parser = ["text", "json"])]
    pub log_format: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the commented default configuration.
    Default,
    /// Check a configuration file: every problem with its line, or "ok".
    Check {
        /// The TOML file to check.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Read a password from standard input and print its argon2 hash, for an
    /// [[operator]] or [[webirc]] block.
    HashPassword,
    /// Make a new random admin API token; print it and the line to put in
    /// the [admin] section's `tokens`.
    AdminToken {
        /// The token's name, shown in the logs of what it does.
        name: String,
    },
}
