//! Channels: chatting, JOIN (keys, several, `JOIN 0`), PART, TOPIC, NAMES,
//! LIST, KICK and INVITE.

mod common;
use common::{commands, params, TestServer};
use std::time::Duration;

const ANN: &str = "ann!ann@127.0.0.1";
const BOB: &str = "bob!bob@127.0.0.1";

#[tokio::test]
async fn three_users_chat_in_utf8_and_byte_by_byte() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    ann.join("#chat").await;
    bob.join("#chat").await;
    cat.join("#chat").await;
    ann.expect_with("JOIN", |m| m.source_nick() == Some("cat")).await;
    bob.expect_with("JOIN", |m| m.source_nick() == Some("cat")).await;

    let text = "你好，世界！Hello 🎉👋🏽 naïve café";
    ann.send(&format!("PRIVMSG #chat :{text}")).await;
    for peer in [&mut bob, &mut cat] {
        let m = peer.expect("PRIVMSG").await;
        assert_eq!(m.source.as_deref(), Some(ANN));
        assert_eq!(params(&m), ["#chat", text]);
    }
    // Without echo-message the sender does not get its own line back.
    ann.expect_nothing().await;

    // A line trickling in one byte per write, splitting every multi-byte
    // character, arrives whole.
    let slow = "慢慢来 🐢 one byte at a time";
    for byte in format!("PRIVMSG #chat :{slow}\r\n").bytes() {
        bob.send_raw(&[byte]).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for peer in [&mut ann, &mut cat] {
        let m = peer.expect("PRIVMSG").await;
        assert_eq!(m.source.as_deref(), Some(BOB));
        assert_eq!(params(&m), ["#chat", slow]);
    }
    cat.send("NOTICE #chat :a notice").await;
    assert_eq!(params(&ann.expect("NOTICE").await), ["#chat", "a notice"]);
    assert_eq!(params(&bob.expect("NOTICE").await), ["#chat", "a notice"]);
    for c in [&mut ann, &mut bob, &mut cat] {
        c.expect_nothing().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn join_replies_and_names() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.send("JOIN #Room").await;
    let join = ann.expect("JOIN").await;
    assert_eq!(join.source.as_deref(), Some(ANN));
    assert_eq!(params(&join), ["#Room"]);
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["353", "366"], "{got:?}");
    assert_eq!(params(&got[0]), ["ann", "=", "#Room", "@ann"]);
    assert_eq!(params(&got[1]), ["ann", "#Room", "End of /NAMES list"]);

    // Channel names are case-insensitive; the first spelling is kept.
    bob.send("JOIN #room").await;
    assert_eq!(params(&bob.expect("JOIN").await), ["#Room"]);
    let got = bob.sync().await;
    assert_eq!(params(&got[0]), ["bob", "=", "#Room", "@ann bob"]);
    let seen = ann.expect("JOIN").await;
    assert_eq!(seen.source.as_deref(), Some(BOB));

    // Joining again is a no-op.
    bob.send("JOIN #room").await;
    bob.expect_nothing().await;
    ann.expect_nothing().await;

    ann.send("NAMES #room").await;
    let got = ann.sync().await;
    assert_eq!(params(&got[0]), ["ann", "=", "#Room", "@ann bob"]);
    assert_eq!(params(&got[1]), ["ann", "#Room", "End of /NAMES list"]);
    ann.send("NAMES #nowhere").await;
    assert_eq!(params(&ann.expect("366").await), ["ann", "#nowhere", "End of /NAMES list"]);

    // multi-prefix shows every prefix.
    let mut multi = server.connect().await;
    multi.register_with_caps("multi", "multi-prefix").await;
    ann.send("MODE #room +v ann").await;
    ann.expect("MODE").await;
    multi.send("NAMES #room").await;
    assert_eq!(params(&multi.expect("353").await), ["multi", "=", "#Room", "@+ann bob"]);

    ann.send("JOIN bad").await;
    assert_eq!(params(&ann.expect("476").await), ["ann", "bad", "Bad Channel Mask"]);
    server.stop().await;
}

