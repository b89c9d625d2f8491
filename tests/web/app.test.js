// The web client as an app, in Debian's Chromium against the real binary:
// its words follow the browser's language (zh-CN) and a remembered switch;
// the service worker caches the client's own files and nothing else, and
// the client opens offline to a "reconnecting" state; "?" lists the
// keyboard shortcuts; the dark theme follows the system, and every text in
// both themes has WCAG AA contrast. With HICHAT_SCREENSHOTS=1 it writes
// docs/screenshots/dark.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import IRC from "irc-framework";
import { ROOT, Server, WAIT, launch, waitFor } from "./harness.js";

let server;
let browser;

before(async () => {
  server = await Server.create();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** A new browser profile (fresh storage and service workers). */
async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, deviceScaleFactor: 1, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e));
  return page;
}

async function login(page, nick, connected = "Connected") {
  await page.goto(server.url);
  await page.fill("#nick", nick);
  await page.click("#login-button");
  await page.locator("#status", { hasText: connected }).waitFor({ timeout: WAIT });
  await page.locator("#buffer-name", { hasText: "#hello" }).waitFor({ timeout: WAIT });
}

/** Words of two Latin letters or more the page shows outside the chat itself (and outside key names). */
function englishOnScreen(page, allowed) {
  return page.evaluate((allowed) => {
    const found = [];
    const skip = (el) => el.closest("#messages, #buffer-list, #nick-list, #buffer-name, #me, kbd, title, script, style, svg, option");
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (skip(el) || !el.checkVisibility()) continue;
      found.push(...(n.textContent.match(/[A-Za-z]{2,}/g) ?? []));
    }
    for (const el of document.querySelectorAll("[placeholder], [aria-label], [title]")) {
      if (skip(el)) continue;
      for (const a of ["placeholder", "aria-label", "title"]) found.push(...(el.getAttribute(a)?.match(/[A-Za-z]{2,}/g) ?? []));
    }
    return found.filter((w) => !allowed.includes(w.toLowerCase()));
  }, allowed);
}

// Words that stay Latin in Chinese: the name, commands and search syntax.
const LATIN = ["hichat", "hello", "join", "help", "search", "from", "in", "after", "sasl", "irc"];

test("a zh-CN browser gets the client in Chinese, and the switch to English is remembered", async () => {
  const page = await newPage({ locale: "zh-CN" });
  // What the server is told: Accept-Language: zh-CN.
  let acceptLanguage = "";
  page.on("request", (r) => r.url() === server.url && (acceptLanguage = r.headers()["accept-language"] ?? ""));
  await login(page, "lin", "已连接");
  assert.match(acceptLanguage, /^zh-CN/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
  await page.locator("#messages .msg-join", { hasText: "lin 加入了 #hello" }).waitFor({ timeout: WAIT });
  assert.equal(await page.getAttribute("#input", "placeholder"), "发消息给 #hello");
  assert.equal(await page.textContent("#buffer-list .buffer-server .buffer-name"), "服务器");
  assert.equal(await page.textContent(".me-line"), "你的昵称：lin");
  assert.deepEqual(await englishOnScreen(page, LATIN), []);
  await page.fill("#input", "/help");
  await page.press("#input", "Enter");
  await page.locator("#messages .msg-info", { hasText: "/join #频道 — 加入频道" }).waitFor({ timeout: WAIT });
  await page.fill("#input", "/nosuch");
  await page.press("#input", "Enter");
  await page.locator("#messages .msg-error", { hasText: "未知命令 /nosuch" }).waitFor({ timeout: WAIT });

  // The switch: everything the client wrote, the old lines too, is now English.
  await page.selectOption(".sidebar .language-select", "en");
  await page.locator("#status", { hasText: "Connected" }).waitFor({ timeout: WAIT });
  await page.locator("#messages .msg-join", { hasText: "lin joined #hello" }).waitFor({ timeout: WAIT });
  await page.locator("#messages .msg-info", { hasText: "/join #channel — join a channel" }).waitFor({ timeout: WAIT });
  assert.equal(await page.getAttribute("#input", "placeholder"), "Message #hello");
  assert.equal(await page.getAttribute("#input", "aria-label"), "Message");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  assert.equal(await page.textContent(".me-line"), "You are lin");

  // Remembered over the browser's language; and switched back from the login box.
  await page.reload();
  assert.equal(await page.textContent("#login-button"), "Chat");
  assert.equal(await page.inputValue("#login .language-select"), "en");
  await page.selectOption("#login .language-select", "zh-CN");
  await page.locator("#login-button", { hasText: "进入聊天" }).waitFor({ timeout: WAIT });
  await page.reload();
  assert.equal(await page.textContent("#login-button"), "进入聊天");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** What the page's caches hold: { cache name: [path, ...] }. */
function cached(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search).sort();
    }
    return out;
  });
}

