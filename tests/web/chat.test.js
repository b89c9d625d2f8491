// Browser end-to-end test of hichat's web client.
//
// Runs the real `hichat serve` binary (HICHAT_BIN, default
// target/debug/hichat), opens two pages in Debian's Chromium driven by
// playwright-core (one at desktop width, one at phone width) and connects an
// independent IRC client (irc-framework) over plain TCP. The three chat in
// #hello in Chinese and emoji; a message with <script> must show as text.
//
// With HICHAT_SCREENSHOTS=1 it also writes docs/screenshots/*.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import IRC from "irc-framework";
import { BIN, ROOT, WAIT, freePort, waitFor } from "./harness.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

let server;
let browser;
let irc;
let ircPort;
let webUrl;
const ircSeen = [];

let serverArgs;

/** Starts hichat serve and waits until its web listener answers. */
async function startServer() {
  server = spawn(BIN, serverArgs, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (d) => (log += d));
  server.on("exit", (code) => {
    if (code) console.error(`hichat exited with ${code}:\n${log}`);
  });
  await waitFor(async () => {
    try {
      return (await fetch(webUrl + "healthz")).ok;
    } catch {
      return false;
    }
  }, "hichat serve to start");
}

async function stopServer() {
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
  server = null;
}

before(async () => {
  ircPort = await freePort();
  const webPort = await freePort();
  webUrl = `http://127.0.0.1:${webPort}/`;
  const data = mkdtempSync(path.join(os.tmpdir(), "hichat-web-"));
  // The IRC library below sends 130 lines in a row to fill a channel's history.
  const config = path.join(data, "hichat.toml");
  writeFileSync(config, '[flood]\nexempt = ["127.0.0.1/32"]\n');
  serverArgs = ["serve", "--listen", `127.0.0.1:${ircPort}`, "--web", `127.0.0.1:${webPort}`, "--data-dir", data, "--config", config];
  await startServer();

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });

  irc = new IRC.Client();
  irc.connect({ host: "127.0.0.1", port: ircPort, nick: "cat", username: "cat", gecos: "irc-framework", auto_reconnect: false });
  irc.on("privmsg", (e) => ircSeen.push({ kind: "privmsg", nick: e.nick, target: e.target, text: e.message }));
  irc.on("action", (e) => ircSeen.push({ kind: "action", nick: e.nick, target: e.target, text: e.message }));
  await new Promise((resolve) => irc.once("registered", resolve));
  irc.join("#hello");
  await new Promise((resolve) => irc.once("join", resolve));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await stopServer();
});

/** A page logged in as `nick`, in #hello. */
async function openChat(nick, viewport, password = "") {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.errors = errors;
  await page.goto(webUrl);
  await page.fill("#nick", nick);
  if (password) await page.fill("#password", password);
  await page.click("#login-button");
  await page.locator("#buffer-name", { hasText: "#hello" }).waitFor({ timeout: WAIT });
  await page.locator("#status", { hasText: "Connected" }).waitFor({ timeout: WAIT });
  return page;
}

/** The next NOTICE from `service` to the irc-framework client that matches `pattern`. */
function serviceNotice(service, pattern) {
  return new Promise((resolve) => {
    const check = (event) => {
      if (event.nick === service && pattern.test(event.message)) {
        irc.removeListener("notice", check);
        resolve(event.message);
      }
    };
    irc.on("notice", check);
  });
}

let catAccount = null;

/**
 * cat joins `channel` and registers it with ChanServ (registering its own
 * account first), so that people who join later may read its history: an
 * unregistered channel's history is for those who were there.
 */
async function registeredChannel(channel) {
  if (!catAccount) {
    // An earlier test may have logged cat in already (REGISTER gus).
    const done = serviceNotice("NickServ", /registered|already/i);
    irc.say("NickServ", "REGISTER cat-password-1");
    catAccount = done;
  }
  await catAccount;
  irc.join(channel);
  await new Promise((resolve) => irc.once("join", resolve));
  const done = serviceNotice("ChanServ", /registered/i);
  irc.say("ChanServ", `REGISTER ${channel}`);
  await done;
}

async function say(page, text) {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}

function message(page, text) {
  return page.locator("#messages .msg .text", { hasText: text }).first();
}

