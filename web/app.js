// The hichat web client: wires the connection, the model and the page.

import { Connection, defaultUrl, fold, format, isChannel } from "./irc.js";
import { LANGUAGE_KEY, language, pickLanguage, setupLanguagePickers, showLanguage, t } from "./i18n.js";
import { registerServiceWorker, watchNetwork } from "./install.js";
import { setupKeys } from "./keys.js";
import { Model, SERVER } from "./state.js";
import { renderBuffers, renderEntry, renderNicks, renderResult } from "./view.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_CHANNEL = "#hello";
const NICK_KEY = "hichat.nick";
// Set when the saved nick needs a password (never stored): it is not started by itself offline.
const PASSWORD_KEY = "hichat.password-login";
const WANTED_CAPS = [
  "echo-message", "multi-prefix", "away-notify", "server-time", "batch", "message-tags",
  "draft/chathistory", "draft/read-marker", "draft/search",
];
/** Lines asked for per history request. */
const HISTORY_PAGE = 50;
/** How far back CHATHISTORY TARGETS looks for private conversations. */
const TARGETS_DAYS = 30;

const HELP = ["join", "part", "msg", "query", "me", "nick", "topic", "close", "quit", "quote", "search", "keys"];

let model = null;
let conn = null;
let wantedNick = "";
// Kept in memory only, to log in again after a reconnect.
let password = "";
let echo = false;
// Capabilities the server acknowledged on this connection.
let caps = new Set();
// The most CHATHISTORY lines the server gives per request (ISUPPORT CHATHISTORY).
let historyLimit = HISTORY_PAGE;
let offeredCaps = [];
// The languages the server speaks (draft/languages), lower-cased.
let serverLanguages = [];
// The connection's last state, to show it again in another language.
let lastState = null;
let markTimer = null;
// A search result to show once the lines around it have arrived.
let jumpTo = null;
const sent = [];
let sentPos = 0;

/** A line from the client itself, shown (and shown again) in the user's language. */
function note(key, params = {}, kind = "info") {
  model.info({ key, params }, kind);
}

// ---- language and network

/** Asks the server for its replies in our language, when it offers it. */
function sendLanguage() {
  if (model?.registered && serverLanguages.includes(language().toLowerCase())) conn.send(format("LANGUAGE", language()));
}

// Another language: everything shown is drawn again in it.
setupLanguagePickers(() => {
  if (!model) return;
  renderAll();
  if (lastState) onState(lastState);
  sendLanguage();
});

watchNetwork(() => {
  if (lastState) onState(lastState);
  // Back online: try now rather than at the end of the backoff.
  if (navigator.onLine && lastState?.state === "waiting") conn.connect();
});

// ---- login

function showLogin() {
  $("login").hidden = false;
  $("app").hidden = true;
  const saved = localStorage.getItem(NICK_KEY);
  if (saved) $("nick").value = saved;
  $("nick").focus();
}

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const nick = $("nick").value.trim();
  if (!/^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}$/.test(nick)) {
    $("login-error").textContent = t("login.bad_nick");
    return;
  }
  localStorage.setItem(NICK_KEY, nick);
  password = $("password").value;
  if (password) localStorage.setItem(PASSWORD_KEY, "1");
  else localStorage.removeItem(PASSWORD_KEY);
  $("password").value = "";
  start(nick);
});

function start(nick) {
  wantedNick = nick;
  $("login").hidden = true;
  $("app").hidden = false;
  model = new Model(onModel);
  renderAll();
  conn = new Connection(defaultUrl(), { onLine, onState, onOpen });
  conn.connect();
  $("input").focus();
}

// ---- connection

function onOpen() {
  echo = false;
  caps = new Set();
  offeredCaps = [];
  serverLanguages = [];
  conn.send(format("CAP", "LS", "302"));
  conn.send(format("NICK", wantedNick));
  conn.send(format("USER", wantedNick, "0", "*", wantedNick));
}

