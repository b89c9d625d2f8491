//! Framing: cutting a byte stream into IRC lines.
//!
//! The decoder works in two steps, like a frame codec: it looks for a line
//! ending in what has been read so far, and only then takes the line out of
//! the buffer. A partial line is not an error (`Ok(None)`): more bytes will
//! come. Bytes are never interpreted here, so a multi-byte UTF-8 character
//! split across two reads is simply reassembled in the buffer.
//!
//! The maximum length is enforced while the line is still incomplete, so an
//! over-long line is never buffered whole: once the limit is passed, the
//! decoder drops what it has and skips input up to the next line ending.
//!
//! While a line is incomplete the decoder remembers how far it has searched
//! (for the line ending, and for the space that ends a tag section), so a
//! line that trickles in a byte at a time costs linear work, not quadratic.

use bytes::{Bytes, BytesMut};

/// Longest message part of a line in bytes, including the CR LF
/// (Modern IRC, "Message Format").
pub const MAX_LINE_LEN: usize = 512;
/// Longest tag section in bytes, including the leading `@` and the space
/// after it (IRCv3 message-tags).
pub const MAX_TAGS_LEN: usize = 8191;
/// Longest tag section a client may send, with its `@` and space: 4094
/// bytes of tag data (IRCv3 message-tags, "Size limit"). The rest of
/// [`MAX_TAGS_LEN`] is for the tags a server adds when it relays the line.
pub const MAX_CLIENT_TAGS_LEN: usize = 4096;

/// Why a line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The line was longer than allowed. It has been (or is being) dropped.
    #[error("input line too long")]
    TooLong,
}

/// Splits a byte stream into lines ending in LF (an optional CR before it is
/// removed). Lines are returned without their ending.
///
/// The decoder is meant to be given the same buffer on every call, with
/// bytes only appended to it in between; it remembers how far it has looked.
/// If the buffer is cleared or swapped anyway, the decoder does not panic.
#[derive(Debug, Clone)]
pub struct LineDecoder {
    /// Bytes of the buffer already searched for a line ending.
    scanned: usize,
    /// The first space of the buffered partial line, once seen, when that
    /// line starts with a tag section. Remembered so that a line arriving a
    /// byte at a time is not searched from its start on every call.
    tags_end: Option<usize>,
    /// True while skipping the rest of an over-long line.
    discarding: bool,
    max_message: usize,
    max_tags: usize,
}

impl Default for LineDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl LineDecoder {
    /// A decoder with the standard limits ([`MAX_LINE_LEN`], [`MAX_TAGS_LEN`]).
    pub fn new() -> Self {
        Self::with_limits(MAX_LINE_LEN, MAX_TAGS_LEN)
    }

    /// A decoder for lines from a client: tags bounded by
    /// [`MAX_CLIENT_TAGS_LEN`], as a server reads them.
    pub fn for_client_input() -> Self {
        Self::with_limits(MAX_LINE_LEN, MAX_CLIENT_TAGS_LEN)
    }

    /// A decoder allowing `max_message` bytes for the message part (with its
    /// line ending) and `max_tags` bytes for the tag section.
    pub fn with_limits(max_message: usize, max_tags: usize) -> Self {
        Self { scanned: 0, tags_end: None, discarding: false, max_message, max_tags }
    }

