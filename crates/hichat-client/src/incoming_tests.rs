//! Tests of `incoming.rs`: messages from the server as windows, lines,
//! unread counts and nick lists.

use super::*;
use crate::state::Window;
use std::time::Duration;

fn state() -> State {
    let mut s = State::new("127.0.0.1:6666", "ann", &["#hello".into()]);
    s.conn = ConnState::Connected;
    s
}

fn feed(s: &mut State, line: &str) -> Vec<Shown> {
    s.apply(&Message::parse(line).unwrap(), "12:34")
}

fn texts(w: &Window) -> Vec<String> {
    w.lines.iter().map(|l| format!("{:?} {} {}", l.kind, l.nick, l.text)).collect()
}

fn nicks(w: &Window) -> Vec<String> {
    w.members.iter().map(|m| format!("{}{}", m.prefixes, m.nick)).collect()
}

#[test]
fn join_names_and_messages() {
    let mut s = state();
    feed(&mut s, ":ann!a@h JOIN #hello");
    feed(&mut s, ":srv 353 ann = #hello :@bob ann");
    feed(&mut s, ":srv 353 ann = #hello :+小明");
    let shown = feed(&mut s, ":srv 366 ann #hello :End of /NAMES list");
    assert_eq!(shown[0].line.text, "users in #hello: @bob +小明 ann");
    let w = &s.windows[1];
    assert!(w.joined);
    assert_eq!(nicks(w), vec!["@bob", "+小明", "ann"]);
    feed(&mut s, ":amy!a@h JOIN #hello");
    assert_eq!(nicks(&s.windows[1]), vec!["@bob", "+小明", "amy", "ann"]);
    let shown = feed(&mut s, ":小明!x@h PRIVMSG #hello :你好 🎉");
    assert_eq!(shown.len(), 1);
    assert!(shown[0].current);
    assert_eq!(shown[0].line.nick, "小明");
    assert_eq!(shown[0].line.text, "你好 🎉");
    assert_eq!(shown[0].line.stamp, "12:34");
}

#[test]
fn private_messages_open_a_query_window_with_unread() {
    let mut s = state();
    let shown = feed(&mut s, ":bob!b@h PRIVMSG ann :psst");
    assert_eq!(shown[0].window, "bob");
    assert!(!shown[0].current);
    let q = s.find("bob").unwrap();
    assert_eq!(s.windows[q].kind, WindowKind::Query);
    assert_eq!((s.windows[q].unread, s.windows[q].highlight), (1, true));
    // Our own echoed message to bob goes to the same window.
    feed(&mut s, ":ann!a@h PRIVMSG bob :hi");
    assert_eq!(s.windows[q].lines.len(), 2);
    assert_eq!(s.windows[q].unread, 1);
}

#[test]
fn actions_notices_and_ctcp() {
    let mut s = state();
    feed(&mut s, ":bob!b@h PRIVMSG #hello :\x01ACTION waves\x01");
    feed(&mut s, ":bob!b@h NOTICE #hello :note");
    feed(&mut s, ":irc.local NOTICE ann :*** server notice");
    let shown = feed(&mut s, ":bob!b@h PRIVMSG ann :\x01VERSION\x01");
    assert_eq!(shown[0].line.kind, LineKind::Info);
    assert_eq!(texts(&s.windows[1]), vec!["Action bob waves", "Notice bob note"]);
    assert_eq!(s.windows[0].lines[0].kind, LineKind::Notice);
    assert_eq!(s.windows.len(), 2, "CTCP opens no window");
}

#[test]
fn part_quit_kick_and_nick() {
    let mut s = state();
    feed(&mut s, ":ann!a@h JOIN #hello");
    feed(&mut s, ":srv 353 ann = #hello :ann bob amy");
    feed(&mut s, ":srv 366 ann #hello :End");
    let q = s.window_for("bob", WindowKind::Query);
    feed(&mut s, ":bob!b@h NICK robert");
    assert_eq!(s.windows[q].name, "robert");
    assert_eq!(nicks(&s.windows[1]), vec!["amy", "ann", "robert"]);
    let shown = feed(&mut s, ":robert!b@h QUIT :gone");
    assert_eq!(shown.len(), 2, "quit shown in channel and query");
    assert_eq!(shown[0].line.text, "robert quit (gone)");
    feed(&mut s, ":amy!a@h PART #hello");
    assert_eq!(nicks(&s.windows[1]), vec!["ann"]);
    feed(&mut s, ":ann!a@h NICK ann2");
    assert_eq!(s.nick, "ann2");
    let shown = feed(&mut s, ":op!o@h KICK #hello ann2 :bye");
    assert_eq!(shown[0].line.text, "op kicked you from #hello (bye)");
    assert!(!s.windows[1].joined);
}

