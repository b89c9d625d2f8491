//! `hichat config check`: every problem in a configuration file, each with
//! its line, rather than only the first as [`Config::load`] reports.
//!
//! TOML that does not parse stops there: its first syntax error is all
//! there is (the parser cannot go on past it). A file that parses is read
//! into [`Config`]; each time that fails (an unknown key, a wrong type, a
//! missing field) the offending key, with its value, or table is blanked
//! out of the text, spaces for characters so every line keeps its number,
//! and the file is read again. Then the checks serde cannot do
//! (`Config::check`) run the same way: the key a message names is
//! blanked (back to its default, which passes) and the checks run again.

use crate::config::Config;
use std::ops::Range;
use toml_edit::{ImDocument, InlineTable, Item, Table, Value};

/// Most problems listed for one file.
const MAX_PROBLEMS: usize = 100;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based; `None` when it cannot be placed.
    pub line: Option<usize>,
    pub message: String,
}

/// Reads a configuration file's text: the configuration, or every problem
/// found, in line order.
pub fn check(text: &str) -> Result<Config, Vec<Problem>> {
    let mut text = text.to_owned();
    let mut problems: Vec<Problem> = Vec::new();
    while problems.len() < MAX_PROBLEMS {
        let doc = match ImDocument::parse(text.as_str()) {
            Ok(doc) => doc,
            // Only the first pass can meet one: later ones read text whose
            // blanked parts were whole keys with their values.
            Err(e) if problems.is_empty() => {
                let line = e.span().map(|s| line_of(&text, s.start));
                problems.push(Problem { line, message: first_line(e.message()) });
                break;
            }
            Err(_) => break,
        };
        let entries = entries(&doc, &text);
        let config = match toml::from_str::<Config>(&text) {
            Ok(config) => config,
            Err(e) => {
                let at = e.span().map(|s| s.start);
                let found = at.and_then(|at| innermost(&entries, at));
                let line = at.map(|at| line_of(&text, at));
                match found {
                    Some(entry) => {
                        problems.push(Problem { line, message: describe(e.message(), &entry.path) });
                        blank(&mut text, entry.range.clone());
                        continue;
                    }
                    None => {
                        problems.push(Problem { line, message: e.message().to_owned() });
                        break;
                    }
                }
            }
        };
        match config.check() {
            Ok(()) if problems.is_empty() => return Ok(config),
            Ok(()) => break,
            Err(message) => {
                let named: Vec<&Entry> =
                    keys_named(&message).iter().filter_map(|k| entries.iter().find(|e| e.path == *k)).collect();
                let line = named.first().map(|e| line_of(&text, e.range.start));
                let repeated = problems.iter().any(|p| p.message == message);
                problems.push(Problem { line, message });
                if named.is_empty() || repeated {
                    break;
                }
                for range in named.iter().map(|e| e.range.clone()).collect::<Vec<_>>() {
                    blank(&mut text, range);
                }
            }
        }
    }
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    Err(problems)
}

/// A one-line account of a good configuration.
pub fn summary(config: &Config) -> String {
    let web = match config.web.listen.as_deref() {
        None => "127.0.0.1:8080".to_owned(),
        Some("") => "off".to_owned(),
        Some(addr) => addr.to_owned(),
    };
    let tls = if config.tls.cert.as_os_str().is_empty() {
        "off".to_owned()
    } else {
        format!("on {}", config.tls.listen.join(", "))
    };
    let ops = config.operators.len();
    format!(
        "IRC on {}, web {web}, TLS {tls}, data in {}, {ops} operator{}, history {}",
        config.server.listen.join(", "),
        config.server.data_dir.display(),
        if ops == 1 { "" } else { "s" },
        if config.history.enabled { "on" } else { "off" },
    )
}

/// A key with its value, or a table with its header and keys, in the text.
#[derive(Debug)]
struct Entry {
    /// Dotted, e.g. `limits.sendq_bytes`.
    path: String,
    range: Range<usize>,
}