#[tokio::test]
async fn join_several_with_keys() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.send("JOIN #a,#b,#c").await;
    ann.expect_with("366", |m| m.params[1] == "#c").await;
    ann.send("MODE #a +k alpha").await;
    ann.send("MODE #c +k gamma").await;
    ann.sync().await;

    bob.send("JOIN #a,#b,#c alpha,,gamma").await;
    let got = bob.sync().await;
    let joined: Vec<&str> = got.iter().filter(|m| m.command == "JOIN").map(|m| m.params[0].as_str()).collect();
    assert_eq!(joined, ["#a", "#b", "#c"]);
    bob.send("PART #a,#b,#c").await;
    bob.sync().await;

    // A wrong key refuses that channel only.
    bob.send("JOIN #a,#b,#c wrong,,gamma").await;
    let got = bob.sync().await;
    let joined: Vec<&str> = got.iter().filter(|m| m.command == "JOIN").map(|m| m.params[0].as_str()).collect();
    assert_eq!(joined, ["#b", "#c"]);
    let refused: Vec<_> = got.iter().filter(|m| m.command == "475").collect();
    assert_eq!(refused.len(), 1, "{got:?}");
    assert_eq!(params(refused[0]), ["bob", "#a", "Cannot join channel (+k)"]);

    // More than TARGMAX channels at once is refused.
    bob.send("JOIN #1,#2,#3,#4,#5").await;
    assert_eq!(bob.expect("407").await.params[0], "bob");
    server.stop().await;
}

#[tokio::test]
async fn part_and_join_zero() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.join("#one").await;
    ann.join("#two").await;
    bob.join("#one").await;
    bob.join("#two").await;
    ann.sync().await;

    bob.send("PART #one :see you").await;
    let part = ann.expect("PART").await;
    assert_eq!(part.source.as_deref(), Some(BOB));
    assert_eq!(params(&part), ["#one", "see you"]);
    assert_eq!(params(&bob.expect("PART").await), ["#one", "see you"]);
    bob.send("PART #one").await;
    assert_eq!(params(&bob.expect("442").await), ["bob", "#one", "You're not on that channel"]);
    bob.send("PART #nowhere").await;
    assert_eq!(params(&bob.expect("403").await), ["bob", "#nowhere", "No such channel"]);

    bob.send("JOIN #three").await;
    bob.expect("366").await;
    bob.send("JOIN 0").await;
    let got = bob.sync().await;
    let mut parted: Vec<&str> = got.iter().filter(|m| m.command == "PART").map(|m| m.params[0].as_str()).collect();
    parted.sort_unstable();
    assert_eq!(parted, ["#three", "#two"]);
    assert_eq!(params(&ann.expect("PART").await), ["#two"]);
    ann.expect_nothing().await;
    // #three emptied and is gone.
    bob.send("LIST #three").await;
    let got = bob.sync().await;
    assert_eq!(commands(&got), ["321", "323"]);
    server.stop().await;
}

