//! Stored lines sent back to a client: encoded for its capabilities, and
//! the replay on JOIN for clients without draft/chathistory (as InspIRCd's
//! channel mode +H does). A client with neither server-time nor batch
//! could not tell a replayed line from a live one (a bot would act on an
//! old `!command` again), so it gets each as a NOTICE from the server with
//! the time and nick in the text, when `replay_untagged = "notice"`.

use super::ReplayRequest;
use crate::batch::Batch;
use crate::caps::{Cap, Caps};
use crate::store::history::{HistoryQuery, Selection, View};
use crate::store::HistoryLine;
use bytes::{BufMut, Bytes, BytesMut};
use std::sync::Arc;

/// A stored line as client `caps` would have received it: `batch` (when
/// given and the client has batch), `time`, `msgid` and client tags,
/// `account` for those with account-tag, a JOIN in extended-join form for
/// those with it. A multiline message may be several lines (see
/// [`super::multiline::encode`]).
pub fn encode(line: &HistoryLine, caps: Caps, batch: Option<&str>) -> Bytes {
    if let Some(bytes) = super::multiline::encode(line, caps, batch) {
        return bytes;
    }
    // Written straight into one buffer: a reply is a hundred of these, and
    // building a `Message` of owned strings for each cost more than the
    // database read (measured on CHATHISTORY LATEST 100).
    let mut out = BytesMut::with_capacity(line.tags.len() + line.prefix.len() + line.params.len() + 160);
    let tag = |out: &mut BytesMut, key: &str| {
        out.put_u8(if out.is_empty() { b'@' } else { b';' });
        out.put_slice(key.as_bytes());
    };
    if let Some(b) = batch.filter(|_| caps.has(Cap::Batch)) {
        tag(&mut out, "batch=");
        out.put_slice(b.as_bytes());
    }
    if caps.has(Cap::ServerTime) {
        tag(&mut out, "time=");
        out.put_slice(crate::clock::format_server_time(line.time).as_bytes());
    }
    if caps.has(Cap::MessageTags) {
        tag(&mut out, "msgid=");
        out.put_slice(line.msgid.as_bytes());
    }
    if let Some(account) = line.account.as_deref().filter(|_| caps.has(Cap::AccountTag)) {
        tag(&mut out, "account=");
        let mut escaped = String::new();
        hichat_proto::escape_tag_value(account, &mut escaped);
        out.put_slice(escaped.as_bytes());
    }
    if caps.has(Cap::MessageTags) && !line.tags.is_empty() {
        // Client tags are stored in wire form, already escaped.
        tag(&mut out, &line.tags);
    }
    if !out.is_empty() {
        out.put_u8(b' ');
    }
    if !line.prefix.is_empty() {
        out.put_u8(b':');
        out.put_slice(line.prefix.as_bytes());
        out.put_u8(b' ');
    }
    out.put_slice(line.command.as_bytes());
    let mut params: Vec<&str> = line.params.split(' ').filter(|p| !p.is_empty()).collect();
    if line.command == "JOIN" {
        if caps.has(Cap::ExtendedJoin) {
            params.push(line.account.as_deref().unwrap_or("*"));
            params.push(line.text.as_deref().unwrap_or_default());
        }
    } else if let Some(text) = &line.text {
        params.push(text);
    }
    let last = params.len().saturating_sub(1);
    for (i, p) in params.iter().enumerate() {
        out.put_u8(b' ');
        if i == last && (p.is_empty() || p.starts_with(':') || p.contains(' ')) {
            out.put_u8(b':');
        }
        out.put_slice(p.as_bytes());
    }
    out.put_slice(b"\r\n");
    out.freeze()
}

/// Most bytes of history one reply queues for a client: a quarter of its
/// send queue, so a reply never fills the queue and drops the client.
/// Single lines come nowhere near it (100 are some 60 KB), but a
/// multiline message may be 10 KB once its lines are sourced and tagged.
pub fn reply_budget(config: &crate::config::Config) -> usize {
    config.limits.sendq_bytes / 4
}

