//! IRCv3 `draft/multiline`: a client sends one message as a batch of
//! PRIVMSG (or NOTICE) lines, which reaches clients with the capability as
//! a batch and everyone else as the separate lines.
//!
//! [`OpenBatch`] collects a client's batch and checks it against the limits
//! advertised in the capability's value; [`MultilineRelay`] is the finished
//! message on its way to recipients, encoded once per capability variant
//! like any [`Relay`]. The glue to commands is in `handlers::multiline`.

use crate::batch;
use crate::caps::{Cap, Caps};
use crate::state::{Encode, Relay};
use bytes::{Bytes, BytesMut};
use hichat_proto::{casemap, Message, Tag, MAX_LINE_LEN};
use std::borrow::Cow;

/// The batch type, also the capability's name.
pub const BATCH_TYPE: &str = "draft/multiline";
/// The tag joining a line to the previous one without a line feed.
pub const CONCAT_TAG: &str = "draft/multiline-concat";
/// Most bytes of message text in one batch, counting a line feed between
/// lines that are not concatenated (the `max-bytes` in the cap value).
pub const MAX_BYTES: usize = 4096;
/// Most lines in one batch (`max-lines`).
pub const MAX_LINES: usize = 100;
/// The capability's value.
pub const CAP_VALUE: &str = "max-bytes=4096,max-lines=100";

/// One line of a multiline message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// Joined to the previous line directly, not with a line feed.
    pub concat: bool,
}

/// Why a batch is refused: the code and context of `FAIL BATCH <code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub context: Vec<String>,
    /// The catalogue message describing it.
    pub text: &'static str,
}

impl Invalid {
    /// `MULTILINE_INVALID`: any other error.
    pub fn other(text: &'static str) -> Self {
        Invalid { code: "MULTILINE_INVALID", context: Vec::new(), text }
    }
}

/// A multiline batch a client has opened and not yet closed.
#[derive(Debug)]
pub struct OpenBatch {
    /// The client's reference for it.
    pub reference: String,
    /// The target as the client gave it.
    pub target: String,
    /// The label of the `BATCH +` line, answered when the batch ends.
    pub label: Option<String>,
    /// Tags of the `BATCH +` line (client-only tags are relayed).
    pub tags: Vec<Tag>,
    /// PRIVMSG or NOTICE, from the first line.
    pub verb: Option<&'static str>,
    pub lines: Vec<Line>,
    /// Bytes counted against [`MAX_BYTES`] so far.
    bytes: usize,
    /// Set once the batch has been refused: the rest of it is dropped.
    pub failed: bool,
}

impl OpenBatch {
    pub fn new(reference: &str, target: &str, label: Option<String>, tags: Vec<Tag>) -> Self {
        OpenBatch {
            reference: reference.to_owned(),
            target: target.to_owned(),
            label,
            tags,
            verb: None,
            lines: Vec::new(),
            bytes: 0,
            failed: false,
        }
    }

    /// Adds one line of the batch (a message whose `batch` tag names it).
    pub fn add(&mut self, msg: &Message) -> Result<(), Invalid> {
        let verb = match msg.verb().as_str() {
            "PRIVMSG" => "PRIVMSG",
            "NOTICE" => "NOTICE",
            _ => return Err(Invalid::other("fail-batch-only-messages")),
        };
        if self.verb.is_some_and(|v| v != verb) {
            return Err(Invalid::other("fail-batch-mixed"));
        }
        self.verb = Some(verb);
        if msg.params.len() != 2 {
            return Err(Invalid::other("fail-batch-line-needs-text"));
        }
        let (target, text) = (msg.param(0), msg.param(1));
        if casemap::fold(target) != casemap::fold(&self.target) {
            return Err(Invalid {
                code: "MULTILINE_INVALID_TARGET",
                context: vec![self.target.clone(), target.to_owned()],
                text: "fail-batch-target",
            });
        }
        let concat = msg.tag(CONCAT_TAG).is_some();
        if concat && text.is_empty() {
            return Err(Invalid::other("fail-batch-blank-concat"));
        }
        if self.lines.len() >= MAX_LINES {
            return Err(Invalid {
                code: "MULTILINE_MAX_LINES",
                context: vec![MAX_LINES.to_string()],
                text: "fail-batch-max-lines",
            });
        }
        let joiner = usize::from(!self.lines.is_empty() && !concat);
        if self.bytes + joiner + text.len() > MAX_BYTES {
            return Err(Invalid {
                code: "MULTILINE_MAX_BYTES",
                context: vec![MAX_BYTES.to_string()],
                text: "fail-batch-max-bytes",
            });
        }
        self.bytes += joiner + text.len();
        self.lines.push(Line { text: text.to_owned(), concat });
        Ok(())
    }