#[tokio::test]
async fn topic() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut out = server.client("out").await;
    ann.join("#t").await;
    bob.join("#t").await;
    ann.send("TOPIC #t").await;
    assert_eq!(params(&ann.expect("331").await), ["ann", "#t", "No topic is set"]);

    ann.send("TOPIC #t :Chinese 中文 and 🎉").await;
    for c in [&mut ann, &mut bob] {
        let m = c.expect("TOPIC").await;
        assert_eq!(m.source.as_deref(), Some(ANN));
        assert_eq!(params(&m), ["#t", "Chinese 中文 and 🎉"]);
    }
    bob.send("TOPIC #t").await;
    assert_eq!(params(&bob.expect("332").await), ["bob", "#t", "Chinese 中文 and 🎉"]);
    let who_time = bob.expect("333").await;
    assert_eq!(&who_time.params[..3], ["bob", "#t", ANN]);
    let set_at: u64 = who_time.params[3].parse().expect("a Unix time");
    assert!(set_at > 1_600_000_000);

    // A joiner gets the topic with the join.
    let mut late = server.client("late").await;
    late.send("JOIN #t").await;
    let got = late.sync().await;
    assert_eq!(commands(&got), ["JOIN", "332", "333", "353", "366"]);

    // +t (a new channel's default): only operators set the topic.
    bob.send("TOPIC #t :mine now").await;
    assert_eq!(params(&bob.expect("482").await), ["bob", "#t", "You're not channel operator"]);
    out.send("TOPIC #t :outside").await;
    assert_eq!(params(&out.expect("442").await), ["out", "#t", "You're not on that channel"]);
    // Anyone may read it from outside.
    out.send("TOPIC #t").await;
    assert_eq!(out.expect("332").await.params[2], "Chinese 中文 and 🎉");
    out.send("TOPIC #nowhere").await;
    assert_eq!(params(&out.expect("403").await), ["out", "#nowhere", "No such channel"]);

    ann.send("MODE #t -t").await;
    ann.expect("MODE").await;
    bob.send("TOPIC #t :mine now").await;
    assert_eq!(params(&ann.expect("TOPIC").await), ["#t", "mine now"]);
    // An empty topic clears it.
    bob.send("TOPIC #t :").await;
    assert_eq!(params(&ann.expect("TOPIC").await), ["#t", ""]);
    ann.send("TOPIC #t").await;
    assert_eq!(ann.expect("331").await.params[1], "#t");
    server.stop().await;
}

#[tokio::test]
async fn list_with_filters() {
    let server = TestServer::start().await;
    let mut a = server.client("a").await;
    let mut b = server.client("b").await;
    let mut c = server.client("c").await;
    a.join("#one").await;
    for ch in ["#two", "#three"] {
        a.join(ch).await;
        b.join(ch).await;
    }
    c.join("#three").await;
    a.send("TOPIC #two :the second").await;
    a.sync().await;

    let rows = |got: &[hichat_proto::Message]| -> Vec<(String, String, String)> {
        assert_eq!(got.first().map(|m| m.command.as_str()), Some("321"), "{got:?}");
        assert_eq!(got.last().map(|m| m.command.as_str()), Some("323"), "{got:?}");
        got.iter()
            .filter(|m| m.command == "322")
            .map(|m| (m.params[1].clone(), m.params[2].clone(), m.params[3].clone()))
            .collect()
    };
    let row = |n: &str, count: &str, topic: &str| (n.to_owned(), count.to_owned(), topic.to_owned());
    c.send("LIST").await;
    let got = c.sync().await;
    assert_eq!(params(&got[0]), ["c", "Channel", "Users  Name"]);
    assert_eq!(params(&got[got.len() - 1]), ["c", "End of /LIST"]);
    let mut all = rows(&got);
    all.sort();
    assert_eq!(all, [row("#one", "1", ""), row("#three", "3", ""), row("#two", "2", "the second")]);

    c.send("LIST >1").await;
    let mut got = rows(&c.sync().await);
    got.sort();
    assert_eq!(got, [row("#three", "3", ""), row("#two", "2", "the second")]);
    c.send("LIST <3").await;
    let mut got = rows(&c.sync().await);
    got.sort();
    assert_eq!(got, [row("#one", "1", ""), row("#two", "2", "the second")]);
    c.send("LIST >1,<3").await;
    assert_eq!(rows(&c.sync().await), [row("#two", "2", "the second")]);
    c.send("LIST #one,#nowhere").await;
    assert_eq!(rows(&c.sync().await), [row("#one", "1", "")]);

    // Secret channels are listed only for their members.
    a.send("MODE #one +s").await;
    a.sync().await;
    c.send("LIST").await;
    assert!(!rows(&c.sync().await).iter().any(|r| r.0 == "#one"));
    a.send("LIST #one").await;
    assert_eq!(rows(&a.sync().await), [row("#one", "1", "")]);
    server.stop().await;
}