test("the service worker caches the client's own files, never an API, and the client opens offline", async () => {
  const sw = await fetch(server.url + "sw.js");
  assert.equal(sw.status, 200);
  assert.match(sw.headers.get("content-type"), /^text\/javascript/);
  const version = /const VERSION = "([0-9a-f]{16})";/.exec(await sw.text())[1];

  const page = await newPage();
  await login(page, "sam");
  await page.evaluate(() => navigator.serviceWorker.ready);
  await waitFor(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), "the worker to control the page");
  // The page talks to the server through the worker: none of it is kept.
  for (const url of ["/healthz", "/metrics", "/ws", "/api/v1/users", "/assets/nope.js", "/?x=1"]) {
    await page.evaluate((u) => fetch(u).then((r) => r.text()), url);
  }
  // Every file of the client (web/, less the worker itself), and the page at /.
  const files = (dir, base = "") =>
    readdirSync(path.join(ROOT, "web", base), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(dir, path.join(base, e.name)) : [path.join(base, e.name)],
    );
  const expected = ["/", ...files().filter((f) => f !== "index.html" && f !== "sw.js").map((f) => `/assets/${f}`)].sort();
  assert.deepEqual(await cached(page), { [`hichat-${version}`]: expected });

  // Installable: Chromium finds the manifest, its icons and the worker good enough.
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  // A test browser's profile is incognito, which Chromium never installs from.
  assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== "in-incognito"), []);
  const manifest = await cdp.send("Page.getAppManifest");
  assert.deepEqual(manifest.errors, []);

  // Offline: the page comes from the worker and says it is reconnecting...
  await page.context().setOffline(true);
  const offline = await page.reload();
  assert.ok(offline.fromServiceWorker());
  // (Chromium's emulation leaves navigator.onLine true in a new document, so
  // the words are "Disconnected — reconnecting in N s" or "Offline — reconnecting".)
  await page.locator("#status", { hasText: "reconnecting" }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => document.body.dataset.connection), "waiting");
  assert.equal(await page.textContent("#buffer-name"), "server");
  // ...and connects as soon as the network is back.
  await page.context().setOffline(false);
  await page.locator("#status", { hasText: "Connected" }).waitFor({ timeout: 20_000 });
  await page.locator("#buffer-name", { hasText: "#hello" }).waitFor({ timeout: WAIT });

  // With the server itself gone, the client still opens, and waits for it.
  await server.stop();
  const gone = await page.reload();
  assert.ok(gone.fromServiceWorker());
  await page.locator("#status", { hasText: "reconnecting in" }).waitFor({ timeout: WAIT });
  assert.equal(await page.isVisible("#login"), false);
  await server.start();
  await page.locator("#status", { hasText: "Connected" }).waitFor({ timeout: 20_000 });
  assert.deepEqual(Object.values(await cached(page)), [expected]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a new version of the client replaces the old cache and offers a reload", async () => {
  const page = await newPage();
  // This browser is served a worker whose version differs from the server's
  // until told otherwise, as if the server had been upgraded in between.
  let next = false;
  await page.context().route("**/sw.js", async (route) => {
    const res = await route.fetch();
    let body = await res.text();
    if (!next) body = body.replace(/const VERSION = "[0-9a-f]+";/, 'const VERSION = "0000000000000000";');
    await route.fulfill({ response: res, body });
  });
  await login(page, "uma");
  await waitFor(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), "the first worker");
  await waitFor(async () => Object.keys(await cached(page)).join() === "hichat-0000000000000000", "the first cache");
  assert.equal(await page.isVisible("#update"), false);
  next = true;
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  await page.locator("#update").waitFor({ state: "visible", timeout: WAIT });
  // The old cache goes once the new worker is active.
  const names = await waitFor(async () => {
    const n = Object.keys(await cached(page));
    return n.length === 1 && n;
  }, "one cache");
  assert.match(names[0], /^hichat-[0-9a-f]{16}$/);
  assert.notEqual(names[0], "hichat-0000000000000000");
  await Promise.all([page.waitForEvent("load"), page.click("#update-reload")]);
  assert.equal(await page.isVisible("#update"), false);
  await page.context().close();
});

