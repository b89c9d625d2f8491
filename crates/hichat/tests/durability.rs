//! The real binary and its store: a `kill -9` in the middle of a burst of
//! registrations, channel registrations, and TOPIC and MODE +b changes in
//! registered channels loses nothing a client was told succeeded, and
//! leaves an intact database; and no password (NickServ, REGISTER, SASL,
//! OPER, OPERATOR ADD), hash, SASL payload or NickServ CERT fingerprint
//! ever reaches the log, even at trace level.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, temp_dir, BIN};

/// Starts `hichat serve` on `port` with flood control off, no web listener
/// and `extra` added to the config; stderr goes to `log` when given.
fn serve(dir: &Path, port: u16, log: Option<&Path>, extra: &str) -> Child {
    let config = dir.join("test.toml");
    let base = "[flood]\nenabled = false\n[limits]\nconnections_per_ip = 1000\n[web]\nlisten = \"\"\n";
    std::fs::write(&config, format!("{base}{extra}")).unwrap();
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        None => Stdio::null(),
    };
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("RUST_LOG", if log.is_some() { "trace" } else { "warn" })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Client { reader: BufReader::new(stream.try_clone()?), writer: stream })
    }

    fn register(port: u16, nick: &str) -> std::io::Result<Client> {
        let mut c = Client::connect(port)?;
        c.send(&format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}"))?;
        c.wait_for(" 001 ")?;
        Ok(c)
    }

    fn send(&mut self, line: &str) -> std::io::Result<()> {
        self.writer.write_all(format!("{line}\r\n").as_bytes())
    }

    /// The next line containing `needle`; an error if the connection ends.
    fn wait_for(&mut self, needle: &str) -> std::io::Result<String> {
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.contains(needle) {
                return Ok(line);
            }
        }
    }
}

/// What one burst worker was told succeeded.
#[derive(Default)]
struct Acked {
    accounts: Vec<String>,
    channels: Vec<String>,
    /// Registered channel and the number of the last topic acknowledged.
    topics: Vec<(String, u32)>,
    /// Registered channel and a ban mask acknowledged on it.
    bans: Vec<(String, String)>,
}

/// Registers accounts and channels in a loop until the server dies;
/// returns what was acknowledged.
fn burst(port: u16, worker: usize, stop: Arc<AtomicBool>) -> Acked {
    let mut acked = Acked::default();
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let nick = format!("w{worker}n{i}");
        let result = (|| -> std::io::Result<()> {
            let mut c = Client::register(port, &nick)?;
            c.send(&format!("PRIVMSG NickServ :REGISTER pass-{nick}"))?;
            c.wait_for("registered; you are now logged in")?;
            acked.accounts.push(nick.clone());
            let chan = format!("#c{worker}x{i}");
            c.send(&format!("JOIN {chan}"))?;
            c.wait_for(" 366 ")?;
            c.send(&format!("TOPIC {chan} :topic of {chan}"))?;
            c.send(&format!("PRIVMSG ChanServ :REGISTER {chan}"))?;
            c.wait_for("is now registered to you")?;
            acked.channels.push(chan.clone());
            // Changes in a registered channel: each relayed back only once
            // it is committed.
            for t in 0..3 {
                c.send(&format!("TOPIC {chan} :topic t{t}"))?;
                c.wait_for(&format!("TOPIC {chan} :topic t{t}"))?;
                acked.topics.retain(|(ch, _)| *ch != chan);
                acked.topics.push((chan.clone(), t));
            }
            let mask = format!("*!*@ban{i}.example");
            c.send(&format!("MODE {chan} +b {mask}"))?;
            c.wait_for(&format!("MODE {chan} +b {mask}"))?;
            acked.bans.push((chan.clone(), mask));
            let _ = c.send("QUIT");
            Ok(())
        })();
        if result.is_err() {
            break; // The server is gone.
        }
    }
    acked
}

