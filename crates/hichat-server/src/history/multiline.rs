//! draft/multiline messages in history: stored as one row, played back as
//! they were relayed.
//!
//! A multiline message is one row of `messages`, under the msgid and time
//! its batch was relayed with and the command of its lines (PRIVMSG or
//! NOTICE), so queries, retention, REDACT and search take it as the one
//! message it is. `text` is the message as the specification combines it:
//! its lines joined by a line feed, a `draft/multiline-concat` line joined
//! to the one before directly. Where each line ends, which the join loses,
//! is one more tag in the `tags` column, [`LAYOUT_TAG`]: each line's length
//! in bytes, comma-separated, with `c` after a concatenated line's. Lines
//! `hello`, `how is `, `everyone?` (concatenated) and a blank one are
//! `hello\nhow is everyone?\n` with `draft/multiline=5,7,9c,0`. The column
//! otherwise holds client-only tags, which start with `+`: a client cannot
//! put this tag on a single message.
//!
//! Played back, a row becomes the [`MultilineRelay`] the live relay used,
//! inside the reply's batch: a `draft/multiline` batch for clients with
//! draft/multiline and batch, its start carrying msgid and time; for the
//! others its non-blank lines, the first with the msgid.

use super::{message_line, To};
use crate::caps::{Cap, Caps};
use crate::multiline::{Line, MultilineRelay, BATCH_TYPE};
use crate::state::client::ClientId;
use crate::state::sender::with_account;
use crate::state::{Encode, Relay, State};
use crate::store::HistoryLine;
use bytes::Bytes;
use hichat_proto::Tag;

/// The tag in the `tags` column that marks a multiline message and holds
/// its lines' layout.
pub const LAYOUT_TAG: &str = BATCH_TYPE;

/// Stores a multiline message from `sender` just relayed with `msgid`:
/// its `verb` (PRIVMSG or NOTICE), `lines` and client-only `tags` (those
/// of the `BATCH` line). Not stored where a single message would not be.
pub fn record(state: &State, sender: ClientId, to: To<'_>, verb: &str, msgid: &str, lines: &[Line], tags: &[Tag]) {
    let (text, layout) = join(lines);
    let mut tags = state.history.stored_tags(tags);
    if !tags.is_empty() {
        tags.push(';');
    }
    tags.push_str(&format!("{LAYOUT_TAG}={layout}"));
    if let Some(line) = message_line(state, sender, to, verb, msgid, Some(&text), tags) {
        state.history.append_from(Some(sender), line);
    }
}

/// A stored line as client `caps` receives it, when it is a multiline
/// message (else `None`): in batch `batch` (when given and the client has
/// batch), with `time`, `msgid`, `account` and client-only tags for those
/// with the capabilities, as the live relay tags it.
pub fn encode(line: &HistoryLine, caps: Caps, batch: Option<&str>) -> Option<Bytes> {
    let lines = lines_of(line)?;
    let client_tags: Vec<Tag> = line
        .tags
        .split(';')
        .filter(|t| t.starts_with('+'))
        .map(|raw| match raw.split_once('=') {
            Some((k, v)) => Tag::new(k, Some(hichat_proto::unescape_tag_value(v))),
            None => Tag::new(raw, None),
        })
        .collect();
    let mut relay = MultilineRelay::new(&line.prefix, &line.command, &line.params, &lines, |relay, first| {
        let mut relay = relay.with_time(line.time);
        if first {
            relay = relay.tag(Cap::MessageTags, "msgid", Some(line.msgid.clone()));
        }
        let mut relay: Relay = with_account(relay, line.account.as_deref());
        for t in &client_tags {
            relay = relay.tag(Cap::MessageTags, t.key.clone(), t.value.clone());
        }
        relay
    });
    if let Some(b) = batch {
        relay = relay.in_batch(b);
    }
    Some(relay.encoding(caps).clone())
}

/// The lines of a stored multiline message; `None` for any other line.
pub fn lines_of(line: &HistoryLine) -> Option<Vec<Line>> {
    let layout = line.tags.split(';').find_map(|t| t.strip_prefix(LAYOUT_TAG)?.strip_prefix('='))?;
    let text = line.text.as_deref().unwrap_or_default();
    // A layout that does not fit the text (edited by hand?): its lines as
    // the line feeds show them, never one line holding line feeds.
    Some(
        split(text, layout)
            .unwrap_or_else(|| text.split('\n').map(|t| Line { text: t.to_owned(), concat: false }).collect()),
    )
}