/// Messages encoded for one reply, oldest first, cut to `budget` bytes by
/// leaving out whole messages at the end away from what was asked for:
/// the oldest when `keep_newest` (the newest lines, or those before an
/// anchor), else the newest. A client pages on from the last message it
/// got, so what is left out comes with its next page. One is always kept.
pub fn within_budget(mut encoded: Vec<Bytes>, budget: usize, keep_newest: bool) -> Vec<Bytes> {
    let mut total: usize = encoded.iter().map(Bytes::len).sum();
    let mut kept = encoded.len();
    while total > budget && kept > 1 {
        let i = if keep_newest { encoded.len() - kept } else { kept - 1 };
        total -= encoded[i].len();
        kept -= 1;
    }
    if keep_newest {
        encoded.drain(..encoded.len() - kept);
    } else {
        encoded.truncate(kept);
    }
    encoded
}

/// Sends a channel's last lines to a client that joined it, in a
/// `chathistory` batch when it has batch. Reads what was stored before the
/// JOIN, once the writer has committed that far.
pub async fn replay(server: Arc<crate::Server>, request: ReplayRequest) {
    let limit = server.info.config.history.replay_lines;
    let query = HistoryQuery {
        view: View::Channel(request.channel.clone()),
        selection: Selection::Before(crate::store::history::Anchor::Msgid(request.join_msgid.clone())),
        limit,
        since: request.since,
        commands: vec!["PRIVMSG", "NOTICE"],
    };
    if server.store.flush().done().await.is_err() {
        return;
    }
    let store = server.store.clone();
    let lines = match tokio::task::spawn_blocking(move || store.query_history(&query)).await {
        Ok(Ok(lines)) => lines,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "history replay failed");
            return;
        }
        Err(_) => return,
    };
    if lines.is_empty() {
        return;
    }
    let mut state = server.state();
    let Some(client) = state.client(request.client) else { return };
    // Only while still in the channel.
    if !client.channels.contains(&request.channel) {
        return;
    }
    let caps = client.caps;
    let display = state.channels.get(&request.channel).map(|c| c.name.clone()).unwrap_or_default();
    if !caps.has(Cap::ServerTime) && !caps.has(Cap::Batch) {
        let lines: Vec<Bytes> = lines.iter().flat_map(|l| as_notices(&server.info.name, &display, l)).collect();
        for bytes in within_budget(lines, reply_budget(&server.info.config), true) {
            state.send_bytes(request.client, bytes);
        }
        state.reap(&server.info.name);
        return;
    }
    let batch = caps.has(Cap::Batch).then(|| Batch::new(&server.info.name));
    if let Some(b) = &batch {
        state.send(request.client, &b.start("chathistory", &[&display]));
    }
    let encoded = lines.iter().map(|l| encode(l, caps, batch.as_ref().map(|b| b.reference.as_str()))).collect();
    for bytes in within_budget(encoded, reply_budget(&server.info.config), true) {
        state.send_bytes(request.client, bytes);
    }
    if let Some(b) = &batch {
        state.send(request.client, &b.end());
    }
    state.reap(&server.info.name);
}

/// Longest text of one replayed NOTICE, in bytes: with the server's name,
/// the channel, the time and the nick it stays within 512.
const MAX_NOTICE_TEXT: usize = 300;

