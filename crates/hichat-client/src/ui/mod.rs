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
            eprintln!("could not set up the terminal: {e}");
            return 1;
        }
    };
    let mut terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(t) => t,
        Err(e) => {
            drop(_guard);
            eprintln!("could not set up the terminal: {e}");
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
