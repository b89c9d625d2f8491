//! Channel modes `o v b e I i k l m n s t` with their error numerics, and
//! user modes `i o w`.

mod common;
use common::{commands, params, test_config, TestClient, TestServer};

const ANN: &str = "ann!ann@127.0.0.1";

/// ann creates `chan` (and is its operator); the others join it.
async fn channel_with<const N: usize>(server: &TestServer, chan: &str, nicks: [&str; N]) -> [TestClient; N] {
    let mut clients = Vec::new();
    for nick in nicks {
        let mut c = server.client(nick).await;
        c.join(chan).await;
        clients.push(c);
    }
    for c in &mut clients {
        c.sync().await;
    }
    clients.try_into().unwrap_or_else(|_| unreachable!())
}

/// Sends a MODE change as `op` and checks that both `op` and `watcher` see
/// exactly it.
async fn set_mode(op: &mut TestClient, watcher: &mut TestClient, chan: &str, change: &str) {
    op.send(&format!("MODE {chan} {change}")).await;
    let mut expected = vec![chan];
    expected.extend(change.split(' '));
    for c in [op, watcher] {
        assert_eq!(params(&c.expect("MODE").await), expected);
    }
}

#[tokio::test]
async fn query_and_default_modes() {
    let server = TestServer::start().await;
    let [mut ann, mut bob] = channel_with(&server, "#m", ["ann", "bob"]).await;
    ann.send("MODE #m").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["324", "329"]);
    assert_eq!(params(&got[0]), ["ann", "#m", "+nt"]);
    assert_eq!(&got[1].params[..2], ["ann", "#m"]);
    assert!(got[1].params[2].parse::<u64>().is_ok(), "{got:?}");

    // Key and limit show up with their parameters; the key only for members.
    set_mode(&mut ann, &mut bob, "#m", "+kl sesame 10").await;
    bob.send("MODE #m").await;
    assert_eq!(params(&bob.expect("324").await), ["bob", "#m", "+ntkl", "sesame", "10"]);
    let mut out = server.client("out").await;
    out.send("MODE #m").await;
    assert_eq!(params(&out.expect("324").await), ["out", "#m", "+ntkl", "*", "10"]);
    out.send("MODE #nowhere").await;
    assert_eq!(params(&out.expect("403").await), ["out", "#nowhere", "No such channel"]);

    ann.send("MODE #m +Z").await;
    assert_eq!(params(&ann.expect("472").await), ["ann", "Z", "is unknown mode char to me"]);
    server.stop().await;
}

#[tokio::test]
async fn op_and_voice() {
    let server = TestServer::start().await;
    let [mut ann, mut bob, mut cat] = channel_with(&server, "#ov", ["ann", "bob", "cat"]).await;
    let _out = server.client("out").await;

    bob.send("MODE #ov +o cat").await;
    assert_eq!(params(&bob.expect("482").await), ["bob", "#ov", "You're not channel operator"]);
    ann.send("MODE #ov +o nobody").await;
    assert_eq!(params(&ann.expect("401").await), ["ann", "nobody", "No such nick/channel"]);
    ann.send("MODE #ov +v out").await;
    assert_eq!(params(&ann.expect("441").await), ["ann", "out", "#ov", "They aren't on that channel"]);

    ann.send("MODE #ov +ov bob cat").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        let m = c.expect("MODE").await;
        assert_eq!(m.source.as_deref(), Some(ANN));
        assert_eq!(params(&m), ["#ov", "+ov", "bob", "cat"]);
    }
    cat.send("NAMES #ov").await;
    assert_eq!(params(&cat.expect("353").await), ["cat", "=", "#ov", "+cat @ann @bob"]);
    // Now an operator, bob can deop ann.
    set_mode(&mut bob, &mut cat, "#ov", "-o ann").await;
    ann.send("MODE #ov +m").await;
    assert_eq!(ann.expect("482").await.params[1], "#ov");
    // Setting what is already set changes nothing and says nothing.
    bob.send("MODE #ov +v cat").await;
    bob.expect_nothing().await;
    cat.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn bans_and_exceptions() {
    let server = TestServer::start().await;
    let [mut ann, mut bob] = channel_with(&server, "#b", ["ann", "bob"]).await;
    let mut cat = server.client("cat").await;

    bob.send("MODE #b +b cat").await;
    assert_eq!(params(&bob.expect("482").await), ["bob", "#b", "You're not channel operator"]);
    // A bare nick becomes a full mask.
    ann.send("MODE #b +b cat").await;
    for c in [&mut ann, &mut bob] {
        assert_eq!(params(&c.expect("MODE").await), ["#b", "+b", "cat!*@*"]);
    }
    cat.send("JOIN #b").await;
    assert_eq!(params(&cat.expect("474").await), ["cat", "#b", "Cannot join channel (+b)"]);

    // Anyone may read the list.
    bob.send("MODE #b +b").await;
    let got = bob.sync().await;
    assert_eq!(commands(&got), ["367", "368"]);
    assert_eq!(&got[0].params[..4], ["bob", "#b", "cat!*@*", ANN]);
    assert!(got[0].params[4].parse::<u64>().is_ok());
    assert_eq!(params(&got[1]), ["bob", "#b", "End of channel ban list"]);

    // A banned member cannot speak.
    set_mode(&mut ann, &mut bob, "#b", "+b bob!*@*").await;
    bob.send("PRIVMSG #b :let me speak").await;
    let refused = bob.expect("404").await;
    assert_eq!(&refused.params[..2], ["bob", "#b"]);
    ann.expect_nothing().await;

    // An exception overrides a ban.
    set_mode(&mut ann, &mut bob, "#b", "+b *!*@127.0.0.1").await;
    set_mode(&mut ann, &mut bob, "#b", "+e cat!*@*").await;
    cat.send("JOIN #b").await;
    assert_eq!(params(&cat.expect("JOIN").await), ["#b"]);
    ann.expect("JOIN").await;
    let mut dan = server.client("dan").await;
    dan.send("JOIN #b").await;
    assert_eq!(dan.expect("474").await.params[1], "#b");
    ann.send("MODE #b e").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["348", "349"]);
    assert_eq!(&got[0].params[..3], ["ann", "#b", "cat!*@*"]);
    assert_eq!(params(&got[1]), ["ann", "#b", "End of channel exception list"]);

    ann.send("MODE #b -b *!*@127.0.0.1").await;
    ann.expect("MODE").await;
    dan.send("JOIN #b").await;
    assert_eq!(params(&dan.expect("JOIN").await), ["#b"]);
    server.stop().await;
}