    /// Takes the next complete line out of `buf`.
    ///
    /// Returns `Ok(None)` when no complete line is buffered yet, and
    /// `Err(TooLong)` once for each over-long line; call again after an error
    /// to go on with the following lines.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, DecodeError> {
        if self.scanned > buf.len() {
            // The buffer was cleared or swapped behind our back: start over.
            self.scanned = 0;
            self.tags_end = None;
        }
        loop {
            let newline = buf[self.scanned..].iter().position(|&b| b == b'\n');
            match newline {
                Some(i) => {
                    let end = self.scanned + i;
                    self.scanned = 0;
                    self.tags_end = None;
                    let mut line = buf.split_to(end + 1);
                    if self.discarding {
                        // The tail of a line already reported as too long.
                        self.discarding = false;
                        continue;
                    }
                    line.truncate(end);
                    if line.last() == Some(&b'\r') {
                        line.truncate(end - 1);
                    }
                    let first_space =
                        if line.first() == Some(&b'@') { line.iter().position(|&b| b == b' ') } else { None };
                    if self.too_long(&line, first_space) {
                        return Err(DecodeError::TooLong);
                    }
                    return Ok(Some(line.freeze()));
                }
                None => {
                    if self.discarding {
                        buf.clear();
                        self.scanned = 0;
                        return Ok(None);
                    }
                    if self.tags_end.is_none() && buf.first() == Some(&b'@') {
                        self.tags_end = buf[self.scanned..].iter().position(|&b| b == b' ').map(|i| self.scanned + i);
                    }
                    self.scanned = buf.len();
                    // The shortest line this can still become: the buffered
                    // bytes, less a CR that may be the start of the ending.
                    let shortest = buf.strip_suffix(b"\r").unwrap_or(buf);
                    if self.too_long(shortest, self.tags_end) {
                        buf.clear();
                        self.scanned = 0;
                        self.tags_end = None;
                        self.discarding = true;
                        return Err(DecodeError::TooLong);
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// Whether `line`, a line without its ending, breaks a limit.
    /// `first_space` is the position of its first space, if it has one.
    ///
    /// An incomplete line is checked as the shortest line it can still
    /// become, so whether a line is refused never depends on how its bytes
    /// were split into reads.
    fn too_long(&self, line: &[u8], first_space: Option<usize>) -> bool {
        // The ending counts in the message limit as CR LF, even if only an
        // LF is sent.
        let ending = 2;
        if line.first() == Some(&b'@') {
            match first_space {
                Some(space) => space + 1 > self.max_tags || line.len() - space - 1 + ending > self.max_message,
                None => line.len() > self.max_tags,
            }
        } else {
            line.len() + ending > self.max_message
        }
    }

    /// Number of bytes a connection should be ready to buffer for one line.
    pub fn max_line(&self) -> usize {
        self.max_message + self.max_tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[&[u8]]) -> Vec<Result<Vec<u8>, DecodeError>> {
        let mut d = LineDecoder::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in input {
            buf.extend_from_slice(chunk);
            loop {
                match d.decode(&mut buf) {
                    Ok(Some(l)) => out.push(Ok(l.to_vec())),
                    Ok(None) => break,
                    Err(e) => out.push(Err(e)),
                }
            }
        }
        out
    }

    /// The lengths of the lines, for long lines that would flood a failure.
    fn lens(out: Vec<Result<Vec<u8>, DecodeError>>) -> Vec<Result<usize, DecodeError>> {
        out.into_iter().map(|l| l.map(|l| l.len())).collect()
    }

    #[test]
    fn crlf_and_bare_lf() {
        assert_eq!(
            lines(&[b"NICK a\r\nUSER b\nPING x\r\n"]),
            vec![Ok(b"NICK a".to_vec()), Ok(b"USER b".to_vec()), Ok(b"PING x".to_vec())]
        );
    }

    #[test]
    fn split_anywhere_including_inside_utf8() {
        let line = "PRIVMSG #c :你好 🌍\r\n".as_bytes();
        for cut in 0..line.len() {
            let out = lines(&[&line[..cut], &line[cut..]]);
            assert_eq!(out, vec![Ok(line[..line.len() - 2].to_vec())], "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = line.chunks(1).collect();
        assert_eq!(lines(&bytes), vec![Ok(line[..line.len() - 2].to_vec())]);
    }

    #[test]
    fn partial_line_waits() {
        assert_eq!(lines(&[b"PRIVMSG #c :hal"]), vec![]);
    }

    #[test]
    fn over_long_line_reported_once_and_skipped() {
        let long = vec![b'a'; 20_000];
        let out = lines(&[b"PING 1\r\nPRIVMSG #c :", &long[..5000], &long[5000..], b"\r\nPING 2\r\n"]);
        assert_eq!(out, vec![Ok(b"PING 1".to_vec()), Err(DecodeError::TooLong), Ok(b"PING 2".to_vec())]);
    }

    #[test]
    fn over_long_complete_line_in_one_read() {
        let mut input = b"PRIVMSG #c :".to_vec();
        input.extend(vec![b'x'; 600]);
        input.extend_from_slice(b"\r\nPING 2\r\n");
        assert_eq!(lines(&[&input]), vec![Err(DecodeError::TooLong), Ok(b"PING 2".to_vec())]);
    }

    #[test]
    fn exactly_512_with_crlf_is_accepted() {
        let mut input = b"PRIVMSG #c :".to_vec();
        input.extend(vec![b'x'; 510 - input.len()]);
        assert_eq!(input.len(), 510);
        let mut with_end = input.clone();
        with_end.extend_from_slice(b"\r\n");
        assert_eq!(lines(&[&with_end]), vec![Ok(input.clone())]);
        input.push(b'x');
        input.extend_from_slice(b"\r\n");
        assert_eq!(lines(&[&input]), vec![Err(DecodeError::TooLong)]);
    }

    #[test]
    fn cleared_buffer_does_not_panic() {
        // Regression: the decoder indexed the buffer at the length it had
        // last seen, and panicked if the caller had cleared it since.
        let mut d = LineDecoder::new();
        let mut buf = BytesMut::from(&b"PRIVMSG #c :partial"[..]);
        assert_eq!(d.decode(&mut buf), Ok(None));
        buf.clear();
        assert_eq!(d.decode(&mut buf), Ok(None));
        buf.extend_from_slice(b"PING x\r\n");
        assert_eq!(d.decode(&mut buf), Ok(Some(Bytes::from_static(b"PING x"))));
    }

    #[test]
    fn tag_line_a_byte_at_a_time() {
        // The tag section (with `@` and its space) may be MAX_TAGS_LEN long.
        let mut ok = vec![b'@'];
        ok.resize(MAX_TAGS_LEN - 1, b'k');
        ok.extend_from_slice(b" PRIVMSG #c :hi\r\n");
        let bytes: Vec<&[u8]> = ok.chunks(1).collect();
        assert_eq!(lens(lines(&bytes)), vec![Ok(ok.len() - 2)]);

        let mut long = vec![b'@'];
        long.resize(MAX_TAGS_LEN, b'k');
        long.extend_from_slice(b" PRIVMSG #c :hi\r\nPING 2\r\n");
        let bytes: Vec<&[u8]> = long.chunks(1).collect();
        assert_eq!(lines(&bytes), vec![Err(DecodeError::TooLong), Ok(b"PING 2".to_vec())]);
    }

    #[test]
    fn verdict_does_not_depend_on_the_split() {
        // Regression: a partial line ending in CR was measured with the CR,
        // so a tag-only line of exactly MAX_TAGS_LEN bytes was refused when
        // its CR and LF came in separate reads, and accepted otherwise.
        let mut line = vec![b'@'];
        line.resize(MAX_TAGS_LEN, b'k');
        line.extend_from_slice(b"\r\n");
        let (head, tail) = line.split_at(line.len() - 1);
        assert_eq!(lens(lines(&[&line])), vec![Ok(MAX_TAGS_LEN)]);
        assert_eq!(lens(lines(&[head, tail])), vec![Ok(MAX_TAGS_LEN)]);
    }

    #[test]
    fn client_input_tags_limited_to_4096() {
        let decode = |tags_len: usize| {
            let mut line = vec![b'@'];
            line.resize(tags_len - 1, b'k');
            line.extend_from_slice(b" TAGMSG #c\r\nPING 2\r\n");
            let mut d = LineDecoder::for_client_input();
            let mut buf = BytesMut::from(&line[..]);
            (d.decode(&mut buf).map(|l| l.map(|l| l.len())), d.decode(&mut buf))
        };
        let ok = decode(MAX_CLIENT_TAGS_LEN);
        assert_eq!(ok.0, Ok(Some(MAX_CLIENT_TAGS_LEN + "TAGMSG #c".len())));
        let long = decode(MAX_CLIENT_TAGS_LEN + 1);
        assert_eq!(long, (Err(DecodeError::TooLong), Ok(Some(Bytes::from_static(b"PING 2")))));
    }

    #[test]
    fn tags_get_their_own_budget() {
        let mut input = b"@".to_vec();
        input.extend(vec![b'k'; 4000]);
        input.extend_from_slice(b" PRIVMSG #c :hi\r\n");
        assert_eq!(lines(&[&input]).len(), 1);
        assert!(lines(&[&input])[0].is_ok());
        let mut too_many = b"@".to_vec();
        too_many.extend(vec![b'k'; 9000]);
        too_many.extend_from_slice(b" PRIVMSG #c :hi\r\n");
        assert_eq!(lines(&[&too_many]), vec![Err(DecodeError::TooLong)]);
    }
}
