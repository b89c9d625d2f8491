//! Look-alike names: invisible characters, mixed scripts, and skeletons
//! (Unicode TR39, "Security Mechanisms") to tell names that look the same.
//!
//! `NickServ\u{200b}`, `Nick\u{200d}Serv` and `NickSеrv` (a Cyrillic `е`)
//! all read as `NickServ`. The first two hold invisible characters and the
//! third mixes Latin and Cyrillic, so [`crate::Nickname::parse`] refuses
//! them. A name in one script can still look like another (a Cyrillic
//! `сосо` reads as `coco`); [`skeleton`] maps it to the name it looks like,
//! for the server to compare with the names that are taken. The tables are
//! those of the `unicode-security` crate (unicode-rs).

use unicode_normalization::UnicodeNormalization;
use unicode_script::Script;
use unicode_security::mixed_script::AugmentedScriptSet;

/// Whether `c` draws nothing by itself: a default-ignorable code point
/// (zero-width space and joiners, bidirectional controls, soft hyphen,
/// Hangul fillers, variation selectors, ...) or a blank pattern.
pub fn is_invisible(c: char) -> bool {
    // The TR39 skeleton drops exactly the default-ignorable code points.
    unicode_security::skeleton(c.encode_utf8(&mut [0; 4])).next().is_none() || c == '\u{2800}'
}

/// Whether `name` has an invisible character that is not allowed. The
/// emoji variation selectors (U+FE0E, U+FE0F) are allowed straight after a
/// non-ASCII character (`❤️` is typed so); they disappear in the skeleton,
/// so a name cannot hide behind them either.
pub fn has_invisible(name: &str) -> bool {
    let mut prev: Option<char> = None;
    for c in name.chars() {
        let selector = matches!(c, '\u{FE0E}' | '\u{FE0F}') && prev.is_some_and(|p| !p.is_ascii());
        if is_invisible(c) && !selector {
            return true;
        }
        prev = Some(c);
    }
    false
}

/// Whether `name` mixes scripts in a way that lends itself to look-alikes.
///
/// A name in one script is fine (`小明`, `Ann`, `Анна`; digits, punctuation
/// and emoji belong to every script), and so are the mixes TR39 calls
/// highly or moderately restrictive: Latin with Han, Japanese or Korean, or
/// with one other recommended script that is not Cyrillic or Greek. Latin
/// with Cyrillic or Greek, or two scripts neither of them Latin, is mixed.
pub fn is_mixed_script(name: &str) -> bool {
    let mut all = AugmentedScriptSet::default();
    let mut not_latin = AugmentedScriptSet::default();
    for c in name.chars() {
        let set = AugmentedScriptSet::for_char(c);
        all.intersect_with(set);
        if !set.base.contains_script(Script::Latin) {
            not_latin.intersect_with(set);
        }
    }
    if !all.is_empty() || not_latin.hanb || not_latin.jpan || not_latin.kore {
        return false;
    }
    let mut scripts = not_latin.base.iter();
    match (scripts.next(), scripts.next()) {
        (Some(s), None) => !s.is_recommended() || s == Script::Cyrillic || s == Script::Greek,
        _ => true,
    }
}

/// The skeleton of a name, lowercased: what it looks like. Compatibility
/// forms are folded first (full-width `Ｎ` is `N`), then every non-ASCII
/// character is replaced by its TR39 prototype and invisible ones dropped,
/// so `NickSеrv` (Cyrillic `е`) and `ＮｉｃｋＳｅｒｖ` give `nickserv`.
///
/// ASCII characters are kept as they are (only folded to lower case), so
/// the skeleton of an ASCII name is its casefolded self: a look-alike of a
/// name in use is found by looking its skeleton up among the names.
pub fn skeleton(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut buf = [0; 4];
    for c in name.nfkc() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            for p in unicode_security::skeleton(c.encode_utf8(&mut buf)) {
                out.extend(p.to_lowercase());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters() {
        for name in ["NickServ\u{200b}", "Nick\u{200d}Serv", "a\u{200c}b", "a\u{2060}", "\u{202e}evil", "a\u{ad}b"] {
            assert!(has_invisible(name), "{name:?}");
        }
        for name in ["NickServ", "小明", "emoji🎉", "love❤\u{fe0f}", "a|b"] {
            assert!(!has_invisible(name), "{name:?}");
        }
        assert!(has_invisible("a\u{fe0f}"), "a selector after ASCII hides nothing legitimate");
    }

    #[test]
    fn mixed_scripts() {
        for name in ["NickSеrv", "Jоhn", "Αlice", "Анна小"] {
            assert!(is_mixed_script(name), "{name:?}");
        }
        let single = ["NickServ", "小明", "Анна", "Ελένη", "emoji🎉", "a-b", "[x]", "`x", "a^b{}", "たなか"];
        let mixed_ok = ["Bob小明", "Tom김", "ken_たなか", "sara_سارا"];
        for name in single.iter().chain(&mixed_ok) {
            assert!(!is_mixed_script(name), "{name:?}");
        }
    }

    #[test]
    fn skeletons() {
        assert_eq!(skeleton("NickServ"), "nickserv");
        assert_eq!(skeleton("NickSеrv"), "nickserv");
        assert_eq!(skeleton("ＮｉｃｋＳｅｒｖ"), "nickserv");
        assert_eq!(skeleton("Nick\u{200d}Serv"), "nickserv");
        assert_eq!(skeleton("сосо"), "coco");
        assert_eq!(skeleton("b0b"), "b0b", "ASCII is kept as it is");
        assert_eq!(skeleton("小明"), skeleton("小明"));
    }
}