#[tokio::test]
async fn ban_list_is_bounded() {
    let mut config = test_config();
    config.limits.list_entries = 2;
    let server = TestServer::with_config(config).await;
    let [mut ann] = channel_with(&server, "#full", ["ann"]).await;
    ann.send("MODE #full +bb a!*@* b!*@*").await;
    ann.expect("MODE").await;
    ann.send("MODE #full +b c!*@*").await;
    assert_eq!(params(&ann.expect("478").await), ["ann", "#full", "b", "Channel list is full"]);
    server.stop().await;
}

#[tokio::test]
async fn invite_only_and_invite_exceptions() {
    let server = TestServer::start().await;
    let [mut ann, mut bob] = channel_with(&server, "#i", ["ann", "bob"]).await;
    let mut cat = server.client("cat").await;
    let mut dan = server.client("dan").await;
    set_mode(&mut ann, &mut bob, "#i", "+i").await;
    cat.send("JOIN #i").await;
    assert_eq!(params(&cat.expect("473").await), ["cat", "#i", "Cannot join channel (+i)"]);

    set_mode(&mut ann, &mut bob, "#i", "+I cat!*@127.0.0.1").await;
    cat.send("JOIN #i").await;
    assert_eq!(params(&cat.expect("JOIN").await), ["#i"]);
    bob.expect("JOIN").await;
    dan.send("JOIN #i").await;
    assert_eq!(dan.expect("473").await.params[1], "#i");

    bob.send("MODE #i I").await;
    let got = bob.sync().await;
    assert_eq!(commands(&got), ["346", "347"]);
    assert_eq!(&got[0].params[..4], ["bob", "#i", "cat!*@127.0.0.1", ANN]);
    assert_eq!(params(&got[1]), ["bob", "#i", "End of channel invite exception list"]);

    set_mode(&mut ann, &mut bob, "#i", "-i").await;
    dan.send("JOIN #i").await;
    assert_eq!(params(&dan.expect("JOIN").await), ["#i"]);
    server.stop().await;
}

#[tokio::test]
async fn key() {
    let server = TestServer::start().await;
    let [mut ann, mut bob] = channel_with(&server, "#k", ["ann", "bob"]).await;
    let mut cat = server.client("cat").await;
    ann.send("MODE #k +k a,b").await;
    assert_eq!(params(&ann.expect("525").await), ["ann", "#k", "Key is not well-formed"]);
    ann.send("MODE #k +k").await;
    assert_eq!(ann.expect("525").await.params[1], "#k");
    bob.send("MODE #k +k mine").await;
    assert_eq!(bob.expect("482").await.params[1], "#k");

    set_mode(&mut ann, &mut bob, "#k", "+k s3cret").await;
    cat.send("JOIN #k").await;
    assert_eq!(params(&cat.expect("475").await), ["cat", "#k", "Cannot join channel (+k)"]);
    cat.send("JOIN #k wrong").await;
    assert_eq!(cat.expect("475").await.params[1], "#k");
    cat.send("JOIN #k s3cret").await;
    assert_eq!(params(&cat.expect("JOIN").await), ["#k"]);

    // Removing the key shows `*`, never the key.
    set_mode(&mut ann, &mut bob, "#k", "-k *").await;
    let mut dan = server.client("dan").await;
    dan.join("#k").await;
    server.stop().await;
}

