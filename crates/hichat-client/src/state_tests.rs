//! Tests of `state.rs`: windows, unread counts, members and text cleaning.

use super::*;

fn state() -> State {
    State::new("127.0.0.1:6666", "ann", &["#hello".into(), "#rust".into()])
}

#[test]
fn starts_on_the_first_channel() {
    let s = state();
    assert_eq!(s.windows.len(), 3);
    assert_eq!(s.current_target(), Some("#hello"));
    let s = State::new("x", "ann", &[]);
    assert_eq!(s.current, 0);
    assert_eq!(s.current_target(), None);
}

#[test]
fn unread_counts_only_other_windows_and_reset_on_switch() {
    let mut s = state();
    s.push(1, Line::new("10:00", LineKind::Message, "bob", "hi"));
    assert_eq!(s.windows[1].unread, 0);
    s.push(2, Line::new("10:00", LineKind::Message, "bob", "one"));
    s.push(2, Line::new("10:00", LineKind::Event, "", "bob joined"));
    s.push(2, Line::new("10:00", LineKind::Message, "ann", "my own"));
    s.push(2, Line::new("10:00", LineKind::Action, "bob", "waves at ANN"));
    assert_eq!(s.windows[2].unread, 2);
    assert!(s.windows[2].highlight);
    s.switch(2);
    assert_eq!((s.windows[2].unread, s.windows[2].highlight), (0, false));
    s.push(0, Line::new("10:00", LineKind::Notice, "irc.local", "*** server notice"));
    assert_eq!(s.windows[0].unread, 0, "server notices are not unread conversation");
}

#[test]
fn window_cycling_and_closing() {
    let mut s = state();
    s.next_window();
    assert_eq!(s.current, 2);
    s.next_window();
    assert_eq!(s.current, 0);
    s.prev_window();
    assert_eq!(s.current, 2);
    let q = s.window_for("Bob", WindowKind::Query);
    assert_eq!(s.window_for("bob", WindowKind::Query), q);
    s.switch(q);
    s.close(q);
    assert_eq!(s.current, 2);
    s.close(0);
    assert_eq!(s.windows.len(), 3);
    assert!(!s.switch(9));
}

#[test]
fn lines_are_capped() {
    let mut s = state();
    for i in 0..MAX_LINES + 10 {
        s.push(1, Line::new("10:00", LineKind::Message, "bob", &i.to_string()));
    }
    assert_eq!(s.windows[1].lines.len(), MAX_LINES);
    assert_eq!(s.windows[1].lines[0].text, "10");
}

#[test]
fn members_parse_and_sort() {
    let s = state();
    let mut m = vec![s.parse_member("zed"), s.parse_member("+@bob"), s.parse_member("+amy"), s.parse_member("Al")];
    s.sort_members(&mut m);
    let shown: Vec<String> = m.iter().map(|m| format!("{}{}", m.prefixes, m.nick)).collect();
    assert_eq!(shown, vec!["@+bob", "+amy", "Al", "zed"]);
}

#[test]
fn mentions_whole_words() {
    assert!(mentions("hi ann!", "ann"));
    assert!(mentions("ANN: hi", "ann"));
    assert!(!mentions("joanna", "ann"));
    assert!(mentions("你好ann", "ann"));
}

#[test]
fn formatting_is_stripped() {
    assert_eq!(clean_text("\x02bold\x02 \x0304,12red\x03 \x1fu\x0f\tx"), "bold red u x");
    assert_eq!(clean_text("\x0312,hi"), ",hi");
    assert_eq!(clean_text("你好 🎉"), "你好 🎉");
}

#[test]
fn notes_go_to_current_and_server_window() {
    let mut s = state();
    let shown = s.note("10:00", LineKind::Status, "disconnected");
    assert!(shown.current);
    assert_eq!(shown.window, "#hello");
    assert_eq!(s.windows[0].lines.len(), 1);
    assert_eq!(s.windows[1].lines.len(), 1);
}
