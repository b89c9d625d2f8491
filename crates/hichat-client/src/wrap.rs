//! Width-aware text measuring and wrapping.
//!
//! Terminal columns are not bytes or chars: a CJK character or an emoji takes
//! two columns, a combining mark none, and a family emoji is several chars
//! that must stay together. Everything here works on grapheme clusters
//! measured with `unicode-width`, so a row never ends inside a character and
//! never overflows its width.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(grapheme_width).sum()
}

/// Columns one grapheme cluster takes: the width of its first char with a
/// width (so a ZWJ sequence counts as one emoji), at most 2.
pub fn grapheme_width(g: &str) -> usize {
    UnicodeWidthStr::width(g).min(2)
}

/// Splits `text` into rows: the first at most `first` columns wide, the
/// others at most `rest`. Rows break after a space when one is in the row,
/// otherwise between grapheme clusters; the spaces at a break are dropped.
/// A cluster wider than the row gets a row of its own rather than looping.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<&str> {
    let mut rows = Vec::new();
    let mut start = 0; // byte offset where the current row begins
    let mut used = 0; // columns used by text[start..pos]
                      // Byte offsets of the last break opportunity in the row: where the row
                      // would end and where the next one would start.
    let mut last_break: Option<(usize, usize)> = None;
    let mut skipping = false; // dropping spaces at the start of a row
    for (pos, g) in text.grapheme_indices(true) {
        let limit = if rows.is_empty() { first } else { rest }.max(1);
        if skipping {
            if g == " " {
                start = pos + g.len();
                continue;
            }
            skipping = false;
        }
        let w = grapheme_width(g);
        if used + w > limit && pos > start {
            if g == " " {
                // The row ends right here; the space is the break.
                rows.push(&text[start..pos]);
                start = pos + 1;
                used = 0;
                last_break = None;
                skipping = true;
                continue;
            }
            match last_break {
                Some((end, next)) if end > start => {
                    rows.push(&text[start..end]);
                    start = next;
                    used = width(&text[start..pos]);
                }
                _ => {
                    rows.push(&text[start..pos]);
                    start = pos;
                    used = 0;
                }
            }
            last_break = None;
        }
        if g == " " {
            // The row may end before this space; the next starts after it.
            last_break = Some((pos, pos + 1));
        }
        used += w;
    }
    if start < text.len() || rows.is_empty() {
        rows.push(&text[start..]);
    }
    rows
}

/// The longest prefix of `s` no wider than `cols` columns, cut between
/// grapheme clusters.
pub fn truncate(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (pos, g) in s.grapheme_indices(true) {
        let w = grapheme_width(g);
        if used + w > cols {
            return &s[..pos];
        }
        used += w;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, first: usize, rest: usize) -> Vec<&str> {
        let rows = wrap(text, first, rest);
        for (i, row) in rows.iter().enumerate() {
            let limit = if i == 0 { first } else { rest };
            assert!(width(row) <= limit || row.graphemes(true).count() == 1, "row {row:?} wider than {limit}");
        }
        rows
    }

    #[test]
    fn widths_of_cjk_and_emoji() {
        assert_eq!(width("hello"), 5);
        assert_eq!(width("你好"), 4);
        assert_eq!(width("🎉"), 2);
        assert_eq!(width("👨‍👩‍👧"), 2);
        assert_eq!(width("é"), 1); // e + combining acute
    }

    #[test]
    fn breaks_at_spaces() {
        assert_eq!(check("hello world foo", 11, 11), vec!["hello world", "foo"]);
        assert_eq!(check("hello world foo", 8, 8), vec!["hello", "world", "foo"]);
        assert_eq!(check("a  b", 1, 1), vec!["a", "b"]);
    }

    #[test]
    fn cjk_never_split_and_fits() {
        let text = "你好世界，这是一个很长的中文句子";
        for w in 2..20 {
            let rows = check(text, w, w);
            assert_eq!(rows.concat(), text, "width {w}");
            for row in &rows {
                assert!(width(row) <= w);
            }
        }
        assert_eq!(check("你好世界", 5, 5), vec!["你好", "世界"]);
    }

    #[test]
    fn odd_width_leaves_a_gap_rather_than_half_a_character() {
        assert_eq!(check("ab你好", 3, 3), vec!["ab", "你", "好"]);
    }

    #[test]
    fn emoji_sequences_stay_whole() {
        let text = "👨‍👩‍👧👨‍👩‍👧🎉";
        assert_eq!(check(text, 2, 2), vec!["👨‍👩‍👧", "👨‍👩‍👧", "🎉"]);
        assert_eq!(check(text, 1, 1).len(), 3);
    }

    #[test]
    fn first_row_can_be_narrower() {
        assert_eq!(check("aaa bbb ccc", 3, 7), vec!["aaa", "bbb ccc"]);
    }

    #[test]
    fn empty_and_mixed() {
        assert_eq!(wrap("", 5, 5), vec![""]);
        let rows = check("hi 你好 🎉 ok 世界", 6, 6);
        assert_eq!(rows, vec!["hi", "你好", "🎉 ok", "世界"]);
    }

    #[test]
    fn truncate_by_columns() {
        assert_eq!(truncate("你好世界", 5), "你好");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
