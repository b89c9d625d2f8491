//! IRC wildcard masks (`*` any run, `?` one character), matched in time
//! linear in the text, case-insensitively under the ascii casemapping.
//!
//! A mask is split at its stars into segments. The first segment must match
//! at the start of the text (unless the mask starts with `*`), the last at
//! its end (unless the mask ends with `*`), and the ones between are each
//! found at their leftmost place after the one before: leftmost leaves the
//! most room for the rest, so no other placement needs trying. Each search
//! is a shift-and (bitap) scan that reads every character of the text once,
//! whatever the segment holds, so a hostile mask such as `*aaaa…ab` costs
//! one pass over a long realname rather than one pass per position.

/// Segments longer than this (more than a machine word of states) are
/// searched the plain way, position by position.
const WORD: usize = 64;

/// A compiled mask, for matching many texts against one mask (WHO).
#[derive(Debug, Clone)]
pub struct Wildcard {
    /// The mask had no `*`: the one segment must be the whole text.
    exact: bool,
    /// The mask starts (`open_start`) or ends (`open_end`) with `*`.
    open_start: bool,
    open_end: bool,
    segments: Vec<Segment>,
}

/// A run of the mask between stars: literal characters and `?`.
#[derive(Debug, Clone)]
struct Segment {
    /// Lower-cased; `None` is `?`.
    chars: Vec<Option<char>>,
    /// Shift-and tables when the segment fits a word.
    bitap: Option<Box<Bitap>>,
}

/// For each character, the set of segment positions it can stand at.
#[derive(Debug, Clone)]
struct Bitap {
    ascii: [u64; 128],
    /// Positions of `?`, which every character can stand at.
    any: u64,
    /// Non-ASCII characters of the segment and their positions.
    other: Vec<(char, u64)>,
}

impl Bitap {
    fn new(chars: &[Option<char>]) -> Self {
        let mut b = Bitap { ascii: [0; 128], any: 0, other: Vec::new() };
        for (i, c) in chars.iter().enumerate() {
            let bit = 1u64 << i;
            match c {
                None => b.any |= bit,
                Some(c) if c.is_ascii() => b.ascii[*c as usize] |= bit,
                Some(c) => match b.other.iter_mut().find(|(o, _)| o == c) {
                    Some((_, bits)) => *bits |= bit,
                    None => b.other.push((*c, bit)),
                },
            }
        }
        b
    }

    fn positions(&self, c: char) -> u64 {
        let own = if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            self.other.iter().find(|(o, _)| *o == c).map_or(0, |(_, bits)| *bits)
        };
        own | self.any
    }
}

impl Segment {
    fn new(chars: Vec<Option<char>>) -> Self {
        let bitap = (chars.len() <= WORD).then(|| Box::new(Bitap::new(&chars)));
        Segment { chars, bitap }
    }

    /// Whether the segment matches `text` at its start; returns the byte
    /// length it covers.
    fn prefix_of(&self, text: &str) -> Option<usize> {
        let mut len = 0;
        let mut chars = text.chars();
        for want in &self.chars {
            let c = chars.next()?.to_ascii_lowercase();
            if want.is_some_and(|w| w != c) {
                return None;
            }
            len += c.len_utf8();
        }
        Some(len)
    }

    /// Whether the segment matches `text` at its end; returns the byte
    /// offset where that match starts.
    fn suffix_of(&self, text: &str) -> Option<usize> {
        let mut start = text.len();
        let mut chars = text.chars().rev();
        for want in self.chars.iter().rev() {
            let c = chars.next()?.to_ascii_lowercase();
            if want.is_some_and(|w| w != c) {
                return None;
            }
            start -= c.len_utf8();
        }
        Some(start)
    }

