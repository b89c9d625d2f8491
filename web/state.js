// The client's model: buffers (the server, channels, private
// conversations), their messages, members, topics, unread counts and
// mentions, updated from IRC messages. No DOM here; the view listens.
//
// History (draft/chathistory) is another source of entries: lines inside a
// `chathistory` batch are collected and merged into their buffer when the
// batch ends, in time order and without duplicates (by msgid), whether they
// are older lines loaded by scrolling up or a gap filled after a reconnect.
// The read marker (draft/read-marker) decides what counts as unread.
//
// Lines the client writes itself (joins, parts, its own notes) carry an
// i18n key and parameters instead of text, so that the view shows them in
// the language chosen, even after a switch.

import { fold, isChannel, nickOf } from "./irc.js";

/** Most live messages kept per buffer; history loaded by scrolling may add more. */
const KEEP = 1000;
/** Most messages kept per buffer in all. */
const KEEP_WITH_HISTORY = 5000;
/** Batch types whose lines are history, merged when the batch ends. */
const HISTORY_BATCHES = new Set(["chathistory", "draft/chathistory-targets", "draft/search"]);
export const SERVER = "*server*";

export class Model {
  constructor(listener) {
    this.listener = listener;
    this.me = "";
    this.buffers = new Map();
    this.active = SERVER;
    this.registered = false;
    // Open batches by reference: { type, params, lines }.
    this.batches = new Map();
    this.ensureBuffer(SERVER, "server");
  }

  emit(kind, data) {
    this.listener(kind, data);
  }

  /** The buffer called `name`, created when missing. */
  ensureBuffer(name, type) {
    const key = fold(name);
    let b = this.buffers.get(key);
    if (!b) {
      b = { key, name, type: type ?? (isChannel(name) ? "channel" : "query"), messages: [], unread: 0, mention: false,
            topic: "", users: new Map(), joined: false, msgids: new Set(),
            // History state: a request in flight, no older lines left, the
            // read marker (a Date, or null when the server has none).
            loading: null, noOlder: false, readMarker: null };
      this.buffers.set(key, b);
      this.emit("buffers");
      this.emit("created", b);
    }
    return b;
  }

  buffer(name) {
    return this.buffers.get(fold(name));
  }

  activeBuffer() {
    return this.buffers.get(this.active);
  }

  setActive(key) {
    const b = this.buffers.get(key);
    if (!b) return;
    this.active = key;
    b.unread = 0;
    b.mention = false;
    this.emit("active", b);
    this.emit("buffers");
  }

  removeBuffer(key) {
    if (key === SERVER) return;
    this.buffers.delete(key);
    if (this.active === key) this.setActive(this.firstChannelKey() ?? SERVER);
    this.emit("buffers");
  }

  firstChannelKey() {
    for (const b of this.buffers.values()) if (b.type === "channel") return b.key;
    return null;
  }

  isMe(nick) {
    return fold(nick) === fold(this.me);
  }

