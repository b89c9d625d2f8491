//! The full-screen interface (ratatui + crossterm): one loop that redraws
//! after every key or connection event, so incoming messages never touch
//! the input line.

pub mod draw;
pub mod input;

use crate::client::{now_stamp, Client};
use crate::complete::Completer;
use crate::connection::ConnEvent;
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{execute, terminal};
use draw::Metrics;
use futures_util::StreamExt;
use input::InputLine;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout};

/// Puts the terminal back however we leave (return, error or panic).
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> io::Result<Self> {
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(io::stdout(), terminal::EnterAlternateScreen, crossterm::event::EnableBracketedPaste)?;
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            hook(info);
        }));
        Ok(guard)
    }
}

fn restore() {
    let _ = execute!(io::stdout(), crossterm::event::DisableBracketedPaste, terminal::LeaveAlternateScreen);
    let _ = terminal::disable_raw_mode();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Keyboard-side state of the interface.
#[derive(Default)]
pub struct Ui {
    pub input: InputLine,
    pub completer: Completer,
    pub metrics: Metrics,
}

/// Runs the full-screen interface until the connection is closed.
pub async fn run(mut client: Client) -> i32 {
    let _guard = match TerminalGuard::enter() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{}", crate::i18n::tr("terminal-failed", &[("error", &e.to_string())]));
            return 1;
        }
    };
    let mut terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(t) => t,
        Err(e) => {
            drop(_guard);
            eprintln!("{}", crate::i18n::tr("terminal-failed", &[("error", &e.to_string())]));
            return 1;
        }
    };
    let mut ui = Ui::default();
    let mut keys = EventStream::new();
    loop {
        if redraw(&mut terminal, &client, &mut ui).is_err() {
            client.quit(None);
        }
        tokio::select! {
            ev = client.conn.events.recv() => {
                let ev = ev.unwrap_or(ConnEvent::Closed);
                client.event(&ev, &now_stamp());
                if ev == ConnEvent::Closed {
                    break;
                }
            }
            key = keys.next() => match key {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => on_key(&mut client, &mut ui, k),
                Some(Ok(Event::Paste(text))) => ui.input.insert_str(&text.replace(['\r', '\n'], " ")),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => client.quit(None),
            },
        }
    }
    0
}

fn redraw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, client: &Client, ui: &mut Ui) -> io::Result<()> {
    let mut metrics = ui.metrics;
    terminal.draw(|f| metrics = draw::draw(f, &client.state, &ui.input))?;
    ui.metrics = metrics;
    Ok(())
}