#[test]
fn kill_9_mid_burst_loses_nothing_acknowledged() {
    let dir = temp_dir("kill9");
    let port = free_port();
    let mut server = serve(&dir, port, None, "");
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || burst(port, w, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(2500));
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<Acked> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let accounts: Vec<&String> = acked.iter().flat_map(|a| &a.accounts).collect();
    let channels: Vec<&String> = acked.iter().flat_map(|a| &a.channels).collect();
    assert!(accounts.len() >= 6, "the burst acknowledged too little to test: {}", accounts.len());
    let topics: Vec<&(String, u32)> = acked.iter().flat_map(|a| &a.topics).collect();
    let bans: Vec<&(String, String)> = acked.iter().flat_map(|a| &a.bans).collect();
    eprintln!(
        "acknowledged before kill -9: {} accounts, {} channels, {} topics, {} bans",
        accounts.len(),
        channels.len(),
        topics.len(),
        bans.len()
    );
    assert!(!topics.is_empty() && !bans.is_empty(), "the burst acknowledged no channel change to test");

    // Restart on the same directory: it opens, and logins work.
    let port = free_port();
    let mut server = serve(&dir, port, None, "");
    let mut c = Client::register(port, "checker").unwrap();
    c.send(&format!("PRIVMSG NickServ :IDENTIFY {} pass-{}", accounts[0], accounts[0])).unwrap();
    c.wait_for("You are now identified").unwrap();
    sigterm(&mut server);

    // Every acknowledged change is in the file, and the file is intact.
    let db = rusqlite::Connection::open(dir.join("data").join("hichat.db")).unwrap();
    let ok: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    for name in &accounts {
        let n: i64 =
            db.query_row("SELECT count(*) FROM accounts WHERE name = ?1", [name.as_str()], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "acknowledged account {name} is missing");
    }
    for chan in &channels {
        let founder: String =
            db.query_row("SELECT founder FROM channels WHERE name = ?1", [chan.as_str()], |r| r.get(0)).unwrap();
        let (w, i) = chan[2..].split_once('x').unwrap();
        assert_eq!(founder, format!("w{w}n{i}"), "acknowledged channel {chan}");
    }
    for (chan, acked_topic) in &topics {
        let topic: String =
            db.query_row("SELECT topic FROM channels WHERE name = ?1", [chan.as_str()], |r| r.get(0)).unwrap();
        // A later topic may have been committed without its reply arriving.
        let n: u32 = topic.strip_prefix("topic t").and_then(|n| n.parse().ok()).unwrap_or(0);
        assert!(n >= *acked_topic, "{chan}: topic t{acked_topic} was acknowledged, the store has {topic:?}");
    }
    for (chan, mask) in &bans {
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM channel_lists WHERE channel = ?1 AND list = 'b' AND mask = ?2",
                [chan.as_str(), mask.as_str()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "acknowledged ban {mask} on {chan} is missing");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Stops the server with SIGTERM (through the `kill` command: the crate
/// forbids unsafe code) and waits for it.
fn sigterm(child: &mut Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (*x as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { T[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

#[test]
fn no_secret_reaches_the_log_at_trace_level() {
    let dir = temp_dir("logs");
    let log = dir.join("stderr.log");
    let port = free_port();
    // An operator block in the config, whose password is another secret.
    let oper_password = "Zq9-oper-SECRET";
    let oper_hash = {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default().hash_password(oper_password.as_bytes(), &salt).unwrap().to_string()
    };
    let oper_block = format!("[[operator]]\nname = \"root\"\npassword_hash = \"{oper_hash}\"\n");
    let mut server = serve(&dir, port, Some(&log), &oper_block);
    let password = "Zq9-first-SECRET";
    let second = "Zq9-second-SECRET";
    let stored_oper = "Zq9-stored-oper-SECRET";
    let fingerprint = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
    let plain = b64(format!("logan\0logan\0{second}").as_bytes());

    let mut a = Client::register(port, "logan").unwrap();
    a.send(&format!("PRIVMSG NickServ :REGISTER {password}")).unwrap();
    a.wait_for("registered").unwrap();
    a.send(&format!("NS SET PASSWORD {password} {second}")).unwrap();
    a.wait_for("Password changed").unwrap();
    a.send(&format!("REGISTER other x@example.org {password}")).unwrap();
    a.wait_for("FAIL REGISTER").unwrap();

    let mut b = Client::connect(port).unwrap();
    b.send("CAP LS 302\r\nCAP REQ sasl\r\nNICK logan2\r\nUSER l 0 * :l\r\nAUTHENTICATE PLAIN").unwrap();
    b.wait_for("AUTHENTICATE +").unwrap();
    b.send(&format!("AUTHENTICATE {plain}")).unwrap();
    b.wait_for(" 903 ").unwrap();
    b.send("CAP END").unwrap();
    b.wait_for(" 001 ").unwrap();
    let mut c = Client::register(port, "logan3").unwrap();
    c.send(&format!("PRIVMSG NickServ :IDENTIFY logan {password}")).unwrap();
    c.wait_for("Invalid").unwrap();
    c.send(&format!("PRIVMSG NickServ :IDENTIFY logan {second}")).unwrap();
    c.wait_for("identified").unwrap();
    // NickServ CERT with a typed fingerprint (refused without that
    // certificate in use, but the line is read all the same).
    c.send(&format!("PRIVMSG NickServ :CERT ADD {fingerprint}")).unwrap();
    c.wait_for("Connect with the TLS client certificate").unwrap();
    // OPER with the config block, OPERATOR ADD with a new password, and
    // OPER with the stored block.
    c.send(&format!("OPER root {oper_password}")).unwrap();
    c.wait_for(" 381 ").unwrap();
    c.send(&format!("OPERATOR ADD helper {stored_oper}")).unwrap();
    c.wait_for("helper added").unwrap();
    let mut d = Client::register(port, "logan4").unwrap();
    d.send(&format!("OPER helper {stored_oper}")).unwrap();
    d.wait_for(" 381 ").unwrap();
    sigterm(&mut server);

    let mut text = String::new();
    std::fs::File::open(&log).unwrap().read_to_string(&mut text).unwrap();
    assert!(text.contains("logged in"), "the log has the events: {text}");
    assert!(text.contains("operator added"), "the log has the events: {text}");
    let secrets = [password, second, plain.as_str(), oper_password, stored_oper, fingerprint, "$argon2"];
    let commands = ["IDENTIFY", "AUTHENTICATE", "CERT ADD", "OPER root", "OPERATOR ADD", "OPER helper"];
    for secret in secrets.into_iter().chain(commands) {
        assert!(!text.contains(secret), "{secret:?} is in the log:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
