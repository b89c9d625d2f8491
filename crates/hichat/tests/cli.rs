//! The `hichat` binary as a user runs it: exit codes, one-line errors,
//! signals, the default config, and the operator console on piped stdin.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, temp_dir, BIN};

/// Starts `hichat serve` on a free port and waits until it accepts.
fn serve(extra: &[&str], stdin: Stdio) -> (Child, u16) {
    let port = free_port();
    let data = temp_dir(&format!("data-{port}"));
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&data)
        .args(extra)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

/// A blocking line client.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn new(port: u16, nick: &str) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut c = Client { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream };
        c.send(&format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}"));
        c.wait_for(" 001 ");
        c
    }

    fn send(&mut self, line: &str) {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    }

    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap_or_else(|e| panic!("waiting for {needle:?}: {e}"));
            assert!(n > 0, "connection closed while waiting for {needle:?}");
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Reads until the server closes the connection.
    fn read_to_end(&mut self) -> String {
        let mut rest = String::new();
        let _ = self.reader.read_to_string(&mut rest);
        rest
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<i32> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("process still running after {within:?}");
}

#[test]
fn connect_to_a_server_that_is_not_running() {
    let port = free_port();
    let out = Command::new(BIN)
        .args(["connect", &format!("127.0.0.1:{port}")])
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        format!("could not connect to 127.0.0.1:{port}: connection refused (is 'hichat serve' running?)\n")
    );
}

/// `hichat connect` with `LANG` (or `LC_MESSAGES`, `LC_ALL`) set to
/// Chinese says it in Chinese; `LC_ALL` wins over `LANG`, as in POSIX.
#[test]
fn connect_error_follows_the_locale() {
    let port = free_port();
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.args(["connect", &format!("127.0.0.1:{port}")]).stdin(Stdio::null());
        for v in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            cmd.env_remove(v);
        }
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8(out.stderr).unwrap()
    };
    let chinese = format!("无法连接到 127.0.0.1:{port}：连接被拒绝（'hichat serve' 在运行吗？）\n");
    assert_eq!(run(&[("LANG", "zh_CN.UTF-8")]), chinese);
    assert_eq!(run(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "zh_CN.UTF-8")]), chinese);
    let english = format!("could not connect to 127.0.0.1:{port}: connection refused (is 'hichat serve' running?)\n");
    assert_eq!(run(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")]), english);
    assert_eq!(run(&[("LANG", "zh_TW.UTF-8")]), english, "Traditional Chinese is not there yet");
}

#[test]
fn port_in_use_is_one_line_and_exit_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = temp_dir("taken");
    let out = Command::new(BIN).args(["serve", "--listen", &addr, "--data-dir"]).arg(&data).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("hichat: ")).collect();
    assert_eq!(
        errors,
        vec![format!("hichat: {addr} is already in use; is another hichat running? choose another with --listen")]
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_config_names_file_and_line() {
    let dir = temp_dir("badconfig");
    let path = dir.join("hichat.toml");
    std::fs::write(&path, "[server]\nname = \"x\"\nlisten = 5\n").unwrap();
    let out = Command::new(BIN).args(["serve", "--config"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with(&format!("hichat: bad config file {}, line 3: ", path.display())), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn default_config_is_accepted_as_is() {
    let out = Command::new(BIN).args(["config", "default"]).output().unwrap();
    assert!(out.status.success());
    let dir = temp_dir("defaultconfig");
    let path = dir.join("hichat.toml");
    std::fs::write(&path, &out.stdout).unwrap();
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&path)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.join("data"))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(child.try_wait().unwrap().is_none(), "server exited with the default config");
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn sigterm_tells_clients_and_exits_within_two_seconds() {
    let (mut child, port) = serve(&[], Stdio::null());
    let mut ann = Client::new(port, "ann");
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let started = Instant::now();
    let rest = ann.read_to_end();
    assert!(rest.contains("ERROR :Server shutting down"), "{rest:?}");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(2)), Some(0));
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// SIGHUP reads the `--config` file again, as REHASH does: a new MOTD is
/// served while the connected client stays connected, and the command
/// line's `--listen` still wins over the file.
#[test]
fn sighup_reloads_the_config_file() {
    let dir = temp_dir("sighup");
    let config = dir.join("hichat.toml");
    std::fs::write(&config, "[server]\nmotd = \"before the reload\"\n").unwrap();
    let (mut child, port) = serve(&["--config", config.to_str().unwrap()], Stdio::null());
    let mut ann = Client::new(port, "ann");
    ann.wait_for("before the reload");

    std::fs::write(&config, "[server]\nmotd = \"after the reload\"\n").unwrap();
    let pid = child.id().to_string();
    Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    // The reload runs in the background: ask until it shows (bounded).
    let mut reloaded = false;
    for _ in 0..100 {
        ann.send("MOTD");
        let line = ann.wait_for(" 372 ");
        ann.wait_for(" 376 ");
        if line.contains("after the reload") {
            reloaded = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(reloaded, "the MOTD never changed");
    // Same connection, same port.
    let _bob = Client::new(port, "bob");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn console_on_piped_stdin() {
    let (mut child, port) = serve(&["--console"], Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, printed) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let expect_printed = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match printed.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("console did not print {needle:?}"),
            }
        }
    };

    let mut ann = Client::new(port, "ann");
    ann.send("JOIN #hello");
    let names = ann.wait_for(" 353 ");
    assert!(names.contains("@server"), "the console's identity holds #hello: {names}");
    expect_printed("ann joined #hello");

    writeln!(stdin, "大家好, this is the server").unwrap();
    let said = ann.wait_for("PRIVMSG #hello");
    assert!(said.starts_with(":server!"), "{said}");
    assert!(said.contains(":大家好, this is the server"), "{said}");

    ann.send("PRIVMSG #hello :hi server 👋");
    assert_eq!(expect_printed("hi server"), "<ann> hi server 👋");

    writeln!(stdin, "/who").unwrap();
    let row = expect_printed("ann ");
    assert!(row.contains("127.0.0.1") && row.contains("#hello") && row.contains(" B"), "{row}");

    writeln!(stdin, "/kick #hello ann enough").unwrap();
    let kick = hichat_proto::Message::parse(&ann.wait_for(" KICK ")).unwrap();
    assert_eq!(kick.params, vec!["#hello", "ann", "enough"]);

    writeln!(stdin, "exit").unwrap();
    let rest = ann.read_to_end();
    assert!(rest.contains("ERROR :Server shutting down"), "{rest:?}");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(3)), Some(0));
}

/// A client under a Chinese locale asks the server (which lists zh-CN in
/// ISUPPORT LANGUAGE) for Chinese, so NickServ answers it in Chinese.
#[test]
fn a_chinese_terminal_client_gets_chinese_services() {
    use std::io::{BufRead, Write};
    let (mut server, port) = serve(&[], Stdio::null());
    let mut client = Command::new(BIN)
        .args(["connect", &format!("127.0.0.1:{port}"), "--plain", "--nick", "xiaoming"])
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "zh_CN.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = client.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            if line.contains(needle) {
                return line;
            }
            seen.push(line);
        }
        panic!("no {needle:?} in {seen:?}");
    };
    // The client's own words are Chinese, and so is the default MOTD.
    wait_for("xiaoming 进入了 #hello");
    let mut stdin = client.stdin.take().unwrap();
    writeln!(stdin, "/msg NickServ LOGOUT").unwrap();
    wait_for("你还没有登录");
    drop(stdin);
    let _ = wait_exit(&mut client, Duration::from_secs(5));
    let _ = client.kill();
    let _ = server.kill();
    let _ = server.wait();
}
