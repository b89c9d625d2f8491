//! Text segmentation for the full-text index.
//!
//! SQLite's `unicode61` tokenizer splits on spaces and punctuation, which
//! suits most scripts, but Chinese and Japanese are written without spaces:
//! a whole run of ideographs would become one token, and a search for a word
//! inside it would find nothing. [`segment`] therefore puts each ideograph,
//! kana and Hangul syllable between spaces, so each is a token of its own,
//! and leaves every other word to `unicode61` (which folds case and removes
//! diacritics). Queries go through the same function, so `你好世界` becomes
//! the four-token phrase `你 好 世 界` and matches wherever those characters
//! appear in that order. Korean is split by syllable as well: words carry
//! particles (`안녕하세요`), and a phrase of syllables finds a word inside
//! them.
//!
//! Full-width ASCII (common in Chinese and Japanese input) is mapped to
//! ASCII, so `ＩＲＣ` and `IRC` are the same word.

/// Whether `c` is written without spaces between words and so gets a token
/// of its own: CJK ideographs (with iteration and numeral marks), kana,
/// bopomofo and Hangul syllables.
pub fn is_single_char_token(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007          // 々 〆 〇
        | 0x3021..=0x3029        // Hangzhou numerals
        | 0x3038..=0x303B
        | 0x3040..=0x309F        // Hiragana
        | 0x30A0..=0x30FF        // Katakana
        | 0x3100..=0x312F        // Bopomofo
        | 0x31A0..=0x31BF        // Bopomofo extended
        | 0x31F0..=0x31FF        // Katakana phonetic extensions
        | 0x3400..=0x4DBF        // CJK extension A
        | 0x4E00..=0x9FFF        // CJK unified ideographs
        | 0xAC00..=0xD7AF        // Hangul syllables
        | 0xF900..=0xFAFF        // CJK compatibility ideographs
        | 0xFF66..=0xFF9F        // half-width katakana
        | 0x1B000..=0x1B16F      // kana supplement and extended
        | 0x20000..=0x3347F      // CJK extensions B to J, compatibility supplement
    )
}

/// Variation selectors pick a glyph, not a character: they are dropped so
/// `葛󠄀` and `葛` index alike.
fn is_variation_selector(c: char) -> bool {
    matches!(c as u32, 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
}

/// Full-width ASCII forms to ASCII, the ideographic space to a space.
fn narrow(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// The text as the index sees it: every [single-character
/// token](is_single_char_token) set off by spaces, full-width ASCII made
/// narrow, variation selectors dropped, everything else unchanged.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    // Whether the last thing pushed was a single-character token, which
    // needs a space before whatever comes next.
    let mut after_single = false;
    for c in text.chars() {
        if is_variation_selector(c) {
            continue;
        }
        let c = narrow(c);
        if is_single_char_token(c) {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push(c);
            after_single = true;
        } else {
            if after_single && c != ' ' {
                out.push(' ');
            }
            out.push(c);
            after_single = false;
        }
    }
    out
}

/// Whether `text` holds anything `unicode61` would index: a letter or
/// digit in any script (or a private-use character).
pub fn has_token(text: &str) -> bool {
    text.chars().map(narrow).any(|c| c.is_alphanumeric() || matches!(c as u32, 0xE000..=0xF8FF))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_is_split_per_character() {
        assert_eq!(segment("你好世界"), "你 好 世 界");
        assert_eq!(segment("大家好，你好世界！"), "大 家 好 , 你 好 世 界 !");
        assert_eq!(segment("我用iPhone手机"), "我 用 iPhone 手 机");
        assert_eq!(segment("hello 世界 again"), "hello 世 界 again");
    }

    #[test]
    fn japanese_and_korean() {
        assert_eq!(segment("東京タワー"), "東 京 タ ワ ー");
        assert_eq!(segment("안녕하세요 세계"), "안 녕 하 세 요 세 계");
        assert_eq!(segment("ｶﾀｶﾅ"), "ｶ ﾀ ｶ ﾅ");
    }

    #[test]
    fn other_text_is_left_alone() {
        assert_eq!(segment("Hello, wörld! ça va?"), "Hello, wörld! ça va?");
        assert_eq!(segment("Привет мир"), "Привет мир");
        assert_eq!(segment(""), "");
        assert_eq!(segment("  spaced  out "), "  spaced  out ");
    }

    #[test]
    fn full_width_ascii_is_narrowed() {
        assert_eq!(segment("ＩＲＣ　１２３"), "IRC 123");
        assert_eq!(segment("用ＩＲＣ聊天"), "用 IRC 聊 天");
    }

    #[test]
    fn variation_selectors_are_dropped() {
        assert_eq!(segment("葛\u{E0100}城"), "葛 城");
    }

    #[test]
    fn tokens() {
        assert!(has_token("abc"));
        assert!(has_token("你"));
        assert!(has_token("１"));
        assert!(!has_token("!!! ... ，。"));
        assert!(!has_token(""));
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_every_character(s in any::<String>()) {
            let out = segment(&s);
            let kept = |t: &str| -> String {
                t.chars().filter(|c| !c.is_whitespace() && !is_variation_selector(*c)).map(narrow)
                    .filter(|c| !c.is_whitespace()).collect()
            };
            prop_assert_eq!(kept(&out), kept(&s));
            // Idempotent: segmenting twice changes nothing more.
            prop_assert_eq!(segment(&out), out.clone());
        }

        #[test]
        fn single_tokens_stand_alone(s in "[a-z你好世界タ한 ,!]{0,40}") {
            let out = segment(&s);
            for (i, c) in out.char_indices() {
                if is_single_char_token(c) {
                    let before = out[..i].chars().next_back();
                    let after = out[i + c.len_utf8()..].chars().next();
                    prop_assert!(before.is_none_or(|b| b == ' '), "{out:?}");
                    prop_assert!(after.is_none_or(|a| a == ' '), "{out:?}");
                }
            }
        }
    }
}