function onLine(msg) {
  const p = msg.params;
  switch (msg.command) {
    case "PING":
      conn.send(format("PONG", ...p));
      return;
    case "CAP":
      if (p[1] === "LS") {
        // A 302 server may list its capabilities over several lines, all but
        // the last marked with "*".
        const list = (p[p.length - 1] ?? "").split(" ");
        offeredCaps.push(...list.map((c) => c.split("=")[0]));
        // draft/languages=MAX,tag,~tag,...: the server's languages (~: partly translated).
        const langs = list.find((c) => c.startsWith("draft/languages="));
        if (langs) serverLanguages = langs.split("=")[1].split(",").slice(1).map((l) => l.replace(/^~/, "").toLowerCase());
        if (p[2] === "*") return;
        const offered = offeredCaps;
        offeredCaps = [];
        const want = WANTED_CAPS.filter((c) => offered.includes(c));
        if (password && offered.includes("sasl")) want.push("sasl");
        else if (password) note("error.no_sasl", {}, "error");
        if (want.length) conn.send(format("CAP", "REQ", want.join(" ")));
        else conn.send("CAP END");
      } else if (p[1] === "ACK") {
        const acked = p[2].split(" ");
        for (const c of acked) caps.add(c);
        if (acked.includes("echo-message")) echo = true;
        $("search-toggle").hidden = !caps.has("draft/search");
        // With sasl, registration waits for the login (903/904).
        if (acked.includes("sasl") && password) conn.send("AUTHENTICATE PLAIN");
        else if (!model.registered) conn.send("CAP END");
      } else if (p[1] === "NAK" && !model.registered) {
        conn.send("CAP END");
      }
      return;
    case "AUTHENTICATE":
      if (p[0] === "+") {
        // SASL PLAIN: authzid NUL authcid NUL password, base64, in 400-byte pieces.
        const raw = new TextEncoder().encode(`\0${wantedNick}\0${password}`);
        const b64 = btoa(String.fromCharCode(...raw));
        for (let i = 0; i < b64.length; i += 400) conn.send(`AUTHENTICATE ${b64.slice(i, i + 400)}`);
        if (b64.length % 400 === 0) conn.send("AUTHENTICATE +");
      }
      return;
    case "903":
      if (!model.registered) conn.send("CAP END");
      break;
    case "902":
    case "904":
    case "905":
    case "906":
      note("error.login_failed", {}, "error");
      if (!model.registered) conn.send("CAP END");
      break;
    case "433":
      if (!model.registered) {
        // Taken: try nick_, nick__, ...
        wantedNick = (wantedNick + "_").slice(0, 30);
        conn.send(format("NICK", wantedNick));
      }
      break;
    case "001": {
      model.handle(msg);
      sendLanguage();
      const channels = model.channelsToRejoin();
      for (const c of channels.length ? channels : [DEFAULT_CHANNEL]) conn.send(format("JOIN", c));
      if (hasHistory()) {
        // Private conversations: those open here catch up, and those had
        // elsewhere (another device, an earlier visit) come back.
        for (const b of model.buffers.values()) if (b.type === "query") requestLatest(b);
        const now = Date.now();
        const from = new Date(now - TARGETS_DAYS * 86400_000).toISOString();
        const to = new Date(now + 60_000).toISOString();
        conn.send(format("CHATHISTORY", "TARGETS", `timestamp=${from}`, `timestamp=${to}`, String(historyLimit)));
      }
      return;
    }
    case "005":
      for (const token of p.slice(1, -1)) {
        const m = /^CHATHISTORY=(\d+)$/.exec(token);
        if (m && Number(m[1]) > 0) historyLimit = Math.min(HISTORY_PAGE, Number(m[1]));
      }
      break;
  }
  model.handle(msg);
}

// ---- history and the read marker

function hasHistory() {
  return caps.has("draft/chathistory") && caps.has("batch");
}

/**
 * Asks for a buffer's latest lines: all of them the first time, or those
 * after the newest line we have (a gap left by a disconnect).
 */
