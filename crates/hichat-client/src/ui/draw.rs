//! Drawing the full-screen interface with ratatui: a title bar with the
//! topic, the scrollback (wrapped to width, newest at the bottom), a nick
//! list, a status bar and the input line.

use super::input::InputLine;
use crate::state::{Line, LineKind, State, Window, WindowKind};
use crate::wrap::{self, width};
use hichat_proto::casemap;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Width of the nick list.
const NICKLIST_WIDTH: u16 = 16;

/// What the last draw learned about the screen, for scrolling.
#[derive(Debug, Default, Clone, Copy)]
pub struct Metrics {
    /// Rows of the scrollback area.
    pub body_rows: usize,
    /// How far the current window can be scrolled up.
    pub max_scroll: usize,
}

/// Colours nicks are drawn in.
const PALETTE: [Color; 12] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Magenta,
    Color::Blue,
    Color::Red,
    Color::LightCyan,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightMagenta,
    Color::LightBlue,
    Color::LightRed,
];

/// The colour of `nick`: a hash of its folded form, so it stays the same
/// across windows, sessions and case changes.
pub fn nick_color(nick: &str) -> Color {
    let mut h: u32 = 0x811c_9dc5;
    for b in casemap::fold(nick).bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    PALETTE[(h % PALETTE.len() as u32) as usize]
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, state: &State, input: &InputLine) -> Metrics {
    let [title, body, status, prompt] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1), Constraint::Length(1)])
            .areas(f.area());
    let win = state.current_window();
    let bar = Style::default().bg(Color::Blue).fg(Color::White);
    let heading = if win.topic.is_empty() { win.name.clone() } else { format!("{} — {}", win.name, win.topic) };
    f.render_widget(Paragraph::new(wrap::truncate(&heading, title.width as usize).to_owned()).style(bar), title);

    let show_nicks = win.kind == WindowKind::Channel && body.width >= 50;
    let (messages, nicks) = if show_nicks {
        let [m, n] = Layout::horizontal([Constraint::Min(10), Constraint::Length(NICKLIST_WIDTH)]).areas(body);
        (m, Some(n))
    } else {
        (body, None)
    };
    let metrics = draw_scrollback(f, win, messages);
    if let Some(area) = nicks {
        draw_nicks(f, win, area);
    }
    f.render_widget(Paragraph::new(status_line(state)).style(bar), status);

    let label = format!("[{}] ", win.name);
    let label = wrap::truncate(&label, (prompt.width as usize) / 3).to_owned();
    let cols = (prompt.width as usize).saturating_sub(width(&label)).max(2);
    let (shown, cursor) = input.view(cols);
    let spans = vec![Span::styled(label.clone(), Style::default().fg(Color::Cyan)), Span::raw(shown.to_owned())];
    f.render_widget(Paragraph::new(TextLine::from(spans)), prompt);
    let x = prompt.x + (width(&label) + cursor).min(prompt.width.saturating_sub(1) as usize) as u16;
    f.set_cursor_position(Position { x, y: prompt.y });
    metrics
}

/// The prefix spans of a line (`HH:MM <nick> `) and its text style.
fn prefix(line: &Line) -> (Vec<Span<'static>>, Style) {
    let dim = Style::default().fg(Color::DarkGray);
    let mut spans = vec![Span::styled(format!("{} ", line.stamp), dim)];
    let nick = Style::default().fg(nick_color(&line.nick));
    let mut text = Style::default();
    match line.kind {
        LineKind::Message => {
            spans.push(Span::styled("<", dim));
            spans.push(Span::styled(line.nick.clone(), nick.add_modifier(Modifier::BOLD)));
            spans.push(Span::styled("> ", dim));
        }
        LineKind::Action => spans.push(Span::styled(format!("* {} ", line.nick), nick)),
        LineKind::Notice => spans.push(Span::styled(format!("-{}- ", line.nick), nick)),
        LineKind::Event => {
            spans.push(Span::styled("-- ", dim));
            text = Style::default().fg(Color::Gray);
        }
        LineKind::Info => {
            spans.push(Span::styled("-- ", dim));
            text = dim;
        }
        LineKind::Status => {
            spans.push(Span::styled("-- ", Style::default().fg(Color::Yellow)));
            text = Style::default().fg(Color::Yellow);
        }
        LineKind::Error => {
            spans.push(Span::styled("!! ", Style::default().fg(Color::Red)));
            text = Style::default().fg(Color::Red);
        }
    }
    if line.highlight {
        text = text.fg(Color::Yellow).add_modifier(Modifier::BOLD);
    }
    (spans, text)
}

