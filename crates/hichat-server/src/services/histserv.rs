//! HistServ: search of chat history for any client, including those that
//! know nothing of `SEARCH` or batches: `/msg HistServ search <query>`
//! answers with one NOTICE per message found,
//! `[2026-11-25 17:02] #hello <ann> text (msgid)`.
//!
//! It reads exactly what `SEARCH` reads (see [`crate::search::find`]). Like
//! every service, what is said to it is taken before the dispatcher, so it
//! is never relayed and never stored in history.

use super::{reply, tell, Service};
use crate::accounts::with_ctx;
use crate::i18n::Arg;
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

fn say(server: &Server, id: ClientId, msg: &str, args: &[(&str, Arg<'_>)]) {
    with_ctx(server, id, |ctx| tell(ctx, HS, msg, args));
}

pub async fn handle(server: &Arc<Server>, id: ClientId, text: &str) {
    let text = text.trim();
    let (command, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    match command.to_ascii_uppercase().as_str() {
        "SEARCH" | "FIND" => search(server, id, rest.trim()).await,
        "HELP" | "" => say(server, id, "hs-help", &[("shown", SHOWN.into())]),
        other => say(server, id, "service-unknown-command", &[("command", other.into())]),
    }
}

async fn search(server: &Arc<Server>, id: ClientId, text: &str) {
    let query = match SearchQuery::parse(text) {
        Ok(q) => q,
        Err(e) => {
            return with_ctx(server, id, |ctx| {
                let error = e.text().render(ctx.lang());
                tell(ctx, HS, "hs-bad-query", &[("error", (&error).into())]);
            })
            .unwrap_or(())
        }
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
                return tell(ctx, HS, "hs-none", &[("query", (&text).into())]);
            }
            let more = lines.len() > SHOWN;
            if more {
                lines.remove(0);
                tell(ctx, HS, "hs-more", &[("n", SHOWN.into()), ("query", (&text).into())]);
            } else {
                tell(ctx, HS, "hs-found", &[("n", lines.len().into()), ("query", (&text).into())]);
            }
            for line in &lines {
                reply(ctx, HS, &notice_line(line, &owner));
            }
            tell(ctx, HS, "hs-end", &[]);
        }
        Err(e) => {
            tracing::warn!(error = %e, "HistServ search failed");
            tell(ctx, HS, "hs-failed", &[]);
        }
    });
}
