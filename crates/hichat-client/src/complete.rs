//! Tab completion of nicks and /commands.
//!
//! Pressing Tab completes the word before the cursor: a `/command` at the
//! start of the line, otherwise a nick of the current window (followed by
//! `: ` at the start of the line). Pressing Tab again cycles through the
//! other matches. Pure, so it is tested on strings.

use crate::commands::COMMANDS;
use hichat_proto::casemap;

/// Completion state between Tab presses.
#[derive(Debug, Default, Clone)]
pub struct Completer {
    cycle: Option<Cycle>,
}

#[derive(Debug, Clone)]
struct Cycle {
    /// Input before the completed word.
    head: String,
    /// Input after the cursor.
    tail: String,
    candidates: Vec<String>,
    suffix: &'static str,
    index: usize,
    /// What we produced last, to know whether Tab is pressed again.
    produced: (String, usize),
}

impl Completer {
    /// Forgets the current cycle (any key other than Tab).
    pub fn reset(&mut self) {
        self.cycle = None;
    }

    /// Completes `input` at byte offset `cursor`; returns the new input and
    /// cursor, or `None` when nothing matches.
    pub fn complete(&mut self, input: &str, cursor: usize, nicks: &[String]) -> Option<(String, usize)> {
        if let Some(c) = &mut self.cycle {
            if c.produced.0 == input && c.produced.1 == cursor {
                c.index = (c.index + 1) % c.candidates.len();
                return Some(c.produce());
            }
        }
        let cursor = cursor.min(input.len());
        let start = input[..cursor].rfind(' ').map_or(0, |i| i + 1);
        let word = &input[start..cursor];
        if word.is_empty() {
            return None;
        }
        let (mut candidates, suffix): (Vec<String>, &'static str) = if start == 0 && word.starts_with('/') {
            let w = word.to_ascii_lowercase();
            (COMMANDS.iter().map(|(c, _)| c.to_string()).filter(|c| c.starts_with(&w)).collect(), " ")
        } else {
            let w = casemap::fold(word);
            let list = nicks.iter().filter(|n| casemap::fold(n).starts_with(&w)).cloned().collect();
            (list, if start == 0 { ": " } else { " " })
        };
        if candidates.is_empty() {
            return None;
        }
        candidates.sort_by_key(|c| casemap::fold(c));
        candidates.dedup();
        let mut c = Cycle {
            head: input[..start].to_owned(),
            tail: input[cursor..].to_owned(),
            candidates,
            suffix,
            index: 0,
            produced: (String::new(), 0),
        };
        let out = c.produce();
        self.cycle = Some(c);
        Some(out)
    }
}

impl Cycle {
    fn produce(&mut self) -> (String, usize) {
        let word = &self.candidates[self.index];
        // A tail that already starts with a space needs none added.
        let suffix = if self.tail.starts_with(' ') { self.suffix.trim_end() } else { self.suffix };
        let text = format!("{}{}{}{}", self.head, word, suffix, self.tail);
        let cursor = self.head.len() + word.len() + suffix.len();
        self.produced = (text.clone(), cursor);
        (text, cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nicks() -> Vec<String> {
        ["bob", "Bea", "小明", "amy"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nick_at_line_start_gets_colon() {
        let mut c = Completer::default();
        assert_eq!(c.complete("am", 2, &nicks()), Some(("amy: ".into(), 5)));
    }

    #[test]
    fn nick_mid_line_and_cycling() {
        let mut c = Completer::default();
        let (text, cur) = c.complete("hi b", 4, &nicks()).unwrap();
        assert_eq!((text.as_str(), cur), ("hi Bea ", 7));
        let (text, cur) = c.complete(&text, cur, &nicks()).unwrap();
        assert_eq!((text.as_str(), cur), ("hi bob ", 7));
        let (text, _) = c.complete(&text, cur, &nicks()).unwrap();
        assert_eq!(text, "hi Bea ");
    }

    #[test]
    fn cjk_nick_and_cursor_in_the_middle() {
        let mut c = Completer::default();
        let input = "小 how are you";
        let (text, cur) = c.complete(input, "小".len(), &nicks()).unwrap();
        assert_eq!(text, "小明: how are you");
        assert_eq!(&text[..cur], "小明:");
    }

    #[test]
    fn commands_complete_only_at_start() {
        let mut c = Completer::default();
        assert_eq!(c.complete("/jo", 3, &nicks()), Some(("/join ".into(), 6)));
        c.reset();
        let (first, cur) = c.complete("/q", 2, &[]).unwrap();
        assert_eq!(first, "/query ");
        assert_eq!(c.complete(&first, cur, &[]).unwrap().0, "/quit ");
        c.reset();
        assert_eq!(c.complete("x /jo", 5, &nicks()), None);
    }

    #[test]
    fn nothing_to_complete() {
        let mut c = Completer::default();
        assert_eq!(c.complete("", 0, &nicks()), None);
        assert_eq!(c.complete("zz", 2, &nicks()), None);
        assert_eq!(c.complete("hi ", 3, &nicks()), None);
    }
}
