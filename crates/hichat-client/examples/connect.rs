//! `hichat connect` on its own, for trying the client by hand before it is
//! wired into the `hichat` binary: `cargo run -p hichat-client --example connect -- --nick ann`.

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: hichat_client::ConnectArgs,
}

fn main() {
    std::process::exit(hichat_client::run(Cli::parse().args));
}
