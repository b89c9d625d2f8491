//! Search results as one readable NOTICE line each, for HistServ. (`SEARCH`
//! sends the stored lines as history replies do, with
//! [`crate::history::replay::encode`].)

use crate::clock;
use crate::store::HistoryLine;

/// Longest message text shown in one HistServ line, in bytes.
const MAX_SHOWN_TEXT: usize = 300;

/// `[2026-11-25 17:02] #hello <ann> text (msgid)`, or for a private
/// message `[...] bob (private) <ann> text (msgid)` where `bob` is the other
/// party as `owner` (the reader's key prefix) sees it. An action reads
/// `* ann waves`; a multiline message shows its line breaks as ` ↵ `.
pub fn notice_line(line: &HistoryLine, owner: &str) -> String {
    let time = clock::format_server_time(line.time);
    let when = format!("{} {}", &time[..10], &time[11..16]);
    let place = match &line.peer_target {
        None => line.params.split(' ').next().unwrap_or(&line.target).to_owned(),
        Some(peer) => {
            let mine = [&line.target, peer].into_iter().find(|k| k.split(' ').next() == Some(owner));
            let other = mine.and_then(|k| k.split_once(' ')).map_or("?", |(_, nick)| nick);
            format!("{other} (private)")
        }
    };
    let nick = line.prefix.split('!').next().unwrap_or(&line.prefix);
    // A multiline message's line feeds would end the NOTICE: shown as ↵.
    let text = line.text.as_deref().unwrap_or("").replace('\n', " ↵ ");
    let text = text.as_str();
    let said = match text.strip_prefix("\x01ACTION ") {
        Some(action) => format!("* {nick} {}", shorten(action.trim_end_matches('\x01'))),
        None => format!("<{nick}> {}", shorten(text)),
    };
    format!("[{when}] {place} {said} ({})", line.msgid)
}

/// The text cut to [`MAX_SHOWN_TEXT`] bytes at a character boundary.
fn shorten(text: &str) -> String {
    if text.len() <= MAX_SHOWN_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_SHOWN_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_lines() {
        assert_eq!(notice_line(&HistoryLine::sample(), "n:x"), "[2026-11-25 14:50] #Hello <ann> hi there (M1)");
        let private = HistoryLine {
            target: "a:ann bob".into(),
            peer_target: Some("n:bob ann".into()),
            params: "bob".into(),
            text: Some("\x01ACTION waves\x01".into()),
            ..HistoryLine::sample()
        };
        assert_eq!(notice_line(&private, "n:bob"), "[2026-11-25 14:50] ann (private) * ann waves (M1)");
        assert_eq!(notice_line(&private, "a:ann"), "[2026-11-25 14:50] bob (private) * ann waves (M1)");
        let multiline = HistoryLine { text: Some("one\ntwo".into()), ..HistoryLine::sample() };
        assert_eq!(notice_line(&multiline, "n:x"), "[2026-11-25 14:50] #Hello <ann> one ↵ two (M1)");
        let long = HistoryLine { text: Some("字".repeat(200)), ..HistoryLine::sample() };
        assert!(notice_line(&long, "n:x").len() < 400);
    }
}
