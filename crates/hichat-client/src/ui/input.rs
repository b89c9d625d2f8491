//! The input line: editing by grapheme cluster, history, and what part of
//! it to show in a given number of columns with the cursor at the right
//! column for CJK and emoji.

use crate::wrap::{grapheme_width, truncate, width};
use unicode_segmentation::UnicodeSegmentation;

/// Most lines kept in history.
const HISTORY: usize = 500;

/// An editable line with history.
#[derive(Debug, Default, Clone)]
pub struct InputLine {
    text: String,
    /// Byte offset, always on a grapheme boundary.
    cursor: usize,
    history: Vec<String>,
    /// Position while browsing history (`history.len()` is the draft).
    browsing: Option<usize>,
    draft: String,
}

impl InputLine {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text and cursor (after completion).
    pub fn set(&mut self, text: String, cursor: usize) {
        self.cursor = cursor.min(text.len());
        self.text = text;
    }

    pub fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    pub fn insert_str(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor].grapheme_indices(true).next_back().map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..].graphemes(true).next().map_or(self.cursor, |g| self.cursor + g.len())
    }

    pub fn backspace(&mut self) {
        let start = self.prev_boundary();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    pub fn delete(&mut self) {
        let end = self.next_boundary();
        self.text.replace_range(self.cursor..end, "");
    }

    pub fn left(&mut self) {
        self.cursor = self.prev_boundary();
    }

    pub fn right(&mut self) {
        self.cursor = self.next_boundary();
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    /// Ctrl+U: deletes everything before the cursor.
    pub fn kill_before(&mut self) {
        self.text.replace_range(..self.cursor, "");
        self.cursor = 0;
    }

    /// Ctrl+K: deletes everything after the cursor.
    pub fn kill_after(&mut self) {
        self.text.truncate(self.cursor);
    }

    /// Ctrl+W: deletes the word before the cursor.
    pub fn kill_word(&mut self) {
        let before = self.text[..self.cursor].trim_end_matches(' ');
        let start = before.rfind(' ').map_or(0, |i| i + 1);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Takes the line for sending, remembering it in history.
    pub fn submit(&mut self) -> String {
        let line = std::mem::take(&mut self.text);
        self.cursor = 0;
        self.browsing = None;
        if !line.trim().is_empty() && self.history.last() != Some(&line) {
            self.history.push(line.clone());
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
        }
        line
    }

    /// Up: the previous history line (the current text is kept as a draft).
    pub fn history_up(&mut self) {
        let pos = self.browsing.unwrap_or(self.history.len());
        if pos == 0 {
            return;
        }
        if self.browsing.is_none() {
            self.draft = self.text.clone();
        }
        self.browsing = Some(pos - 1);
        self.text = self.history[pos - 1].clone();
        self.cursor = self.text.len();
    }

    /// Down: the next history line, then back to the draft.
    pub fn history_down(&mut self) {
        let Some(pos) = self.browsing else { return };
        if pos + 1 >= self.history.len() {
            self.browsing = None;
            self.text = std::mem::take(&mut self.draft);
        } else {
            self.browsing = Some(pos + 1);
            self.text = self.history[pos + 1].clone();
        }
        self.cursor = self.text.len();
    }

    /// The part of the line shown in `cols` columns, and the cursor's
    /// column within it. Scrolls horizontally to keep the cursor visible.
    pub fn view(&self, cols: usize) -> (&str, usize) {
        let cols = cols.max(2);
        let before = &self.text[..self.cursor];
        let cursor_col = width(before);
        if cursor_col < cols {
            return (truncate(&self.text, cols), cursor_col);
        }
        // Start far enough right that the cursor fits in the last column.
        let mut start = self.cursor;
        let mut used = 0;
        for (i, g) in before.grapheme_indices(true).rev() {
            let w = grapheme_width(g);
            if used + w > cols - 1 {
                break;
            }
            used += w;
            start = i;
        }
        (truncate(&self.text[start..], cols), used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> InputLine {
        let mut i = InputLine::default();
        i.insert_str(s);
        i
    }

    #[test]
    fn moves_and_deletes_whole_characters() {
        let mut i = typed("a你🎉b");
        i.left();
        i.left();
        assert_eq!(&i.text()[..i.cursor()], "a你");
        i.backspace();
        assert_eq!(i.text(), "a🎉b");
        i.delete();
        assert_eq!(i.text(), "ab");
        let mut i = typed("👨‍👩‍👧");
        i.backspace();
        assert_eq!(i.text(), "");
    }

    #[test]
    fn cursor_column_counts_wide_characters() {
        let i = typed("你好ab");
        assert_eq!(i.view(20), ("你好ab", 6));
    }

    #[test]
    fn long_line_scrolls_to_keep_cursor_visible() {
        let i = typed("你好世界你好世界");
        let (shown, col) = i.view(6);
        assert_eq!((shown, col), ("世界", 4));
        let mut i = typed("abcdefghij");
        i.home();
        assert_eq!(i.view(4), ("abcd", 0));
    }

    #[test]
    fn history_keeps_draft() {
        let mut i = typed("one");
        assert_eq!(i.submit(), "one");
        i.insert_str("two");
        i.submit();
        i.insert_str("draft");
        i.history_up();
        assert_eq!(i.text(), "two");
        i.history_up();
        i.history_up();
        assert_eq!(i.text(), "one");
        i.history_down();
        i.history_down();
        assert_eq!(i.text(), "draft");
    }

    #[test]
    fn kill_word_and_line() {
        let mut i = typed("hello big world");
        i.kill_word();
        assert_eq!(i.text(), "hello big ");
        i.kill_before();
        assert_eq!(i.text(), "");
    }
}
