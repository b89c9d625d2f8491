//! IRC operators: OPER against an argon2 hash from the config, KILL and
//! WALLOPS, and 481 for everyone else.

mod common;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use common::{params, test_config, TestServer};
use hichat_server::config::Operator;

/// An argon2id PHC string for `password`. Cheap parameters keep the test
/// fast; the server reads them from the hash.
fn hash(password: &str) -> String {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).expect("params"));
    let salt = SaltString::encode_b64(b"hichat-test-salt").expect("salt");
    argon.hash_password(password.as_bytes(), &salt).expect("hash").to_string()
}

async fn server_with_opers() -> TestServer {
    let mut config = test_config();
    config.operators = vec![
        Operator { name: "root".into(), password_hash: hash("hunter2"), hosts: Vec::new() },
        Operator { name: "remote".into(), password_hash: hash("pw"), hosts: vec!["*@10.*".into()] },
    ];
    TestServer::with_config(config).await
}

#[tokio::test]
async fn oper_up() {
    let server = server_with_opers().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;

    ann.send("OPER root wrong").await;
    assert_eq!(params(&ann.expect("464").await), ["ann", "Password incorrect"]);
    // An unknown name answers as a wrong password does, so names cannot be
    // probed; only the right password from a host not allowed gets 491.
    ann.send("OPER nobody hunter2").await;
    assert_eq!(params(&ann.expect("464").await), ["ann", "Password incorrect"]);
    // This block is only for 10.x addresses.
    ann.send("OPER remote pw").await;
    assert_eq!(params(&ann.expect("491").await), ["ann", "No O-lines for your host"]);
    ann.send("OPER root").await;
    assert_eq!(params(&ann.expect("461").await), ["ann", "OPER", "Not enough parameters"]);
    ann.send("MODE ann").await;
    assert_eq!(params(&ann.expect("221").await), ["ann", "+"]);

    ann.send("OPER root hunter2").await;
    assert_eq!(params(&ann.expect("381").await), ["ann", "You are now an IRC operator"]);
    let mode = ann.expect("MODE").await;
    assert_eq!(mode.source.as_deref(), Some("ann!ann@127.0.0.1"));
    assert_eq!(params(&mode), ["ann", "+o"]);

    bob.send("WHOIS ann").await;
    let (oper, _) = bob.expect_with("313", |_| true).await;
    assert_eq!(params(&oper), ["bob", "ann", "is an IRC operator"]);
    bob.send("USERHOST ann").await;
    assert_eq!(params(&bob.expect("302").await), ["bob", "ann*=+ann@127.0.0.1"]);
    bob.send("WHO ann").await;
    assert_eq!(bob.expect("352").await.params[6], "H*");
    bob.expect("315").await;
    bob.send("LUSERS").await;
    assert_eq!(params(&bob.expect("252").await), ["bob", "1", "operator(s) online"]);

    // Dropping +o ends operator status.
    ann.send("MODE ann -o").await;
    assert_eq!(params(&ann.expect("MODE").await), ["ann", "-o"]);
    ann.send("WALLOPS :still?").await;
    assert_eq!(ann.expect("481").await.params[0], "ann");
    server.stop().await;
}

#[tokio::test]
async fn kill() {
    let server = server_with_opers().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    bob.join("#k").await;
    cat.join("#k").await;
    bob.sync().await;

    bob.send("KILL cat :no").await;
    assert_eq!(params(&bob.expect("481").await), ["bob", "Permission Denied- You're not an IRC operator"]);
    cat.expect_nothing().await;

    ann.send("OPER root hunter2").await;
    ann.expect("381").await;
    ann.send("KILL nobody :x").await;
    assert_eq!(params(&ann.expect("401").await), ["ann", "nobody", "No such nick/channel"]);

    ann.send("KILL bob :spamming 垃圾").await;
    let rest = bob.read_to_close().await;
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert_eq!(rest[0], ":ann!ann@127.0.0.1 KILL bob :spamming 垃圾");
    assert!(rest[1].starts_with("ERROR :") && rest[1].contains("Killed (ann (spamming 垃圾))"), "{rest:?}");
    let quit = cat.expect("QUIT").await;
    assert_eq!(quit.source.as_deref(), Some("bob!bob@127.0.0.1"));
    assert_eq!(params(&quit), ["Killed (ann (spamming 垃圾))"]);
    cat.expect_nothing().await;
    ann.send("ISON bob").await;
    assert_eq!(params(&ann.expect("303").await), ["ann", ""]);
    server.stop().await;
}

#[tokio::test]
async fn wallops() {
    let server = server_with_opers().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    bob.send("WALLOPS :hello").await;
    assert_eq!(bob.expect("481").await.params[0], "bob");

    cat.send("MODE cat +w").await;
    cat.expect("MODE").await;
    ann.send("OPER root hunter2").await;
    ann.expect("381").await;
    ann.send("WALLOPS :maintenance at 10:00 维护").await;
    let m = cat.expect("WALLOPS").await;
    assert_eq!(m.source.as_deref(), Some("ann!ann@127.0.0.1"));
    assert_eq!(params(&m), ["maintenance at 10:00 维护"]);
    cat.expect_nothing().await;
    bob.expect_nothing().await;
    server.stop().await;
}
