//! What of a message is worth indexing: IRC formatting codes and CTCP
//! framing removed, so `\x0304red` is the word `red` (not `04red`) and
//! `/me waves` is indexed as `waves`.

/// The searchable text of a stored line, or `None` when it has none: only
/// PRIVMSG and NOTICE are searchable, and of CTCP only ACTION (`/me`).
pub fn searchable_text(command: &str, text: &str) -> Option<String> {
    if !command.eq_ignore_ascii_case("PRIVMSG") && !command.eq_ignore_ascii_case("NOTICE") {
        return None;
    }
    let text = match text.strip_prefix('\x01') {
        Some(ctcp) => {
            let ctcp = ctcp.strip_suffix('\x01').unwrap_or(ctcp);
            let (verb, rest) = ctcp.split_once(' ').unwrap_or((ctcp, ""));
            if !verb.eq_ignore_ascii_case("ACTION") {
                return None;
            }
            rest
        }
        None => text,
    };
    let plain = strip_formatting(text);
    (!plain.trim().is_empty()).then_some(plain)
}

/// Removes mIRC-style formatting: bold, italics, underline, strikethrough,
/// monospace, reverse, reset, and colours with their `fg[,bg]` digits (or
/// hex for `\x04`).
pub fn strip_formatting(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x02' | '\x1d' | '\x1f' | '\x1e' | '\x11' | '\x16' | '\x0f' => {}
            '\x03' | '\x04' => {
                let (max, is_digit): (usize, &dyn Fn(&char) -> bool) = if c == '\x03' {
                    (2, &|d: &char| d.is_ascii_digit())
                } else {
                    (6, &|d: &char| d.is_ascii_hexdigit())
                };
                let mut took = 0;
                while took < max && chars.peek().is_some_and(is_digit) {
                    chars.next();
                    took += 1;
                }
                if took > 0 && chars.peek() == Some(&',') {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(is_digit) {
                        chars.next();
                        let mut took = 0;
                        while took < max && chars.peek().is_some_and(is_digit) {
                            chars.next();
                            took += 1;
                        }
                    }
                }
                // Keep words apart that only a colour code separated.
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_messages_are_searchable() {
        assert_eq!(searchable_text("PRIVMSG", "hello").as_deref(), Some("hello"));
        assert_eq!(searchable_text("notice", "hello").as_deref(), Some("hello"));
        assert_eq!(searchable_text("TOPIC", "hello"), None);
        assert_eq!(searchable_text("PRIVMSG", "   "), None);
    }

    #[test]
    fn ctcp() {
        assert_eq!(searchable_text("PRIVMSG", "\x01ACTION waves\x01").as_deref(), Some("waves"));
        assert_eq!(searchable_text("PRIVMSG", "\x01ACTION waves").as_deref(), Some("waves"));
        assert_eq!(searchable_text("PRIVMSG", "\x01VERSION\x01"), None);
        assert_eq!(searchable_text("NOTICE", "\x01PING 123\x01"), None);
    }

    #[test]
    fn formatting_is_removed() {
        assert_eq!(strip_formatting("\x02bold\x02 \x1ditalic\x0f"), "bold italic");
        assert_eq!(strip_formatting("\x0304red\x03 and \x0304,12both\x03"), " red  and  both ");
        assert_eq!(strip_formatting("\x03,5 not a colour"), " ,5 not a colour");
        assert_eq!(strip_formatting("\x04ff0000hex"), " hex");
        assert_eq!(strip_formatting("a\x03b"), "a b");
        assert_eq!(strip_formatting("2\x031,2,3"), "2 ,3");
    }
}
