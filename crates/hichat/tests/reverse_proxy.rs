//! contrib/nginx.conf and contrib/Caddyfile, run for real on loopback ports
//! in front of the `hichat` binary: the web client and /healthz come
//! through, /metrics does not, the WebSocket opens through the proxy with
//! the page's origin (and not with another), and hichat sees the client's
//! own address (127.0.0.7 here) from X-Forwarded-For, not the proxy's nor
//! one the client forged. Each test is skipped, saying so, when its proxy
//! is not installed (`apt-get install nginx-light caddy`; .ci/run does).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;
use tungstenite::Message;

mod common;
use common::{free_port, temp_dir, BIN};
/// The address the test's "browser" connects from.
const CLIENT_IP: &str = "127.0.0.7";
const ORIGIN: &str = "https://chat.example.org";

fn contrib(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn find_program(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// A child process stopped with SIGTERM (nginx's master then stops its
/// workers) when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_port(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        let log = std::fs::read_to_string(log).unwrap_or_default();
        assert!(Instant::now() < deadline, "{what} did not start on {port}:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts hichat with the `[web]` settings the contrib files ask for.
fn start_hichat(dir: &Path) -> (Running, u16) {
    let (irc, web) = (free_port(), free_port());
    let config = dir.join("hichat.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = [\"127.0.0.1:{irc}\"]\n[web]\nlisten = \"127.0.0.1:{web}\"\n\
             allowed_origins = [\"{ORIGIN}\"]\ntrusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]\n"
        ),
    )
    .unwrap();
    let log = dir.join("hichat.log");
    let child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let running = Running(child);
    wait_port(web, "hichat", &log);
    (running, web)
}

/// Replaces `from` by `to` in `text`, which must hold it exactly `times`
/// times: when the contrib file changes shape, the test says where.
fn swap(text: &str, from: &str, to: &str, times: usize) -> String {
    assert_eq!(text.matches(from).count(), times, "expected {from:?} {times} time(s) in the contrib file");
    text.replace(from, to)
}

/// A TCP connection to the proxy from [`CLIENT_IP`].
fn connect_from_client(port: u16) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{CLIENT_IP}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    let remote: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    socket.connect(&remote.into()).unwrap();
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

/// A plain HTTP/1.1 GET through the proxy; the status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = connect_from_client(port);
    write!(s, "GET {path} HTTP/1.1\r\nHost: chat.example.org\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, response)
}

/// Checks what a browser user sees through the proxy on `port`.
fn check_through_proxy(port: u16) {
    let (status, page) = get(port, "/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<title>hichat</title>"), "{page}");
    assert_eq!(get(port, "/healthz").0, 200);
    let (status, metrics) = get(port, "/metrics");
    assert_eq!(status, 403, "/metrics must not be public: {metrics}");

    // Another site's page may not open the WebSocket through the proxy.
    let mut request = format!("ws://127.0.0.1:{port}/").into_client_request().unwrap();
    request.headers_mut().insert("Origin", HeaderValue::from_static("https://evil.example"));
    request.headers_mut().insert("Host", HeaderValue::from_static("chat.example.org"));
    match tungstenite::client(request, connect_from_client(port)) {
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(r))) => assert_eq!(r.status(), 403),
        other => panic!("expected 403 for another origin, got {:?}", other.map(|(_, r)| r.status())),
    }

    // The page's own origin may, and hichat sees the client's address,
    // not the proxy's and not the one the client put in the header.
    let mut request = format!("ws://127.0.0.1:{port}/ws").into_client_request().unwrap();
    let h = request.headers_mut();
    h.insert("Origin", HeaderValue::from_static(ORIGIN));
    h.insert("Host", HeaderValue::from_static("chat.example.org"));
    h.insert("Sec-WebSocket-Protocol", HeaderValue::from_static("text.ircv3.net"));
    h.insert("X-Forwarded-For", HeaderValue::from_static("203.0.113.66"));
    let (mut ws, response) = tungstenite::client(request, connect_from_client(port)).expect("WebSocket handshake");
    assert_eq!(response.headers().get("sec-websocket-protocol").unwrap(), "text.ircv3.net");
    for line in ["NICK proxied", "USER proxied 0 * :through the proxy", "WHOIS proxied"] {
        ws.send(Message::text(line)).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no WHOIS reply");
        let Message::Text(line) = ws.read().unwrap() else { continue };
        let words: Vec<&str> = line.split(' ').collect();
        if words.get(1) == Some(&"311") {
            assert_eq!(words[5], CLIENT_IP, "hichat saw another address: {line}");
            break;
        }
    }
    ws.send(Message::text("QUIT :bye")).unwrap();
}

