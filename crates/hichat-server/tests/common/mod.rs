//! Shared test fixtures: a real server on an ephemeral port, and a raw-line
//! client that reads with timeouts.
#![allow(dead_code)]

use hichat_proto::Message;
use hichat_server::{Config, Listener, Server};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// How long a test waits for an expected line before failing.
pub const WAIT: Duration = Duration::from_secs(5);

/// A server running on 127.0.0.1 with a port of its own.
pub struct TestServer {
    pub addr: String,
    pub server: Arc<Server>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A config for tests: flood control and per-IP limits off (every test
/// client comes from 127.0.0.1), everything else default.
pub fn test_config() -> Config {
    let mut c = Config::default();
    c.flood.enabled = false;
    c.limits.connections_per_ip = 10_000;
    c
}

/// A fresh, empty data directory for one test, named by `tag` (unique
/// within a test file; each file runs in a process of its own).
pub fn data_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::with_config(test_config()).await
    }

    pub async fn with_config(config: Config) -> TestServer {
        Self::from_server(Server::new(config)).await
    }

    /// A server storing in `dir`: started again on the same directory, it
    /// finds what the last one stored.
    pub async fn start_on(dir: &Path) -> TestServer {
        Self::start_on_with(dir, |_| {}).await
    }

    /// [`TestServer::start_on`] with the test config changed by `adjust`.
    pub async fn start_on_with(dir: &Path, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = test_config();
        config.server.data_dir = dir.to_owned();
        adjust(&mut config);
        Self::from_server(Server::open(config).expect("open the store")).await
    }

    /// Serves an already built server (e.g. one from `Server::open` on a
    /// data directory) on an ephemeral port.
    pub async fn from_server(server: Arc<Server>) -> TestServer {
        let listener = Listener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let addr = listener.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let s = server.clone();
        let task = tokio::spawn(async move {
            s.serve(vec![listener], async {
                let _ = stopped.await;
            })
            .await
        });
        TestServer { addr, server, stop: Some(stop), task: Some(task) }
    }

    /// A raw client connected to this server (not registered).
    pub async fn connect(&self) -> TestClient {
        TestClient::connect(&self.addr).await
    }

    /// A client registered as `nick`, with the welcome burst read.
    pub async fn client(&self, nick: &str) -> TestClient {
        let mut c = self.connect().await;
        c.register(nick).await;
        c
    }

    /// Shuts the server down and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// The commands of some messages, for compact assertions.
pub fn commands(msgs: &[Message]) -> Vec<&str> {
    msgs.iter().map(|m| m.command.as_str()).collect()
}

/// A message's parameters as `&str`s, for comparing with a literal list.
pub fn params(m: &Message) -> Vec<&str> {
    m.params.iter().map(String::as_str).collect()
}

/// A client speaking raw IRC lines.
pub struct TestClient {
    pub nick: String,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl TestClient {
    pub async fn connect(addr: &str) -> TestClient {
        let stream = TcpStream::connect(addr).await.expect("connect to the test server");
        Self::from_stream(stream)
    }

    /// Connects from another loopback address (`127.0.0.2` and the like),
    /// as a client on another host would.
    pub async fn connect_from(addr: &str, local: &str) -> TestClient {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(format!("{local}:0").parse().expect("local address")).expect("bind the local address");
        let stream = socket.connect(addr.parse().expect("socket address")).await.expect("connect");
        Self::from_stream(stream)
    }

    /// Connects with a small receive buffer and a small TCP segment size,
    /// so that the kernels on both ends hold little for this client: when it
    /// stops reading, the server's send queue fills soon.
    pub async fn connect_small_buffers(addr: &str) -> TestClient {
        use socket2::{Domain, Protocol, SockAddr, Socket, Type};
        let addr: std::net::SocketAddr = addr.parse().expect("socket address");
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("socket");
        socket.set_recv_buffer_size(1).expect("SO_RCVBUF");
        socket.set_tcp_mss(88).expect("TCP_MAXSEG");
        socket.connect(&SockAddr::from(addr)).expect("connect");
        socket.set_nonblocking(true).expect("non-blocking");
        let stream = TcpStream::from_std(socket.into()).expect("a tokio stream");
        Self::from_stream(stream)
    }

    fn from_stream(stream: TcpStream) -> TestClient {
        // Every write its own segment: a line sent in pieces arrives in pieces.
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let (r, w) = stream.into_split();
        TestClient { nick: "*".into(), reader: BufReader::new(r), writer: w }
    }

    /// Sends one line (CR LF added).
    pub async fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\r\n").as_bytes()).await;
    }

    /// Sends bytes as they are.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write to server");
    }

    /// The next line, or None at end of stream. Panics after [`WAIT`].
    pub async fn line(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        match tokio::time::timeout(WAIT, self.reader.read_until(b'\n', &mut buf)).await {
            Err(_) => panic!("{}: no line from the server within {WAIT:?}", self.nick),
            Ok(Err(_)) | Ok(Ok(0)) => None,
            Ok(Ok(_)) => {
                Some(String::from_utf8(buf).expect("server sent UTF-8").trim_end_matches(['\r', '\n']).to_owned())
            }
        }
    }