test("? lists the keyboard shortcuts, and they work", async () => {
  const page = await newPage();
  await login(page, "kai");
  const dialog = page.locator("#keys");
  // "?" typed in the message box is text.
  await page.press("#input", "?");
  assert.equal(await page.inputValue("#input"), "?");
  assert.equal(await dialog.isVisible(), false);
  await page.fill("#input", "");
  // Outside a box, "?" opens the list.
  await page.locator("#messages").click();
  await page.keyboard.press("?");
  await dialog.waitFor({ state: "visible", timeout: WAIT });
  const rows = await dialog.locator("tr").allTextContents();
  for (const keys of ["Alt + ↑ / ↓", "Tab", "↑ / ↓", "Enter", "Esc", "//", "Ctrl + /"]) {
    assert.ok(rows.some((r) => r.includes(keys)), `${keys} in ${rows}`);
  }
  assert.ok(rows.some((r) => r.includes("Complete the nick")));
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden", timeout: WAIT });
  // Focus goes back to the message box; Ctrl+/ opens it from there; the button closes it.
  assert.equal(await page.evaluate(() => document.activeElement.id), "input");
  await page.keyboard.press("Control+/");
  await dialog.waitFor({ state: "visible", timeout: WAIT });
  await page.click("#keys-close");
  await dialog.waitFor({ state: "hidden", timeout: WAIT });
  await page.click("#keys-toggle");
  await dialog.waitFor({ state: "visible", timeout: WAIT });
  await page.keyboard.press("Escape");

  // What it lists: Alt+↑ goes to the buffer above, ↑ brings back a line sent,
  // Tab completes a nick, // sends a line starting with /.
  await page.fill("#input", "/join #keys");
  await page.press("#input", "Enter");
  await page.locator("#buffer-name", { hasText: "#keys" }).waitFor({ timeout: WAIT });
  await page.fill("#input", "//shrug");
  await page.press("#input", "Enter");
  await page.locator("#messages .msg-privmsg .text", { hasText: "/shrug" }).waitFor({ timeout: WAIT });
  await page.press("#input", "ArrowUp");
  assert.equal(await page.inputValue("#input"), "//shrug");
  await page.fill("#input", "ka");
  await page.press("#input", "Tab");
  assert.equal(await page.inputValue("#input"), "kai: ");
  await page.press("#input", "Alt+ArrowUp");
  assert.equal(await page.textContent("#buffer-name"), "#hello");
  await page.press("#input", "Alt+ArrowUp");
  assert.equal(await page.textContent("#buffer-name"), "server");
  await page.press("#input", "Alt+ArrowDown");
  assert.equal(await page.textContent("#buffer-name"), "#hello");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/**
 * The contrast (WCAG) of each visible element's text on what is behind it,
 * colours read back from a canvas so that any CSS colour form works.
 */
function contrasts(page, selectors) {
  return page.evaluate((selectors) => {
    const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    const rgba = (css) => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      return [...ctx.getImageData(0, 0, 1, 1).data];
    };
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const behind = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c[3] === 255) return c;
      }
      return rgba(getComputedStyle(document.documentElement).backgroundColor);
    };
    const out = [];
    for (const sel of selectors) {
      const els = [...document.querySelectorAll(sel)].filter((e) => e.checkVisibility() && e.textContent.trim());
      if (!els.length) out.push({ sel, ratio: null });
      for (const el of els.slice(0, 5)) {
        const [a, b] = [lum(rgba(getComputedStyle(el).color)), lum(behind(el))].sort((x, y) => y - x);
        out.push({ sel, text: el.textContent.trim().slice(0, 30), ratio: Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100 });
      }
    }
    return out;
  }, selectors);
}

const TEXTS = [
  ".msg-privmsg .text", ".msg .time", ".msg .nick", ".msg-join .text", ".msg.mention .text", ".msg.mention .time",
  ".msg a", ".msg-error .text", ".topic", "#status", ".buffer.active .buffer-button", ".buffer-button .buffer-name",
  ".buffer.mentioned .unread", ".member-nick", ".me-line", ".language", ".language-select", ".input-form button",
  "#buffer-name",
];

/** Every shown text at 4.5:1 or better; every selector found. */
async function assertContrast(page, selectors) {
  for (const { sel, text, ratio } of await contrasts(page, selectors)) {
    assert.ok(ratio !== null, `nothing visible for ${sel}`);
    assert.ok(ratio >= 4.5, `${sel} "${text}": ${ratio}:1`);
  }
}

