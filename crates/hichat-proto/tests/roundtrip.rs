//! Property tests for the codec: what [`Message::write`] produces,
//! [`Message::parse`] reads back unchanged, and [`LineDecoder`] gives back
//! exactly the lines it was fed, however the bytes were split into reads.
//!
//! Case counts are kept small so the whole file runs in a few seconds; run
//! with `PROPTEST_CASES=10000` for a longer search.

use bytes::BytesMut;
use hichat_proto::{Command, DecodeError, LineDecoder, Message, Tag};
use proptest::prelude::*;
use proptest::sample::Index;

/// `n` cases, unless `PROPTEST_CASES` asks for another number.
fn cases(n: u32) -> ProptestConfig {
    let config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config
    } else {
        ProptestConfig { cases: n, ..config }
    }
}

/// Characters that are worth hitting more often than a uniform pick would:
/// the ones with meaning on the wire, plus Chinese and emoji (multi-byte).
fn special_char() -> impl Strategy<Value = char> {
    prop_oneof![
        Just(' '),
        Just(':'),
        Just(';'),
        Just('='),
        Just('\\'),
        Just('\r'),
        Just('\n'),
        Just('@'),
        Just('!'),
        Just('+'),
        Just('\u{a0}'),
        Just('\t'),
        prop::char::range('\u{4e00}', '\u{9fff}'),
        prop::char::range('\u{1f300}', '\u{1faff}'),
    ]
}

/// Any character except NUL, biased towards [`special_char`].
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::char::range('a', 'z'),
        2 => special_char(),
        // NUL has no escape in IRCv3 and is never allowed on a line.
        1 => any::<char>().prop_map(|c| if c == '\0' { '0' } else { c }),
    ]
}

/// Text of arbitrary characters, none of which is `excluded` (those are
/// replaced with `x`; filtering them out would reject too many cases).
fn text(excluded: &'static [char], len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), len)
        .prop_map(move |cs| cs.into_iter().map(|c| if excluded.contains(&c) { 'x' } else { c }).collect())
}

/// Characters a line can never carry unescaped.
const LINE_BREAKERS: &[char] = &['\r', '\n'];
/// Characters that end a word (tag section, source, middle parameter).
const WORD_BREAKERS: &[char] = &['\r', '\n', ' '];

fn tag() -> impl Strategy<Value = Tag> {
    let key =
        ("[+]?", "([a-z0-9.-]{1,12}/)?", "[A-Za-z0-9-]{1,12}").prop_map(|(plus, vendor, name)| plus + &vendor + &name);
    // A tag with an empty value is read back as a tag without one.
    let value = prop::option::of(text(&[], 0..16)).prop_map(|v| v.filter(|v| !v.is_empty()));
    (key, value).prop_map(|(key, value)| Tag::new(key, value))
}

fn command() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z]{1,12}", "[0-9]{3}"]
}

/// A parameter that is not the last one: non-empty, no space, no leading `:`.
fn middle_param() -> impl Strategy<Value = String> {
    text(WORD_BREAKERS, 1..12).prop_map(|p| if p.starts_with(':') { format!("x{p}") } else { p })
}

/// The last parameter may be anything a line can carry: empty, with spaces,
/// starting with `:`, Chinese, emoji.
fn last_param() -> impl Strategy<Value = String> {
    prop_oneof![
        text(LINE_BREAKERS, 0..40),
        Just(String::new()),
        Just(":".to_owned()),
        Just(" ".to_owned()),
        Just(":-) 你好 🎉 ".to_owned()),
        text(LINE_BREAKERS, 0..8).prop_map(|t| format!(":{t}")),
        text(LINE_BREAKERS, 0..8).prop_map(|t| format!("  {t} ")),
    ]
}

prop_compose! {
    fn message()(
        tags in prop::collection::vec(tag(), 0..5),
        source in prop::option::of(text(WORD_BREAKERS, 1..20)),
        command in command(),
        middles in prop::collection::vec(middle_param(), 0..6),
        last in prop::option::of(last_param()),
    ) -> Message {
        let mut params = middles;
        params.extend(last);
        Message { tags, source, command, params }
    }
}