/// A stored line as NOTICEs from the server to the channel, one a line of
/// its text: `[2026-11-25 14:50:53 UTC] <ann> hi there` (`* ann waves` for
/// an action, `-ann- ...` for a NOTICE), so nobody takes it for live.
fn as_notices(server: &str, channel: &str, line: &HistoryLine) -> Vec<Bytes> {
    let when = crate::clock::format_utc(line.time / 1000);
    let nick = line.prefix.split('!').next().unwrap_or(&line.prefix);
    let text = line.text.as_deref().unwrap_or_default();
    text.split('\n')
        .filter(|t| !t.is_empty())
        .map(|t| {
            let said = match t.strip_prefix("\x01ACTION ") {
                Some(action) => format!("* {nick} {}", action.trim_end_matches('\x01')),
                None if line.command == "NOTICE" => format!("-{nick}- {t}"),
                None => format!("<{nick}> {t}"),
            };
            let mut said = format!("[{when}] {said}");
            if said.len() > MAX_NOTICE_TEXT {
                let mut end = MAX_NOTICE_TEXT;
                while !said.is_char_boundary(end) {
                    end -= 1;
                }
                said.truncate(end);
                said.push('…');
            }
            hichat_proto::Message::new("NOTICE", [channel, said.as_str()]).with_source(server).to_bytes()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hichat_proto::Message;

    #[test]
    fn encodes_as_the_codec_would() {
        let all = Caps::from_iter([Cap::Batch, Cap::ServerTime, Cap::MessageTags, Cap::AccountTag, Cap::ExtendedJoin]);
        let cases = [
            HistoryLine { text: Some(":-) leading colon".into()), ..HistoryLine::sample() },
            HistoryLine { text: Some(String::new()), command: "TOPIC".into(), ..HistoryLine::sample() },
            HistoryLine {
                text: Some("real name".into()),
                command: "JOIN".into(),
                tags: String::new(),
                ..HistoryLine::sample()
            },
            HistoryLine {
                text: None,
                command: "MODE".into(),
                params: "#Hello +o bob".into(),
                account: None,
                ..HistoryLine::sample()
            },
            HistoryLine { account: Some("a;b c".into()), ..HistoryLine::sample() },
        ];
        for case in &cases {
            for caps in [Caps::default(), all] {
                let mut params: Vec<String> = case.params.split(' ').map(str::to_owned).collect();
                if case.command == "JOIN" {
                    if caps.has(Cap::ExtendedJoin) {
                        params.push(case.account.clone().unwrap_or_else(|| "*".into()));
                        params.extend(case.text.clone());
                    }
                } else {
                    params.extend(case.text.clone());
                }
                let mut msg = Message::new(case.command.as_str(), params).with_source(case.prefix.as_str());
                if caps.has(Cap::Batch) {
                    msg = msg
                        .with_tag("batch", Some("b1".into()))
                        .with_tag("time", Some(crate::clock::format_server_time(case.time)))
                        .with_tag("msgid", Some(case.msgid.clone()));
                    if let Some(a) = &case.account {
                        msg = msg.with_tag("account", Some(a.clone()));
                    }
                    let stored = Message::parse(&format!("@{} X", case.tags)).map(|m| m.tags).unwrap_or_default();
                    msg.tags.extend(stored);
                }
                assert_eq!(encode(case, caps, Some("b1")), msg.to_bytes(), "{case:?}");
            }
        }
    }

    #[test]
    fn the_original_message_with_the_tags_asked_for() {
        assert_eq!(
            &encode(&HistoryLine::sample(), Caps::default(), Some("b1"))[..],
            b":ann!a@h PRIVMSG #Hello :hi there\r\n"
        );
        assert_eq!(
            &encode(
                &HistoryLine::sample(),
                Caps::from_iter([Cap::Batch, Cap::ServerTime, Cap::MessageTags, Cap::AccountTag]),
                Some("b1")
            )[..],
            &b"@batch=b1;time=2026-11-25T14:50:53.007Z;msgid=M1;account=Ann;+draft/reply=X;+a=b\\sc \
              :ann!a@h PRIVMSG #Hello :hi there\r\n"[..]
        );
    }

    #[test]
    fn replayed_to_plain_clients_as_notices_that_say_when_and_who() {
        let notices = |line: &HistoryLine| {
            as_notices("irc.test", "#Hello", line)
                .iter()
                .map(|b| String::from_utf8(b.to_vec()).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            notices(&HistoryLine::sample()),
            [":irc.test NOTICE #Hello :[2026-11-25 14:50:53 UTC] <ann> hi there\r\n"]
        );
        let action = HistoryLine { text: Some("\x01ACTION waves\x01\n!again".into()), ..HistoryLine::sample() };
        assert_eq!(
            notices(&action),
            [
                ":irc.test NOTICE #Hello :[2026-11-25 14:50:53 UTC] * ann waves\r\n",
                ":irc.test NOTICE #Hello :[2026-11-25 14:50:53 UTC] <ann> !again\r\n"
            ]
        );
        let long = HistoryLine { text: Some("é".repeat(300)), ..HistoryLine::sample() };
        assert!(notices(&long)[0].len() < 400);
    }

    #[test]
    fn whole_messages_left_out_away_from_the_anchor() {
        let sizes = |v: Vec<Bytes>| v.iter().map(Bytes::len).collect::<Vec<_>>();
        let encoded = || [3, 5, 4, 2].map(|n| Bytes::from(vec![b'x'; n])).to_vec();
        assert_eq!(sizes(within_budget(encoded(), 14, true)), [3, 5, 4, 2]);
        assert_eq!(sizes(within_budget(encoded(), 11, true)), [5, 4, 2]);
        assert_eq!(sizes(within_budget(encoded(), 11, false)), [3, 5]);
        assert_eq!(sizes(within_budget(encoded(), 1, true)), [2]);
        assert_eq!(sizes(within_budget(encoded(), 1, false)), [3]);
        assert!(within_budget(Vec::new(), 1, true).is_empty());
    }
}