/** Nick colours for every hue on the message view's background. */
function nickContrasts(page) {
  return page.evaluate(async () => {
    const { nickColor } = await import("/assets/view.js");
    const row = document.createElement("span");
    document.getElementById("messages").append(row);
    const ratios = [];
    // Nicks that land on many hues.
    for (let i = 0; i < 120; i++) {
      row.style.color = nickColor(`n${i}x`);
      ratios.push(getComputedStyle(row).color);
    }
    row.remove();
    return ratios;
  });
}

for (const colorScheme of ["dark", "light"]) {
  test(`the ${colorScheme} theme follows the system, and its text is readable`, async () => {
    const page = await newPage({ colorScheme, viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.locator("#login-button").waitFor({ timeout: WAIT });
    await assertContrast(page, [".login-box p", ".login-box label", "#login-button", ".optional"]);
    await login(page, colorScheme === "dark" ? "mei" : "leo");
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    if (colorScheme === "dark") assert.equal(bg, "rgb(23, 25, 29)");
    else assert.equal(bg, "rgb(255, 255, 255)");

    const [me, other] = colorScheme === "dark" ? ["mei", "yue"] : ["leo", "cat"];
    const cat = new IRC.Client();
    cat.connect({ host: "127.0.0.1", port: server.ircPort, nick: other, username: other, gecos: other, auto_reconnect: false });
    await new Promise((resolve) => cat.once("registered", resolve));
    cat.join("#hello");
    cat.join("#night");
    await page.locator("#nick-list .member-nick", { hasText: other }).waitFor({ timeout: WAIT });
    await page.fill("#input", "/topic 欢迎来到 #hello — 夜间模式 🌙 dark mode");
    await page.press("#input", "Enter");
    cat.say("#hello", "晚上好 everyone 🌙 the docs are at https://example.org/hichat");
    cat.say("#hello", `${me}: 深色主题看起来怎么样？`);
    await page.locator("#messages .msg.mention").waitFor({ timeout: WAIT });
    await page.fill("#input", "看起来很舒服 👀 easy on the eyes");
    await page.press("#input", "Enter");
    await page.fill("#input", "/join #night");
    await page.press("#input", "Enter");
    await page.locator("#buffer-name", { hasText: "#night" }).waitFor({ timeout: WAIT });
    cat.say(me, "私聊一下 🤫");
    await page.locator("#buffer-list .buffer.mentioned").waitFor({ timeout: WAIT });
    await page.locator("#buffer-list button", { hasText: "#hello" }).click();
    await page.locator("#topic", { hasText: "夜间模式" }).waitFor({ timeout: WAIT });
    cat.say("#night", "夜猫子 🦉");
    await page.locator("#buffer-list .buffer-channel .unread").waitFor({ timeout: WAIT });
    await page.fill("#input", "/nosuch");
    await page.press("#input", "Enter");
    await page.locator("#messages .msg-error").waitFor({ timeout: WAIT });

    await assertContrast(page, TEXTS);
    // Every nick colour on the background behind the messages.
    const nicks = await nickContrasts(page);
    const check = await page.evaluate((colors) => {
      const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
      const rgb = (css) => {
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        return [...ctx.getImageData(0, 0, 1, 1).data];
      };
      const lum = ([r, g, b]) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const bgs = ["--bg", "--panel", "--mention-bg"].map((v) => lum(rgb(getComputedStyle(document.documentElement).getPropertyValue(v))));
      return Math.min(...colors.flatMap((c) => bgs.map((b) => {
        const [x, y] = [lum(rgb(c)), b].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
      })));
    }, nicks);
    assert.ok(check >= 4.5, `a nick colour is at ${check.toFixed(2)}:1`);

    // The shortcuts list in this theme.
    await page.locator("#messages").click();
    await page.keyboard.press("?");
    await assertContrast(page, [".keys-box h2", ".keys-box td", ".keys-box p", "#keys-close", "kbd"]);
    await page.keyboard.press("Escape");

    if (colorScheme === "dark") {
      const dir = path.join(ROOT, "docs/screenshots");
      mkdirSync(dir, { recursive: true });
      const shot = process.env.HICHAT_SCREENSHOTS ? path.join(dir, "dark.png") : undefined;
      await page.locator("#messages").click();
      await page.screenshot({ path: shot });
    }
    cat.quit("bye");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}
