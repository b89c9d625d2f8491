//! Screen tests: the interface drawn into ratatui's `TestBackend`, checked
//! as text.

use super::*;
use crate::state::{Line, LineKind, State};
use crate::wrap::width;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The buffer's rows as text; the cell after a wide character is skipped.
fn screen(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buf = terminal.backend().buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < area.width {
                let sym = buf[(x, y)].symbol();
                row.push_str(sym);
                x += width(sym).max(1) as u16;
            }
            row.trim_end().to_owned()
        })
        .collect()
}

fn sample_state() -> State {
    let mut s = State::new("127.0.0.1:6666", "ann", &["#hello".into()]);
    s.conn = crate::state::ConnState::Connected;
    s.lag = Some(std::time::Duration::from_millis(20));
    let w = &mut s.windows[1];
    w.joined = true;
    w.topic = "说中文 🀄".into();
    for m in ["@bob", "ann", "小明"] {
        let member = s.parse_member(m);
        s.windows[1].members.push(member);
    }
    s.push(1, Line::new("09:00", LineKind::Event, "", "bob joined #hello"));
    s.push(1, Line::new("09:01", LineKind::Message, "bob", &"你好世界".repeat(6)));
    s.push(1, Line::new("09:02", LineKind::Message, "小明", "hi ann 🎉"));
    let q = s.window_for("bob", crate::state::WindowKind::Query);
    s.push(q, Line::new("09:03", LineKind::Message, "bob", "psst"));
    s
}

#[test]
fn channel_window_with_wrapped_cjk_nicklist_status_and_input() {
    let state = sample_state();
    let mut input = InputLine::default();
    input.insert_str("typing 你好");
    let mut terminal = Terminal::new(TestBackend::new(60, 10)).unwrap();
    terminal
        .draw(|f| {
            draw(f, &state, &input);
        })
        .unwrap();
    let rows = screen(&terminal);
    let expected = [
        "#hello — 说中文 🀄",
        "                                            │@bob",
        "                                            │ann",
        "                                            │小明",
        "09:00 -- bob joined #hello                  │",
        "09:01 <bob> 你好世界你好世界你好世界你好世界│",
        "            你好世界你好世界                │",
        "09:02 <小明> hi ann 🎉                      │",
        " [ann] [2:#hello] [lag 0.02s] [connected] 127.0.0.1:6666 [ac",
        "[#hello] typing 你好",
    ];
    // Newest lines at the bottom; the long CJK line wraps between
    // characters and hangs under the text, never overlapping the nick list.
    assert_eq!(rows, expected);
    // The cursor sits after the two wide characters.
    let cursor = terminal.get_cursor_position().unwrap();
    assert_eq!((cursor.x, cursor.y), (width("[#hello] typing 你好") as u16, 9));
}

#[test]
fn status_bar_counts_unread_and_marks_queries() {
    let state = sample_state();
    assert!(status_line(&state).ends_with("[act: !3:bob(1)]"), "{}", status_line(&state));
}

#[test]
fn scrolled_back_view_shows_older_lines_and_a_marker() {
    let mut state = State::new("s", "ann", &["#c".into()]);
    for i in 0..30 {
        state.push(1, Line::new("10:00", LineKind::Message, "bob", &format!("line {i}")));
    }
    state.windows[1].scroll = 10;
    let input = InputLine::default();
    let mut terminal = Terminal::new(TestBackend::new(40, 8)).unwrap();
    let mut metrics = Metrics::default();
    terminal.draw(|f| metrics = draw(f, &state, &input)).unwrap();
    let rows = screen(&terminal);
    assert_eq!(metrics.body_rows, 5);
    assert_eq!(metrics.max_scroll, 15);
    assert!(rows[1].contains("line 15"), "{rows:#?}");
    assert!(rows[5].contains("line 19") && rows[5].contains("-- more (10) --"), "{rows:#?}");
}

#[test]
fn nick_colours_are_stable_and_case_blind() {
    assert_eq!(nick_color("Bob"), nick_color("bob"));
    let spread: std::collections::HashSet<_> = ["ann", "bob", "amy", "小明", "zed", "kim"].map(nick_color).into();
    assert!(spread.len() > 2);
}