/// Handles one key press.
pub fn on_key(client: &mut Client, ui: &mut Ui, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    if key.code != KeyCode::Tab {
        ui.completer.reset();
    }
    let state = &mut client.state;
    let page = (ui.metrics.body_rows / 2).max(1);
    match key.code {
        KeyCode::Char(c) if alt && c.is_ascii_digit() => {
            let n = c.to_digit(10).unwrap_or(0) as usize;
            state.switch(if n == 0 { 9 } else { n - 1 });
        }
        KeyCode::Char('n') if ctrl => state.next_window(),
        KeyCode::Char('p') if ctrl => state.prev_window(),
        KeyCode::Right if alt => state.next_window(),
        KeyCode::Left if alt => state.prev_window(),
        KeyCode::Char('c') if ctrl => client.quit(None),
        KeyCode::Char('d') if ctrl && ui.input.text().is_empty() => client.quit(None),
        KeyCode::Char('a') if ctrl => ui.input.home(),
        KeyCode::Char('e') if ctrl => ui.input.end(),
        KeyCode::Char('u') if ctrl => ui.input.kill_before(),
        KeyCode::Char('k') if ctrl => ui.input.kill_after(),
        KeyCode::Char('w') if ctrl => ui.input.kill_word(),
        KeyCode::Char(_) if ctrl || alt => {}
        KeyCode::Char(c) => ui.input.insert(c),
        KeyCode::Enter => {
            let line = ui.input.submit();
            client.input(&line, &now_stamp());
        }
        KeyCode::Tab => {
            let nicks = client.state.completion_nicks();
            if let Some((text, cursor)) = ui.completer.complete(ui.input.text(), ui.input.cursor(), &nicks) {
                ui.input.set(text, cursor);
            }
        }
        KeyCode::Backspace => ui.input.backspace(),
        KeyCode::Delete => ui.input.delete(),
        KeyCode::Left => ui.input.left(),
        KeyCode::Right => ui.input.right(),
        KeyCode::Home => ui.input.home(),
        KeyCode::End => ui.input.end(),
        KeyCode::Up => ui.input.history_up(),
        KeyCode::Down => ui.input.history_down(),
        KeyCode::PageUp => {
            let w = &mut state.windows[state.current];
            w.scroll = (w.scroll + page).min(ui.metrics.max_scroll);
        }
        KeyCode::PageDown => {
            let w = &mut state.windows[state.current];
            w.scroll = w.scroll.saturating_sub(page);
        }
        KeyCode::Esc => state.windows[state.current].scroll = 0,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{Handle, Outgoing};
    use crate::state::{Line, LineKind, State};
    use tokio::sync::mpsc;

    fn client() -> (Client, mpsc::UnboundedReceiver<Outgoing>) {
        let (_event_tx, events) = mpsc::unbounded_channel();
        let (out, out_rx) = mpsc::unbounded_channel();
        let mut state = State::new("srv", "ann", &["#hello".into(), "#rust".into()]);
        state.conn = crate::state::ConnState::Connected;
        for m in ["bob", "bea", "ann"] {
            let member = state.parse_member(m);
            state.windows[1].members.push(member);
        }
        (Client { state, conn: Handle { events, out }, quitting: false }, out_rx)
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn typed(c: &mut Client, ui: &mut Ui, text: &str) {
        for ch in text.chars() {
            on_key(c, ui, key(KeyCode::Char(ch), KeyModifiers::NONE));
        }
    }

    #[test]
    fn enter_sends_to_the_current_window_and_shows_it() {
        let (mut c, mut out) = client();
        let mut ui = Ui::default();
        typed(&mut c, &mut ui, "你好 🎉");
        on_key(&mut c, &mut ui, key(KeyCode::Enter, KeyModifiers::NONE));
        let Ok(Outgoing::Send(m)) = out.try_recv() else { panic!("nothing sent") };
        assert_eq!(m.to_string(), "PRIVMSG #hello :你好 🎉");
        assert_eq!(c.state.windows[1].lines.back().map(|l| l.text.as_str()), Some("你好 🎉"));
        assert_eq!(ui.input.text(), "");
        on_key(&mut c, &mut ui, key(KeyCode::Up, KeyModifiers::NONE));
        assert_eq!(ui.input.text(), "你好 🎉");
    }

    #[test]
    fn window_keys_switch_and_clear_unread() {
        let (mut c, _out) = client();
        let mut ui = Ui::default();
        c.state.push(2, Line::new("10:00", LineKind::Message, "bob", "hi"));
        assert_eq!(c.state.windows[2].unread, 1);
        on_key(&mut c, &mut ui, key(KeyCode::Char('3'), KeyModifiers::ALT));
        assert_eq!((c.state.current, c.state.windows[2].unread), (2, 0));
        on_key(&mut c, &mut ui, key(KeyCode::Char('n'), KeyModifiers::CONTROL));
        assert_eq!(c.state.current, 0);
        on_key(&mut c, &mut ui, key(KeyCode::Char('p'), KeyModifiers::CONTROL));
        assert_eq!(c.state.current, 2);
        typed(&mut c, &mut ui, "/win 2");
        on_key(&mut c, &mut ui, key(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(c.state.current, 1);
    }

    #[test]
    fn tab_completes_nicks_of_the_window() {
        let (mut c, _out) = client();
        let mut ui = Ui::default();
        typed(&mut c, &mut ui, "b");
        on_key(&mut c, &mut ui, key(KeyCode::Tab, KeyModifiers::NONE));
        assert_eq!(ui.input.text(), "bea: ");
        on_key(&mut c, &mut ui, key(KeyCode::Tab, KeyModifiers::NONE));
        assert_eq!(ui.input.text(), "bob: ");
    }

    #[test]
    fn page_keys_scroll_within_bounds() {
        let (mut c, _out) = client();
        let mut ui = Ui { metrics: Metrics { body_rows: 10, max_scroll: 7 }, ..Ui::default() };
        on_key(&mut c, &mut ui, key(KeyCode::PageUp, KeyModifiers::NONE));
        assert_eq!(c.state.windows[1].scroll, 5);
        on_key(&mut c, &mut ui, key(KeyCode::PageUp, KeyModifiers::NONE));
        assert_eq!(c.state.windows[1].scroll, 7);
        on_key(&mut c, &mut ui, key(KeyCode::PageDown, KeyModifiers::NONE));
        assert_eq!(c.state.windows[1].scroll, 2);
    }

    #[test]
    fn exit_and_ctrl_c_quit_once() {
        let (mut c, mut out) = client();
        let mut ui = Ui::default();
        typed(&mut c, &mut ui, "exit");
        on_key(&mut c, &mut ui, key(KeyCode::Enter, KeyModifiers::NONE));
        on_key(&mut c, &mut ui, key(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(out.try_recv(), Ok(Outgoing::Quit(None)));
        assert!(out.try_recv().is_err());
        assert!(c.quitting);
    }
}