    /// Checks the whole batch once it is closed.
    pub fn finish(&self) -> Result<(), Invalid> {
        if self.lines.iter().all(|l| l.text.is_empty()) {
            return Err(Invalid::other("fail-batch-empty"));
        }
        Ok(())
    }
}

/// A finished multiline message on its way to several clients, live or
/// played back from history (`history::multiline`).
///
/// Clients with draft/multiline (and batch) get `BATCH +ref
/// draft/multiline <target>` carrying the message's tags, its lines tagged
/// only with the batch (and the concat tag), then `BATCH -ref`. Others get
/// each non-blank line as its own message: the first carries the msgid,
/// every line the time, account and client-only tags.
///
/// A line the client sent at the length limit is longer once it carries
/// the sender's `nick!user@host`: it is cut to fit 512 bytes, the rest sent
/// as concatenated lines, so the message joined back is the same.
#[derive(Debug)]
pub struct MultilineRelay {
    start: Relay,
    /// The lines in the batch, the same for every recipient.
    inner: Bytes,
    /// `BATCH -ref`, a relay of its own so that a batch nested in another
    /// can carry the outer batch's tag on its end as on its start.
    end: Relay,
    fallback: Vec<Relay>,
    mask: u32,
    encodings: Vec<(u32, Bytes)>,
}

impl MultilineRelay {
    /// The relay of `lines` sent by `source` to `target`. `tag` adds to a
    /// relay the tags a single message would carry (time, account, bot,
    /// client-only tags, and the msgid when its second argument is true):
    /// it is used for the batch start and for each fallback line.
    pub fn new(
        source: &str,
        verb: &str,
        target: &str,
        lines: &[Line],
        tag: impl Fn(Relay, bool) -> Relay,
    ) -> MultilineRelay {
        let reference = batch::new_ref();
        let start_msg = Message::new("BATCH", [format!("+{reference}"), BATCH_TYPE.to_owned(), target.to_owned()])
            .with_source(source);
        let start = tag(Relay::new(start_msg), true);
        // `:source VERB target :` and CR LF around each line's text.
        let room = MAX_LINE_LEN.saturating_sub(source.len() + verb.len() + target.len() + 7);
        let lines = fit(lines, room);
        let mut inner = BytesMut::new();
        for line in lines.iter() {
            let mut msg = Message::new(verb, [target, line.text.as_str()])
                .with_source(source)
                .with_tag("batch", Some(reference.clone()));
            if line.concat {
                msg = msg.with_tag(CONCAT_TAG, None);
            }
            msg.write(&mut inner);
        }
        let end = Relay::new(Message::new("BATCH", [format!("-{reference}")]).with_source(source));
        let fallback: Vec<Relay> = lines
            .iter()
            .filter(|l| !l.text.is_empty())
            .enumerate()
            .map(|(i, l)| tag(Relay::new(Message::new(verb, [target, l.text.as_str()]).with_source(source)), i == 0))
            .collect();
        let mask = fallback.iter().fold(start.mask(), |m, r| m | r.mask()) | Cap::Multiline.bit() | Cap::Batch.bit();
        MultilineRelay { start, inner: inner.freeze(), end, fallback, mask, encodings: Vec::new() }
    }

