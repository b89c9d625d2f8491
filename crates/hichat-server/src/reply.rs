//! Errors that become replies, and the builder for numeric replies.

use crate::handlers::Ctx;
use crate::i18n::Text;
use hichat_proto::{CommandError, Message, Numeric};

/// What a handler returns.
pub type HandlerResult = Result<(), HandlerError>;

/// A handler's refusal, sent back to the client by the dispatcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerError {
    /// A numeric with its arguments; its standard text is appended.
    Numeric(Numeric, Vec<String>),
    /// A numeric with its arguments and a text of its own.
    NumericText(Numeric, Vec<String>, String),
    /// An IRCv3 standard reply: `FAIL <command> <code> [context...] :<text>`,
    /// the text in the client's language.
    Fail { command: String, code: &'static str, context: Vec<String>, text: Text },
    /// Nothing to send (e.g. an error for a NOTICE, which gets no reply).
    Silent,
}

impl HandlerError {
    pub fn numeric<S: Into<String>>(n: Numeric, args: impl IntoIterator<Item = S>) -> Self {
        HandlerError::Numeric(n, args.into_iter().map(Into::into).collect())
    }

    /// Maps a command-parsing error to its numeric.
    pub fn from_command_error(e: CommandError) -> Self {
        match e {
            CommandError::NeedMoreParams(verb) => Self::numeric(Numeric::ErrNeedMoreParams, [verb]),
            CommandError::Unknown(verb) => Self::numeric(Numeric::ErrUnknownCommand, [verb]),
            CommandError::NoRecipient(verb) => {
                Self::NumericText(Numeric::ErrNoRecipient, Vec::new(), format!("No recipient given ({verb})"))
            }
            CommandError::NoTextToSend => Self::numeric(Numeric::ErrNoTextToSend, Vec::<String>::new()),
            CommandError::NoNicknameGiven => Self::numeric(Numeric::ErrNoNicknameGiven, Vec::<String>::new()),
            CommandError::NoOrigin => Self::numeric(Numeric::ErrNoOrigin, Vec::<String>::new()),
        }
    }

    /// Sends the reply to the client in `ctx`.
    pub fn send_to(self, ctx: &mut Ctx<'_>) {
        match self {
            HandlerError::NumericText(n, args, text) => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                ctx.numeric_text(n, &args, &text);
            }
            HandlerError::Numeric(n, args) => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                ctx.numeric(n, &args);
            }
            HandlerError::Fail { command, code, context, text } => {
                let mut params = vec![command, code.to_owned()];
                params.extend(context);
                params.push(text.render(ctx.lang()));
                let msg = ctx.server_message("FAIL", params);
                ctx.send(&msg);
            }
            HandlerError::Silent => {}
        }
    }
}

/// Builds `:server NNN target args... :text` (no text parameter when `None`).
/// The text is cut short (at a character boundary) when the line would
/// pass 512 bytes: a long real name in 311 or 352 must not make an
/// over-long line.
pub fn numeric(server: &str, target: &str, n: Numeric, args: &[&str], text: Option<&str>) -> Message {
    let mut params = Vec::with_capacity(args.len() + 2);
    params.push(target.to_owned());
    params.extend(args.iter().map(|a| (*a).to_owned()));
    if let Some(text) = text {
        // `:server NNN` plus ` arg` each, ` :text` and CR LF.
        let fixed = 1 + server.len() + 4 + params.iter().map(|p| 1 + p.len()).sum::<usize>() + 2 + 2;
        let room = hichat_proto::MAX_LINE_LEN.saturating_sub(fixed);
        params.push(crate::handlers::truncate(text, room).to_owned());
    }
    Message { tags: Vec::new(), source: Some(server.to_owned()), command: n.as_command(), params }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_lines_fit_in_512_bytes() {
        let long = "é".repeat(400);
        let msg = numeric("irc.example", "ann", Numeric::RplWhoisUser, &["bob", "bob", "127.0.0.1", "*"], Some(&long));
        let line = msg.to_bytes();
        assert!(line.len() <= hichat_proto::MAX_LINE_LEN, "{} bytes", line.len());
        assert!(line.len() >= hichat_proto::MAX_LINE_LEN - 1, "cut no more than needed: {}", line.len());
        assert!(std::str::from_utf8(&line).is_ok());
        let short = numeric("irc.example", "ann", Numeric::RplWhoisUser, &["bob"], Some("Bob"));
        assert_eq!(short.params.last().map(String::as_str), Some("Bob"));
    }
}
