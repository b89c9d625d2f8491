//! The server's own words in each user's language: services' replies, FAIL
//! descriptions, the default MOTD and the plain-text mode.
//!
//! Every language is a Project Fluent catalogue, `locales/<code>/hichat.ftl`,
//! embedded at build time (`build.rs` lists the folder), so a third language
//! is a new file and nothing else. English is the first catalogue and the
//! fallback for a message another catalogue lacks. Numerics keep their
//! standard English texts: clients and the specifications rely on them.
//!
//! A connection picks its language with `LANGUAGE` (see
//! [`crate::handlers`]); until then it has the server's default
//! (`server.language`).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;
use unic_langid::LanguageIdentifier;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/locales.rs"));
}

/// The longest language code `LANGUAGE` looks at; BCP 47 tags in practical
/// use are far shorter (RFC 5646 asks implementations to take 35).
pub const MAX_CODE_LEN: usize = 35;

/// A language the server has a catalogue for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lang(usize);

impl Lang {
    /// English, the fallback.
    pub const EN: Lang = Lang(0);

    /// Its code as the catalogue folder names it, e.g. `zh-CN`.
    pub fn code(self) -> &'static str {
        CATALOGUES[self.0].code
    }
}

/// One argument of a message: text or a number (numbers choose plurals).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(s)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u64> for Arg<'_> {
    fn from(n: u64) -> Self {
        Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

struct Catalogue {
    code: &'static str,
    bundle: FluentBundle<FluentResource>,
}

static CATALOGUES: LazyLock<Vec<Catalogue>> =
    LazyLock::new(|| embedded::CATALOGUES.iter().filter_map(|(code, text)| load(code, text)).collect());

/// Parses one catalogue. A catalogue with errors keeps what parsed (the
/// tests in `tests/language.rs` keep the shipped ones clean).
fn load(code: &'static str, text: &str) -> Option<Catalogue> {
    let langid: LanguageIdentifier = match code.parse() {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(code, error = %e, "a catalogue's folder is not a language code; skipped");
            return None;
        }
    };
    let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(partial, errors)| {
        tracing::error!(code, errors = errors.len(), "a catalogue has syntax errors");
        partial
    });
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // No Unicode isolation marks around arguments: IRC lines are plain text.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(code, errors = errors.len(), "a catalogue defines a message twice");
    }
    Some(Catalogue { code, bundle })
}

/// Every language, English first.
pub fn languages() -> impl Iterator<Item = Lang> {
    (0..CATALOGUES.len()).map(Lang)
}

/// The catalogue a requested code names: the same code in any case (`zh-cn`),
/// or a bare language (`zh`, `en`) for the first catalogue of that language.
/// `None` for anything else, including codes with other characters than
/// letters, digits and `-` or longer than [`MAX_CODE_LEN`].
pub fn find(code: &str) -> Option<Lang> {
    if !is_well_formed(code) {
        return None;
    }
    if let Some(l) = languages().find(|l| l.code().eq_ignore_ascii_case(code)) {
        return Some(l);
    }
    if code.contains('-') {
        return None;
    }
    languages().find(|l| l.code().split('-').next().is_some_and(|primary| primary.eq_ignore_ascii_case(code)))
}

/// Whether `code` looks like a language tag at all (and may be echoed).
pub fn is_well_formed(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !code.starts_with('-')
}

/// Message `id` in `lang`, with its arguments; the English text when `lang`
/// lacks it, and the id itself if even English does (a bug the catalogue
/// tests catch).
pub fn tr(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match *value {
            Arg::Str(s) => fluent_args.set(*name, FluentValue::from(s)),
            Arg::Num(n) => fluent_args.set(*name, FluentValue::from(n)),
        }
    }
    let args = (!args.is_empty()).then_some(&fluent_args);
    for catalogue in [lang, Lang::EN].iter().filter_map(|l| CATALOGUES.get(l.0)) {
        let Some(pattern) = catalogue.bundle.get_message(id).and_then(|m| m.value()) else { continue };
        let mut errors = Vec::new();
        let text = catalogue.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::debug!(id, code = catalogue.code, ?errors, "a message did not format cleanly");
        }
        return text.into_owned();
    }
    tracing::warn!(id, "no catalogue has this message");
    id.to_owned()
}

/// A catalogue message with its arguments, put in the reader's language
/// only when it is sent: errors are made where the reader is not known
/// (parsing, batches) and sent where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Text {
    /// Message `id` with text arguments.
    pub fn with<S: Into<String>>(id: &'static str, args: impl IntoIterator<Item = (&'static str, S)>) -> Self {
        Text { id, args: args.into_iter().map(|(k, v)| (k, v.into())).collect() }
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<(&str, Arg<'_>)> = self.args.iter().map(|(k, v)| (*k, Arg::Str(v))).collect();
        tr(lang, self.id, &args)
    }
}

