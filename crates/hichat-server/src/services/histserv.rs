//! HistServ: search of chat history for any client, including those that
//! know nothing of `SEARCH` or batches: `/msg HistServ search <query>`
//! answers with one NOTICE per message found,
//! `[2026-11-25 17:02] #hello <ann> text (msgid)`.
//!
//! It reads exactly what `SEARCH` reads (see [`crate::search::find`]). Like
//! every service, what is said to it is taken before the dispatcher, so it
//! is never relayed and never stored in history.

use super::{reply, Service};
use crate::accounts::with_ctx;
use crate::search::command::{reader_of, run};
use crate::search::find::SearchRequest;
use crate::search::query::SearchQuery;
use crate::search::render::notice_line;
use crate::server::Server;
use crate::state::client::ClientId;
use std::sync::Arc;

const HS: Service = Service::HistServ;

/// Most results shown for one search: NOTICEs are read by people.
pub const SHOWN: usize = 10;

const HELP: &[&str] = &[
    "HistServ searches the history of the channels you are in and of your private messages.",
    "SEARCH <query> - the newest matches, up to 10, oldest first",
    "A query is words and \"quoted phrases\" (all must match; case and accents do not matter,",
    "  Chinese, Japanese and Korean match inside longer text), word* for a prefix, -word to exclude,",
    "  and filters: from:<nick>  in:<#channel or nick>  after:<date>  before:<date>",
    "  Dates are YYYY-MM-DD (UTC midnight) or RFC 3339 times; after: includes its date, before: does not.",
    "Example: SEARCH 你好世界 in:#hello from:ann after:2026-11-01",
    "Clients with the draft/search capability can use the SEARCH command directly.",
];

fn say(server: &Server, id: ClientId, text: &str) {
    with_ctx(server, id, |ctx| reply(ctx, HS, text));
}

pub async fn handle(server: &Arc<Server>, id: ClientId, text: &str) {
    let text = text.trim();
    let (command, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    match command.to_ascii_uppercase().as_str() {
        "SEARCH" | "FIND" => search(server, id, rest.trim()).await,
        "HELP" | "" => {
            for line in HELP {
                say(server, id, line);
            }
        }
        other => say(server, id, &format!("Unknown command {other}. Try HELP")),
    }
}

async fn search(server: &Arc<Server>, id: ClientId, text: &str) {
    let query = match SearchQuery::parse(text) {
        Ok(q) => q,
        Err(e) => return say(server, id, &format!("{e}. Try HELP")),
    };
    // One more than shown, to tell whether there are more.
    let Some(request) = with_ctx(server, id, |ctx| SearchRequest {
        query,
        reader: reader_of(ctx),
        limit: SHOWN + 1,
        scan: ctx.info.config.history.search_scan_limit,
    }) else {
        return;
    };
    let owner = request.reader.owner.clone();
    // The query is echoed back; keep the line well under 512 bytes.
    let text: String = text.chars().take(80).collect();
    let result = run(server, request).await;
    with_ctx(server, id, |ctx| match result {
        Ok(mut lines) => {
            if lines.is_empty() {
                return reply(ctx, HS, &format!("No messages found for: {text}"));
            }
            let more = lines.len() > SHOWN;
            if more {
                lines.remove(0);
                reply(
                    ctx,
                    HS,
                    &format!(
                        "The newest {SHOWN} of more matches for: {text} (narrow it with from:, in:, after: or before:)"
                    ),
                );
            } else {
                let n = lines.len();
                reply(ctx, HS, &format!("{n} message{} found for: {text}", if n == 1 { "" } else { "s" }));
            }
            for line in &lines {
                reply(ctx, HS, &notice_line(line, &owner));
            }
            reply(ctx, HS, "End of results");
        }
        Err(e) => {
            tracing::warn!(error = %e, "HistServ search failed");
            reply(ctx, HS, "The search could not be run; please try again later");
        }
    });
}
