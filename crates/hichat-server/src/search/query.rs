//! Search queries: what a user types, parsed into words, phrases and
//! filters, and the FTS5 expression built from them.
//!
//! The syntax, the same for `SEARCH` and HistServ:
//!
//! - `word`, `"a quoted phrase"`: every one must match (case and diacritics
//!   do not matter; Chinese, Japanese and Korean match character by
//!   character, so a phrase is found inside longer text);
//! - `word*`: words starting with `word`;
//! - `-word`, `-"phrase"`: must not match;
//! - `from:nick`, `in:#channel` or `in:nick` (a private conversation),
//!   each repeatable (any of them matches);
//! - `after:` and `before:` a date (`2026-11-25`, midnight UTC) or an RFC 3339
//!   timestamp: `after:` is inclusive, `before:` exclusive, so
//!   `after:2026-11-25 before:2026-11-26` is that one day.
//!
//! A `SEARCH` may instead use the attribute form of soju's search extension
//! (`text=...;from=...;in=...;after=...;before=...;limit=...`), see
//! [`SearchQuery::parse_attributes`].
//!
//! Users never write FTS5 syntax: every word becomes a quoted FTS5 string
//! (see [`SearchQuery::fts_expression`]), so `NEAR`, `OR`, `^`, column
//! filters or stray quotes are searched for as text, never run.

use super::segment::{has_token, segment};
use crate::clock::parse_utc_millis;

/// Most words and phrases in one query.
pub const MAX_TERMS: usize = 16;
/// Most `from:` or `in:` values in one query.
pub const MAX_FILTER_VALUES: usize = 8;
/// Longest query text accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 400;

/// A word or phrase to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// As typed, without quotes or the `*`/`-` markers.
    pub text: String,
    /// `word*`: a prefix.
    pub prefix: bool,
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Must all match.
    pub terms: Vec<Term>,
    /// Must not match.
    pub excluded: Vec<Term>,
    /// Sender nicks, as typed.
    pub from: Vec<String>,
    /// Channels (`#chan`) or nicks of private conversations, as typed.
    pub within: Vec<String>,
    /// Unix milliseconds, inclusive.
    pub after: Option<u64>,
    /// Unix milliseconds, exclusive.
    pub before: Option<u64>,
    /// Most results wanted, when the client said.
    pub limit: Option<usize>,
}

/// Why a query was refused; the text is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Nothing to search for")]
    Empty,
    #[error("The query is too long")]
    TooLong,
    #[error("Too many words or filters")]
    TooMany,
    #[error("A query needs a word to find or a filter, not only words to exclude")]
    OnlyExclusions,
    #[error("Not a date or RFC 3339 timestamp: {0}")]
    BadTime(String),
    #[error("{0}: given twice")]
    Repeated(&'static str),
    #[error("{0}: needs a value")]
    MissingValue(String),
    #[error("Unknown search attribute: {0}")]
    UnknownAttribute(String),
    #[error("Not a number: {0}")]
    BadLimit(String),
}

impl QueryError {
    /// The error as a catalogue message, for the reader's language.
    pub fn text(&self) -> crate::i18n::Text {
        use crate::i18n::Text;
        match self {
            QueryError::Empty => "search-empty".into(),
            QueryError::TooLong => "search-too-long".into(),
            QueryError::TooMany => "search-too-many".into(),
            QueryError::OnlyExclusions => "search-only-exclusions".into(),
            QueryError::BadTime(v) => Text::with("search-bad-time", [("value", v.as_str())]),
            QueryError::Repeated(v) => Text::with("search-repeated", [("value", *v)]),
            QueryError::MissingValue(v) => Text::with("search-missing-value", [("value", v.as_str())]),
            QueryError::UnknownAttribute(v) => Text::with("search-unknown-attribute", [("value", v.as_str())]),
            QueryError::BadLimit(v) => Text::with("search-bad-limit", [("value", v.as_str())]),
        }
    }
}