/// The screen rows of one line at `cols` columns: the text hangs under the
/// end of its prefix.
fn rows(line: &Line, cols: usize) -> Vec<TextLine<'static>> {
    let (spans, style) = prefix(line);
    let pw: usize = spans.iter().map(|s| width(&s.content)).sum();
    let indent = if pw * 2 > cols { 0 } else { pw };
    let first = cols.saturating_sub(pw).max(1);
    let rest = cols.saturating_sub(indent).max(1);
    let parts = wrap::wrap(&line.text, first, rest);
    let mut out = Vec::with_capacity(parts.len());
    let mut spans = Some(spans);
    for part in parts {
        let mut row = spans.take().unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
        row.push(Span::styled(part.to_owned(), style));
        out.push(TextLine::from(row));
    }
    out
}

fn draw_scrollback(f: &mut Frame, win: &Window, area: Rect) -> Metrics {
    let height = area.height as usize;
    let cols = area.width as usize;
    // Build rows from the newest line back, only as far as needed.
    let want = height + win.scroll;
    let mut all: Vec<TextLine> = Vec::new();
    let mut complete = true;
    for line in win.lines.iter().rev() {
        let mut r = rows(line, cols);
        r.reverse();
        all.extend(r);
        if all.len() >= want + height {
            complete = false;
            break;
        }
    }
    let total = all.len();
    // When we stopped early there are at least `height` more rows above.
    let max_scroll = if complete { total.saturating_sub(height) } else { win.scroll + height };
    let scroll = win.scroll.min(total.saturating_sub(height));
    let shown: Vec<TextLine> = all.into_iter().skip(scroll).take(height).rev().collect();
    // Newest rows sit at the bottom of the area.
    let pad = height.saturating_sub(shown.len()) as u16;
    let target = Rect { y: area.y + pad, height: area.height - pad, ..area };
    f.render_widget(Paragraph::new(shown), target);
    if scroll > 0 {
        let tag = format!(" -- more ({scroll}) -- ");
        let w = (width(&tag) as u16).min(area.width);
        let at = Rect { x: area.x + area.width - w, y: area.y + area.height - 1, width: w, height: 1 };
        f.render_widget(Paragraph::new(tag).style(Style::default().bg(Color::Yellow).fg(Color::Black)), at);
    }
    Metrics { body_rows: height, max_scroll }
}

fn draw_nicks(f: &mut Frame, win: &Window, area: Rect) {
    let cols = area.width.saturating_sub(1) as usize;
    let lines: Vec<TextLine> = win
        .members
        .iter()
        .take(area.height as usize)
        .map(|m| {
            let text = format!("{}{}", m.prefixes.chars().next().map(String::from).unwrap_or_default(), m.nick);
            TextLine::from(Span::styled(
                wrap::truncate(&text, cols).to_owned(),
                Style::default().fg(nick_color(&m.nick)),
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(Block::default().borders(Borders::LEFT)), area);
}

/// `[ann] [2:#hello] [lag 0.01s] [connected] 127.0.0.1:6666 [act: 3:#rust(2)]`
pub fn status_line(state: &State) -> String {
    let win = state.current_window();
    let mut s = format!(" [{}] [{}:{}]", state.nick, state.current + 1, win.name);
    if let Some(lag) = state.lag {
        let secs = format!("{:.2}", lag.as_secs_f64());
        s.push_str(&format!(" [{}]", crate::i18n::tr("status-lag", &[("secs", &secs)])));
    }
    s.push_str(&format!(" [{}] {}", state.conn.label(), state.server));
    let act: Vec<String> = state
        .windows
        .iter()
        .enumerate()
        .filter(|(_, w)| w.unread > 0)
        .map(|(i, w)| format!("{}{}:{}({})", if w.highlight { "!" } else { "" }, i + 1, w.name, w.unread))
        .collect();
    if !act.is_empty() {
        let act = act.join(" ");
        s.push_str(&format!(" [{}]", crate::i18n::tr("status-act", &[("windows", &act)])));
    }
    s
}

#[cfg(test)]
#[path = "screen_tests.rs"]
mod tests;
