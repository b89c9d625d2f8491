//! `hichat serve`'s start-up and log output as an operator sees it: the
//! schema is migrated once and said in one line, and at an interactive
//! console (a terminal, here a pty made by `script`) the log goes to a file
//! in the data directory so the chat window is not filled with it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, temp_dir, BIN};

fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Registers a client (which the server logs), joins #hello and quits.
fn visit(port: u16, nick: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    writer.write_all(format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n").as_bytes()).unwrap();
    let mut wait_for = |needle: &str| loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "closed before {needle:?}");
        if line.contains(needle) {
            break;
        }
    };
    wait_for(" 001 ");
    writer.write_all(b"JOIN #hello\r\n").unwrap();
    wait_for(" 366 ");
    writer.write_all(b"QUIT :bye\r\n").unwrap();
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
}

fn wait_exit(child: &mut Child, within: Duration) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("process still running after {within:?}");
}

/// Runs `hichat serve` with stdin and stderr on pipes (a service manager's
/// view) until one client has come and gone; returns its standard error.
fn serve_piped(data: &Path) -> String {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--web", "off", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_listening(port);
    visit(port, "ann");
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    wait_exit(&mut child, Duration::from_secs(5));
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    err
}

#[test]
fn schema_is_migrated_once_and_said_in_one_line() {
    let data = temp_dir("migrate");
    let first = serve_piped(&data);
    let db_lines: Vec<&str> = first.lines().filter(|l| l.contains("database") || l.contains("schema")).collect();
    assert_eq!(db_lines.len(), 1, "{db_lines:#?}");
    assert!(db_lines[0].contains("database created"), "{}", db_lines[0]);
    // Not a terminal: the log stays on standard error, as before.
    assert!(first.contains("connection opened"), "{first}");

    let again = serve_piped(&data);
    assert!(!again.contains("schema") && !again.contains("database created"), "{again}");
}

/// At a terminal, the console is a chat window: the first line says where
/// the log goes, and connections are logged there, not on the terminal.
#[test]
fn interactive_console_logs_to_a_file() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let data = temp_dir("tty");
    let port = free_port();
    let command = format!("{BIN} serve --web off --listen 127.0.0.1:{port} --data-dir {}", data.display());
    let mut script = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(port);
    visit(port, "ann");
    // Typed at the console: shuts the server down.
    script.stdin.as_mut().unwrap().write_all(b"exit\n").unwrap();
    wait_exit(&mut script, Duration::from_secs(10));
    let mut screen = String::new();
    script.stdout.take().unwrap().read_to_string(&mut screen).unwrap();
    let first = screen.lines().next().unwrap_or_default();
    let log = data.join("hichat.log");
    assert!(first.contains("logging to") && first.contains(&log.display().to_string()), "{screen}");
    assert!(!screen.contains("INFO"), "log lines on the console:\n{screen}");
    assert!(screen.contains("ann joined #hello"), "the console shows the chat:\n{screen}");
    let written = std::fs::read_to_string(&log).expect("the log file");
    assert!(written.contains("connection opened"), "{written}");
    assert!(written.contains("database created"), "{written}");
}