    /// The same message inside batch `outer` (a `chathistory` or search
    /// reply): the nested batch's start and end carry `outer`'s tag, and
    /// so does each line sent without draft/multiline.
    pub fn in_batch(self, outer: &str) -> MultilineRelay {
        let within = |relay: Relay| relay.tag(Cap::Batch, "batch", Some(outer.to_owned()));
        let MultilineRelay { start, inner, end, fallback, mask, .. } = self;
        MultilineRelay {
            start: within(start),
            inner,
            end: within(end),
            fallback: fallback.into_iter().map(within).collect(),
            mask,
            encodings: Vec::new(),
        }
    }

    fn encode(&mut self, caps: Caps) -> Bytes {
        let mut out = BytesMut::new();
        if caps.has(Cap::Multiline) && caps.has(Cap::Batch) {
            out.extend_from_slice(self.start.encoding(caps));
            out.extend_from_slice(&self.inner);
            out.extend_from_slice(self.end.encoding(caps));
        } else {
            for relay in &mut self.fallback {
                out.extend_from_slice(relay.encoding(caps));
            }
        }
        out.freeze()
    }
}

/// The lines with each text longer than `room` bytes cut at character
/// boundaries, the pieces after the first concatenated to it.
fn fit(lines: &[Line], room: usize) -> Cow<'_, [Line]> {
    // Never so little that a character does not fit.
    let room = room.max(64);
    if lines.iter().all(|l| l.text.len() <= room) {
        return Cow::Borrowed(lines);
    }
    let mut fitted = Vec::with_capacity(lines.len() + 1);
    for line in lines {
        let (mut rest, mut concat) = (line.text.as_str(), line.concat);
        while rest.len() > room {
            let mut end = room;
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            fitted.push(Line { text: rest[..end].to_owned(), concat });
            (rest, concat) = (&rest[end..], true);
        }
        fitted.push(Line { text: rest.to_owned(), concat });
    }
    Cow::Owned(fitted)
}

