// The client's model: buffers (the server, channels, private
// conversations), their messages, members, topics, unread counts and
// mentions, updated from IRC messages. No DOM here; the view listens.
//
// History (CHATHISTORY) fits in later as another source of entries: a
// buffer's `messages` are kept in time order and `addEntry` takes an entry
// with its own time, so older lines can be put in front (`prependEntries`)
// when scrolling up, and a gap filled after a reconnect.

import { fold, isChannel, nickOf } from "./irc.js";

/** Most messages kept per buffer. */
const KEEP = 1000;
export const SERVER = "*server*";

export class Model {
  constructor(listener) {
    this.listener = listener;
    this.me = "";
    this.buffers = new Map();
    this.active = SERVER;
    this.registered = false;
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
            topic: "", users: new Map(), joined: false };
      this.buffers.set(key, b);
      this.emit("buffers");
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
    buffer.messages.push(entry);
    if (buffer.messages.length > KEEP) buffer.messages.splice(0, buffer.messages.length - KEEP);
    const counts = entry.kind === "privmsg" || entry.kind === "action" || entry.kind === "notice";
    if (buffer.key !== this.active && counts && !entry.self) {
      buffer.unread++;
      if (entry.mention || buffer.type === "query") buffer.mention = true;
      this.emit("buffers");
    }
    this.emit("message", { buffer, entry });
  }

  info(text, kind = "info", bufferName = null) {
    const b = bufferName ? this.ensureBuffer(bufferName) : (this.activeBuffer() ?? this.buffers.get(SERVER));
    this.addEntry(b, { kind, text });
  }

  /** Folds one message from the server into the model. */
  handle(msg) {
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
        const [target, text = ""] = p;
        if (!msg.source.includes("!") && msg.command === "NOTICE") {
          this.addEntry(this.buffers.get(SERVER), { time, kind: "notice", nick: msg.source, text });
          break;
        }
        const self = this.isMe(nick);
        const name = isChannel(target) ? target : self ? target : nick;
        const b = this.ensureBuffer(name);
        let kind = msg.command === "NOTICE" ? "notice" : "privmsg";
        let body = text;
        const action = /^\x01ACTION (.*?)\x01?$/s.exec(text);
        if (action) {
          kind = "action";
          body = action[1];
        } else if (text.startsWith("\x01")) {
          break; // other CTCP: not shown
        }
        this.addEntry(b, { time, kind, nick, text: body, self, mention: !self && this.mentions(body) });
        break;
      }
      case "JOIN": {
        const b = this.ensureBuffer(p[0], "channel");
        if (this.isMe(nick)) {
          b.joined = true;
          b.users.clear();
          this.setActive(b.key);
        }
        b.users.set(fold(nick), { nick, prefix: "" });
        this.addEntry(b, { time, kind: "join", nick, text: `${nick} joined ${b.name}` });
        this.emit("nicks", b);
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
        this.addEntry(b, { time, kind: "part", nick, text: `${nick} left${p[1] ? ` (${p[1]})` : ""}` });
        this.emit("nicks", b);
        break;
      }
      case "KICK": {
        const b = this.buffer(p[0]);
        if (!b) break;
        b.users.delete(fold(p[1]));
        this.addEntry(b, { time, kind: "part", nick, text: `${p[1]} was kicked by ${nick}${p[2] ? ` (${p[2]})` : ""}` });
        if (this.isMe(p[1])) b.joined = false;
        this.emit("nicks", b);
        break;
      }
      case "QUIT":
        for (const b of this.buffers.values()) {
          if (b.users.delete(fold(nick))) {
            this.addEntry(b, { time, kind: "quit", nick, text: `${nick} quit${p[0] ? ` (${p[0]})` : ""}` });
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
            this.addEntry(b, { time, kind: "nick", nick, text: `${nick} is now ${to}` });
            this.emit("nicks", b);
          }
        }
        break;
      }
      case "TOPIC": {
        const b = this.ensureBuffer(p[0], "channel");
        b.topic = p[1] ?? "";
        this.addEntry(b, { time, kind: "topic", nick, text: `${nick} set the topic: ${b.topic}` });
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
          if (b) this.addEntry(b, { time, kind: "info", text: `${nick} set mode ${p.slice(1).join(" ")}` });
          this.emit("names-stale", p[0]);
        }
        break;
      case "ERROR":
        this.info(p[0] ?? "Closing link", "error", SERVER);
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
    for (const b of this.buffers.values()) {
      b.users.clear();
      this.emit("nicks", b);
    }
  }

  /** Channels to join again after a reconnect. */
  channelsToRejoin() {
    return [...this.buffers.values()].filter((b) => b.type === "channel").map((b) => b.name);
  }
}
