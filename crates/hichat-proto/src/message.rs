//! One IRC message: `[@tags] [:source] COMMAND [params...] [:trailing]`.

use crate::tags::{escape_tag_value, unescape_tag_value, Tag};
use bytes::{BufMut, Bytes, BytesMut};
use std::fmt;

/// A parsed IRC message. Parameters are stored without the `:` that may
/// introduce the last one; [`Message::write`] adds it back where needed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub tags: Vec<Tag>,
    /// The source (prefix) without its leading `:`.
    pub source: Option<String>,
    /// The command verb as sent (a numeric stays three digits). Use
    /// [`Message::verb`] for the upper-cased form.
    pub command: String,
    pub params: Vec<String>,
}

/// Why a line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("line is not valid UTF-8")]
    InvalidUtf8,
    #[error("line is empty")]
    Empty,
    #[error("line has no command")]
    NoCommand,
    #[error("command contains invalid characters")]
    BadCommand,
    #[error("line contains a NUL, CR or LF character")]
    ForbiddenChar,
}

impl Message {
    /// A message with a command and parameters, no tags or source.
    pub fn new<S: Into<String>>(command: impl Into<String>, params: impl IntoIterator<Item = S>) -> Self {
        Self {
            tags: Vec::new(),
            source: None,
            command: command.into(),
            params: params.into_iter().map(Into::into).collect(),
        }
    }

    /// The same message with a source.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The same message with one more tag.
    pub fn with_tag(mut self, key: impl Into<String>, value: Option<String>) -> Self {
        self.tags.push(Tag::new(key, value));
        self
    }

    /// The command upper-cased, for dispatch.
    pub fn verb(&self) -> String {
        self.command.to_ascii_uppercase()
    }

    /// The value of tag `key`, if present (`Some(None)` for a tag without
    /// a value).
    pub fn tag(&self, key: &str) -> Option<Option<&str>> {
        self.tags.iter().find(|t| t.key == key).map(|t| t.value.as_deref())
    }

    /// The nick part of the source (`nick!user@host` gives `nick`).
    pub fn source_nick(&self) -> Option<&str> {
        self.source.as_deref().map(|s| s.split(['!', '@']).next().unwrap_or(s))
    }

    /// Parameter `i`, or `""`.
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map(String::as_str).unwrap_or("")
    }

    /// Parses raw bytes of one line (without its ending).
    pub fn parse_bytes(line: &[u8]) -> Result<Message, ParseError> {
        let line = std::str::from_utf8(line).map_err(|_| ParseError::InvalidUtf8)?;
        Message::parse(line)
    }

    /// Parses one line (without its ending; a trailing CR LF is tolerated).
    pub fn parse(line: &str) -> Result<Message, ParseError> {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.contains(['\0', '\r', '\n']) {
            return Err(ParseError::ForbiddenChar);
        }
        let mut rest = line.trim_start_matches(' ');
        if rest.is_empty() {
            return Err(ParseError::Empty);
        }
        let mut msg = Message::default();
        if let Some(after) = rest.strip_prefix('@') {
            let (tags, r) = split_word(after);
            msg.tags = parse_tags(tags);
            rest = r;
        }
        if let Some(after) = rest.strip_prefix(':') {
            let (source, r) = split_word(after);
            if !source.is_empty() {
                msg.source = Some(source.to_owned());
            }
            rest = r;
        }
        let (command, mut rest) = split_word(rest);
        if command.is_empty() {
            return Err(ParseError::NoCommand);
        }
        // Any printable ASCII word starting with a letter or digit is a
        // command to look up: one hichat does not know
        // (`NONEXISTENT_COMMAND`) is answered 421, not refused here. (A
        // leading `@` or `:` would read back as tags or a source.)
        if !command.starts_with(|c: char| c.is_ascii_alphanumeric()) || !command.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ParseError::BadCommand);
        }
        msg.command = command.to_owned();
        while !rest.is_empty() {
            if let Some(trailing) = rest.strip_prefix(':') {
                msg.params.push(trailing.to_owned());
                break;
            }
            let (word, r) = split_word(rest);
            msg.params.push(word.to_owned());
            rest = r;
        }
        Ok(msg)
    }

    /// Appends the message with its CR LF to `out`.
    pub fn write(&self, out: &mut BytesMut) {
        out.reserve(self.len_hint());
        if !self.tags.is_empty() {
            out.put_u8(b'@');
            let mut s = String::new();
            for (i, tag) in self.tags.iter().enumerate() {
                if i > 0 {
                    s.push(';');
                }
                s.push_str(&tag.key);
                if let Some(v) = tag.value.as_deref().filter(|v| !v.is_empty()) {
                    s.push('=');
                    escape_tag_value(v, &mut s);
                }
            }
            out.put_slice(s.as_bytes());
            out.put_u8(b' ');
        }
        if let Some(source) = &self.source {
            out.put_u8(b':');
            out.put_slice(source.as_bytes());
            out.put_u8(b' ');
        }
        out.put_slice(self.command.as_bytes());
        let last = self.params.len().saturating_sub(1);
        for (i, p) in self.params.iter().enumerate() {
            out.put_u8(b' ');
            if i == last {
                if needs_colon(p) {
                    out.put_u8(b':');
                }
                out.put_slice(p.as_bytes());
            } else if needs_colon(p) {
                // Only the last parameter may be empty, hold a space or
                // start with `:`; a middle one like that would shift every
                // parameter after it, so it is written as `*`.
                out.put_u8(b'*');
            } else {
                out.put_slice(p.as_bytes());
            }
        }
        out.put_slice(b"\r\n");
    }

    /// The message as wire bytes with CR LF.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.write(&mut out);
        out.freeze()
    }

    fn len_hint(&self) -> usize {
        let tags: usize = self.tags.iter().map(|t| t.key.len() + t.value.as_ref().map_or(0, |v| v.len() + 1) + 1).sum();
        let params: usize = self.params.iter().map(|p| p.len() + 2).sum();
        tags + self.source.as_ref().map_or(0, |s| s.len() + 2) + self.command.len() + params + 4
    }
}