test("two browsers and an IRC library chat in #hello", async () => {
  const ann = await openChat("ann", { width: 1280, height: 800 });
  const bob = await openChat("bob", { width: 390, height: 780 });

  // Everyone sees everyone in the nick list (ann's desktop layout shows it).
  await ann.locator("#nick-list .member-nick", { hasText: "bob" }).waitFor({ timeout: WAIT });
  await ann.locator("#nick-list .member-nick", { hasText: "cat" }).waitFor({ timeout: WAIT });

  // Browser to browser and to the IRC library, in Chinese and emoji.
  await say(ann, "大家好 everyone 👋🎉");
  await message(bob, "大家好 everyone 👋🎉").waitFor({ timeout: WAIT });
  await waitFor(() => ircSeen.find((m) => m.nick === "ann" && m.text === "大家好 everyone 👋🎉"), "cat to hear ann");

  // The IRC library to both browsers; its link is clickable.
  irc.say("#hello", "来自 irc-framework 的问候 🐱 see https://example.org/docs?x=1");
  await message(ann, "来自 irc-framework 的问候 🐱").waitFor({ timeout: WAIT });
  await message(bob, "来自 irc-framework 的问候 🐱").waitFor({ timeout: WAIT });
  const link = ann.locator("#messages a", { hasText: "https://example.org/docs?x=1" });
  assert.equal(await link.getAttribute("href"), "https://example.org/docs?x=1");
  assert.equal(await link.getAttribute("target"), "_blank");

  // HTML is shown as text and never runs.
  const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> <b>bold?</b>';
  await say(bob, evil);
  await message(ann, "<script>").waitFor({ timeout: WAIT });
  assert.equal(await message(ann, "<script>").textContent(), evil);
  assert.equal(await ann.locator("#messages script, #messages img, #messages b").count(), 0);
  assert.equal(await ann.evaluate(() => window.__pwned), undefined);
  await waitFor(() => ircSeen.find((m) => m.nick === "bob" && m.text === evil), "cat to get the raw text");

  // A javascript: "link" stays text.
  irc.say("#hello", "javascript:alert(1) is not a link");
  await message(ann, "javascript:alert(1)").waitFor({ timeout: WAIT });
  assert.equal(await ann.locator("#messages a", { hasText: "javascript:" }).count(), 0);

  // /me reaches the IRC library as an action.
  await say(bob, "/me waves 🌊");
  await waitFor(() => ircSeen.find((m) => m.kind === "action" && m.nick === "bob" && m.text === "waves 🌊"), "bob's action");
  await ann.locator("#messages .msg-action", { hasText: "waves 🌊" }).waitFor({ timeout: WAIT });

  // A mention is highlighted.
  irc.say("#hello", "ann: 你看到了吗?");
  await ann.locator("#messages .msg.mention", { hasText: "你看到了吗" }).waitFor({ timeout: WAIT });

  // A private message opens a conversation with an unread count.
  irc.say("ann", "私聊 hello 🤫");
  const catBuffer = ann.locator("#buffer-list .buffer-query", { hasText: "cat" });
  await catBuffer.locator(".unread", { hasText: "1" }).waitFor({ timeout: WAIT });
  assert.ok(await catBuffer.evaluate((li) => li.classList.contains("mentioned")));
  await catBuffer.locator("button").click();
  await message(ann, "私聊 hello 🤫").waitFor({ timeout: WAIT });
  await say(ann, "回复 reply ✅");
  await waitFor(() => ircSeen.find((m) => m.nick === "ann" && m.target === "cat" && m.text === "回复 reply ✅"), "ann's reply");
  await ann.locator("#buffer-list .buffer-channel button", { hasText: "#hello" }).click();

  // cat made #hello and is its operator: it makes ann one too, which the
  // nick list shows, so that ann may set the topic (+t).
  irc.raw("MODE #hello +o ann");
  await ann.locator("#nick-list .member", { hasText: "ann" }).locator(".prefix", { hasText: "@" }).waitFor({ timeout: WAIT });

  // The topic is set with /topic and shown on the other page.
  await say(ann, "/topic 欢迎 Welcome to #hello ☕");
  await bob.locator("#topic", { hasText: "欢迎 Welcome to #hello ☕" }).waitFor({ timeout: WAIT });

  // Unread counts on the phone page: bob looks at the server window while
  // ann talks in #hello.
  await bob.click("#menu-toggle");
  await bob.locator("#buffer-list .buffer-server button").click();
  await say(ann, "one");
  await say(ann, "two");
  await bob.locator("#buffer-list .buffer-channel .unread", { hasText: "2" }).waitFor({ timeout: WAIT });
  await bob.click("#menu-toggle");
  await bob.locator("#buffer-list .buffer-channel button", { hasText: "#hello" }).click();
  await message(bob, "two").waitFor({ timeout: WAIT });

  // /nick is seen by the others.
  await say(bob, "/nick bobby");
  await ann.locator("#messages .msg-nick", { hasText: "bob is now bobby" }).waitFor({ timeout: WAIT });

  if (process.env.HICHAT_SCREENSHOTS) {
    const dir = path.join(ROOT, "docs/screenshots");
    mkdirSync(dir, { recursive: true });
    await say(bob, "手机上也能聊天 📱");
    await message(ann, "手机上也能聊天").waitFor({ timeout: WAIT });
    await message(bob, "手机上也能聊天").waitFor({ timeout: WAIT });
    await ann.screenshot({ path: path.join(dir, "desktop.png") });
    await bob.screenshot({ path: path.join(dir, "phone.png") });
    await bob.click("#menu-toggle");
    await bob.waitForTimeout(400);
    await bob.screenshot({ path: path.join(dir, "phone-channels.png") });
    await bob.keyboard.press("Escape");
  }

  assert.deepEqual(ann.errors, []);
  assert.deepEqual(bob.errors, []);

  // /quit ends the session; the state is shown.
  await say(bob, "/quit 再见");
  await bob.locator("#status", { hasText: "Disconnected" }).waitFor({ timeout: WAIT });
  await ann.locator("#messages .msg-quit", { hasText: "bobby quit" }).waitFor({ timeout: WAIT });
});