    /// The end (byte offset) of the leftmost match inside `text`.
    fn find_end(&self, text: &str) -> Option<usize> {
        if self.chars.is_empty() {
            return Some(0);
        }
        let Some(bitap) = &self.bitap else {
            return text.char_indices().find_map(|(i, _)| self.prefix_of(&text[i..]).map(|len| i + len));
        };
        let done = 1u64 << (self.chars.len() - 1);
        let mut state = 0u64;
        for (i, c) in text.char_indices() {
            state = ((state << 1) | 1) & bitap.positions(c.to_ascii_lowercase());
            if state & done != 0 {
                return Some(i + c.len_utf8());
            }
        }
        None
    }
}

impl Wildcard {
    /// Compiles `mask`.
    pub fn new(mask: &str) -> Self {
        let lower = mask.to_ascii_lowercase();
        let segments = lower
            .split('*')
            .filter(|s| !s.is_empty())
            .map(|s| Segment::new(s.chars().map(|c| (c != '?').then_some(c)).collect()))
            .collect();
        Wildcard {
            exact: !mask.contains('*'),
            open_start: mask.starts_with('*'),
            open_end: mask.ends_with('*'),
            segments,
        }
    }

    /// Whether `text` matches the mask.
    pub fn matches(&self, text: &str) -> bool {
        let segments = &self.segments[..];
        if self.exact {
            return match segments {
                [] => text.is_empty(),
                [one] => one.prefix_of(text) == Some(text.len()),
                _ => unreachable!("a mask without a star is one segment"),
            };
        }
        let (mut from, mut to) = (0, text.len());
        let mut middle = segments;
        if !self.open_start {
            let Some((first, rest)) = middle.split_first() else { return true };
            let Some(len) = first.prefix_of(text) else { return false };
            from = len;
            middle = rest;
        }
        if !self.open_end {
            let Some((last, rest)) = middle.split_last() else { return true };
            match last.suffix_of(&text[from..]) {
                Some(start) => to = from + start,
                None => return false,
            }
            middle = rest;
        }
        for segment in middle {
            match segment.find_end(&text[from..to]) {
                Some(end) => from += end,
                None => return false,
            }
        }
        true
    }
}

/// Matches `text` against an IRC wildcard `mask`, case-insensitively under
/// the ascii casemapping. Compile a [`Wildcard`] to match many texts.
pub fn wildcard_match(mask: &str, text: &str) -> bool {
    Wildcard::new(mask).matches(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook backtracking matcher, as the reference.
    fn reference(m: &[char], t: &[char]) -> bool {
        match (m.first(), t.first()) {
            (None, _) => t.is_empty(),
            (Some('*'), _) => reference(&m[1..], t) || (!t.is_empty() && reference(m, &t[1..])),
            (Some(_), None) => false,
            (Some(&c), Some(&d)) => (c == '?' || c.eq_ignore_ascii_case(&d)) && reference(&m[1..], &t[1..]),
        }
    }

    #[test]
    fn agrees_with_the_reference_on_every_small_case() {
        let alphabet = ['a', 'b', 'é', '*', '?'];
        let mut masks = vec![String::new()];
        let mut level = masks.clone();
        for _ in 0..4 {
            level = level.iter().flat_map(|m| alphabet.iter().map(move |c| format!("{m}{c}"))).collect();
            masks.extend(level.iter().cloned());
        }
        let texts: Vec<String> = masks.iter().filter(|m| !m.contains(['*', '?'])).cloned().collect();
        for m in &masks {
            let w = Wildcard::new(m);
            let mc: Vec<char> = m.chars().collect();
            for t in &texts {
                let tc: Vec<char> = t.chars().collect();
                assert_eq!(w.matches(t), reference(&mc, &tc), "mask {m:?} text {t:?}");
            }
        }
    }

    #[test]
    fn long_segments_and_case() {
        let long = "x".repeat(70);
        assert!(wildcard_match(&format!("*{long}*"), &format!("aA{long}B")));
        assert!(!wildcard_match(&format!("*{long}y*"), &format!("a{long}")));
        assert!(wildcard_match("*BAD*", "a bad guy"));
        assert!(wildcard_match("?*?", "ab"));
        assert!(!wildcard_match("?*?", "a"));
        assert!(wildcard_match("a*a", "aa"));
        assert!(!wildcard_match("aa*aa", "aaa"));
    }
}
