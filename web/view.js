// Turning the model into DOM. Every piece of text from the network goes in
// through text nodes (textContent), never as HTML; links are made only for
// http and https URLs, which the browser opens in a new tab and never runs.

import { dateLocale, t } from "./i18n.js";

/**
 * A stable colour for a nick. LCH's lightness is the same to the eye for
 * every hue, so every nick has the same contrast (a yellow nick in HSL
 * would be unreadable on white).
 */
export function nickColor(nick) {
  let h = 0;
  for (const ch of nick.toLowerCase()) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return `lch(var(--nick-lightness) 45 ${h % 360})`;
}

/** Removes mIRC formatting codes (bold, colours, ...). */
export function stripFormatting(text) {
  return text.replace(/\x03(\d{1,2}(,\d{1,2})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g, "");
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Appends `text` to `parent` as text nodes, with http(s) URLs as links. */
export function appendText(parent, text) {
  text = stripFormatting(text);
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    // Punctuation that ends a sentence is not part of the link.
    const trimmed = url.replace(/[.,;:!?)\]}]+$/, "");
    url = trimmed;
    const start = m.index;
    parent.append(document.createTextNode(text.slice(last, start)));
    let safe = null;
    try {
      const u = new URL(url);
      if (u.protocol === "http:" || u.protocol === "https:") safe = u.href;
    } catch {
      safe = null;
    }
    if (safe) {
      const a = document.createElement("a");
      a.href = safe;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      a.textContent = url;
      parent.append(a);
    } else {
      parent.append(document.createTextNode(url));
    }
    last = start + url.length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function timeOf(date) {
  return date.toLocaleTimeString(dateLocale(), { hour: "2-digit", minute: "2-digit" });
}

/** One line of the message view. */
export function renderEntry(entry) {
  const row = el("div", `msg msg-${entry.kind}`);
  if (entry.mention) row.classList.add("mention");
  if (entry.self) row.classList.add("self");
  if (entry.history) row.classList.add("from-history");
  if (entry.msgid) row.dataset.msgid = entry.msgid;
  const time = el("time", "time", timeOf(entry.time));
  time.dateTime = entry.time.toISOString();
  time.title = entry.time.toLocaleString(dateLocale());
  row.append(time);
  if (entry.kind === "privmsg" || entry.kind === "notice") {
    const nick = el("span", "nick", entry.kind === "notice" ? `-${entry.nick}-` : entry.nick);
    nick.style.color = nickColor(entry.nick ?? "");
    nick.dataset.nick = entry.nick ?? "";
    row.append(nick);
  } else if (entry.kind === "action") {
    const nick = el("span", "nick", `* ${entry.nick}`);
    nick.style.color = nickColor(entry.nick ?? "");
    nick.dataset.nick = entry.nick ?? "";
    row.append(nick);
  }
  const text = el("span", "text");
  // The client's own lines are translated now, in the language shown.
  appendText(text, entry.key ? t(entry.key, entry.params) : (entry.text ?? ""));
  row.append(text);
  return row;
}

/** The list of buffers with unread counts and mention marks. */
export function renderBuffers(list, model, onSelect) {
  list.replaceChildren();
  const order = { server: 0, channel: 1, query: 2 };
  const buffers = [...model.buffers.values()].sort(
    (a, b) => order[a.type] - order[b.type] || a.name.localeCompare(b.name),
  );
  for (const b of buffers) {
    const li = el("li", `buffer buffer-${b.type}`);
    if (b.key === model.active) li.classList.add("active");
    if (b.mention) li.classList.add("mentioned");
    const button = el("button", "buffer-button");
    button.type = "button";
    button.dataset.key = b.key;
    button.append(el("span", "buffer-name", b.type === "server" ? t("top.server") : b.name));
    if (b.unread > 0) {
      const badge = el("span", "unread", String(b.unread));
      badge.setAttribute("aria-label", t("side.unread", { count: b.unread }));
      button.append(badge);
    }
    button.addEventListener("click", () => onSelect(b.key));
    li.append(button);
    list.append(li);
  }
}

const RANK = { "~": 0, "&": 1, "@": 2, "%": 3, "+": 4, "": 5 };

/** The members of a channel, operators first. */
export function renderNicks(list, buffer, onSelect) {
  list.replaceChildren();
  if (!buffer || buffer.type !== "channel") return;
  const users = [...buffer.users.values()].sort(
    (a, b) => (RANK[a.prefix[0] ?? ""] ?? 5) - (RANK[b.prefix[0] ?? ""] ?? 5) || a.nick.localeCompare(b.nick),
  );
  for (const u of users) {
    const li = el("li", "member");
    const button = el("button", "member-button");
    button.type = "button";
    if (u.prefix) button.append(el("span", "prefix", u.prefix[0]));
    const name = el("span", "member-nick", u.nick);
    name.style.color = nickColor(u.nick);
    button.append(name);
    button.title = t("nicks.query", { nick: u.nick });
    button.addEventListener("click", () => onSelect(u.nick));
    li.append(button);
    list.append(li);
  }
}

/** One search result: where and when it was said, by whom, and the text. */
export function renderResult({ name, entry }, onOpen) {
  const li = el("li");
  const button = el("button", "search-result");
  button.type = "button";
  button.append(el("span", "where", name));
  const time = el("time", "time", entry.time.toLocaleString(dateLocale(), { dateStyle: "short", timeStyle: "short" }));
  time.dateTime = entry.time.toISOString();
  button.append(time);
  const nick = el("span", "nick", entry.nick);
  nick.style.color = nickColor(entry.nick ?? "");
  button.append(nick);
  const text = el("span", "text");
  text.append(document.createTextNode(stripFormatting(entry.text ?? "")));
  button.append(text);
  button.addEventListener("click", () => onOpen(name, entry));
  li.append(button);
  return li;
}