/// Feeds `input` to a fresh decoder in the given chunks and collects every
/// result, draining the decoder after each chunk.
fn decode_chunks(input: &[u8], cuts: &[Index]) -> Vec<Result<Vec<u8>, DecodeError>> {
    let points: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
    decode_at(input, points)
}

/// Feeds `input` to a fresh decoder, cut at the given byte offsets.
fn decode_at(input: &[u8], points: Vec<usize>) -> Vec<Result<Vec<u8>, DecodeError>> {
    decode_with(LineDecoder::new(), input, points)
}

/// Feeds `input` to `decoder`, cut at the given byte offsets.
fn decode_with(mut decoder: LineDecoder, input: &[u8], mut points: Vec<usize>) -> Vec<Result<Vec<u8>, DecodeError>> {
    points.push(0);
    points.push(input.len());
    points.sort_unstable();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for pair in points.windows(2) {
        buf.extend_from_slice(&input[pair[0]..pair[1]]);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(line)) => out.push(Ok(line.to_vec())),
                Ok(None) => {
                    // A partial line is never buffered past the limits.
                    assert!(buf.len() <= decoder.max_line(), "{} bytes buffered", buf.len());
                    break;
                }
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}

/// One line for the decoder: its content (no `\n`) and its ending.
#[derive(Debug, Clone)]
struct Line {
    content: Vec<u8>,
    crlf: bool,
}

impl Line {
    fn wire(&self) -> Vec<u8> {
        let mut w = self.content.clone();
        w.extend_from_slice(if self.crlf { b"\r\n" } else { b"\n" });
        w
    }

    /// What the decoder should give back: the content without the ending,
    /// where a bare LF also takes a CR just before it.
    fn expected(&self) -> Vec<u8> {
        let mut c = self.content.clone();
        if !self.crlf && c.last() == Some(&b'\r') {
            c.pop();
        }
        c
    }
}

/// A line within the limits: a serialized message, or up to 510 arbitrary
/// bytes other than LF that do not start a tag section.
fn short_line() -> impl Strategy<Value = Line> {
    let content = prop_oneof![
        message().prop_map(|m| m.to_string().into_bytes()).prop_filter("fits", |c| c.len() <= 510),
        prop::collection::vec(any::<u8>().prop_map(|b| if b == b'\n' { b'x' } else { b }), 0..510).prop_map(|mut c| {
            if c.first() == Some(&b'@') {
                c[0] = b'x';
            }
            c
        }),
        text(&['\n'], 0..120).prop_map(String::into_bytes).prop_filter("fits", |c| c.len() <= 510),
    ];
    (content, any::<bool>()).prop_map(|(content, crlf)| Line { content, crlf })
}

/// A line over the limits: a message part of 511 bytes or more, or a tag
/// section of more than 8191 bytes.
fn long_line() -> impl Strategy<Value = Line> {
    let content = prop_oneof![
        (511usize..2000).prop_map(|n| {
            let mut c = b"PRIVMSG #c :".to_vec();
            c.resize(n, b'x');
            c
        }),
        (511usize..1200).prop_map(|n| {
            let mut c = b"PRIVMSG #c :".to_vec();
            while c.len() < n {
                c.extend_from_slice("你好🎉".as_bytes());
            }
            c
        }),
        (8191usize..9000).prop_map(|n| {
            let mut c = vec![b'@'];
            c.resize(n, b'k');
            c.extend_from_slice(b" PING x");
            c
        }),
        (511usize..1000).prop_map(|n| {
            let mut c = b"@msgid=abc PRIVMSG #c :".to_vec();
            // The tag section `@msgid=abc ` is 11 bytes; the rest is the message.
            c.resize(11 + n, b'y');
            c
        }),
    ];
    (content, any::<bool>()).prop_map(|(content, crlf)| Line { content, crlf })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn written_message_parses_back(msg in message()) {
        let wire = msg.to_string();
        prop_assert_eq!(Message::parse(&wire), Ok(msg.clone()), "wire: {:?}", wire);
        let bytes = msg.to_bytes();
        prop_assert!(bytes.ends_with(b"\r\n"));
        prop_assert_eq!(Message::parse_bytes(&bytes[..bytes.len() - 2]), Ok(msg));
    }

    #[test]
    fn arbitrary_bytes_never_panic(line in prop::collection::vec(any::<u8>(), 0..600)) {
        reparse_what_parses(&line)?;
    }
}