function requestLatest(b) {
  if (!hasHistory() || b.type === "server" || b.loading) return;
  const newest = model.newestKnown(b);
  // Lines relayed live from now on are newer than any this brings.
  b.loading = { kind: "latest", limit: historyLimit, mark: b.messages.length };
  conn.send(format("CHATHISTORY", "LATEST", b.name, newest ? `msgid=${newest.msgid}` : "*", String(historyLimit)));
}

/** Asks for the lines before the oldest one shown (scrolling up). */
function requestOlder(b) {
  if (!hasHistory() || b.type === "server" || b.loading || b.noOlder) return;
  const oldest = model.oldestKnown(b);
  const anchor = oldest ? `msgid=${oldest.msgid}` : `timestamp=${(b.messages[0]?.time ?? new Date()).toISOString()}`;
  b.loading = { kind: "before", limit: historyLimit };
  conn.send(format("CHATHISTORY", "BEFORE", b.name, anchor, String(historyLimit)));
}

/** Tells the server (and so the user's other devices) what has been read here. */
function markRead() {
  clearTimeout(markTimer);
  markTimer = setTimeout(() => {
    const b = model?.activeBuffer();
    if (!b || b.type === "server" || !caps.has("draft/read-marker") || document.hidden) return;
    const last = model.newestKnown(b);
    if (!last || (b.readMarker && last.time <= b.readMarker)) return;
    b.readMarker = last.time;
    conn.send(format("MARKREAD", b.name, `timestamp=${last.time.toISOString()}`));
  }, 500);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && model) markRead();
});

$("messages").addEventListener("scroll", () => {
  const view = $("messages");
  if (model && view.scrollTop < 80) requestOlder(model.activeBuffer());
});

function onState(change) {
  const { state, retryIn } = change;
  const again = change === lastState;
  lastState = change;
  const status = $("status");
  document.body.dataset.connection = state;
  let text = "";
  if (state === "connecting") text = t("status.connecting");
  else if (state === "connected") text = t("status.connected");
  else if (state === "waiting") {
    text = navigator.onLine ? t("status.waiting", { seconds: retryIn }) : t("status.offline");
    if (!again) model.disconnected();
  } else if (state === "closed") {
    text = t("status.closed");
    if (!again) model.disconnected();
  }
  status.textContent = text;
  $("reconnect").hidden = state !== "closed" && state !== "waiting";
}

$("reconnect").addEventListener("click", () => conn && conn.connect());

// ---- model events

function onModel(kind, data) {
  // The model's constructor makes the server buffer before `model` is set.
  if (!model) return;
  switch (kind) {
    case "message":
      if (data.buffer.key === model.active) {
        appendEntry(data.entry);
        markRead();
      }
      break;
    case "history":
      if (data.buffer.key === model.active) {
        renderMessages(data.buffer, data.request?.kind === "before");
        markRead();
        if (jumpTo && jumpTo.key === data.buffer.key) showFound();
      }
      break;
    case "search":
      showResults(data);
      break;
    case "joined":
      requestLatest(data);
      break;
    case "created":
      if (data.type === "query" && model.registered) requestLatest(data);
      break;
    case "targets":
      for (const name of data) model.ensureBuffer(name, "query");
      break;
    case "marker":
      if (data.key === model.active) renderMessages(data, false);
      break;
    case "buffers":
      renderBuffers($("buffer-list"), model, selectBuffer);
      updateTitle();
      break;
    case "active":
      renderAll();
      break;
    case "nicks":
      if (data.key === model.active) renderNicks($("nick-list"), data, openQuery);
      break;
    case "topic":
      if (data.key === model.active) renderHeader();
      break;
    case "me":
      $("me").textContent = model.me;
      break;
    case "names-stale":
      conn.send(format("NAMES", data));
      break;
  }
}

function renderAll() {
  renderBuffers($("buffer-list"), model, selectBuffer);
  renderHeader();
  const b = model.activeBuffer();
  // The "new messages" line stays where it was when the buffer was opened.
  b.shownMarker = b.readMarker;
  renderMessages(b, false, true);
  markRead();
  renderNicks($("nick-list"), b, openQuery);
  document.body.classList.toggle("has-nicks", b.type === "channel");
  $("input").placeholder = b.type === "server" ? t("input.server") : t("input.to", { name: b.name });
  updateTitle();
}

