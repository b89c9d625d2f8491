//! The `SEARCH` command (capability `draft/search`), shaped like soju's
//! search extension, the one proposal there is:
//!
//! ```text
//! SEARCH <query...>                      free form, see search::query
//! SEARCH text=hello;in=#chan;limit=10    soju's attribute form
//! ```
//!
//! The reply is a `draft/search` batch (plain lines without `batch`) of the
//! newest matching messages, oldest first, each the original PRIVMSG or
//! NOTICE with its `msgid` and `time` so a client can jump to it (a
//! multiline message as it was relayed: a `draft/multiline` batch inside
//! the reply's for clients with draft/multiline, else its lines).
//! Bad input gets `FAIL SEARCH INVALID_PARAMS`; a failed read
//! `FAIL SEARCH INTERNAL_ERROR`, never the database's own message.
//!
//! The query runs on the store's read connections on a blocking thread,
//! never on the async threads and never under the state lock.

use super::find::{Reader, SearchRequest};
use super::query::SearchQuery;
use crate::accounts::{fail, with_ctx};
use crate::batch::Batch;
use crate::caps::Cap;
use crate::handlers::Ctx;
use crate::history::replay::{encode, reply_budget, within_budget};
use crate::server::Server;
use crate::state::client::ClientId;
use crate::store::{HistoryLine, StoreError};
use hichat_proto::{casemap, Message, Numeric};
use std::sync::Arc;

/// Results when the client gives no limit.
pub const DEFAULT_RESULTS: usize = 50;
/// Most results one SEARCH returns.
pub const MAX_RESULTS: usize = 100;
/// The batch type of the reply.
pub const BATCH_TYPE: &str = "draft/search";

/// Whether `msg` is a SEARCH.
pub fn is_search(msg: &Message) -> bool {
    msg.command.eq_ignore_ascii_case("SEARCH")
}

/// The query in a SEARCH's parameters: one parameter in soju's attribute
/// form, or words and filters spread over any number.
pub fn parse(params: &[String]) -> Result<SearchQuery, super::query::QueryError> {
    match params {
        [one] if SearchQuery::looks_like_attributes(one) => SearchQuery::parse_attributes(one),
        _ => SearchQuery::parse(&params.join(" ")),
    }
}

/// What the running client may read (see [`Reader`]).
pub fn reader_of(ctx: &Ctx<'_>) -> Reader {
    let me = ctx.me();
    let (owner, private_since) = match &me.account {
        Some(account) => (format!("a:{}", casemap::fold(account)), 0),
        None => (format!("n:{}", casemap::fold(&me.nick)), nick_since(ctx)),
    };
    let channels =
        me.channels.iter().filter_map(|k| Some((k.clone(), crate::history::channel_since(ctx.state, k, ctx.id)?)));
    Reader { channels: channels.collect(), owner, private_since }
}

/// Since when (Unix ms) the client has held its nick: a nick-keyed reader
/// sees only private lines from then on, never those of an earlier holder.
fn nick_since(ctx: &Ctx<'_>) -> u64 {
    ctx.me().nick_since
}

/// Runs a search on a blocking thread.
pub async fn run(server: &Arc<Server>, req: SearchRequest) -> Result<Vec<HistoryLine>, StoreError> {
    // What was said just before the search is still in the writer's queue;
    // wait for its commit so a message is found as soon as it was relayed.
    server.store.flush().done().await?;
    let store = server.store.clone();
    match tokio::task::spawn_blocking(move || store.search_history(&req)).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Closed),
    }
}

/// Runs a SEARCH for client `id`.
pub async fn handle(server: &Arc<Server>, id: ClientId, msg: &Message) {
    let request = with_ctx(server, id, |ctx| {
        if !ctx.me().registered {
            ctx.numeric(Numeric::ErrNotRegistered, &[]);
            return None;
        }
        if msg.params.is_empty() {
            ctx.numeric(Numeric::ErrNeedMoreParams, &["SEARCH"]);
            return None;
        }
        match parse(&msg.params) {
            Ok(query) => {
                let limit = query.limit.unwrap_or(DEFAULT_RESULTS).clamp(1, MAX_RESULTS);
                Some(SearchRequest {
                    query,
                    reader: reader_of(ctx),
                    limit,
                    scan: ctx.info.config.history.search_scan_limit,
                })
            }
            Err(e) => {
                fail(ctx, "SEARCH", "INVALID_PARAMS", &[], e.text());
                None
            }
        }
    })
    .flatten();
    let Some(request) = request else { return };
    let result = run(server, request).await;
    with_ctx(server, id, |ctx| match result {
        Ok(lines) => send_results(ctx, &lines),
        Err(e) => {
            tracing::warn!(error = %e, "search failed");
            fail(ctx, "SEARCH", "INTERNAL_ERROR", &[], "fail-search-internal");
        }
    });
}

/// Sends the results, in a batch when the client has `batch`.
fn send_results(ctx: &mut Ctx<'_>, lines: &[HistoryLine]) {
    let caps = ctx.me().caps;
    let batch = caps.has(Cap::Batch).then(|| Batch::new(&ctx.info.name));
    if let Some(b) = &batch {
        let start = b.start(BATCH_TYPE, &[]);
        ctx.send(&start);
    }
    let reference = batch.as_ref().map(|b| b.reference.as_str());
    // Each as it was relayed (a multiline message as a batch in the batch).
    let encoded = lines.iter().map(|line| encode(line, caps, reference)).collect();
    // The newest matches stay when the reply is too big for the send queue.
    for bytes in within_budget(encoded, reply_budget(&ctx.info.config), true) {
        ctx.state.send_bytes(ctx.id, bytes);
    }
    if let Some(b) = &batch {
        let end = b.end();
        ctx.send(&end);
    }
}
