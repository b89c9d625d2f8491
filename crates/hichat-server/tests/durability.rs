//! What the store keeps across a restart of the server on the same data
//! directory.

mod common;

use common::{test_config, TestServer};
use hichat_server::Server;
use std::path::{Path, PathBuf};

/// A fresh data directory for one test.
fn data_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-durability-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn start(dir: &Path) -> TestServer {
    let mut config = test_config();
    config.server.data_dir = dir.to_owned();
    TestServer::from_server(Server::open(config).expect("open the store")).await
}

#[tokio::test]
async fn accounts_survive_a_restart() {
    let dir = data_dir("accounts");
    let server = start(&dir).await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER hunter22").await;
    ann.expect("900").await;
    server.stop().await;

    let server = start(&dir).await;
    let mut c = server.client("someone").await;
    c.send("PRIVMSG NickServ :IDENTIFY ann hunter22").await;
    c.expect("900").await;
    c.send("PRIVMSG NickServ :IDENTIFY ann wrong").await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