function renderHeader() {
  const b = model.activeBuffer();
  $("buffer-name").textContent = b.type === "server" ? t("top.server") : b.name;
  const topic = $("topic");
  topic.hidden = b.type !== "channel";
  topic.textContent = b.topic || t("top.no_topic");
  topic.classList.toggle("empty", !b.topic);
  $("topic-form").hidden = true;
}

/**
 * Draws a buffer's messages. Loading older lines keeps the view where it
 * was; otherwise a view at the bottom stays at the bottom.
 */
function renderMessages(b, keepPosition, toBottom = false) {
  const view = $("messages");
  const fromBottom = view.scrollHeight - view.scrollTop;
  const atBottom = toBottom || fromBottom - view.clientHeight < 40;
  const rows = [];
  let divided = false;
  for (const entry of b.messages) {
    if (!divided && b.shownMarker && !entry.self && entry.time > b.shownMarker && entry.msgid) {
      rows.push(renderDivider());
      divided = true;
    }
    const row = renderEntry(entry);
    // The search result last opened stays marked when the view is redrawn.
    if (entry.msgid && entry.msgid === b.foundMsgid) row.classList.add("found");
    rows.push(row);
  }
  if (b.loading?.kind === "before") rows.unshift(renderNote(t("history.loading")));
  else if (b.noOlder && hasHistory()) rows.unshift(renderNote(t("history.start")));
  view.replaceChildren(...rows);
  if (keepPosition || !atBottom) view.scrollTop = view.scrollHeight - fromBottom;
  else view.scrollTop = view.scrollHeight;
  // A short buffer shows no scroll bar to scroll up with: fetch older lines now.
  if (view.scrollHeight <= view.clientHeight + 80 && !b.noOlder && b.messages.some((e) => e.msgid)) requestOlder(b);
}

function renderDivider() {
  const row = document.createElement("div");
  row.className = "divider";
  row.setAttribute("role", "separator");
  row.textContent = t("history.new");
  return row;
}

function renderNote(text) {
  const row = document.createElement("div");
  row.className = "history-note";
  row.textContent = text;
  return row;
}

function appendEntry(entry) {
  const view = $("messages");
  const atBottom = view.scrollHeight - view.scrollTop - view.clientHeight < 40;
  view.append(renderEntry(entry));
  while (view.childElementCount > 1000) view.firstElementChild.remove();
  if (atBottom || entry.self) view.scrollTop = view.scrollHeight;
}

function updateTitle() {
  let unread = 0;
  for (const b of model.buffers.values()) unread += b.unread;
  document.title = unread ? `(${unread}) hichat` : "hichat";
}

function selectBuffer(key) {
  document.body.classList.remove("show-buffers", "show-nicks");
  model.setActive(key);
  $("input").focus();
}

function openQuery(nick) {
  if (fold(nick) === fold(model.me)) return;
  const b = model.ensureBuffer(nick, "query");
  selectBuffer(b.key);
}

// ---- search over history (draft/search)

function openSearch(query = "") {
  $("search-panel").hidden = false;
  const input = $("search-input");
  if (query) {
    input.value = query;
    runSearch();
  }
  input.focus();
}

function runSearch() {
  const query = $("search-input").value.trim();
  if (!query) return;
  $("search-status").textContent = t("search.running");
  $("search-results").replaceChildren();
  conn.send(format("SEARCH", query));
}

function showResults(results) {
  $("search-status").textContent = results.length ? t("search.found", { count: results.length }) : t("search.none");
  $("search-results").replaceChildren(...results.map((r) => renderResult(r, openResult)));
  const list = $("search-results");
  list.scrollTop = list.scrollHeight;
}