impl From<&'static str> for Text {
    /// A message without arguments.
    fn from(id: &'static str) -> Self {
        Text { id, args: Vec::new() }
    }
}

/// Splits a catalogue into `(id, text)` per message, by its lines: an id
/// starts a line, its continuation lines are indented. For the tests.
#[cfg(test)]
fn messages(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            if let Some((id, rest)) = line.split_once('=') {
                out.push((id.trim().to_owned(), rest.to_owned()));
                continue;
            }
        }
        if line.starts_with(' ') {
            if let Some(last) = out.last_mut() {
                last.1.push('\n');
                last.1.push_str(line);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `$variables` a message's text uses.
    fn variables(text: &str) -> BTreeSet<String> {
        text.split('$')
            .skip(1)
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
            .collect()
    }

    #[test]
    fn every_catalogue_parses_and_has_the_same_messages_with_the_same_variables() {
        assert!(embedded::CATALOGUES.len() >= 2, "English and Chinese at least");
        assert_eq!(CATALOGUES.len(), embedded::CATALOGUES.len(), "every catalogue loaded");
        let english = messages(embedded::CATALOGUES[0].1);
        assert!(english.len() > 50, "{} messages", english.len());
        for (code, text) in embedded::CATALOGUES {
            let parsed = FluentResource::try_new((*text).to_owned());
            assert!(parsed.is_ok(), "{code} has syntax errors: {:?}", parsed.err().map(|(_, e)| e));
            let theirs = messages(text);
            let ids = |m: &[(String, String)]| m.iter().map(|(id, _)| id.clone()).collect::<BTreeSet<_>>();
            let (en_ids, their_ids) = (ids(&english), ids(&theirs));
            assert_eq!(theirs.len(), their_ids.len(), "{code} defines a message twice");
            assert_eq!(en_ids.difference(&their_ids).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in {code}");
            assert_eq!(their_ids.difference(&en_ids).collect::<Vec<_>>(), Vec::<&String>::new(), "only in {code}");
            for (id, en_text) in &english {
                let their_text = &theirs.iter().find(|(i, _)| i == id).expect("checked").1;
                assert_eq!(variables(en_text), variables(their_text), "{code} {id}: the variables differ");
            }
        }
    }

    #[test]
    fn every_message_formats_with_its_arguments_in_every_language() {
        let english = messages(embedded::CATALOGUES[0].1);
        for lang in languages() {
            let own = messages(embedded::CATALOGUES[lang.0].1);
            for (id, text) in &english {
                let own_text = &own.iter().find(|(i, _)| i == id).expect("same ids").1;
                let names: Vec<String> = variables(text).into_iter().collect();
                // Numbers for the names that choose plurals, text otherwise.
                let args: Vec<(&str, Arg<'_>)> = names
                    .iter()
                    .map(|n| {
                        (
                            n.as_str(),
                            if matches!(n.as_str(), "n" | "count" | "secs") { Arg::Num(2) } else { Arg::Str("X1") },
                        )
                    })
                    .collect();
                let out = tr(lang, id, &args);
                assert!(!out.is_empty() && out != *id, "{} {id} is empty", lang.code());
                assert!(!out.contains("{$") && !out.contains('\u{2068}'), "{} {id}: {out}", lang.code());
                // A variable that only chooses a variant (`$state -> ...`) need not show.
                for n in names.iter().filter(|n| !own_text.contains(&format!("${n} ->"))) {
                    let shown = if matches!(n.as_str(), "n" | "count" | "secs") { "2" } else { "X1" };
                    assert!(out.contains(shown), "{} {id} drops ${n}: {out}", lang.code());
                }
            }
        }
    }

    #[test]
    fn codes_are_found_by_exact_code_or_bare_language_only() {
        let zh = find("zh-CN").expect("zh-CN ships");
        assert_eq!(zh.code(), "zh-CN");
        assert_eq!(find("ZH-cn"), Some(zh));
        assert_eq!(find("zh"), Some(zh));
        assert_eq!(find("en"), Some(Lang::EN));
        assert_eq!(find("zh-TW"), None, "Traditional Chinese is not Simplified");
        assert_eq!(find("fr"), None);
        assert_eq!(find(""), None);
        assert_eq!(find("-"), None);
        assert_eq!(find(&"a".repeat(MAX_CODE_LEN + 1)), None);
        assert_eq!(find("zh\u{7}"), None);
        assert_eq!(tr(zh, "no-such-message", &[]), "no-such-message");
    }
}
