//! IRCv3 batches: references, the `BATCH +ref`/`BATCH -ref` pair, and
//! tagging lines that are already encoded.

use bytes::{BufMut, Bytes, BytesMut};
use hichat_proto::{escape_tag_value, Message};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_REF: AtomicU64 = AtomicU64::new(1);

/// A batch reference unique for the life of the server.
pub fn new_ref() -> String {
    format!("b{:x}", NEXT_REF.fetch_add(1, Ordering::Relaxed))
}

/// One open batch: [`Batch::start`] and [`Batch::end`] frame its lines,
/// each of which carries [`Batch::reference`] in a `batch` tag.
#[derive(Debug, Clone)]
pub struct Batch {
    pub reference: String,
    server: String,
}

impl Batch {
    pub fn new(server: &str) -> Self {
        Batch { reference: new_ref(), server: server.to_owned() }
    }

    /// `:server BATCH +ref type params...`
    pub fn start(&self, kind: &str, params: &[&str]) -> Message {
        let mut p = vec![format!("+{}", self.reference), kind.to_owned()];
        p.extend(params.iter().map(|s| (*s).to_owned()));
        Message::new("BATCH", p).with_source(self.server.clone())
    }

    /// `:server BATCH -ref`
    pub fn end(&self) -> Message {
        Message::new("BATCH", [format!("-{}", self.reference)]).with_source(self.server.clone())
    }

    /// An encoded line with this batch's tag added.
    pub fn tag_line(&self, line: &[u8]) -> Bytes {
        add_tag(line, "batch", Some(&self.reference))
    }
}

/// Adds a tag in front of the tags of an encoded line (one line, CR LF
/// included), escaping its value.
pub fn add_tag(line: &[u8], key: &str, value: Option<&str>) -> Bytes {
    let mut tag = String::from(key);
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        tag.push('=');
        escape_tag_value(v, &mut tag);
    }
    let mut out = BytesMut::with_capacity(line.len() + tag.len() + 2);
    out.put_u8(b'@');
    out.put_slice(tag.as_bytes());
    match line.strip_prefix(b"@") {
        Some(rest) => {
            out.put_u8(b';');
            out.put_slice(rest);
        }
        None => {
            out.put_u8(b' ');
            out.put_slice(line);
        }
    }
    out.freeze()
}

/// Splits queued bytes into their lines (each keeps its CR LF).
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split_inclusive(|b| *b == b'\n').filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_added_in_front() {
        assert_eq!(&add_tag(b":s PONG s x\r\n", "label", Some("a b"))[..], b"@label=a\\sb :s PONG s x\r\n");
        assert_eq!(&add_tag(b"@time=1 :s X\r\n", "batch", Some("r"))[..], b"@batch=r;time=1 :s X\r\n");
        let b = Batch::new("srv");
        assert!(b.start("labeled-response", &[]).to_string().starts_with(":srv BATCH +b"));
    }

    #[test]
    fn splits_lines() {
        let v: Vec<_> = lines(b"a\r\nb\r\n").collect();
        assert_eq!(v, [&b"a\r\n"[..], &b"b\r\n"[..]]);
    }
}
