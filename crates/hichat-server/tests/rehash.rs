//! REHASH: operators only; reads the configuration file again and applies
//! operator blocks, limits (with the new 005 sent to clients) and the MOTD
//! while everyone stays connected; a bad file changes nothing.

mod common;

use common::{params, test_config, TestClient, TestServer};
use hichat_server::rehash::ConfigSource;
use hichat_server::{Config, Server};
use std::path::{Path, PathBuf};

/// A cheap argon2id hash for an operator block.
fn hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon.hash_password(password.as_bytes(), &SaltString::encode_b64(b"hichat-test-salt").unwrap()).unwrap().to_string()
}

/// A configuration file: one operator `root` with `password`, a MOTD and a
/// nick length, plus `extra` TOML at the end of `[server]`.
fn write_config(path: &Path, password: &str, motd: &str, nick_length: usize, extra: &str) {
    let text = format!(
        "[server]\nmotd = \"{motd}\"\n{extra}\n\
         [limits]\nconnections_per_ip = 10000\nnick_length = {nick_length}\n\
         [flood]\nenabled = false\n\
         [[operator]]\nname = \"root\"\npassword_hash = \"{}\"\n",
        hash(password)
    );
    std::fs::write(path, text).unwrap();
}

fn config_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-rehash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("hichat.toml")
}

/// A server started from the file at `path`, which REHASH reads again.
async fn server_from(path: &Path) -> TestServer {
    let server = Server::new(Config::load(path).unwrap());
    server.set_config_source(ConfigSource::file(path));
    TestServer::from_server(server).await
}

/// OPER root; returns the reply's numeric (381 or 464).
async fn oper(c: &mut TestClient, password: &str) -> String {
    c.send(&format!("OPER root {password}")).await;
    loop {
        let m = c.message().await;
        if m.command == "381" || m.command == "464" {
            return m.command;
        }
    }
}

#[tokio::test]
async fn rehash_needs_an_operator() {
    let path = config_path("denied");
    write_config(&path, "pw", "hello", 30, "");
    let server = server_from(&path).await;
    let mut bob = server.client("bob").await;
    bob.send("REHASH").await;
    assert_eq!(params(&bob.expect("481").await), ["bob", "Permission Denied- You're not an IRC operator"]);
    let mut early = server.connect().await;
    // (A first line that is not IRC would start a plain-text session.)
    early.send("NICK early").await;
    early.send("REHASH").await;
    early.expect("451").await;
    server.stop().await;
}

#[tokio::test]
async fn rehash_applies_a_new_operator_password_limits_and_motd() {
    let path = config_path("apply");
    write_config(&path, "old-password", "old motd", 30, "");
    let server = server_from(&path).await;
    let mut ann = server.client("ann").await;
    assert_eq!(oper(&mut ann, "old-password").await, "381");
    ann.sync().await;
    let mut bob = server.client("bob").await;

    // The new password, MOTD and nick length; a listen address, which
    // needs a restart.
    write_config(&path, "new-password", "new motd", 20, "listen = [\"127.0.0.1:1\"]");
    ann.send("REHASH").await;
    let (rehashing, before) = ann.expect_with("382", |_| true).await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(params(&rehashing), ["ann", path.to_str().unwrap(), "Rehashing"]);
    let notice = ann.expect("NOTICE").await;
    assert!(notice.params[1].contains("server.listen changed; it takes effect after a restart"), "{notice:?}");

    // Everyone connected is told the new NICKLEN, and stays connected.
    let isupport = bob.expect_with("005", |m| m.params.iter().any(|p| p.starts_with("NICKLEN="))).await.0;
    assert!(isupport.params.contains(&"NICKLEN=20".to_owned()), "{isupport:?}");
    bob.send("NICK abcdefghijklmnopqrstu").await;
    bob.expect("432").await;
    bob.send("NICK abcdefghijklmnopqrst").await;
    assert_eq!(bob.expect("NICK").await.params[0], "abcdefghijklmnopqrst");

    let mut cyd = server.client("cyd").await;
    assert_eq!(oper(&mut cyd, "old-password").await, "464");
    assert_eq!(oper(&mut cyd, "new-password").await, "381");
    cyd.send("MOTD").await;
    assert_eq!(cyd.expect("372").await.params[1], "- new motd");

    // The listen address was kept: the server still answers where it was.
    ann.send("PING :still").await;
    assert_eq!(ann.expect("PONG").await.params[1], "still");
    server.stop().await;
}

#[tokio::test]
async fn a_bad_file_changes_nothing() {
    let path = config_path("bad");
    write_config(&path, "pw", "kept motd", 30, "");
    let server = server_from(&path).await;
    let mut ann = server.client("ann").await;
    assert_eq!(oper(&mut ann, "pw").await, "381");

    std::fs::write(&path, "[limits]\nnick_length = \"long\"\n").unwrap();
    ann.send("REHASH").await;
    let fail = ann.expect("FAIL").await;
    assert_eq!(&fail.params[..2], ["REHASH", "CANNOT_REHASH"]);
    assert!(fail.params[2].contains("line 2"), "{fail:?}");

    // Renaming the server is refused as a whole, even with a new password.
    write_config(&path, "other", "new motd", 30, "name = \"renamed.example\"");
    ann.send("REHASH").await;
    assert!(ann.expect("FAIL").await.params[2].contains("server.name cannot change"));

    let mut bob = server.client("bob").await;
    assert_eq!(oper(&mut bob, "pw").await, "381");
    bob.send("MOTD").await;
    assert_eq!(bob.expect("372").await.params[1], "- kept motd");
    server.stop().await;
}

#[tokio::test]
async fn without_a_file_there_is_nothing_to_read() {
    let mut config = test_config();
    config.operators =
        vec![hichat_server::config::Operator { name: "root".into(), password_hash: hash("pw"), hosts: Vec::new() }];
    let server = TestServer::with_config(config).await;
    let mut ann = server.client("ann").await;
    assert_eq!(oper(&mut ann, "pw").await, "381");
    ann.send("REHASH").await;
    let fail = ann.expect("FAIL").await;
    assert!(fail.params[2].contains("no configuration file"), "{fail:?}");
    server.stop().await;
}