impl SearchQuery {
    /// Parses the free form: words, `"phrases"`, `-exclusions` and
    /// `key:value` filters.
    pub fn parse(input: &str) -> Result<SearchQuery, QueryError> {
        if input.len() > MAX_QUERY_LEN {
            return Err(QueryError::TooLong);
        }
        let mut q = SearchQuery::default();
        for Piece { text: body, quoted, negated } in split(input) {
            if !quoted && !negated {
                if let Some((key, value)) = body.split_once(':') {
                    if let Some(filter) = Filter::from_key(key) {
                        q.set(filter, value)?;
                        continue;
                    }
                }
            }
            let (text, prefix) = match body.strip_suffix('*') {
                Some(stem) if !quoted && !stem.is_empty() => (stem, true),
                _ => (body, false),
            };
            // Punctuation alone indexes nothing: leave it out rather than
            // search for an empty phrase.
            if !has_token(text) {
                continue;
            }
            let term = Term { text: text.to_owned(), prefix };
            if negated {
                q.excluded.push(term);
            } else {
                q.terms.push(term);
            }
        }
        q.check()
    }

    /// Parses the attribute form of soju's search extension:
    /// `text=hello world;from=ann;in=#chan;after=<time>;before=<time>;limit=N`,
    /// where `text` is read with [`SearchQuery::parse`]'s word syntax.
    pub fn parse_attributes(input: &str) -> Result<SearchQuery, QueryError> {
        if input.len() > MAX_QUERY_LEN {
            return Err(QueryError::TooLong);
        }
        let mut q = SearchQuery::default();
        let mut text = None;
        for pair in input.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            // Values use message-tags escaping in soju's clients.
            let value = hichat_proto::unescape_tag_value(value);
            match key.to_ascii_lowercase().as_str() {
                "text" => {
                    if text.replace(value).is_some() {
                        return Err(QueryError::Repeated("text"));
                    }
                }
                "limit" => {
                    let n = value.parse::<usize>().map_err(|_| QueryError::BadLimit(value.clone()))?;
                    q.limit = Some(n);
                }
                k => match Filter::from_key(k) {
                    Some(filter) => q.set(filter, &value)?,
                    None => return Err(QueryError::UnknownAttribute(key.to_owned())),
                },
            }
        }
        if let Some(text) = text {
            let words = SearchQuery::parse(&text).or_else(|e| match e {
                QueryError::Empty => Ok(SearchQuery::default()),
                e => Err(e),
            })?;
            q.terms = words.terms;
            q.excluded = words.excluded;
        }
        q.check()
    }

    /// Whether a `SEARCH` parameter is in the attribute form: no spaces,
    /// and `key=value` pairs starting with a known key.
    pub fn looks_like_attributes(input: &str) -> bool {
        let first = input.split(';').find(|p| !p.is_empty()).unwrap_or("");
        !input.contains(' ')
            && first.split_once('=').is_some_and(|(k, _)| {
                matches!(k.to_ascii_lowercase().as_str(), "text" | "from" | "in" | "after" | "before" | "limit")
            })
    }

    fn set(&mut self, filter: Filter, value: &str) -> Result<(), QueryError> {
        if value.is_empty() {
            return Err(QueryError::MissingValue(filter.name().to_owned()));
        }
        match filter {
            Filter::From => self.from.push(value.to_owned()),
            Filter::In => self.within.push(value.to_owned()),
            Filter::After => {
                let t = parse_utc_millis(value).ok_or_else(|| QueryError::BadTime(value.to_owned()))?;
                if self.after.replace(t).is_some() {
                    return Err(QueryError::Repeated("after"));
                }
            }
            Filter::Before => {
                let t = parse_utc_millis(value).ok_or_else(|| QueryError::BadTime(value.to_owned()))?;
                if self.before.replace(t).is_some() {
                    return Err(QueryError::Repeated("before"));
                }
            }
        }
        Ok(())
    }

    fn check(self) -> Result<SearchQuery, QueryError> {
        if self.terms.len() + self.excluded.len() > MAX_TERMS
            || self.from.len() > MAX_FILTER_VALUES
            || self.within.len() > MAX_FILTER_VALUES
        {
            return Err(QueryError::TooMany);
        }
        let filtered =
            !self.from.is_empty() || !self.within.is_empty() || self.after.is_some() || self.before.is_some();
        if self.terms.is_empty() && !self.excluded.is_empty() {
            return Err(QueryError::OnlyExclusions);
        }
        if self.terms.is_empty() && !filtered {
            return Err(QueryError::Empty);
        }
        Ok(self)
    }

    /// The FTS5 `MATCH` expression, or `None` when the query has no words
    /// (filters only). Every term is one FTS5 string — quoted, inner quotes
    /// doubled — of its segmented text, so the tokenizer reads it and FTS5
    /// sees no operators: `你好 "big cat" -dog` becomes
    /// `("你 好" "big cat") NOT ("dog")`.
    pub fn fts_expression(&self) -> Option<String> {
        if self.terms.is_empty() {
            return None;
        }
        let positive = join(&self.terms, " ");
        Some(if self.excluded.is_empty() {
            positive
        } else {
            format!("({positive}) NOT ({})", join(&self.excluded, " OR "))
        })
    }
}

