//! The web client's files as an installable app, over real HTTP: the
//! service worker at the root with a JavaScript type and the list of files
//! it caches, the manifest, the language catalogues and the icons with their
//! types, and nothing outside the embedded list (no path tricks).

mod web_common;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use web_common::*;

/// GET `path`: the status, the header block and the body's bytes.
async fn get(s: &WebServer, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(s.web).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("HTTP response in time").unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), raw[end + 4..].to_vec())
}

#[tokio::test]
async fn the_service_worker_is_served_from_the_root_with_its_file_list() {
    let s = WebServer::start(test_config(), None).await;
    let (status, head, body) = get(&s, "/sw.js").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    let body = String::from_utf8(body).unwrap();
    let mut lines = body.lines();
    assert!(lines.next().unwrap().starts_with("const VERSION = \""));
    let files = lines.next().unwrap();
    for f in ["\"/\"", "\"/assets/app.js\"", "\"/assets/i18n/zh-CN.json\"", "\"/assets/manifest.webmanifest\""] {
        assert!(files.contains(f), "{files}");
    }
    for never in ["/ws", "/healthz", "/metrics", "/api"] {
        assert!(!files.contains(&format!("\"{never}")), "{files}");
    }
    // Every file it lists is there.
    let list: Vec<&str> = files.trim_start_matches("const FILES = [").trim_end_matches("];").split(", ").collect();
    for f in list {
        let (status, _, _) = get(&s, f.trim_matches('"')).await;
        assert_eq!(status, 200, "{f}");
    }
    s.stop().await;
}

#[tokio::test]
async fn the_app_files_have_their_types() {
    let s = WebServer::start(test_config(), None).await;
    for (path, ty) in [
        ("/assets/manifest.webmanifest", "application/manifest+json"),
        ("/assets/i18n/en.json", "application/json"),
        ("/assets/i18n/zh-CN.json", "application/json"),
        ("/assets/icon-192.png", "image/png"),
        ("/assets/icon-maskable.png", "image/png"),
        ("/assets/i18n.js", "text/javascript"),
    ] {
        let (status, head, body) = get(&s, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(head.contains(&format!("content-type: {ty}")), "{path}: {head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{path}: {head}");
        if ty == "image/png" {
            assert_eq!(&body[..8], b"\x89PNG\r\n\x1a\n", "{path}");
        }
    }
    let (_, _, zh) = get(&s, "/assets/i18n/zh-CN.json").await;
    assert!(String::from_utf8(zh).unwrap().contains("\"login.submit\": \"进入聊天\""));
    // Only the embedded names: no directories, no climbing out, no other files.
    for path in [
        "/assets/i18n",
        "/assets/i18n/",
        "/assets/i18n/../app.js",
        "/assets/i18n/%2e%2e/app.js",
        "/assets/i18n/fr.json",
        "/assets/sw.js",
        "/assets/../Cargo.toml",
    ] {
        let (status, _, _) = get(&s, path).await;
        assert_eq!(status, 404, "{path}");
    }
    s.stop().await;
}