/// The combined text of `lines` and their layout (see the module doc).
fn join(lines: &[Line]) -> (String, String) {
    let mut text = String::new();
    let mut layout = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            layout.push(',');
            if !line.concat {
                text.push('\n');
            }
        }
        text.push_str(&line.text);
        layout.push_str(&line.text.len().to_string());
        if line.concat {
            layout.push('c');
        }
    }
    (text, layout)
}

/// The lines `join` made `text` and `layout` from, or `None` if they do
/// not agree.
fn split(text: &str, layout: &str) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    let mut rest = text;
    for (i, entry) in layout.split(',').enumerate() {
        let (len, concat) = match entry.strip_suffix('c') {
            Some(len) => (len, true),
            None => (entry, false),
        };
        let len: usize = len.parse().ok()?;
        if i > 0 && !concat {
            rest = rest.strip_prefix('\n')?;
        }
        let piece = rest.get(..len).filter(|p| !p.contains('\n'))?;
        lines.push(Line { text: piece.to_owned(), concat });
        rest = &rest[len..];
    }
    rest.is_empty().then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, concat: bool) -> Line {
        Line { text: text.to_owned(), concat }
    }

    #[test]
    fn layouts_round_trip() {
        let cases = [
            vec![line("hello", false), line("how is ", false), line("everyone?", true), line("", false)],
            vec![line("", false), line("x", true)],
            vec![line("x", true)],
            vec![line("", false), line("", false), line("你好", false), line("世界", true)],
        ];
        let (text, layout) = join(&cases[0]);
        assert_eq!((text.as_str(), layout.as_str()), ("hello\nhow is everyone?\n", "5,7,9c,0"));
        for lines in cases {
            let (text, layout) = join(&lines);
            assert_eq!(split(&text, &layout).as_ref(), Some(&lines), "{text:?} {layout:?}");
        }
        // Layouts that do not fit their text.
        for (text, layout) in [("ab", "1"), ("ab", "3"), ("a\nb", "3"), ("a\nb", "1,1c"), ("你", "1"), ("a", "x")] {
            assert_eq!(split(text, layout), None, "{text:?} {layout:?}");
        }
    }

    fn stored(tags: &str) -> HistoryLine {
        HistoryLine {
            msgid: "M".into(),
            time: 0,
            command: "PRIVMSG".into(),
            prefix: "ann!a@h".into(),
            account: Some("Ann".into()),
            tags: tags.into(),
            params: "#c".into(),
            text: Some("one\ntwo".into()),
            ..HistoryLine::default()
        }
    }

    #[test]
    fn played_back_in_the_reply_batch() {
        assert!(encode(&stored("+a=b"), Caps::default(), None).is_none(), "a single message");
        let row = stored("+a=b\\sc;draft/multiline=3,3");
        let mut caps = Caps::default();
        for c in [Cap::Batch, Cap::MessageTags, Cap::ServerTime] {
            caps.set(c, true);
        }
        let text = |caps| String::from_utf8(encode(&row, caps, Some("out")).unwrap().to_vec()).unwrap();
        assert_eq!(
            text(caps),
            "@time=1970-01-01T00:00:00.000Z;msgid=M;+a=b\\sc;batch=out :ann!a@h PRIVMSG #c one\r\n\
             @time=1970-01-01T00:00:00.000Z;+a=b\\sc;batch=out :ann!a@h PRIVMSG #c two\r\n"
        );
        caps.set(Cap::Multiline, true);
        let text = text(caps);
        let inner = text.split(' ').nth(3).unwrap()[1..].to_owned();
        assert_eq!(
            text,
            format!(
                "@time=1970-01-01T00:00:00.000Z;msgid=M;+a=b\\sc;batch=out :ann!a@h BATCH +{inner} draft/multiline #c\r\n\
                 @batch={inner} :ann!a@h PRIVMSG #c one\r\n\
                 @batch={inner} :ann!a@h PRIVMSG #c two\r\n\
                 @batch=out :ann!a@h BATCH -{inner}\r\n"
            )
        );
        // A layout that does not fit: the line feeds split it.
        let odd = stored("draft/multiline=1");
        assert_eq!(lines_of(&odd), Some(vec![line("one", false), line("two", false)]));
    }
}