#[tokio::test]
async fn limit() {
    let server = TestServer::start().await;
    let [mut ann, mut bob] = channel_with(&server, "#l", ["ann", "bob"]).await;
    let mut cat = server.client("cat").await;
    ann.send("MODE #l +l abc").await;
    assert_eq!(params(&ann.expect("696").await), ["ann", "#l", "l", "abc", "Invalid limit: must be a positive number"]);
    ann.send("MODE #l +l 0").await;
    assert_eq!(&ann.expect("696").await.params[1..4], ["#l", "l", "0"]);

    set_mode(&mut ann, &mut bob, "#l", "+l 2").await;
    cat.send("JOIN #l").await;
    assert_eq!(params(&cat.expect("471").await), ["cat", "#l", "Cannot join channel (+l)"]);
    set_mode(&mut ann, &mut bob, "#l", "-l").await;
    cat.send("JOIN #l").await;
    assert_eq!(params(&cat.expect("JOIN").await), ["#l"]);
    server.stop().await;
}

#[tokio::test]
async fn moderated_and_no_external() {
    let server = TestServer::start().await;
    let [mut ann, mut bob, mut cat] = channel_with(&server, "#mod", ["ann", "bob", "cat"]).await;
    let mut out = server.client("out").await;

    // +n is on by default.
    out.send("PRIVMSG #mod :from outside").await;
    assert_eq!(params(&out.expect("404").await), ["out", "#mod", "Cannot send to channel (no external messages)"]);
    set_mode(&mut ann, &mut bob, "#mod", "-n").await;
    out.send("PRIVMSG #mod :from outside").await;
    assert_eq!(params(&bob.expect("PRIVMSG").await), ["#mod", "from outside"]);
    assert_eq!(params(&cat.expect("PRIVMSG").await), ["#mod", "from outside"]);

    set_mode(&mut ann, &mut bob, "#mod", "+m").await;
    cat.expect("MODE").await;
    bob.sync().await;
    bob.send("PRIVMSG #mod :can I talk?").await;
    assert_eq!(params(&bob.expect("404").await), ["bob", "#mod", "Cannot send to channel (+m)"]);
    cat.expect_nothing().await;
    set_mode(&mut ann, &mut cat, "#mod", "+v bob").await;
    bob.send("PRIVMSG #mod :now I can").await;
    assert_eq!(params(&cat.expect("PRIVMSG").await), ["#mod", "now I can"]);
    // Operators always may.
    ann.send("PRIVMSG #mod :op here").await;
    assert_eq!(params(&cat.expect("PRIVMSG").await), ["#mod", "op here"]);
    server.stop().await;
}

#[tokio::test]
async fn secret() {
    let server = TestServer::start().await;
    let [mut ann, mut bob] = channel_with(&server, "#s", ["ann", "bob"]).await;
    ann.join("#open").await;
    let mut out = server.client("out").await;
    set_mode(&mut ann, &mut bob, "#s", "+s").await;

    bob.send("NAMES #s").await;
    assert_eq!(params(&bob.expect("353").await), ["bob", "@", "#s", "@ann bob"]);
    out.send("NAMES #s").await;
    assert_eq!(commands(&out.sync().await), ["366"]);
    out.send("WHOIS ann").await;
    assert_eq!(params(&out.expect("319").await), ["out", "ann", "@#open"]);
    out.expect("318").await;
    bob.send("WHOIS ann").await;
    let chans = bob.expect("319").await;
    let mut list: Vec<&str> = chans.params[2].split(' ').collect();
    list.sort_unstable();
    assert_eq!(list, ["@#open", "@#s"]);
    out.send("WHO #s").await;
    assert_eq!(commands(&out.sync().await), ["315"]);
    out.send("TOPIC #s").await;
    assert_eq!(out.expect("403").await.params[1], "#s");
    server.stop().await;
}

#[tokio::test]
async fn user_modes() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let _bob = server.client("bob").await;
    // irssi sends `MODE <nick> +i` right after 001.
    ann.send("MODE ann +i").await;
    let m = ann.expect("MODE").await;
    assert_eq!(m.source.as_deref(), Some(ANN));
    assert_eq!(params(&m), ["ann", "+i"]);
    ann.send("MODE ann").await;
    assert_eq!(params(&ann.expect("221").await), ["ann", "+i"]);
    ann.send("MODE ann +w-i").await;
    assert_eq!(params(&ann.expect("MODE").await), ["ann", "+w-i"]);
    // +o comes only from OPER.
    ann.send("MODE ann +o").await;
    ann.expect_nothing().await;
    ann.send("MODE ann +x").await;
    assert_eq!(params(&ann.expect("501").await), ["ann", "Unknown MODE flag"]);
    ann.send("MODE bob +i").await;
    assert_eq!(params(&ann.expect("502").await), ["ann", "Cant change mode for other users"]);
    ann.send("MODE nobody +i").await;
    assert_eq!(params(&ann.expect("401").await), ["ann", "nobody", "No such nick/channel"]);
    server.stop().await;
}