test("a registered nick logs in with its password (SASL PLAIN)", async () => {
  const created = new Promise((resolve) => irc.on("raw", (e) => e.from_server && e.line.includes("REGISTER SUCCESS gus") && resolve()));
  irc.raw("REGISTER gus * sesame-秘密-🔑");
  await created;
  const page = await openChat("gus", { width: 1024, height: 700 }, "sesame-秘密-🔑");
  await page.locator("#buffer-list .buffer-server button").click();
  await message(page, "logged in as gus").waitFor({ timeout: WAIT });
  // The password is not kept in the page.
  assert.equal(await page.inputValue("#password"), "");

  const wrong = await openChat("gus2", { width: 1024, height: 700 }, "not-the-password");
  await wrong.locator("#buffer-list .buffer-server button").click();
  await message(wrong, "Login failed").waitFor({ timeout: WAIT });
  await page.context().close();
  await wrong.context().close();
});

test("the browser sees history after a reload", async () => {
  const page = await openChat("eve", { width: 1024, height: 700 });
  await say(page, "写在刷新之前 before the reload 📜");
  // Shown once the server echoes it, so it is in history before cat speaks.
  await message(page, "写在刷新之前 before the reload 📜").waitFor({ timeout: WAIT });
  irc.say("#hello", "cat was here too 🐾");
  await message(page, "cat was here too").waitFor({ timeout: WAIT });
  await page.reload();
  await page.fill("#nick", "eve");
  await page.click("#login-button");
  await page.locator("#buffer-name", { hasText: "#hello" }).waitFor({ timeout: WAIT });
  // Both lines come back from the server's history, in order.
  await page.locator("#messages .msg.from-history", { hasText: "写在刷新之前 before the reload 📜" }).waitFor({ timeout: WAIT });
  await page.locator("#messages .msg.from-history", { hasText: "cat was here too 🐾" }).waitFor({ timeout: WAIT });
  const texts = await page.locator("#messages .msg .text").allTextContents();
  assert.ok(texts.indexOf("写在刷新之前 before the reload 📜") < texts.indexOf("cat was here too 🐾"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("scrolling up loads older messages, each once", async () => {
  const lines = 130;
  await registeredChannel("#scroll");
  for (let i = 1; i <= lines; i++) irc.say("#scroll", `scroll line ${i}`);

  const page = await openChat("fay", { width: 1024, height: 500 });
  await say(page, "/join #scroll");
  await page.locator("#buffer-name", { hasText: "#scroll" }).waitFor({ timeout: WAIT });
  await message(page, `scroll line ${lines}`).waitFor({ timeout: WAIT });
  const oldest = page.locator("#messages .msg .text", { hasText: /^scroll line 1$/ });
  await waitFor(async () => {
    if (await oldest.count()) return true;
    await page.evaluate(() => {
      const view = document.getElementById("messages");
      view.scrollTop = 0;
      view.dispatchEvent(new Event("scroll"));
    });
    return false;
  }, "the first line after scrolling up", 20_000);
  await page.locator(".history-note", { hasText: "beginning" }).waitFor({ timeout: WAIT });
  const texts = (await page.locator("#messages .msg .text").allTextContents()).filter((t) => t.startsWith("scroll line "));
  assert.deepEqual(texts, Array.from({ length: lines }, (_, i) => `scroll line ${i + 1}`));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the search box finds an old message and shows it in its place", async () => {
  await registeredChannel("#search");
  irc.say("#search", "寻找 the needle 独一无二的句子 🧵");
  // Enough lines after it that the page's first page of history does not reach it.
  for (let i = 1; i <= 70; i++) irc.say("#search", `hay ${i}`);
  const page = await openChat("gil", { width: 1024, height: 700 });
  await say(page, "/join #search");
  await message(page, "hay 70").waitFor({ timeout: WAIT });
  assert.equal(await message(page, "独一无二").count(), 0);
  await page.click("#search-toggle");
  await page.fill("#search-input", "独一无二 in:#search");
  await page.press("#search-input", "Enter");
  const result = page.locator("#search-results .search-result", { hasText: "独一无二的句子" });
  await result.waitFor({ timeout: WAIT });
  assert.equal(await page.locator("#search-results .search-result").count(), 1);
  assert.equal(await result.locator(".nick").textContent(), "cat");
  // Choosing it loads the lines around it and highlights it.
  await result.click();
  await page.locator("#messages .msg.found", { hasText: "寻找 the needle 独一无二的句子 🧵" }).waitFor({ timeout: WAIT });
  // A channel the page is not in is never searched.
  await page.fill("#search-input", "scroll line");
  await page.press("#search-input", "Enter");
  await page.locator("#search-status", { hasText: "Nothing found" }).waitFor({ timeout: WAIT });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the page reconnects by itself, shows it and fills the gap", async () => {
  const page = await openChat("dee", { width: 1024, height: 700 });
  await say(page, "dee before the restart");
  await message(page, "dee before the restart").waitFor({ timeout: WAIT });
  // The server goes away: the page says so and keeps trying...
  irc.quit("restart");
  await stopServer();
  await page.locator("#status", { hasText: "reconnecting" }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => document.body.dataset.connection), "waiting");
  // ...the server comes back while the page waits out a 4 s retry, and
  // someone speaks before the page is back...
  await page.locator("#status", { hasText: "reconnecting in 4 s" }).waitFor({ timeout: 20_000 });
  await startServer();
  const early = new IRC.Client();
  early.connect({ host: "127.0.0.1", port: ircPort, nick: "early", username: "early", gecos: "early", auto_reconnect: false });
  await new Promise((resolve) => early.once("registered", resolve));
  early.join("#hello");
  await new Promise((resolve) => early.once("join", resolve));
  early.say("#hello", "离线时的消息 said while dee was away");
  // ...then the page reconnects by itself into #hello and gets that line from history.
  await page.locator("#status", { hasText: "Connected" }).waitFor({ timeout: 20_000 });
  await page.locator("#messages .msg-join", { hasText: "dee joined #hello" }).nth(1).waitFor({ timeout: WAIT });
  await page.locator("#messages .msg.from-history", { hasText: "离线时的消息 said while dee was away" }).waitFor({ timeout: WAIT });
  assert.equal(await message(page, "dee before the restart").count(), 1);
  early.quit("bye");
  assert.deepEqual(page.errors, []);
});
