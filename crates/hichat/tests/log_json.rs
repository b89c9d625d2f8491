//! `hichat serve --log-format json` (and `[server] log_format = "json"`):
//! every line on standard error, the binary's own status lines included, is
//! one JSON object with `level` and `message`, as a log collector reads it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, temp_dir, BIN};

/// Runs the server with `args`, registers one client and quits it, stops
/// the server with SIGTERM and returns its standard error.
fn serve(name: &str, args: &[&str]) -> String {
    let dir = temp_dir(name);
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--web", "off", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&dir)
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("server did not start: {e}"),
        }
    };
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    writer.write_all(b"NICK ann\r\nUSER ann 0 * :Ann \xe4\xbd\xa0\xe5\xa5\xbd \"q\"\r\n").unwrap();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "closed before 001");
        if line.contains(" 001 ") {
            break;
        }
    }
    writer.write_all(b"QUIT :bye\r\n").unwrap();
    let _ = reader.read_to_string(&mut String::new());
    // The "connection closed" line is written as the client goes: give it a
    // moment, then stop the server as a service manager would.
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status:?}; stderr:\n{err}");
    let _ = std::fs::remove_dir_all(&dir);
    err
}

fn check_json_lines(err: &str) {
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 3, "too few lines:\n{err}");
    let mut messages = Vec::new();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}\nall:\n{err}"));
        let level = v["level"].as_str().unwrap_or_else(|| panic!("no level: {line}"));
        assert!(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level), "{line}");
        let message = v["message"].as_str().unwrap_or_else(|| panic!("no message: {line}"));
        assert!(v["timestamp"].is_string(), "{line}");
        messages.push((message.to_owned(), v));
    }
    assert!(messages.iter().any(|(m, _)| m.starts_with("serving IRC on 127.0.0.1:")), "status line: {err}");
    let opened = messages.iter().find(|(m, _)| m == "connection opened").expect("connection opened");
    assert_eq!(opened.1["addr"], "127.0.0.1", "fields sit beside the message: {err}");
    let closed = messages.iter().find(|(m, _)| m == "connection closed").expect("connection closed");
    assert_eq!(closed.1["nick"], "ann");
}

#[test]
fn log_format_json_flag() {
    let err = serve("flag", &["--log-format", "json"]);
    check_json_lines(&err);
}

#[test]
fn log_format_json_in_config_and_flag_wins() {
    let dir = temp_dir("config-file");
    let config = dir.join("hichat.toml");
    std::fs::write(&config, "[server]\nlog_format = \"json\"\n").unwrap();
    let err = serve("config", &["--config", config.to_str().unwrap()]);
    check_json_lines(&err);
    // The command line overrides the file.
    let err = serve("config-text", &["--config", config.to_str().unwrap(), "--log-format", "text"]);
    assert!(err.lines().any(|l| l.starts_with("hichat: serving IRC on")), "{err}");
    assert!(err.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_log_format_is_a_clear_error() {
    let out = Command::new(BIN).args(["serve", "--log-format", "xml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("xml") && err.contains("json"), "{err}");
}
