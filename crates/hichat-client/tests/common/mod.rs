//! Shared helpers for the client's end-to-end tests: an IRC server to talk
//! to, and a plain-mode client driven through in-memory pipes.
//!
//! The server under test is chosen in one place, [`TestServer::start`]:
//! by default hichat's own server runs in this process on a free loopback
//! port; `HICHAT_TEST_IRC_ADDR` names a running server instead;
//! `HICHAT_TEST_SERVER_BIN` names a `hichat` binary whose `serve` is started;
//! `HICHAT_TEST_SERVER=ngircd` starts ngIRCd, to check the client against
//! another server.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};
use tokio::task::JoinHandle;

/// How long to wait for an expected line.
pub const WAIT: Duration = Duration::from_secs(15);

/// An IRC server for a test.
pub struct TestServer {
    pub addr: String,
    port: u16,
    child: Option<Child>,
    /// hichat's server running in this process: its thread and stop signal.
    inprocess: Option<(std::thread::JoinHandle<()>, tokio::sync::oneshot::Sender<()>)>,
    /// The server's config file or data directory, removed at the end.
    config: Option<PathBuf>,
    managed: bool,
}

impl TestServer {
    /// A server to test against (see the module docs).
    pub fn start() -> TestServer {
        if let Ok(addr) = std::env::var("HICHAT_TEST_IRC_ADDR") {
            let port = addr.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
            return TestServer { addr, port, child: None, inprocess: None, config: None, managed: false };
        }
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut server = TestServer { addr, port, child: None, inprocess: None, config: None, managed: true };
        server.spawn();
        server
    }

    /// True when this test started the server (so it can stop and restart it).
    pub fn is_managed(&self) -> bool {
        self.managed
    }

    fn spawn(&mut self) {
        if let Some(bin) = std::env::var_os("HICHAT_TEST_SERVER_BIN") {
            self.spawn_hichat(PathBuf::from(bin));
        } else if std::env::var("HICHAT_TEST_SERVER").as_deref() == Ok("ngircd") {
            self.spawn_ngircd();
        } else {
            self.spawn_inprocess();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&self.addr).is_err() {
            assert!(Instant::now() < deadline, "the test server did not start listening on {}", self.addr);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn spawn_hichat(&mut self, bin: PathBuf) {
        let data = std::env::temp_dir().join(format!("hichat-client-test-{}-{}", std::process::id(), self.port));
        let child = Command::new(bin)
            .args(["serve", "--listen", &self.addr, "--data-dir"])
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hichat serve");
        self.child = Some(child);
        self.config = Some(data);
    }

    fn spawn_inprocess(&mut self) {
        let addr = self.addr.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the test server");
            runtime.block_on(async move {
                let mut config = hichat_server::Config::default();
                // Every test client comes from 127.0.0.1.
                config.limits.connections_per_ip = 10_000;
                let listener = hichat_server::Listener::bind(&addr).expect("bind the test server's port");
                let server = hichat_server::Server::new(config);
                server
                    .serve(vec![listener], async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        self.inprocess = Some((thread, stop));
    }

    fn spawn_ngircd(&mut self) {
        let binary = find_ngircd().expect(
            "these tests need an IRC server: install ngIRCd (apt-get install ngircd) \
             or set HICHAT_TEST_IRC_ADDR to a running server",
        );
        let path = std::env::temp_dir().join(format!("hichat-client-test-{}-{}.conf", std::process::id(), self.port));
        let config = format!(
            "[Global]\n\tName = irc.test.local\n\tInfo = hichat client tests\n\tListen = 127.0.0.1\n\
             \tPorts = {}\n\tMotdPhrase = \"test\"\n[Limits]\n\tMaxConnectionsIP = 0\n\tMaxJoins = 0\n\
             \tMaxNickLength = 30\n\tMaxPenaltyTime = 0\n[Options]\n\tDNS = no\n\tIdent = no\n\tPAM = no\n\
             \tDefaultUserModes = F\n",
            self.port
        );
        std::fs::write(&path, config).expect("write ngircd config");
        let child = Command::new(binary)
            .args(["-n", "-f"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ngircd");
        self.child = Some(child);
        self.config = Some(path);
    }

    /// Stops the server (only one this test started).
    pub fn stop(&mut self) {
        if let Some((thread, stop)) = self.inprocess.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(path) = self.config.take() {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn find_ngircd() -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"])
        .map(|d| PathBuf::from(d).join("ngircd"))
        .find(|p| p.is_file());
    found
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A plain-mode client running in this process, fed and read through pipes.
pub struct PlainClient {
    pub nick: String,
    input: Option<DuplexStream>,
    output: Lines<BufReader<DuplexStream>>,
    /// Every line printed so far.
    pub seen: Vec<String>,
    task: JoinHandle<i32>,
}

impl PlainClient {
    /// Starts `hichat connect --plain ADDR --nick NICK [extra args]`.
    pub fn start(addr: &str, nick: &str, extra: &[&str]) -> PlainClient {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: hichat_client::ConnectArgs,
        }
        let mut argv = vec!["connect", addr, "--plain", "--nick", nick];
        argv.extend_from_slice(extra);
        let args = Cli::parse_from(argv).args;
        let (input, client_in) = tokio::io::duplex(64 * 1024);
        let (client_out, output) = tokio::io::duplex(64 * 1024);
        let task = tokio::spawn(hichat_client::run_plain_io(args, client_in, client_out, std::io::sink()));
        PlainClient {
            nick: nick.to_owned(),
            input: Some(input),
            output: BufReader::new(output).lines(),
            seen: Vec::new(),
            task,
        }
    }

    /// Types a line.
    pub async fn type_line(&mut self, line: &str) {
        let input = self.input.as_mut().expect("input still open");
        input.write_all(format!("{line}\n").as_bytes()).await.expect("write to client");
    }

    /// Closes the input (end of file).
    pub fn close_input(&mut self) {
        self.input = None;
    }

    /// Reads printed lines until one contains `needle`; returns it.
    pub async fn expect(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let line = tokio::time::timeout_at(deadline, self.output.next_line()).await;
            match line {
                Ok(Ok(Some(line))) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Ok(Ok(None)) => panic!("{}: output ended before {needle:?}; saw {:#?}", self.nick, self.seen),
                Ok(Err(e)) => panic!("{}: read error {e}", self.nick),
                Err(_) => panic!("{}: no line with {needle:?} in {WAIT:?}; saw {:#?}", self.nick, self.seen),
            }
        }
    }

    /// Waits for the client to finish; returns its exit code and the rest
    /// of its output.
    pub async fn finish(mut self) -> (i32, Vec<String>) {
        let code = tokio::time::timeout(WAIT, &mut self.task).await.expect("client did not exit").expect("join");
        while let Ok(Some(line)) = self.output.next_line().await {
            self.seen.push(line);
        }
        (code, self.seen)
    }
}

/// Checks that `line` is `HH:MM ` followed by `rest`.
pub fn assert_stamped(line: &str, rest: &str) {
    let (stamp, body) = line.split_at(6.min(line.len()));
    let b = stamp.as_bytes();
    assert!(
        b.len() == 6 && b[..2].iter().chain(&b[3..5]).all(u8::is_ascii_digit) && b[2] == b':' && b[5] == b' ',
        "no HH:MM stamp in {line:?}"
    );
    assert_eq!(body, rest);
}