impl Encode for MultilineRelay {
    fn encoding(&mut self, caps: Caps) -> &Bytes {
        let key = caps.bits() & self.mask;
        let i = match self.encodings.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let bytes = self.encode(caps);
                self.encodings.push((key, bytes));
                self.encodings.len() - 1
            }
        };
        &self.encodings[i].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Message {
        Message::parse(s).unwrap()
    }

    #[test]
    fn collects_and_checks_limits() {
        let mut b = OpenBatch::new("1", "#c", None, Vec::new());
        b.add(&line("@batch=1 PRIVMSG #C :hello")).unwrap();
        b.add(&line("@batch=1 PRIVMSG #c :how is ")).unwrap();
        b.add(&line("@batch=1;draft/multiline-concat PRIVMSG #c :everyone?")).unwrap();
        let concat: Vec<_> = b.lines.iter().map(|l| l.concat).collect();
        assert_eq!(concat, [false, false, true]);
        assert_eq!(b.add(&line("@batch=1 PRIVMSG #d :x")).unwrap_err().code, "MULTILINE_INVALID_TARGET");
        assert_eq!(b.add(&line("@batch=1 NOTICE #c :x")).unwrap_err().code, "MULTILINE_INVALID");
        assert_eq!(b.add(&line("@batch=1;draft/multiline-concat PRIVMSG #c :")).unwrap_err().code, "MULTILINE_INVALID");
        b.finish().unwrap();

        let mut b = OpenBatch::new("1", "#c", None, Vec::new());
        for _ in 0..MAX_LINES {
            b.add(&line("@batch=1 PRIVMSG #c x")).unwrap();
        }
        let e = b.add(&line("@batch=1 PRIVMSG #c x")).unwrap_err();
        assert_eq!((e.code, e.context), ("MULTILINE_MAX_LINES", vec![MAX_LINES.to_string()]));

        // Exactly max-bytes, counting the line feeds between lines.
        let mut b = OpenBatch::new("1", "#c", None, Vec::new());
        let half = "y".repeat(MAX_BYTES / 2);
        b.add(&line(&format!("@batch=1 PRIVMSG #c {half}"))).unwrap();
        let e = b.add(&line(&format!("@batch=1 PRIVMSG #c {half}"))).unwrap_err();
        assert_eq!(e.code, "MULTILINE_MAX_BYTES");
        b.add(&line(&format!("@batch=1;draft/multiline-concat PRIVMSG #c {half}"))).unwrap();

        let mut b = OpenBatch::new("1", "#c", None, Vec::new());
        b.add(&line("@batch=1 PRIVMSG #c :")).unwrap();
        assert_eq!(b.finish().unwrap_err().code, "MULTILINE_INVALID");
    }

    #[test]
    fn batch_for_multiline_clients_lines_for_others() {
        let lines = vec![
            Line { text: String::new(), concat: false },
            Line { text: "a b".into(), concat: false },
            Line { text: "c".into(), concat: true },
        ];
        let mut r = MultilineRelay::new("n!u@h", "PRIVMSG", "#c", &lines, |relay, first| {
            let relay = relay.with_time(0);
            if first {
                relay.tag(Cap::MessageTags, "msgid", Some("M".into()))
            } else {
                relay
            }
        });
        let mut multi = Caps::default();
        for c in [Cap::Multiline, Cap::Batch, Cap::MessageTags] {
            multi.set(c, true);
        }
        let text = String::from_utf8(r.encoding(multi).to_vec()).unwrap();
        let reference = text.split(' ').nth(3).unwrap()[1..].to_owned();
        assert_eq!(
            text,
            format!(
                "@msgid=M :n!u@h BATCH +{reference} draft/multiline #c\r\n\
                 @batch={reference} :n!u@h PRIVMSG #c :\r\n\
                 @batch={reference} :n!u@h PRIVMSG #c :a b\r\n\
                 @batch={reference};draft/multiline-concat :n!u@h PRIVMSG #c c\r\n\
                 :n!u@h BATCH -{reference}\r\n"
            )
        );
        let mut tags = Caps::default();
        tags.set(Cap::MessageTags, true);
        assert_eq!(&r.encoding(tags)[..], b"@msgid=M :n!u@h PRIVMSG #c :a b\r\n:n!u@h PRIVMSG #c c\r\n");
        assert_eq!(&r.encoding(Caps::default())[..], b":n!u@h PRIVMSG #c :a b\r\n:n!u@h PRIVMSG #c c\r\n");
    }

    #[test]
    fn long_lines_are_cut_to_fit_512_bytes() {
        let long = format!("{} {}", "a".repeat(400), "字".repeat(100));
        let lines = vec![Line { text: long.clone(), concat: false }, Line { text: "end".into(), concat: false }];
        let source = format!("{}!u@h", "n".repeat(30));
        let mut r = MultilineRelay::new(&source, "PRIVMSG", "#chan", &lines, |relay, _| relay);
        let mut multi = Caps::default();
        multi.set(Cap::Multiline, true);
        multi.set(Cap::Batch, true);
        for caps in [multi, Caps::default()] {
            let bytes = r.encoding(caps).clone();
            let sent: Vec<Message> = crate::batch::lines(&bytes)
                .inspect(|l| {
                    // Tags have a limit of their own.
                    let untagged = if l[0] == b'@' { l.splitn(2, |b| *b == b' ').nth(1).unwrap() } else { l };
                    assert!(untagged.len() <= MAX_LINE_LEN, "{} bytes", untagged.len());
                })
                .map(|l| Message::parse(std::str::from_utf8(l).unwrap().trim_end()).unwrap())
                .filter(|m| m.command == "PRIVMSG")
                .collect();
            let texts: Vec<&str> = sent.iter().map(|m| m.param(1)).collect();
            assert_eq!(texts.len(), 3, "{texts:?}");
            assert_eq!(texts[..2].concat(), long);
            assert_eq!(texts[2], "end");
            if caps.has(Cap::Multiline) {
                let concat: Vec<bool> = sent.iter().map(|m| m.tag(CONCAT_TAG).is_some()).collect();
                assert_eq!(concat, [false, true, false]);
            }
        }
    }
}