  /** Whether `text` mentions our nick as a word. */
  mentions(text) {
    if (!this.me) return false;
    const escaped = this.me.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(^|[^\\w])${escaped}($|[^\\w])`, "i").test(text);
  }

  /** Adds a line to a buffer, counting it unread when it is not shown. */
  addEntry(buffer, entry) {
    entry.time ??= new Date();
    if (entry.msgid) {
      if (buffer.msgids.has(entry.msgid)) return;
      buffer.msgids.add(entry.msgid);
    }
    buffer.messages.push(entry);
    if (buffer.messages.length > KEEP) this.trim(buffer, KEEP);
    if (buffer.key !== this.active && counts(entry) && !entry.self) {
      buffer.unread++;
      if (entry.mention || buffer.type === "query") buffer.mention = true;
      this.emit("buffers");
    }
    this.emit("message", { buffer, entry });
  }

  trim(buffer, keep) {
    for (const e of buffer.messages.splice(0, buffer.messages.length - keep)) if (e.msgid) buffer.msgids.delete(e.msgid);
    buffer.noOlder = false;
  }

  /** The oldest and newest entries that the server knows by msgid. */
  oldestKnown(buffer) {
    return buffer.messages.find((e) => e.msgid);
  }

  newestKnown(buffer) {
    return buffer.messages.findLast((e) => e.msgid);
  }

  /**
   * Merges history lines into their buffer: older lines go in front, a gap
   * is filled in place, lines already shown are skipped.
   */
  mergeHistory(target, lines) {
    const b = this.ensureBuffer(target);
    const request = b.loading;
    b.loading = null;
    const fresh = [];
    for (const msg of lines) {
      const found = this.entryOf(msg);
      if (!found || (found.entry.msgid && b.msgids.has(found.entry.msgid))) continue;
      if (found.entry.msgid) b.msgids.add(found.entry.msgid);
      found.entry.history = true;
      fresh.push(found.entry);
    }
    const added = fresh.length;
    // Many lines share a millisecond, so time alone cannot order them: the
    // lines go where the server's order puts them, and the stable sort by
    // time only moves what is out of place. Older lines go in front; the
    // latest lines go before anything relayed live since they were asked for.
    if (request?.kind === "before") b.messages = [...fresh, ...b.messages];
    else if (request?.kind === "latest") {
      const at = Math.min(request.mark ?? b.messages.length, b.messages.length);
      b.messages = [...b.messages.slice(0, at), ...fresh, ...b.messages.slice(at)];
    } else b.messages = [...b.messages, ...fresh];
    b.messages.sort((x, y) => x.time - y.time);
    if (b.messages.length > KEEP_WITH_HISTORY) this.trim(b, KEEP_WITH_HISTORY);
    if (request && request.kind === "before" && lines.length < request.limit) b.noOlder = true;
    // Lines around a search result may leave a gap before the newer ones.
    if (request && request.kind === "around") b.noOlder = false;
    this.countUnread(b);
    this.emit("history", { buffer: b, added, request });
  }

  /** Recounts a buffer's unread lines from its read marker. */
  countUnread(b) {
    if (b.key === this.active || !b.readMarker) return;
    const unread = b.messages.filter((e) => counts(e) && !e.self && e.time > b.readMarker);
    b.unread = unread.length;
    b.mention = unread.some((e) => e.mention || b.type === "query");
    this.emit("buffers");
  }

  /** The buffer and entry a PRIVMSG or NOTICE from a user makes, or null. */
  entryOf(msg) {
    if (msg.command !== "PRIVMSG" && msg.command !== "NOTICE") return null;
    if (!msg.source.includes("!")) return null;
    const time = msg.tags.time ? new Date(msg.tags.time) : new Date();
    const nick = nickOf(msg.source);
    const [target, text = ""] = msg.params;
    const self = this.isMe(nick);
    const name = isChannel(target) ? target : self ? target : nick;
    let kind = msg.command === "NOTICE" ? "notice" : "privmsg";
    let body = text;
    const action = /^\x01ACTION (.*?)\x01?$/s.exec(text);
    if (action) {
      kind = "action";
      body = action[1];
    } else if (text.startsWith("\x01")) {
      return null; // other CTCP: not shown
    }
    const entry = { time, kind, nick, text: body, self, mention: !self && this.mentions(body) };
    if (msg.tags.msgid) entry.msgid = msg.tags.msgid;
    return { name, entry };
  }

  /** BATCH +ref type params... and BATCH -ref. */
  batch(msg) {
    const [ref = "", type = "", ...params] = msg.params;
    if (ref.startsWith("+")) {
      this.batches.set(ref.slice(1), { type, params, lines: [] });
      return;
    }
    const batch = this.batches.get(ref.slice(1));
    if (!batch) return;
    this.batches.delete(ref.slice(1));
    if (batch.type === "chathistory") this.mergeHistory(batch.params[0] ?? "", batch.lines);
    else if (batch.type === "draft/search") {
      // Each result is the original message: where it was said and the entry.
      this.emit("search", batch.lines.map((m) => this.entryOf(m)).filter(Boolean));
    } else if (batch.type === "draft/chathistory-targets") {
      // CHATHISTORY TARGETS <name> <timestamp>: conversations to open.
      const names = batch.lines.filter((m) => m.command === "CHATHISTORY").map((m) => m.params[1]);
      this.emit("targets", names.filter((n) => n && !isChannel(n)));
    }
  }

  /** A line from the client: `text` is a string, or { key, params } for the view to translate. */
  info(text, kind = "info", bufferName = null) {
    const b = bufferName ? this.ensureBuffer(bufferName) : (this.activeBuffer() ?? this.buffers.get(SERVER));
    this.addEntry(b, typeof text === "string" ? { kind, text } : { kind, key: text.key, params: text.params ?? {} });
  }

  /** Folds one message from the server into the model. */
  handle(msg) {
    if (msg.command === "BATCH") {
      this.batch(msg);
      return;
    }
    const open = msg.tags.batch && this.batches.get(msg.tags.batch);
    if (open && HISTORY_BATCHES.has(open.type)) {
      open.lines.push(msg);
      return;
    }
    const time = msg.tags.time ? new Date(msg.tags.time) : new Date();
    const nick = nickOf(msg.source);
    const p = msg.params;
    switch (msg.command) {
      case "001":
        this.me = p[0];
        this.registered = true;
        this.emit("registered");
        this.emit("me");
        break;
      case "PRIVMSG":
      case "NOTICE": {
        if (!msg.source.includes("!") && msg.command === "NOTICE") {
          this.addEntry(this.buffers.get(SERVER), { time, kind: "notice", nick: msg.source, text: p[1] ?? "" });
          break;
        }
        const found = this.entryOf(msg);
        if (found) this.addEntry(this.ensureBuffer(found.name), found.entry);
        break;
      }
      case "MARKREAD": {
        // MARKREAD <target> timestamp=... (or *): what was read, on any device.
        const b = this.buffer(p[0] ?? "");
        if (!b) break;
        const m = /^timestamp=(.+)$/.exec(p[1] ?? "");
        const marker = m ? new Date(m[1]) : null;
        if (marker && !isNaN(marker) && (!b.readMarker || marker > b.readMarker)) {
          b.readMarker = marker;
          this.countUnread(b);
          this.emit("marker", b);
        }
        break;
      }
      case "JOIN": {
        const b = this.ensureBuffer(p[0], "channel");
        const me = this.isMe(nick);
        if (me) {
          b.joined = true;
          b.users.clear();
          this.setActive(b.key);
        }
        b.users.set(fold(nick), { nick, prefix: "" });
        this.addEntry(b, { time, kind: "join", nick, key: "event.join", params: { nick, channel: b.name } });
        this.emit("nicks", b);
        if (me) this.emit("joined", b);
        break;
      }
      case "PART": {
        const b = this.buffer(p[0]);
        if (!b) break;
        if (this.isMe(nick)) {
          b.joined = false;
          this.removeBuffer(b.key);
          break;
        }
        b.users.delete(fold(nick));
        this.addEntry(b, { time, kind: "part", nick, ...withReason("event.part", { nick }, p[1]) });
        this.emit("nicks", b);
        break;
      }
      case "KICK": {
        const b = this.buffer(p[0]);
        if (!b) break;
        b.users.delete(fold(p[1]));
        this.addEntry(b, { time, kind: "part", nick, ...withReason("event.kick", { nick: p[1], by: nick }, p[2]) });
        if (this.isMe(p[1])) b.joined = false;
        this.emit("nicks", b);
        break;
      }
      case "QUIT":
        for (const b of this.buffers.values()) {
          if (b.users.delete(fold(nick))) {
            this.addEntry(b, { time, kind: "quit", nick, ...withReason("event.quit", { nick }, p[0]) });
            this.emit("nicks", b);
          }
        }
        break;
      case "NICK": {
        const to = p[0];
        if (this.isMe(nick)) {
          this.me = to;
          this.emit("me");
        }
        for (const b of this.buffers.values()) {
          const u = b.users.get(fold(nick));
          if (u) {
            b.users.delete(fold(nick));
            b.users.set(fold(to), { nick: to, prefix: u.prefix });
            this.addEntry(b, { time, kind: "nick", nick, key: "event.nick", params: { nick, to } });
            this.emit("nicks", b);
          }
        }
        break;
      }
      case "TOPIC": {
        const b = this.ensureBuffer(p[0], "channel");
        b.topic = p[1] ?? "";
        this.addEntry(b, { time, kind: "topic", nick, key: "event.topic", params: { nick, topic: b.topic } });
        this.emit("topic", b);
        break;
      }
      case "332": {
        const b = this.ensureBuffer(p[1], "channel");
        b.topic = p[2] ?? "";
        this.emit("topic", b);
        break;
      }
      case "331": {
        const b = this.ensureBuffer(p[1], "channel");
        b.topic = "";
        this.emit("topic", b);
        break;
      }
      case "353": {
        const b = this.ensureBuffer(p[2], "channel");
        if (!b.namesPending) {
          b.namesPending = true;
          b.users.clear();
        }
        for (const item of (p[3] ?? "").split(" ").filter(Boolean)) {
          const m = /^([~&@%+]*)(.*)$/.exec(item);
          const name = nickOf(m[2]);
          b.users.set(fold(name), { nick: name, prefix: m[1] });
        }
        break;
      }
      case "366": {
        const b = this.buffer(p[1]);
        if (b) {
          b.namesPending = false;
          this.emit("nicks", b);
        }
        break;
      }
      case "MODE":
        if (isChannel(p[0])) {
          const b = this.buffer(p[0]);
          if (b) this.addEntry(b, { time, kind: "info", key: "event.mode", params: { nick, modes: p.slice(1).join(" ") } });
          this.emit("names-stale", p[0]);
        }
        break;
      case "ERROR":
        this.info(p[0] ?? { key: "event.closing" }, "error", SERVER);
        break;
      case "PING":
      case "CAP":
      case "005":
        break;
      default:
        if (/^\d{3}$/.test(msg.command)) this.numeric(msg, time);
    }
  }

  numeric(msg, time) {
    const code = Number(msg.command);
    const rest = msg.params.slice(1);
    const text = rest.join(" ");
    const server = this.buffers.get(SERVER);
    if (code >= 400 && code < 600) {
      // Errors show where the user is looking.
      this.addEntry(this.activeBuffer() ?? server, { time, kind: "error", text });
    } else if ([1, 2, 3, 4, 372, 375, 376, 422, 251, 252, 253, 254, 255, 265, 266].includes(code)) {
      this.addEntry(server, { time, kind: "info", text: rest[rest.length - 1] ?? "" });
    } else if (code !== 333 && code !== 329 && code !== 324) {
      this.addEntry(this.activeBuffer() ?? server, { time, kind: "info", text });
    }
  }

  /** Drops what a connection knew; buffers and their messages stay. */
  disconnected() {
    this.registered = false;
    this.batches.clear();
    for (const b of this.buffers.values()) {
      b.users.clear();
      b.loading = null;
      this.emit("nicks", b);
    }
  }

  /** Channels to join again after a reconnect. */
  channelsToRejoin() {
    return [...this.buffers.values()].filter((b) => b.type === "channel").map((b) => b.name);
  }
}

/** The key and parameters of an event line, with the reason when one was given. */
function withReason(key, params, reason) {
  return reason ? { key: `${key}_reason`, params: { ...params, reason } } : { key, params };
}

/** Whether an entry is a message that can be unread. */
function counts(entry) {
  return entry.kind === "privmsg" || entry.kind === "action" || entry.kind === "notice";
}
