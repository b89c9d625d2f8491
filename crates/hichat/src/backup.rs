//! `hichat backup`, `hichat restore` and `hichat config check`: the wiring
//! to hichat-server's store backups and configuration checker, and what
//! they print.

use crate::cli::{BackupArgs, RestoreArgs};
use hichat_server::config_check;
use hichat_server::store::backup::{self as store_backup, BackupError};
use std::path::Path;
use std::process::ExitCode;

/// Exit code for anything the user can fix.
const USER_ERROR: u8 = 2;

fn failed(e: &BackupError) -> ExitCode {
    eprintln!("hichat: {e}");
    ExitCode::from(match e {
        BackupError::User(_) => USER_ERROR,
        BackupError::Failed(_) => 1,
    })
}

/// `hichat backup --data-dir DIR --out FILE [--force]`.
pub fn backup(args: &BackupArgs) -> ExitCode {
    match store_backup::backup(&args.data_dir, &args.out, args.force) {
        Ok(contents) => {
            println!("hichat: backed up to {}: {contents}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

/// `hichat restore --from FILE --data-dir DIR`.
pub fn restore(args: &RestoreArgs) -> ExitCode {
    match store_backup::restore(&args.from, &args.data_dir) {
        Ok(done) => {
            println!("hichat: restored {} to {}: {}", args.from.display(), done.database.display(), done.contents);
            if let Some(old) = done.replaced {
                println!("hichat: the database that was there is now {}", old.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

/// `hichat config check FILE`: each problem as `FILE:LINE: message` on
/// standard error and exit 2, or one "ok" line on standard output.
pub fn config_check(file: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("hichat: cannot read {}: {e}", file.display());
            return ExitCode::from(USER_ERROR);
        }
    };
    match config_check::check(&text) {
        Ok(config) => {
            println!("{}: ok: {}", file.display(), config_check::summary(&config));
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                match p.line {
                    Some(line) => eprintln!("{}:{line}: {}", file.display(), p.message),
                    None => eprintln!("{}: {}", file.display(), p.message),
                }
            }
            let n = problems.len();
            eprintln!("hichat: {}: {n} problem{}", file.display(), if n == 1 { "" } else { "s" });
            ExitCode::from(USER_ERROR)
        }
    }
}
