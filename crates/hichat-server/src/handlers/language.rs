//! `LANGUAGE <code> [<code>...]` (Ergo's `draft/languages`): the language
//! of the server's own words to this connection. The first code the server
//! has a catalogue for wins; the others are accepted as fallbacks, as Ergo
//! does, with English always the last one.
//!
//! Replies: `687 <nick> <codes...> :Language preferences have been set`;
//! `981 <nick> <max> :You specified too many languages` when more codes
//! than the server has languages are given (checked first, so 1,000 codes
//! cost nothing); `982 <nick> <code> :...` for a code with no catalogue.
//! A code that is not a plausible tag (too long, control characters, ...)
//! is answered with `*` in place of it: it is never echoed.

use super::Ctx;
use crate::i18n::{self, Arg};
use crate::reply::{HandlerError, HandlerResult};
use hichat_proto::Numeric;

/// The ISUPPORT token, e.g. `LANGUAGE=2,en,zh-CN`: how many codes one
/// LANGUAGE may give, then every language.
pub fn isupport_token() -> String {
    let codes: Vec<&str> = i18n::languages().map(|l| l.code()).collect();
    format!("LANGUAGE={},{}", codes.len(), codes.join(","))
}

pub fn language(ctx: &mut Ctx<'_>, codes: &[String]) -> HandlerResult {
    let max = i18n::languages().count();
    if codes.len() > max {
        return Err(HandlerError::numeric(Numeric::ErrTooManyLanguages, [max.to_string()]));
    }
    let mut chosen = Vec::new();
    for code in codes {
        // Ergo's `~` marks a partial translation; a client may echo it.
        let code = code.strip_prefix('~').unwrap_or(code);
        let Some(lang) = i18n::find(code) else {
            let shown = if i18n::is_well_formed(code) { code } else { "*" };
            let text = ctx.tr("language-unsupported", &[("code", Arg::Str(shown))]);
            return Err(HandlerError::NumericText(Numeric::ErrNoLanguage, vec![shown.to_owned()], text));
        };
        if !chosen.contains(&lang) {
            chosen.push(lang);
        }
    }
    ctx.me_mut().lang = chosen.first().copied().unwrap_or(i18n::Lang::EN);
    let codes: Vec<&str> = chosen.iter().map(|l| l.code()).collect();
    ctx.numeric(Numeric::RplYourLanguagesAre, &codes);
    Ok(())
}
