// IRC over WebSocket: parsing and formatting lines, and a connection that
// reconnects by itself. No DOM here, so the model and the tests can use it.

/** Parses one IRC line into { tags, source, command, params }. */
export function parse(line) {
  let i = 0;
  const msg = { tags: {}, source: "", command: "", params: [] };
  if (line.startsWith("@")) {
    const end = line.indexOf(" ");
    for (const tag of line.slice(1, end).split(";")) {
      const eq = tag.indexOf("=");
      if (eq < 0) msg.tags[tag] = "";
      else msg.tags[tag.slice(0, eq)] = unescapeTag(tag.slice(eq + 1));
    }
    i = end + 1;
  }
  while (line[i] === " ") i++;
  if (line[i] === ":") {
    const end = line.indexOf(" ", i);
    msg.source = line.slice(i + 1, end < 0 ? line.length : end);
    i = end < 0 ? line.length : end + 1;
  }
  while (i < line.length) {
    while (line[i] === " ") i++;
    if (i >= line.length) break;
    if (!msg.command) {
      const end = line.indexOf(" ", i);
      msg.command = line.slice(i, end < 0 ? line.length : end).toUpperCase();
      i = end < 0 ? line.length : end;
      continue;
    }
    if (line[i] === ":") {
      msg.params.push(line.slice(i + 1));
      break;
    }
    const end = line.indexOf(" ", i);
    msg.params.push(line.slice(i, end < 0 ? line.length : end));
    i = end < 0 ? line.length : end;
  }
  return msg;
}

function unescapeTag(v) {
  const map = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };
  return v.replace(/\\(.?)/g, (_, c) => map[c] ?? c);
}

/** Formats a line from a command and its parameters; the last one may have spaces. */
export function format(command, ...params) {
  const parts = [command];
  params.forEach((p, idx) => {
    p = String(p).replace(/[\r\n\0]/g, " ");
    const last = idx === params.length - 1;
    if (last && (p === "" || p.includes(" ") || p.startsWith(":"))) parts.push(":" + p);
    else parts.push(p);
  });
  return parts.join(" ");
}

/** The nick of a `nick!user@host` source. */
export function nickOf(source) {
  const bang = source.indexOf("!");
  return bang < 0 ? source : source.slice(0, bang);
}

/** Whether a target is a channel name. */
export function isChannel(name) {
  return /^[#&]/.test(name);
}

/** IRC's default case mapping (rfc1459), for comparing nicks and channels. */
export function fold(s) {
  return s.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[c]);
}

/** The WebSocket address of this page's server. */
export function defaultUrl(loc = window.location) {
  return (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + "/ws";
}

/**
 * One IRC connection over WebSocket that reconnects with backoff.
 * Callbacks: onLine(msg), onState({ state, retryIn }) with state one of
 * "connecting", "connected", "waiting" (to reconnect), "closed" (by /quit).
 */
export class Connection {
  constructor(url, { onLine, onState, onOpen }) {
    this.url = url;
    this.onLine = onLine;
    this.onState = onState;
    this.onOpen = onOpen;
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.timer = null;
  }

  connect() {
    this.stopped = false;
    clearTimeout(this.timer);
    this.onState({ state: "connecting" });
    const socket = new WebSocket(this.url, ["text.ircv3.net"]);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.onState({ state: "connected" });
      this.onOpen();
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data === "string") this.onLine(parse(ev.data));
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) {
        this.onState({ state: "closed" });
        return;
      }
      // 1 s, 2 s, 4 s ... up to 30 s between tries.
      const delay = Math.min(30, 2 ** this.attempt);
      this.attempt++;
      this.onState({ state: "waiting", retryIn: delay });
      this.timer = setTimeout(() => this.connect(), delay * 1000);
    };
  }

  /** Sends one line (a string without CRLF). */
  send(line) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(line);
      return true;
    }
    return false;
  }

  /** Closes for good (no reconnect). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
    else this.onState({ state: "closed" });
  }
}
