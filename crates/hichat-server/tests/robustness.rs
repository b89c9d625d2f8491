//! Hostile and broken input: an over-long line, invalid UTF-8, and garbage
//! leave the server, the sender's connection and everyone else unaffected.

mod common;
use common::{params, TestClient, TestServer};

/// ann and bob in `#r`, both synced.
async fn pair(server: &TestServer) -> (TestClient, TestClient) {
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.join("#r").await;
    bob.join("#r").await;
    ann.sync().await;
    (ann, bob)
}

/// ann can still talk to bob, who gets exactly that.
async fn still_works(ann: &mut TestClient, bob: &mut TestClient) {
    ann.send("PRIVMSG #r :still fine 好").await;
    let m = bob.expect("PRIVMSG").await;
    assert_eq!(m.source.as_deref(), Some("ann!ann@127.0.0.1"));
    assert_eq!(params(&m), ["#r", "still fine 好"]);
    bob.expect_nothing().await;
}

#[tokio::test]
async fn long_line_gets_417_and_is_dropped() {
    let server = TestServer::start().await;
    let (mut ann, mut bob) = pair(&server).await;
    let huge = format!("PRIVMSG #r :{}\r\n", "a".repeat(20 * 1024));
    ann.send_raw(huge.as_bytes()).await;
    assert_eq!(params(&ann.expect("417").await), ["ann", "Input line was too long"]);
    ann.expect_nothing().await;
    bob.expect_nothing().await;
    still_works(&mut ann, &mut bob).await;

    // The same sent in small pieces, with a good line right behind it.
    let mut pieces = huge.into_bytes();
    pieces.extend_from_slice(b"PRIVMSG #r :right after\r\n");
    for chunk in pieces.chunks(1000) {
        ann.send_raw(chunk).await;
    }
    assert_eq!(ann.expect("417").await.params[0], "ann");
    assert_eq!(params(&bob.expect("PRIVMSG").await), ["#r", "right after"]);
    bob.expect_nothing().await;

    // 512 bytes with CR LF is the most a message may have; that passes,
    // its text cut so that the relayed line, with ann's prefix in front,
    // still fits in 512 bytes.
    let prefix = "PRIVMSG #r :";
    let fits = format!("{prefix}{}", "b".repeat(510 - prefix.len()));
    ann.send(&fits).await;
    let got = bob.expect("PRIVMSG").await;
    let source = got.source.as_deref().expect("a source");
    let room = 512 - (format!(":{source} {prefix}").len() + 2);
    assert_eq!(got.params[1], "b".repeat(room));
    ann.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn invalid_utf8_is_refused_and_never_relayed() {
    let server = TestServer::start().await;
    let (mut ann, mut bob) = pair(&server).await;
    // The FAIL names the command when it can be read (UTF8ONLY), else `*`.
    let lines = [
        (&b"PRIVMSG #r :caf\xe9\r\n"[..], "PRIVMSG"),
        (b"@+x=y :ann privmsg #r :\xff\xfe\r\n", "PRIVMSG"),
        (b"NOTICE bob :\xe4\xbd\r\n", "NOTICE"),
        (b"PRIV\xffMSG bob :hi\r\n", "*"),
    ];
    for (bad, command) in lines {
        ann.send_raw(bad).await;
        let fail = ann.expect("FAIL").await;
        assert_eq!(&fail.params[..2], [command, "INVALID_UTF8"], "{fail:?}");
        ann.expect_nothing().await;
    }
    bob.expect_nothing().await;
    still_works(&mut ann, &mut bob).await;
    server.stop().await;
}

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next_byte(&mut self) -> u8 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u8
    }
}

#[tokio::test]
async fn garbage_lines_leave_everyone_unaffected() {
    let server = TestServer::start().await;
    let (mut ann, mut bob) = pair(&server).await;

    let mut garbage: Vec<Vec<u8>> = vec![
        b"PRIVMSG #r :lone\rCR".to_vec(),
        b"PRIVMSG #r :a\0NUL".to_vec(),
        b"      ".to_vec(),
        b":prefixonly".to_vec(),
        b":prefix ".to_vec(),
        b":".to_vec(),
        b"@".to_vec(),
        b"@tag=only".to_vec(),
        b"@a=b :src".to_vec(),
        b"\r".to_vec(),
        b"".to_vec(),
        b"\t\t".to_vec(),
        b"PRIVMSG".to_vec(),
        b"PRIVMSG :".to_vec(),
        b"PRIVMSG #r".to_vec(),
        b"MODE".to_vec(),
        b"MODE #r +kkkkkkkkk".to_vec(),
        b"MODE #r +bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".to_vec(),
        b"JOIN ,,,,".to_vec(),
        b"KICK #r".to_vec(),
        b"0123 x".to_vec(),
        b"\x01\x02\x03".to_vec(),
        format!("PRIVMSG {}", "x ".repeat(200)).into_bytes(),
    ];
    let mut rng = Lcg(0x5eed);
    for _ in 0..50 {
        let len = 1 + rng.next_byte() as usize;
        garbage.push((0..len).map(|_| rng.next_byte()).filter(|b| *b != b'\n').collect());
    }
    for line in &garbage {
        let mut bytes = line.clone();
        bytes.extend_from_slice(b"\r\n");
        ann.send_raw(&bytes).await;
    }
    // Every garbage line got at most a reply from the server (an error, or
    // an empty list for `MODE #r +bbb`); none changed anything or became a
    // message.
    let replies = ann.sync().await;
    for r in &replies {
        let numeric = r.command.len() == 3 && r.command.bytes().all(|b| b.is_ascii_digit());
        assert!(r.command == "FAIL" || numeric, "unexpected reply to garbage: {r:?}");
        assert_eq!(r.source.as_deref(), Some("hichat.local"));
    }
    assert!(replies.iter().any(|r| r.command == "FAIL"), "{replies:?}");
    bob.expect_nothing().await;
    ann.send("MODE #r").await;
    assert_eq!(params(&ann.expect("324").await), ["ann", "#r", "+nt"]);
    still_works(&mut ann, &mut bob).await;

    // Garbage as a connection's very first line does no harm either.
    let mut stranger = server.connect().await;
    for line in garbage.iter().take(30) {
        let mut bytes = line.clone();
        bytes.push(b'\n');
        stranger.send_raw(&bytes).await;
    }
    drop(stranger);
    still_works(&mut ann, &mut bob).await;
    let mut late = server.client("late").await;
    late.join("#r").await;
    server.stop().await;
}
