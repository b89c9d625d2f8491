//! The browser client's files, embedded in the binary from `web/` at the
//! top of the repository. They are plain ES modules, CSS, JSON catalogues
//! and icons written to be served as they are: there is no build step, so
//! `cargo build` needs no npm and no network. The one file made here is the
//! service worker's head: the list of files it keeps and a version that
//! changes with any of them.

use std::fmt::Write;
use std::sync::OnceLock;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $ty:expr) => {
        Asset { name: $name, content_type: $ty, body: include_bytes!(concat!("../../../../web/", $name)) }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";
const PNG: &str = "image/png";

/// The page itself, served at `/`.
pub const INDEX: &Asset = &asset!("index.html", "text/html; charset=utf-8");

/// What `/assets/NAME` serves. A new language is a new `i18n/TAG.json` here
/// (and in `LANGUAGES` in web/i18n.js).
const FILES: &[Asset] = &[
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("i18n.js", JS),
    asset!("install.js", JS),
    asset!("irc.js", JS),
    asset!("keys.js", JS),
    asset!("state.js", JS),
    asset!("view.js", JS),
    asset!("i18n/en.json", JSON),
    asset!("i18n/zh-CN.json", JSON),
    asset!("manifest.webmanifest", "application/manifest+json"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("icon-192.png", PNG),
    asset!("icon-512.png", PNG),
    asset!("icon-maskable.png", PNG),
];

/// The service worker's code; [`service_worker`] puts its head before it.
const SW: &[u8] = include_bytes!("../../../../web/sw.js");

/// The asset called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Asset> {
    FILES.iter().find(|a| a.name == name)
}

/// The service worker served at `/sw.js` (the root, so that it may control
/// the whole client): `const VERSION` (a hash of every file, the worker
/// included, so a new binary with any change is a new worker and a new
/// cache) and `const FILES` (the page and every asset: all it ever caches),
/// then web/sw.js.
pub fn service_worker() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let mut hash = Fnv::default();
        for a in std::iter::once(INDEX).chain(FILES) {
            hash.add(a.name.as_bytes());
            hash.add(a.body);
        }
        hash.add(SW);
        let mut files = vec!["\"/\"".to_owned()];
        files.extend(FILES.iter().map(|a| format!("\"/assets/{}\"", a.name)));
        let mut s = String::new();
        let _ = writeln!(s, "const VERSION = \"{:016x}\";", hash.0);
        let _ = writeln!(s, "const FILES = [{}];", files.join(", "));
        s.push_str(std::str::from_utf8(SW).expect("web/sw.js is UTF-8"));
        s
    })
}

/// FNV-1a, 64 bits: stable across builds and platforms, unlike std's hasher,
/// so the same files always give the same version.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn add(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so that moving bytes between two files changes the hash.
        self.0 = (self.0 ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every file under web/ is served (a catalogue or icon added there but
    /// not here would be missing in the binary, and from the offline cache).
    #[test]
    fn every_file_of_the_client_is_embedded() {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
        let mut names = Vec::new();
        walk(&root, &root, &mut names);
        for name in names {
            let served = name == INDEX.name || name == "sw.js" || find(&name).is_some();
            assert!(served, "web/{name} is not embedded in assets.rs");
        }
    }

    #[test]
    fn the_service_worker_lists_every_file_and_a_version() {
        let sw = service_worker();
        let head: Vec<&str> = sw.lines().take(2).collect();
        assert!(
            head[0].starts_with("const VERSION = \"") && head[0].len() == "const VERSION = \"\";".len() + 16,
            "{sw}"
        );
        for a in FILES {
            assert!(head[1].contains(&format!("\"/assets/{}\"", a.name)), "{}", head[1]);
        }
        assert!(head[1].starts_with("const FILES = [\"/\", "));
        assert!(!head[1].contains("/ws") && !head[1].contains("/metrics") && !head[1].contains("/healthz"));
        let mut a = Fnv::default();
        a.add(b"ab");
        a.add(b"c");
        let mut b = Fnv::default();
        b.add(b"a");
        b.add(b"bc");
        assert_ne!(a.0, b.0);
    }
}