#[tokio::test]
async fn kick() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    ann.join("#k").await;
    bob.join("#k").await;
    cat.join("#k").await;
    ann.sync().await;
    bob.sync().await;

    bob.send("KICK #k cat").await;
    assert_eq!(params(&bob.expect("482").await), ["bob", "#k", "You're not channel operator"]);
    ann.send("KICK #k nobody").await;
    assert_eq!(params(&ann.expect("441").await), ["ann", "nobody", "#k", "They aren't on that channel"]);
    ann.send("KICK #nowhere bob").await;
    assert_eq!(params(&ann.expect("403").await), ["ann", "#nowhere", "No such channel"]);

    ann.send("KICK #k bob :behave 请").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        let m = c.expect("KICK").await;
        assert_eq!(m.source.as_deref(), Some(ANN));
        assert_eq!(params(&m), ["#k", "bob", "behave 请"]);
    }
    // bob is out: +n keeps him from talking there, and he sees nothing more.
    bob.send("PRIVMSG #k :hello?").await;
    assert_eq!(bob.expect("404").await.params[1], "#k");
    cat.send("PRIVMSG #k :bye bob").await;
    bob.expect_nothing().await;
    assert_eq!(params(&ann.expect("PRIVMSG").await), ["#k", "bye bob"]);
    bob.send("KICK #k cat").await;
    assert_eq!(params(&bob.expect("442").await), ["bob", "#k", "You're not on that channel"]);

    // Without a reason the kicker's nick is the reason.
    ann.send("KICK #k cat").await;
    assert_eq!(params(&cat.expect("KICK").await), ["#k", "cat", "ann"]);
    server.stop().await;
}

#[tokio::test]
async fn invite() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    ann.join("#inv").await;
    cat.join("#inv").await;
    ann.send("MODE #inv +i").await;
    ann.expect("MODE").await;

    bob.send("JOIN #inv").await;
    assert_eq!(params(&bob.expect("473").await), ["bob", "#inv", "Cannot join channel (+i)"]);
    // On a +i channel only operators invite.
    cat.send("INVITE bob #inv").await;
    assert_eq!(params(&cat.expect("482").await), ["cat", "#inv", "You're not channel operator"]);
    bob.send("INVITE cat #inv").await;
    assert_eq!(params(&bob.expect("442").await), ["bob", "#inv", "You're not on that channel"]);
    ann.send("INVITE cat #inv").await;
    assert_eq!(params(&ann.expect("443").await), ["ann", "cat", "#inv", "is already on channel"]);
    ann.send("INVITE nobody #inv").await;
    assert_eq!(params(&ann.expect("401").await), ["ann", "nobody", "No such nick/channel"]);
    ann.send("INVITE bob #nowhere").await;
    assert_eq!(params(&ann.expect("403").await), ["ann", "#nowhere", "No such channel"]);

    ann.send("INVITE bob #inv").await;
    assert_eq!(params(&ann.expect("341").await), ["ann", "bob", "#inv"]);
    let inv = bob.expect("INVITE").await;
    assert_eq!(inv.source.as_deref(), Some(ANN));
    assert_eq!(params(&inv), ["bob", "#inv"]);

    bob.send("INVITE").await;
    let got = bob.sync().await;
    assert_eq!(commands(&got), ["336", "337"]);
    assert_eq!(params(&got[0]), ["bob", "#inv"]);
    assert_eq!(params(&got[1]), ["bob", "End of /INVITE list"]);

    bob.send("JOIN #inv").await;
    assert_eq!(params(&bob.expect("JOIN").await), ["#inv"]);
    bob.expect("366").await;
    // The invitation is used up.
    bob.send("INVITE").await;
    assert_eq!(commands(&bob.sync().await), ["337"]);
    bob.send("PART #inv").await;
    bob.expect("PART").await;
    bob.send("JOIN #inv").await;
    assert_eq!(bob.expect("473").await.params[1], "#inv");

    // Without +i any member may invite.
    ann.send("MODE #inv -i").await;
    ann.sync().await;
    let mut dan = server.client("dan").await;
    cat.send("INVITE dan #inv").await;
    assert_eq!(params(&cat.expect("341").await), ["cat", "dan", "#inv"]);
    assert_eq!(dan.expect("INVITE").await.params[1], "#inv");
    server.stop().await;
}