/// A parameter needs the `:` form when it is empty, has a space, or starts
/// with `:`.
fn needs_colon(p: &str) -> bool {
    p.is_empty() || p.starts_with(':') || p.contains(' ')
}

/// Splits off the first space-delimited word and skips the spaces after it.
fn split_word(s: &str) -> (&str, &str) {
    match s.find(' ') {
        Some(i) => (&s[..i], s[i..].trim_start_matches(' ')),
        None => (s, ""),
    }
}

/// Reads the tag section (without its `@`). A tag with an empty key
/// (`;;` or `=value`) is dropped: it could not be written back out.
fn parse_tags(raw: &str) -> Vec<Tag> {
    raw.split(';')
        .filter_map(|t| {
            let (key, value) = t.split_once('=').unwrap_or((t, ""));
            if key.is_empty() {
                return None;
            }
            let value = unescape_tag_value(value);
            Some(Tag::new(key, (!value.is_empty()).then_some(value)))
        })
        .collect()
}

impl fmt::Display for Message {
    /// The wire form without the CR LF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = BytesMut::new();
        self.write(&mut out);
        let s = String::from_utf8_lossy(&out[..out.len() - 2]);
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_line() {
        let m = Message::parse("@time=2020;+x=a\\sb :n!u@h PRIVMSG #c :hello world").unwrap();
        assert_eq!(m.tags, vec![Tag::new("time", Some("2020".into())), Tag::new("+x", Some("a b".into()))]);
        assert_eq!(m.source.as_deref(), Some("n!u@h"));
        assert_eq!(m.source_nick(), Some("n"));
        assert_eq!(m.command, "PRIVMSG");
        assert_eq!(m.params, vec!["#c", "hello world"]);
    }

    #[test]
    fn quit_without_colon_and_extra_spaces() {
        let m = Message::parse("QUIT   bye").unwrap();
        assert_eq!(m.params, vec!["bye"]);
        let m = Message::parse("JOIN :").unwrap();
        assert_eq!(m.params, vec![""]);
        let m = Message::parse("NICK a   ").unwrap();
        assert_eq!(m.params, vec!["a"]);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(Message::parse_bytes(b"PRIVMSG #c :\xff\xfe"), Err(ParseError::InvalidUtf8));
        assert_eq!(Message::parse("   "), Err(ParseError::Empty));
        assert_eq!(Message::parse(":src"), Err(ParseError::NoCommand));
        assert_eq!(Message::parse("PRIV\u{7}MSG x"), Err(ParseError::BadCommand));
        assert_eq!(Message::parse("PRIVMSGé x"), Err(ParseError::BadCommand));
        assert_eq!(Message::parse("NONEXISTENT_COMMAND").map(|m| m.command), Ok("NONEXISTENT_COMMAND".into()));
        assert_eq!(Message::parse("PRIVMSG #c :a\0b"), Err(ParseError::ForbiddenChar));
    }

    #[test]
    fn tag_without_key_is_dropped() {
        // Regression (found by the decoder fuzzer): `@=x` was read as a tag
        // with an empty key, written back as `@ y`, which reads as no tag.
        let m = Message::parse("@=;a=1;=x;;b y").unwrap();
        assert_eq!(m.tags, vec![Tag::new("a", Some("1".into())), Tag::new("b", None)]);
        assert_eq!(Message::parse(&m.to_string()), Ok(m));
        assert_eq!(Message::parse("@= y").unwrap().tags, vec![]);
    }

    #[test]
    fn writes_trailing_only_when_needed() {
        assert_eq!(Message::new("PRIVMSG", ["#c", "hi"]).to_string(), "PRIVMSG #c hi");
        assert_eq!(Message::new("PRIVMSG", ["#c", "hi there"]).to_string(), "PRIVMSG #c :hi there");
        assert_eq!(Message::new("TOPIC", ["#c", ""]).to_string(), "TOPIC #c :");
        assert_eq!(Message::new("PRIVMSG", ["#c", ":)"]).to_string(), "PRIVMSG #c ::)");
        let m = Message::new("PRIVMSG", ["#c", "你好 🎉"]).with_source("a!b@c").with_tag("msgid", Some("x;y".into()));
        assert_eq!(m.to_string(), "@msgid=x\\:y :a!b@c PRIVMSG #c :你好 🎉");
        assert_eq!(&m.to_bytes()[..], "@msgid=x\\:y :a!b@c PRIVMSG #c :你好 🎉\r\n".as_bytes());
    }

    #[test]
    fn never_writes_a_malformed_middle_parameter() {
        let m = Message::new("696", ["n", "#c", "l", "", "Invalid"]);
        assert_eq!(m.to_string(), "696 n #c l * Invalid");
        let m = Message::new("X", [":a", "b c", "last one"]);
        assert_eq!(m.to_string(), "X * * :last one");
        assert_eq!(Message::parse(&m.to_string()).unwrap().params.len(), 3);
    }
}