/// Every key and table of the document that has a place in the text.
fn entries(doc: &ImDocument<&str>, text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    walk(doc.as_table(), "", text, &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(table: &Table, prefix: &str, text: &str, out: &mut Vec<Entry>) {
    if let (false, Some(span)) = (prefix.is_empty(), table.span()) {
        out.push(Entry { path: prefix.to_owned(), range: span });
    }
    for (key, item) in table.iter() {
        let path = join(prefix, key);
        let key_span = table.key(key).and_then(|k| k.span());
        match item {
            Item::Value(value) => value_entry(key_span, value, path, text, out),
            Item::Table(t) => walk(t, &path, text, out),
            Item::ArrayOfTables(array) => array.iter().for_each(|t| walk(t, &path, text, out)),
            Item::None => {}
        }
    }
}

fn walk_inline(table: &InlineTable, prefix: &str, text: &str, out: &mut Vec<Entry>) {
    for (key, value) in table.iter() {
        let key_span = table.key(key).and_then(|k| k.span());
        value_entry(key_span, value, join(prefix, key), text, out);
    }
}

fn value_entry(key: Option<Range<usize>>, value: &Value, path: String, text: &str, out: &mut Vec<Entry>) {
    if let Value::InlineTable(t) = value {
        walk_inline(t, &path, text, out);
    }
    if let (Some(key), Some(value)) = (key, value.span()) {
        out.push(Entry { path, range: dotted_start(text, key.start)..value.end });
    }
}

/// Where a key's line begins when only the rest of a dotted key
/// (`server.` in `server.name = 1`) is before it; else `start`.
fn dotted_start(text: &str, start: usize) -> usize {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    if before.trim_end().ends_with('.') && !before.contains(['=', '{', ',', '[']) {
        line_start + (before.len() - before.trim_start().len())
    } else {
        start
    }
}

/// The smallest entry containing byte `at`.
fn innermost(entries: &[Entry], at: usize) -> Option<&Entry> {
    entries.iter().filter(|e| e.range.contains(&at)).min_by_key(|e| e.range.len())
}

/// Replaces every character in `range` but line breaks with a space.
fn blank(text: &mut String, range: Range<usize>) {
    let blanked: String = text[range.clone()].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
    text.replace_range(range, &blanked);
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim_end_matches('.').to_owned()
}

/// serde's message with the key it is about; for an unknown key, the known
/// one it is most like.
fn describe(message: &str, path: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return format!("{path}: {message}");
    };
    // "unknown field `nmae`, expected one of `name`, `network`, ..."
    let known: Vec<&str> = rest.split('`').skip(2).step_by(2).filter(|s| !s.is_empty()).collect();
    let typed = rest.split('`').next().unwrap_or("");
    let section = path.rsplit_once('.').map(|(s, _)| format!(" in [{s}]")).unwrap_or_default();
    let near = known.iter().map(|k| (distance(typed, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 4)).min();
    match near {
        Some((_, k)) => format!("unknown key `{typed}`{section}; did you mean `{k}`?"),
        None if known.is_empty() => format!("unknown key `{typed}`{section}"),
        None => format!("unknown key `{typed}`{section}; the keys here are {}", known.join(", ")),
    }
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The dotted keys (`limits.sendq_bytes`) a check's message names.
fn keys_named(message: &str) -> Vec<String> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| w.contains('.') && w.starts_with(|c: char| c.is_ascii_lowercase()))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(Option<usize>, String)> {
        check(text).unwrap_err().into_iter().map(|p| (p.line, p.message)).collect()
    }

    #[test]
    fn the_default_file_is_good() {
        assert_eq!(check(crate::DEFAULT_TOML).unwrap(), Config::default());
        assert!(summary(&Config::default()).starts_with("IRC on 127.0.0.1:6666, web 127.0.0.1:8080, TLS off"));
    }

    #[test]
    fn every_problem_with_its_line() {
        let text = "[server]\nnmae = \"x\"\nmotd = 5\n\n[limits]\nsendq_bytes = \"big\"\nnick_length = 0\n\
                    [srever]\nname = 1\n[flood]\nburst = 0\nexempt = [\"10.0.0.0/8\",\n  \"nonsense\"]\n";
        let found = problems(text);
        let lines: Vec<Option<usize>> = found.iter().map(|p| p.0).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(6), Some(7), Some(8), Some(11), Some(13)], "{found:#?}");
        assert_eq!(found[0].1, "unknown key `nmae` in [server]; did you mean `name`?");
        assert!(found[1].1.starts_with("server.motd: invalid type: integer `5`, expected"), "{}", found[1].1);
        assert!(found[2].1.starts_with("limits.sendq_bytes: invalid type: string \"big\""), "{}", found[2].1);
        assert!(found[3].1.contains("limits.nick_length must be between"), "{}", found[3].1);
        assert_eq!(found[4].1, "unknown key `srever`; did you mean `server`?");
        assert!(found[5].1.contains("flood.burst"), "{}", found[5].1);
        assert!(found[6].1.starts_with("flood.exempt: "), "{}", found[6].1);
    }

    #[test]
    fn a_syntax_error_is_reported_alone() {
        assert_eq!(problems("[server]\nname = \"x\"\nnope = = 1\nbad = 2\n").len(), 1);
        assert_eq!(problems("[server]\nname = \"x\"\nnope = = 1\n")[0].0, Some(3));
    }

    #[test]
    fn dotted_keys_and_operators() {
        let text = "server.nmae = \"x\"\nlimits.sendq_bytes = 10\n[[operator]]\nname = \"a\"\n\
                    [[operator]]\nname = \"b\"\npassword_hash = \"x\"\nhost = []\n";
        let found = problems(text);
        let lines: Vec<Option<usize>> = found.iter().map(|p| p.0).collect();
        assert!(found[0].1.starts_with("unknown key `nmae` in [server]"), "{found:#?}");
        assert!(found.iter().any(|p| p.1.contains("missing field `password_hash`")), "{found:#?}");
        assert!(found.iter().any(|p| p.1.contains("unknown key `host`") && p.0 == Some(8)), "{found:#?}");
        assert!(lines.contains(&Some(2)), "sendq_bytes is checked too: {found:#?}");
    }

    #[test]
    fn near_names() {
        assert_eq!(distance("nmae", "name"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(keys_named("limits.sendq_bytes must be at least 4096."), ["limits.sendq_bytes"]);
    }
}
