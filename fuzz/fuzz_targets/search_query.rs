//! Arbitrary text as a `SEARCH` query, in both forms: parsing must never
//! panic, and an accepted query's FTS5 expression must keep every term a
//! quoted string (balanced quotes), so no input becomes an FTS5 operator.

#![no_main]

use hichat_server::search::query::SearchQuery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let _ = SearchQuery::looks_like_attributes(input);
    for parsed in [SearchQuery::parse(input), SearchQuery::parse_attributes(input)] {
        let Ok(query) = parsed else { continue };
        if let Some(expr) = query.fts_expression() {
            assert_eq!(expr.matches('"').count() % 2, 0, "unbalanced quotes in {expr:?} from {input:?}");
        }
    }
});