#[test]
fn own_part_closes_window_and_new_join_switches() {
    let mut s = state();
    feed(&mut s, ":ann!a@h JOIN #hello");
    feed(&mut s, ":ann!a@h JOIN #rust");
    assert_eq!(s.current_target(), Some("#rust"));
    let shown = feed(&mut s, ":ann!a@h PART #rust :later");
    assert_eq!(shown[0].line.text, "ann left #rust (later)");
    assert_eq!(s.find("#rust"), None);
    assert_eq!(s.current_target(), Some("#hello"));
}

#[test]
fn topic_and_modes() {
    let mut s = state();
    feed(&mut s, ":ann!a@h JOIN #hello");
    feed(&mut s, ":srv 005 ann PREFIX=(ov)@+ CHANTYPES=# :are supported");
    feed(&mut s, ":srv 332 ann #hello :old topic");
    assert_eq!(s.windows[1].topic, "old topic");
    feed(&mut s, ":bob!b@h TOPIC #hello :新的 \x02topic\x02");
    assert_eq!(s.windows[1].topic, "新的 topic");
    feed(&mut s, ":srv 353 ann = #hello :ann bob");
    feed(&mut s, ":srv 366 ann #hello :End");
    feed(&mut s, ":ann!a@h MODE #hello +ov-v+l bob bob bob 10");
    assert_eq!(nicks(&s.windows[1]), vec!["@bob", "ann"]);
}

#[test]
fn errors_and_replies_go_to_the_current_window() {
    let mut s = state();
    let shown = feed(&mut s, ":srv 401 ann nobody :No such nick/channel");
    assert_eq!(shown[0].line.kind, LineKind::Error);
    assert_eq!(shown[0].line.text, "nobody: No such nick/channel");
    assert!(shown[0].current);
    let shown = feed(&mut s, ":srv 311 ann bob b host * :Bob Real");
    assert_eq!(shown[0].line.text, "bob is b@host (Bob Real)");
    let shown = feed(&mut s, ":srv 372 ann :- motd line");
    assert_eq!(shown[0].line.kind, LineKind::Info);
    assert_eq!(shown[0].window, "127.0.0.1:6666");
}

#[test]
fn server_time_tag_sets_the_stamp() {
    let mut s = state();
    let shown = feed(&mut s, "@time=2024-05-01T10:20:30.000Z :bob!b@h PRIVMSG #hello :hi");
    let expected = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:20:30Z")
        .unwrap()
        .with_timezone(&chrono::Local)
        .format("%H:%M")
        .to_string();
    assert_eq!(shown[0].line.stamp, expected);
}

#[test]
fn connection_events() {
    let mut s = state();
    feed(&mut s, ":ann!a@h JOIN #hello");
    feed(&mut s, ":srv 353 ann = #hello :ann bob");
    feed(&mut s, ":srv 366 ann #hello :End");
    let ev =
        ConnEvent::Disconnected { reason: "connection closed by the server".into(), retry_in: Duration::from_secs(2) };
    let shown = s.on_event(&ev, "12:00");
    assert_eq!(shown[0].line.text, "disconnected (connection closed by the server), reconnecting in 2s...");
    assert_eq!(s.conn, ConnState::Disconnected);
    assert!(s.windows[1].members.is_empty() && !s.windows[1].joined);
    let shown = s.on_event(&ConnEvent::Registered { nick: "ann".into(), caps: vec![] }, "12:01");
    assert_eq!(shown[0].line.text, "reconnected");
    s.on_event(&ConnEvent::Lag(Duration::from_millis(15)), "12:01");
    assert_eq!(s.lag, Some(Duration::from_millis(15)));
}