proptest! {
    // Cheap cases, and a mistake needs the right few tokens in a row.
    #![proptest_config(cases(4000))]

    #[test]
    fn token_soup_never_panics(
        tagged in any::<bool>(),
        tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..24),
    ) {
        let line = if tagged { format!("@{}", tokens.concat()) } else { tokens.concat() };
        reparse_what_parses(line.as_bytes())?;
    }
}

/// Pieces of IRC syntax, so that random sequences of them often come close
/// to a valid line.
const TOKENS: &[&str] = &[
    "@", "=", "=", ";", ";", " ", " ", "+", "/", ":", " ", "  ", "\\", "\\s", "\\:", "\r", "\n", "\0", "a", "k", "v",
    "PRIVMSG", "001", "#c", "n!u@h", ",", "你好", "🎉", "\u{a0}",
];

/// Parses `line`; if it parses, its typed form must not panic, and writing
/// it out and parsing again must give the same message.
fn reparse_what_parses(line: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(msg) = Message::parse_bytes(line) {
        let _ = Command::from_message(&msg);
        let wire = msg.to_string();
        prop_assert_eq!(Message::parse(&wire), Ok(msg), "wire: {:?}", wire);
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn decoder_returns_the_lines_fed_in_any_chunks(
        lines in prop::collection::vec(short_line(), 1..8),
        cuts in prop::collection::vec(any::<Index>(), 0..24),
    ) {
        let input: Vec<u8> = lines.iter().flat_map(Line::wire).collect();
        let expected: Vec<_> = lines.iter().map(|l| Ok(l.expected())).collect();
        prop_assert_eq!(decode_chunks(&input, &cuts), expected);
    }

    #[test]
    fn decoder_splits_at_every_byte_including_inside_utf8(
        lines in prop::collection::vec(text(&['\n'], 1..40), 1..4),
    ) {
        let input: Vec<u8> = lines.iter().flat_map(|l| format!("{l}\r\n").into_bytes()).collect();
        let expected: Vec<_> = lines.iter().map(|l| Ok(l.as_bytes().to_vec())).collect();
        for cut in 0..=input.len() {
            prop_assert_eq!(decode_at(&input, vec![cut]), expected.clone(), "cut at {}", cut);
        }
    }
}

proptest! {
    // Cheap cases, and the mistakes they look for need a precise split.
    #![proptest_config(cases(2000))]

    #[test]
    fn decoder_verdicts_do_not_depend_on_the_split(
        input in prop::collection::vec(prop::sample::select(b"ab@ \r\n\xe4\xbd\xa0".to_vec()), 0..200),
        max_message in 2usize..16,
        max_tags in 1usize..16,
        cuts in prop::collection::vec(any::<Index>(), 0..20),
    ) {
        // Small limits so that the byte soup crosses them often.
        let decoder = LineDecoder::with_limits(max_message, max_tags);
        let whole = decode_with(decoder.clone(), &input, Vec::new());
        let points = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        prop_assert_eq!(decode_with(decoder, &input, points), whole);
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn over_long_lines_give_one_error_each_and_the_rest_comes_through(
        lines in prop::collection::vec(prop_oneof![2 => short_line().prop_map(Ok), 1 => long_line().prop_map(Err)], 1..6),
        cuts in prop::collection::vec(any::<Index>(), 0..40),
    ) {
        let input: Vec<u8> = lines.iter().flat_map(|l| match l { Ok(l) | Err(l) => l.wire() }).collect();
        let expected: Vec<_> = lines
            .iter()
            .map(|l| match l {
                Ok(l) => Ok(l.expected()),
                Err(_) => Err(DecodeError::TooLong),
            })
            .collect();
        prop_assert_eq!(decode_chunks(&input, &cuts), expected);
    }
}
