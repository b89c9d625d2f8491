//! `hichat`: the one user-facing binary. It parses the command line, sets up
//! logging and signals, and hands over to the server or client crates; no
//! chat logic lives here.

mod backup;
mod cert;
mod cli;
mod console;
mod logging;
mod serve;

use clap::Parser;
use cli::{CertCommand, Cli, Command, ConfigCommand};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Connect(args) => ExitCode::from(hichat_client::run(args).clamp(0, 255) as u8),
        Command::Config { command: ConfigCommand::Default } => {
            print!("{}", hichat_server::DEFAULT_TOML);
            ExitCode::SUCCESS
        }
        Command::Config { command: ConfigCommand::HashPassword } => serve::hash_password(),
        Command::Config { command: ConfigCommand::Check { file } } => backup::config_check(&file),
        Command::Config { command: ConfigCommand::AdminToken { name } } => serve::admin_token(&name),
        Command::Backup(args) => backup::backup(&args),
        Command::Restore(args) => backup::restore(&args),
        Command::Cert { command: CertCommand::SelfSigned { out } } => cert::self_signed(&out),
    }
}