/** Opens the buffer a result is in, fetching the lines around it when needed. */
function openResult(name, entry) {
  const b = model.ensureBuffer(name);
  jumpTo = { key: b.key, msgid: entry.msgid };
  selectBuffer(b.key);
  if (b.msgids.has(entry.msgid)) {
    showFound();
  } else if (hasHistory() && !b.loading) {
    b.loading = { kind: "around", limit: historyLimit };
    conn.send(format("CHATHISTORY", "AROUND", b.name, `msgid=${entry.msgid}`, String(historyLimit)));
  }
}

function showFound() {
  const row = [...$("messages").querySelectorAll(".msg")].find((r) => r.dataset.msgid === jumpTo.msgid);
  if (!row) return;
  model.buffers.get(jumpTo.key).foundMsgid = jumpTo.msgid;
  jumpTo = null;
  for (const old of $("messages").querySelectorAll(".msg.found")) old.classList.remove("found");
  row.classList.add("found");
  row.scrollIntoView({ block: "center" });
}

$("search-toggle").addEventListener("click", () => {
  if ($("search-panel").hidden) openSearch();
  else $("search-panel").hidden = true;
});
$("search-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  runSearch();
});
$("search-close").addEventListener("click", () => {
  $("search-panel").hidden = true;
  $("input").focus();
});
$("search-input").addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") {
    $("search-panel").hidden = true;
    $("input").focus();
  }
});

// ---- topic editing

$("topic").addEventListener("click", () => {
  const b = model.activeBuffer();
  if (b.type !== "channel") return;
  $("topic-input").value = b.topic;
  $("topic-form").hidden = false;
  $("topic").hidden = true;
  $("topic-input").focus();
});

$("topic-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const b = model.activeBuffer();
  conn.send(format("TOPIC", b.name, $("topic-input").value));
  renderHeader();
});

$("topic-input").addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") renderHeader();
});

// ---- input

$("input-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = $("input");
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  sent.push(text);
  sentPos = sent.length;
  if (text.startsWith("/") && !text.startsWith("//")) command(text.slice(1));
  else say(model.activeBuffer(), text.startsWith("//") ? text.slice(1) : text);
});

function say(buffer, text, action = false) {
  if (buffer.type === "server") {
    note("error.server_window", {}, "error");
    return;
  }
  // One IRC line holds about 400 bytes of text; longer messages are split.
  for (const part of splitText(text, 400)) {
    const body = action ? `\x01ACTION ${part}\x01` : part;
    if (!conn.send(format("PRIVMSG", buffer.name, body))) {
      note("error.not_connected", {}, "error");
      return;
    }
    if (!echo) {
      model.addEntry(buffer, { kind: action ? "action" : "privmsg", nick: model.me, text: part, self: true });
    }
  }
}

function splitText(text, max) {
  const parts = [];
  let cur = "";
  for (const ch of text) {
    if (new TextEncoder().encode(cur + ch).length > max) {
      parts.push(cur);
      cur = "";
    }
    cur += ch;
  }
  if (cur) parts.push(cur);
  return parts;
}

function command(line) {
  const [name, ...args] = line.split(" ");
  const rest = args.join(" ");
  const b = model.activeBuffer();
  switch (name.toLowerCase()) {
    case "join":
    case "j":
      if (!args[0]) return note("usage.join", {}, "error");
      conn.send(format("JOIN", ...args.slice(0, 2).map((c, i) => (i === 0 && !isChannel(c) ? "#" + c : c))));
      break;
    case "part":
    case "leave": {
      const chan = isChannel(args[0] ?? "") ? args.shift() : b.name;
      if (!isChannel(chan)) return note("usage.part", {}, "error");
      conn.send(args.length ? format("PART", chan, args.join(" ")) : format("PART", chan));
      break;
    }
    case "msg":
    case "query": {
      const target = args[0];
      if (!target) return note("usage.msg", { name }, "error");
      const text = args.slice(1).join(" ");
      const buf = model.ensureBuffer(target);
      if (!isChannel(target) || name === "query") selectBuffer(buf.key);
      if (text) say(buf, text);
      break;
    }
    case "me":
      say(b, rest, true);
      break;
    case "nick":
      if (!args[0]) return note("usage.nick", {}, "error");
      wantedNick = args[0];
      conn.send(format("NICK", args[0]));
      break;
    case "topic":
      if (b.type !== "channel") return note("usage.topic", {}, "error");
      conn.send(rest ? format("TOPIC", b.name, rest) : format("TOPIC", b.name));
      break;
    case "close":
      if (b.type === "channel" && b.joined) conn.send(format("PART", b.name));
      else model.removeBuffer(b.key);
      break;
    case "quit":
      conn.send(rest ? format("QUIT", rest) : "QUIT");
      conn.stop();
      break;
    case "search":
      if (!caps.has("draft/search")) return note("search.unavailable", {}, "error");
      openSearch(rest);
      break;
    case "quote":
    case "raw":
      conn.send(rest);
      break;
    case "help":
      for (const h of HELP) note(`help.${h}`);
      break;
    default:
      note("error.unknown_command", { name }, "error");
  }
}