#[test]
fn nginx_in_front_of_hichat() {
    let Some(nginx) = find_program("nginx") else {
        eprintln!("SKIP: nginx is not installed (apt-get install nginx-light); contrib/nginx.conf not run");
        return;
    };
    let dir = temp_dir("nginx");
    let (_hichat, web) = start_hichat(&dir);
    let (http, https) = (free_port(), free_port());
    // The production file, on loopback ports, the TLS part left out.
    let site = contrib("nginx.conf");
    let site = swap(&site, "server 127.0.0.1:8080;", &format!("server 127.0.0.1:{web};"), 1);
    let site = swap(&site, "    listen 80;\n    listen [::]:80;\n", &format!("    listen 127.0.0.1:{http};\n"), 1);
    let site =
        swap(&site, "    listen 443 ssl;\n    listen [::]:443 ssl;\n", &format!("    listen 127.0.0.1:{https};\n"), 1);
    let site: String = site.lines().filter(|l| !l.trim_start().starts_with("ssl_")).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("site.conf"), site).unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
             events {{ worker_connections 64; }}\nhttp {{\n  access_log {d}/access.log;\n\
             client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/site.conf;\n}}\n"
        ),
    )
    .unwrap();
    let log = dir.join("error.log");
    let test = Command::new(&nginx)
        .arg("-t")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(&log)
        .output()
        .unwrap();
    assert!(test.status.success(), "nginx -t: {}", String::from_utf8_lossy(&test.stderr));
    let child = Command::new(&nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _nginx = Running(child);
    wait_port(https, "nginx", &log);
    // Plain HTTP redirects to HTTPS.
    let (status, redirect) = get(http, "/");
    assert_eq!(status, 301, "{redirect}");
    assert!(redirect.contains("Location: https://chat.example.org/"), "{redirect}");
    check_through_proxy(https);
    drop(_nginx);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn caddy_in_front_of_hichat() {
    let Some(caddy) = find_program("caddy") else {
        eprintln!("SKIP: caddy is not installed (apt-get install caddy); contrib/Caddyfile not run");
        return;
    };
    let dir = temp_dir("caddy");
    let (_hichat, web) = start_hichat(&dir);
    let port = free_port();
    // The production file on a loopback port over plain HTTP (no ACME).
    let file = contrib("Caddyfile");
    let file = swap(&file, "reverse_proxy 127.0.0.1:8080", &format!("reverse_proxy 127.0.0.1:{web}"), 1);
    // Any Host (the requests say chat.example.org), only on loopback.
    let file = swap(&file, "\nchat.example.org {", &format!("\nhttp://:{port} {{\n\tbind 127.0.0.1"), 1);
    let file = format!("{{\n\tadmin off\n\tauto_https off\n\tstorage file_system {}/caddy\n}}\n{file}", dir.display());
    let caddyfile = dir.join("Caddyfile");
    std::fs::write(&caddyfile, file).unwrap();
    let log = dir.join("caddy.log");
    let child = Command::new(&caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&caddyfile)
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", &dir)
        .env("XDG_CONFIG_HOME", &dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let _caddy = Running(child);
    wait_port(port, "caddy", &log);
    check_through_proxy(port);
    drop(_caddy);
    let _ = std::fs::remove_dir_all(&dir);
}
