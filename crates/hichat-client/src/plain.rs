//! Plain line mode, for scripts and pipes: lines from the input are said in
//! the current channel (or run as /commands), and everything received is
//! printed as `HH:MM <nick> text`. End of input quits like `exit`.

use crate::args::ConnectArgs;
use crate::client::{self, now_stamp, Client};
use crate::connection::ConnEvent;
use crate::state::{LineKind, Shown};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// Runs plain mode on the given streams: connects (messages about failed
/// attempts go to `errors`), then chats until the input ends or `exit`.
/// Returns the exit code: 0, or 2 when the server could not be reached.
pub async fn run_plain_io<R, W, E>(args: ConnectArgs, input: R, output: W, mut errors: E) -> i32
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
    E: std::io::Write,
{
    let started = client::start(&args, Duration::from_secs(1), |e, wait| {
        let secs = wait.as_secs().max(1).to_string();
        let _ = writeln!(errors, "{}", crate::i18n::tr("retrying", &[("error", &e.to_string()), ("secs", &secs)]));
    })
    .await;
    match started {
        Ok(client) => run(client, input, output).await,
        Err(e) => {
            let _ = writeln!(errors, "{e}");
            2
        }
    }
}

/// Runs plain mode with an already started client.
pub async fn run<R, W>(mut client: Client, input: R, mut output: W) -> i32
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut lines = BufReader::new(input).split(b'\n');
    let mut input_open = true;
    loop {
        tokio::select! {
            ev = client.conn.events.recv() => {
                let ev = ev.unwrap_or(ConnEvent::Closed);
                let shown = client.event(&ev, &now_stamp());
                if print(&mut output, &shown).await.is_err() {
                    client.quit(None);
                }
                if ev == ConnEvent::Closed {
                    break;
                }
            }
            _ = tokio::signal::ctrl_c(), if !client.quitting => {
                // Ctrl+C leaves politely, like `exit`.
                input_open = false;
                client.quit(None);
            }
            line = lines.next_segment(), if input_open => {
                match line {
                    Ok(Some(bytes)) => {
                        let text = String::from_utf8_lossy(&bytes);
                        let shown = client.input(&text, &now_stamp());
                        let _ = print(&mut output, &shown).await;
                        if client.quitting {
                            input_open = false;
                        }
                    }
                    Ok(None) | Err(_) => {
                        input_open = false;
                        client.quit(None);
                    }
                }
            }
        }
    }
    let _ = output.flush().await;
    0
}

async fn print<W: AsyncWrite + Unpin>(output: &mut W, shown: &[Shown]) -> std::io::Result<()> {
    let mut text = String::new();
    for s in shown {
        if let Some(line) = format_line(s) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    if !text.is_empty() {
        output.write_all(text.as_bytes()).await?;
        output.flush().await?;
    }
    Ok(())
}

/// One printed line, or `None` for server chatter that plain mode leaves out.
pub fn format_line(s: &Shown) -> Option<String> {
    let l = &s.line;
    let body = match l.kind {
        LineKind::Message => format!("<{}> {}", l.nick, l.text),
        LineKind::Action => format!("* {} {}", l.nick, l.text),
        LineKind::Notice => format!("-{}- {}", l.nick, l.text),
        LineKind::Event | LineKind::Status => format!("-- {}", l.text),
        LineKind::Error => format!("!! {}", l.text),
        LineKind::Info => return None,
    };
    let place = if s.current { String::new() } else { format!("[{}] ", s.window) };
    Some(format!("{} {place}{body}", l.stamp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Line;

    fn shown(kind: LineKind, nick: &str, text: &str, current: bool) -> Shown {
        Shown { window: "#rust".into(), current, line: Line::new("09:05", kind, nick, text) }
    }

    #[test]
    fn formats() {
        let f = |k, n, t| format_line(&shown(k, n, t, true)).unwrap();
        assert_eq!(f(LineKind::Message, "ann", "你好 🎉"), "09:05 <ann> 你好 🎉");
        assert_eq!(f(LineKind::Action, "ann", "waves"), "09:05 * ann waves");
        assert_eq!(f(LineKind::Notice, "bob", "psst"), "09:05 -bob- psst");
        assert_eq!(f(LineKind::Event, "", "bob joined #hello"), "09:05 -- bob joined #hello");
        assert_eq!(format_line(&shown(LineKind::Info, "", "motd", true)), None);
        assert_eq!(format_line(&shown(LineKind::Message, "a", "b", false)).unwrap(), "09:05 [#rust] <a> b");
    }
}