/// One FTS5 string per term.
fn join(terms: &[Term], sep: &str) -> String {
    let mut out = String::new();
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push('"');
        out.push_str(&segment(&t.text).replace('"', "\"\""));
        out.push('"');
        if t.prefix {
            out.push_str(" *");
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum Filter {
    From,
    In,
    After,
    Before,
}

impl Filter {
    fn from_key(key: &str) -> Option<Filter> {
        match key.to_ascii_lowercase().as_str() {
            "from" => Some(Filter::From),
            "in" => Some(Filter::In),
            "after" => Some(Filter::After),
            "before" => Some(Filter::Before),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Filter::From => "from",
            Filter::In => "in",
            Filter::After => "after",
            Filter::Before => "before",
        }
    }
}

/// One piece of the free form.
struct Piece<'a> {
    text: &'a str,
    quoted: bool,
    negated: bool,
}

/// Splits on whitespace, keeping `"quoted phrases"` whole (a missing closing
/// quote ends the phrase at the end of the input); a leading `-` marks an
/// exclusion, before a word or a quote.
fn split(input: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = input.trim_start();
    while !rest.is_empty() {
        let negated = rest.len() > 1 && rest.starts_with('-') && !rest[1..].starts_with(char::is_whitespace);
        let body = if negated { &rest[1..] } else { rest };
        if let Some(phrase) = body.strip_prefix('"') {
            let end = phrase.find('"').unwrap_or(phrase.len());
            out.push(Piece { text: &phrase[..end], quoted: true, negated });
            rest = phrase.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = body.find(char::is_whitespace).unwrap_or(body.len());
            out.push(Piece { text: &body[..end], quoted: false, negated });
            rest = body[end..].trim_start();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str) -> Term {
        Term { text: text.into(), prefix: false }
    }

    #[test]
    fn words_phrases_and_filters() {
        let q = SearchQuery::parse(r#"hello "big cat" from:Ann in:#hello -dog after:2026-11-25 before:2026-11-26"#)
            .unwrap();
        assert_eq!(q.terms, vec![term("hello"), term("big cat")]);
        assert_eq!(q.excluded, vec![term("dog")]);
        assert_eq!(q.from, vec!["Ann"]);
        assert_eq!(q.within, vec!["#hello"]);
        assert_eq!(q.after, Some(1_795_564_800_000));
        assert_eq!(q.before, Some(1_795_651_200_000));
        assert_eq!(q.fts_expression().unwrap(), r#"("hello" "big cat") NOT ("dog")"#);
    }

    #[test]
    fn chinese_becomes_a_phrase_of_characters() {
        let q = SearchQuery::parse("你好世界").unwrap();
        assert_eq!(q.fts_expression().unwrap(), r#""你 好 世 界""#);
        let q = SearchQuery::parse("用iPhone聊天 in:#中文").unwrap();
        assert_eq!(q.fts_expression().unwrap(), r#""用 iPhone 聊 天""#);
        assert_eq!(q.within, vec!["#中文"]);
    }

    #[test]
    fn prefixes_and_exclusions() {
        let q = SearchQuery::parse(r#"hel* -"bad word" -x*"#).unwrap();
        assert_eq!(q.terms, vec![Term { text: "hel".into(), prefix: true }]);
        assert_eq!(q.fts_expression().unwrap(), r#"("hel" *) NOT ("bad word" OR "x" *)"#);
        // A lone star or dash is not a marker.
        let q = SearchQuery::parse("a - *").unwrap();
        assert_eq!(q.terms, vec![term("a")]);
    }

    #[test]
    fn fts_syntax_is_text() {
        let q = SearchQuery::parse(r#"NEAR(a b) OR body:x ^start "say ""hi"" now"#).unwrap();
        let expr = q.fts_expression().unwrap();
        assert_eq!(expr, r#""NEAR(a" "b)" "OR" "body:x" "^start" "say " "hi" " now""#);
        let q = SearchQuery::parse(r#"it"s"#).unwrap();
        assert_eq!(q.fts_expression().unwrap(), r#""it""s""#);
        let q = SearchQuery::parse("it's \"unclosed phrase").unwrap();
        assert_eq!(q.fts_expression().unwrap(), r#""it's" "unclosed phrase""#);
    }

    #[test]
    fn filters_alone_are_a_query() {
        let q = SearchQuery::parse("from:ann").unwrap();
        assert_eq!(q.fts_expression(), None);
        assert_eq!(SearchQuery::parse("FROM:ann IN:#a").unwrap().within, vec!["#a"]);
    }

    #[test]
    fn refusals() {
        assert_eq!(SearchQuery::parse(""), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("  !!! ... "), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("-dog"), Err(QueryError::OnlyExclusions));
        assert_eq!(SearchQuery::parse("x before:yesterday"), Err(QueryError::BadTime("yesterday".into())));
        assert_eq!(SearchQuery::parse("x after:2026-01-01 after:2026-01-02"), Err(QueryError::Repeated("after")));
        assert_eq!(SearchQuery::parse("x from:"), Err(QueryError::MissingValue("from".into())));
        assert_eq!(SearchQuery::parse(&"a ".repeat(17)), Err(QueryError::TooMany));
        assert_eq!(SearchQuery::parse(&"a".repeat(401)), Err(QueryError::TooLong));
    }

    #[test]
    fn attribute_form() {
        assert!(SearchQuery::looks_like_attributes("text=hi;in=#chan"));
        assert!(SearchQuery::looks_like_attributes("from=jackie;in=#chan"));
        assert!(!SearchQuery::looks_like_attributes("hello"));
        assert!(!SearchQuery::looks_like_attributes("a=b"));
        assert!(!SearchQuery::looks_like_attributes("text=hi there"));
        assert!(!SearchQuery::looks_like_attributes("e=mc2"));
        assert!(SearchQuery::looks_like_attributes("in=#c;colour=red"));
        let q =
            SearchQuery::parse_attributes(r"text=fast\sfood;in=#chan;from=bill;limit=2;after=2019-01-04T14:33:26.123Z")
                .unwrap();
        assert_eq!(q.terms, vec![term("fast"), term("food")]);
        assert_eq!(q.within, vec!["#chan"]);
        assert_eq!(q.from, vec!["bill"]);
        assert_eq!(q.limit, Some(2));
        assert_eq!(q.after, Some(1_546_612_406_123));
        assert_eq!(SearchQuery::parse_attributes("before=2010-01-01T00:00:00.000Z;in=#c").unwrap().terms, vec![]);
        assert_eq!(SearchQuery::parse_attributes("limit=x;in=#c"), Err(QueryError::BadLimit("x".into())));
        assert_eq!(SearchQuery::parse_attributes("text=a;foo=b"), Err(QueryError::UnknownAttribute("foo".into())));
        assert_eq!(SearchQuery::parse_attributes("limit=5"), Err(QueryError::Empty));
    }

    #[test]
    fn never_panics() {
        for s in ["\"", "-\"", "-", "\"\"", "-\"\"", "a:\"b\"", "from:a:b", "\u{3000}", "x*\"y", "*", "\"*\"", "-*"] {
            let _ = SearchQuery::parse(s);
            let _ = SearchQuery::parse_attributes(s);
        }
    }
}
