//! Registration: the welcome burst, nick collisions, CAP negotiation.

mod common;
use common::TestServer;

#[tokio::test]
async fn welcome_burst_then_nick_collision() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.send("NICK ann").await;
    ann.send("USER ann 0 * :Ann Example").await;
    let welcome = ann.expect("001").await;
    assert_eq!(welcome.params[0], "ann");
    assert!(welcome.params[1].contains("ann!ann@127.0.0.1"), "{welcome:?}");
    let isupport = ann.expect("005").await;
    assert!(isupport.params.iter().any(|p| p == "CASEMAPPING=ascii"), "{isupport:?}");
    ann.expect("376").await;

    let mut other = server.connect().await;
    other.send("NICK ANN").await;
    let clash = other.expect("433").await;
    assert_eq!(clash.params, vec!["*", "ANN", "Nickname is already in use"]);
    other.send("NICK ann2").await;
    other.send("USER x 0 * :x").await;
    other.expect("001").await;
    server.stop().await;
}
