//! IRCv3 message tags and the escaping of their values.

/// One message tag: `key` or `key=value`. Client-only tags keep their `+`
/// prefix in the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    /// The unescaped value; `None` when the tag had no value or an empty one.
    pub value: Option<String>,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: Option<String>) -> Self {
        Self { key: key.into(), value }
    }

    /// True for client-only tags (`+typing`, `+draft/reply`, ...).
    pub fn is_client_only(&self) -> bool {
        self.key.starts_with('+')
    }
}

/// Escapes a tag value for the wire (IRCv3 message-tags, "Escaping values").
pub fn escape_tag_value(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            ';' => out.push_str("\\:"),
            ' ' => out.push_str("\\s"),
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Reverses [`escape_tag_value`]. An unknown escape drops the backslash and a
/// trailing lone backslash is dropped, as the spec requires.
pub fn unescape_tag_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let v = "a; b\\c\r\nd";
        let mut e = String::new();
        escape_tag_value(v, &mut e);
        assert_eq!(e, "a\\:\\sb\\\\c\\r\\nd");
        assert_eq!(unescape_tag_value(&e), v);
    }

    #[test]
    fn odd_escapes() {
        assert_eq!(unescape_tag_value("\\b"), "b");
        assert_eq!(unescape_tag_value("ab\\"), "ab");
    }
}
