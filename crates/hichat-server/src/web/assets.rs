//! The browser client's files, embedded in the binary from `web/` at the
//! top of the repository. They are plain ES modules and CSS written to be
//! served as they are: there is no build step, so `cargo build` needs no
//! npm and no network.

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

macro_rules! asset {
    ($name:literal, $ty:expr) => {
        Asset { name: $name, content_type: $ty, body: include_str!(concat!("../../../../web/", $name)) }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// The page itself, served at `/`.
pub const INDEX: &Asset = &asset!("index.html", "text/html; charset=utf-8");

/// What `/assets/NAME` serves.
const FILES: &[Asset] = &[
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("irc.js", JS),
    asset!("state.js", JS),
    asset!("view.js", JS),
    asset!("icon.svg", "image/svg+xml"),
];

/// The asset called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Asset> {
    FILES.iter().find(|a| a.name == name)
}