$("input").addEventListener("keydown", (ev) => {
  const input = ev.target;
  if (ev.key === "Tab" && !ev.shiftKey) {
    ev.preventDefault();
    completeNick(input);
  } else if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
    ev.preventDefault();
    const keys = [...$("buffer-list").querySelectorAll("button")].map((b) => b.dataset.key);
    const i = keys.indexOf(model.active);
    const next = keys[(i + (ev.key === "ArrowUp" ? -1 : 1) + keys.length) % keys.length];
    selectBuffer(next);
  } else if (ev.key === "ArrowUp" && !ev.altKey && sentPos > 0 && (input.value === "" || input.value === sent[sentPos])) {
    ev.preventDefault();
    sentPos--;
    input.value = sent[sentPos];
  } else if (ev.key === "ArrowDown" && !ev.altKey && sentPos < sent.length && input.value === sent[sentPos]) {
    ev.preventDefault();
    sentPos++;
    input.value = sent[sentPos] ?? "";
  }
});

function completeNick(input) {
  const b = model.activeBuffer();
  const before = input.value.slice(0, input.selectionStart);
  const word = /[^\s]*$/.exec(before)[0];
  if (!word) return;
  const match = [...b.users.values()].map((u) => u.nick).find((n) => fold(n).startsWith(fold(word)));
  if (!match) return;
  const suffix = before.length === word.length ? ": " : " ";
  const after = input.value.slice(input.selectionStart);
  input.value = before.slice(0, before.length - word.length) + match + suffix + after;
  const pos = input.value.length - after.length;
  input.setSelectionRange(pos, pos);
}

// Clicking a nick in the message view opens a private conversation.
$("messages").addEventListener("click", (ev) => {
  const nick = ev.target.closest(".nick")?.dataset.nick;
  if (nick) openQuery(nick);
});

// ---- phone-sized screens: the lists are drawers

$("menu-toggle").addEventListener("click", () => {
  document.body.classList.remove("show-nicks");
  document.body.classList.toggle("show-buffers");
});
$("nicks-toggle").addEventListener("click", () => {
  document.body.classList.remove("show-buffers");
  document.body.classList.toggle("show-nicks");
});
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") document.body.classList.remove("show-buffers", "show-nicks");
});

setupKeys(() => $("app").hidden || $("input").focus());
registerServiceWorker();
// Without its catalogue the page keeps the English written in index.html.
await showLanguage(pickLanguage(navigator.languages, localStorage.getItem(LANGUAGE_KEY))).catch((e) => console.warn(e));
// Opened without a network or server (from the home screen, through the service worker):
// straight to the chat, which says it is reconnecting, unless the nick needs a password.
const savedNick = localStorage.getItem(NICK_KEY);
const resume = savedNick && !localStorage.getItem(PASSWORD_KEY);
if (resume && !navigator.onLine) start(savedNick);
else {
  showLogin();
  if (resume) fetch("/healthz", { cache: "no-store" }).catch(() => model || start(savedNick));
}
export { SERVER };