    /// The next line parsed.
    pub async fn message(&mut self) -> Message {
        let line = self.line().await.unwrap_or_else(|| panic!("{}: connection closed", self.nick));
        Message::parse(&line).unwrap_or_else(|e| panic!("unparsable line {line:?}: {e}"))
    }

    /// Reads until a message with this command (e.g. `"PRIVMSG"` or `"433"`)
    /// and returns it; the lines before it are returned too.
    pub async fn expect(&mut self, command: &str) -> Message {
        self.expect_with(command, |_| true).await.0
    }

    /// Reads until a message with this command satisfying `pred`.
    pub async fn expect_with(&mut self, command: &str, pred: impl Fn(&Message) -> bool) -> (Message, Vec<Message>) {
        let mut skipped = Vec::new();
        loop {
            let m = self.message().await;
            if m.command.eq_ignore_ascii_case(command) && pred(&m) {
                return (m, skipped);
            }
            skipped.push(m);
        }
    }

    /// Registers with NICK/USER and reads through the end of the MOTD.
    pub async fn register(&mut self, nick: &str) {
        self.nick = nick.to_owned();
        self.send(&format!("NICK {nick}")).await;
        self.send(&format!("USER {nick} 0 * :{nick} test")).await;
        self.expect("001").await;
        self.expect_with("376", |_| true).await;
    }

    /// Joins a channel and reads through the end of NAMES.
    pub async fn join(&mut self, channel: &str) {
        self.send(&format!("JOIN {channel}")).await;
        self.expect("366").await;
    }

    /// Sends PING and reads until its PONG: every reply to earlier commands
    /// has arrived by then. Returns the lines before the PONG.
    pub async fn sync(&mut self) -> Vec<Message> {
        self.send("PING sync").await;
        self.expect_with("PONG", |m| m.params.last().map(String::as_str) == Some("sync")).await.1
    }

    /// Asserts that nothing arrives before a PING round trip.
    pub async fn expect_nothing(&mut self) {
        let before = self.sync().await;
        assert!(before.is_empty(), "{}: unexpected lines: {before:?}", self.nick);
    }

    /// Every message that arrives until `quiet` passes with nothing new (or
    /// the connection closes).
    pub async fn messages_until_quiet(&mut self, quiet: Duration) -> Vec<Message> {
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            match tokio::time::timeout(quiet, self.reader.read_until(b'\n', &mut buf)).await {
                Err(_) | Ok(Err(_)) | Ok(Ok(0)) => return out,
                Ok(Ok(_)) => {
                    let line = String::from_utf8(buf).expect("server sent UTF-8");
                    let line = line.trim_end_matches(['\r', '\n']);
                    out.push(Message::parse(line).unwrap_or_else(|e| panic!("unparsable line {line:?}: {e}")));
                }
            }
        }
    }

    /// Registers after negotiating `caps` with CAP LS 302 / REQ / END.
    /// Sends `CAP LS [version]` and reads the whole list, however many
    /// lines (each but the last marked `*`) it comes in: `name` or `name=value`.
    pub async fn cap_ls(&mut self, version: Option<&str>) -> Vec<String> {
        match version {
            Some(v) => self.send(&format!("CAP LS {v}")).await,
            None => self.send("CAP LS").await,
        }
        let mut caps = Vec::new();
        loop {
            let line = self.expect("CAP").await;
            let more = line.params.get(2).is_some_and(|p| p == "*");
            let list = line.params.last().cloned().unwrap_or_default();
            caps.extend(list.split(' ').filter(|c| !c.is_empty()).map(str::to_owned));
            if !more {
                return caps;
            }
        }
    }

    pub async fn register_with_caps(&mut self, nick: &str, caps: &str) {
        self.send("CAP LS 302").await;
        // The list may come over several lines, all but the last marked `*`.
        while self.expect("CAP").await.params.get(2).is_some_and(|p| p == "*") {}
        self.send(&format!("CAP REQ :{caps}")).await;
        let ack = self.expect("CAP").await;
        assert_eq!(ack.params[1], "ACK", "{ack:?}");
        self.send("CAP END").await;
        self.register(nick).await;
    }

    /// Reads until the server closes the connection; returns what came.
    pub async fn read_to_close(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(l) = self.line().await {
            lines.push(l);
        }
        lines
    }
}

/// A client registered as `nick` with the capabilities `caps` requested.
pub async fn client_with_caps(server: &TestServer, nick: &str, caps: &str) -> TestClient {
    let mut c = server.connect().await;
    c.register_with_caps(nick, caps).await;
    c
}

/// Sends `command` and returns the lines of the batch that answers it (a
/// FAIL before the batch fails the test).
pub async fn batch_reply(c: &mut TestClient, command: &str) -> Vec<Message> {
    c.send(command).await;
    let (start, skipped) = c.expect_with("BATCH", |m| m.params[0].starts_with('+')).await;
    assert!(skipped.iter().all(|m| m.command != "FAIL"), "{skipped:?}");
    let end = format!("-{}", &start.params[0][1..]);
    let mut lines = Vec::new();
    loop {
        let m = c.message().await;
        if m.command == "BATCH" && m.params[0] == end {
            return lines;
        }
        lines.push(m);
    }
}
