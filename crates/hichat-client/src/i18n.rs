//! The client's own words (status bar, help, errors) in the user's
//! language, chosen once from the environment as other terminal programs
//! do: `LC_ALL`, then `LC_MESSAGES`, then `LANG` (`zh_CN.UTF-8` gives
//! Chinese). Messages from the server and from people are never touched.
//!
//! Each language is a Project Fluent catalogue, `locales/<code>/hichat.ftl`
//! in this crate, embedded by `build.rs`: a third language is a new file.
//! English is the fallback for anything a catalogue lacks.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;
use unic_langid::LanguageIdentifier;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/locales.rs"));
}

struct Catalogue {
    code: &'static str,
    bundle: FluentBundle<FluentResource>,
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    embedded::CATALOGUES
        .iter()
        .filter_map(|(code, text)| {
            let langid: LanguageIdentifier = code.parse().ok()?;
            let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(partial, _)| partial);
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            bundle.set_use_isolating(false);
            let _ = bundle.add_resource(resource);
            Some(Catalogue { code, bundle })
        })
        .collect()
});

/// The language of this process, from the environment.
static CURRENT: LazyLock<usize> = LazyLock::new(|| {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let locale = var("LC_ALL").or_else(|| var("LC_MESSAGES")).or_else(|| var("LANG"));
    locale.as_deref().and_then(from_locale).unwrap_or(0)
});

/// The catalogue a POSIX locale names: `zh_CN.UTF-8` and `zh_CN` are
/// `zh-CN`, a bare `zh` is the first Chinese catalogue; `C`, `POSIX` and
/// anything unknown (`zh_TW` included) are none.
fn from_locale(locale: &str) -> Option<usize> {
    let name = locale.split(['.', '@']).next().unwrap_or("").replace('_', "-");
    let codes: Vec<&str> = CATALOGUES.iter().map(|c| c.code).collect();
    if let Some(i) = codes.iter().position(|c| c.eq_ignore_ascii_case(&name)) {
        return Some(i);
    }
    if name.contains('-') || name.is_empty() {
        return None;
    }
    codes.iter().position(|c| c.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(&name)))
}

/// The code of the language in use, e.g. `en` or `zh-CN`.
pub fn code() -> &'static str {
    CATALOGUES.get(*CURRENT).map_or("en", |c| c.code)
}

/// Message `id` without arguments.
pub fn t(id: &str) -> String {
    tr(id, &[])
}

/// Message `id` with text arguments, in this process's language.
pub fn tr(id: &str, args: &[(&str, &str)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::from(*value));
    }
    let args = (!args.is_empty()).then_some(&fluent_args);
    for c in [*CURRENT, 0].iter().filter_map(|i| CATALOGUES.get(*i)) {
        if let Some(pattern) = c.bundle.get_message(id).and_then(|m| m.value()) {
            return c.bundle.format_pattern(pattern, args, &mut Vec::new()).into_owned();
        }
    }
    id.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids_and_vars(text: &str) -> BTreeSet<(String, BTreeSet<String>)> {
        let mut out = BTreeSet::new();
        for line in text.lines().filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic())) {
            let Some((id, value)) = line.split_once('=') else { continue };
            let vars = value.split('$').skip(1).map(|r| r.chars().take_while(|c| c.is_ascii_alphanumeric()).collect());
            out.insert((id.trim().to_owned(), vars.collect()));
        }
        out
    }

    #[test]
    fn catalogues_parse_and_match_message_for_message() {
        assert!(embedded::CATALOGUES.len() >= 2);
        let english = ids_and_vars(embedded::CATALOGUES[0].1);
        for (code, text) in embedded::CATALOGUES {
            assert!(FluentResource::try_new((*text).to_owned()).is_ok(), "{code} has syntax errors");
            assert_eq!(ids_and_vars(text), english, "{code}: messages or their variables differ from English");
        }
        for (id, vars) in &english {
            let args: Vec<(&str, &str)> = vars.iter().map(|v| (v.as_str(), "X1")).collect();
            for c in CATALOGUES.iter() {
                let p = c.bundle.get_message(id).and_then(|m| m.value()).expect("every message has a value");
                let mut errors = Vec::new();
                let fa: FluentArgs = args.iter().map(|(k, v)| (*k, FluentValue::from(*v))).collect();
                let out = c.bundle.format_pattern(p, Some(&fa), &mut errors);
                assert!(errors.is_empty() && (vars.is_empty() || out.contains("X1")), "{} {id}: {out}", c.code);
            }
        }
    }

    #[test]
    fn locales_map_to_catalogues() {
        let zh = CATALOGUES.iter().position(|c| c.code == "zh-CN");
        assert!(zh.is_some());
        assert_eq!(from_locale("zh_CN.UTF-8"), zh);
        assert_eq!(from_locale("zh_CN.GB18030@stroke"), zh);
        assert_eq!(from_locale("zh"), zh);
        assert_eq!(from_locale("en_GB.UTF-8"), None, "no en-GB: English anyway, as the fallback");
        assert_eq!(from_locale("en"), Some(0));
        assert_eq!(from_locale("zh_TW.UTF-8"), None);
        assert_eq!(from_locale("C"), None);
        assert_eq!(from_locale(""), None);
    }
}
