// The web client's catalogues without a browser: every language has the
// same keys with the same {parameters}; every key the page and the scripts
// use exists, and every key is used; the page and the scripts show no
// English of their own outside the catalogues; the language is picked from
// the browser's list; the model's own lines follow the language.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "../../web/irc.js";
import { LANGUAGES, pickLanguage, t, useCatalogue } from "../../web/i18n.js";
import { Model } from "../../web/state.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WEB = path.join(ROOT, "web");
const read = (f) => readFileSync(path.join(WEB, f), "utf8");
const catalogue = (tag) => JSON.parse(read(`i18n/${tag}.json`));
const tags = readdirSync(path.join(WEB, "i18n")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
const en = catalogue("en");
const scripts = readdirSync(WEB).filter((f) => f.endsWith(".js"));
const PLURAL = /\.(zero|one|two|few|many|other)$/;

/** A catalogue's keys with plural forms folded into their base key. */
function baseKeys(cat) {
  return new Set(Object.keys(cat).map((k) => k.replace(PLURAL, "")));
}

function params(text) {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

test("each catalogue file is a language of the client, and embedded in the server", () => {
  assert.deepEqual(tags.sort(), Object.keys(LANGUAGES).sort());
  const assets = readFileSync(path.join(ROOT, "crates/hichat-server/src/web/assets.rs"), "utf8");
  for (const tag of tags) assert.ok(assets.includes(`asset!("i18n/${tag}.json", JSON)`), `i18n/${tag}.json not in assets.rs`);
});

test("every catalogue has the same keys as English, with the same parameters", () => {
  for (const tag of tags) {
    const cat = catalogue(tag);
    assert.deepEqual([...baseKeys(cat)].sort(), [...baseKeys(en)].sort(), `${tag} keys`);
    for (const [key, text] of Object.entries(cat)) {
      assert.equal(typeof text, "string", `${tag} ${key}`);
      assert.ok(text.trim(), `${tag} ${key} is empty`);
      const base = key.replace(PLURAL, "");
      const english = en[key] ?? en[`${base}.other`];
      assert.ok(english !== undefined, `${tag} ${key}: no English form`);
      // A plural form may leave out {count} ("1 message found").
      const strip = (ps) => (PLURAL.test(key) ? ps.filter((p) => p !== "count") : ps);
      assert.deepEqual(strip(params(text)), strip(params(english)), `${tag} ${key} parameters`);
    }
    for (const key of Object.keys(cat).filter((k) => PLURAL.test(k))) {
      assert.ok(`${key.replace(PLURAL, "")}.other` in cat, `${tag} ${key}: plural without .other`);
    }
  }
});

/** The keys the page and the scripts use. */
function usedKeys() {
  const used = new Set();
  const html = read("index.html");
  for (const m of html.matchAll(/data-i18n(?:-[\w-]+)?="([^"]+)"/g)) used.add(m[1]);
  for (const f of scripts) {
    const src = read(f);
    for (const m of src.matchAll(/\b(?:t|note)\(\s*"([\w.]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/\bkey: "([\w.]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/\bwithReason\(\s*"([\w.]+)"/g)) used.add(m[1]).add(`${m[1]}_reason`);
    const help = /const HELP = \[([^\]]*)\]/.exec(src);
    if (help) for (const m of help[1].matchAll(/"(\w+)"/g)) used.add(`help.${m[1]}`);
  }
  return used;
}

test("every key used exists in English, and every English key is used", () => {
  const used = usedKeys();
  const known = baseKeys(en);
  for (const key of used) assert.ok(known.has(key), `"${key}" is used but not in en.json`);
  for (const key of known) assert.ok(used.has(key), `"${key}" in en.json is never used`);
});

test("the page has no English outside the catalogue", () => {
  const html = read("index.html")
    .replace(/<!--[\s\S]*?-->|<!doctype[^>]*>/gi, "")
    .replace(/<(script|style|svg|title)\b[\s\S]*?<\/\1>/g, "");
  // Walk the tags, keeping the open elements, and look at each text and attribute.
  const stack = [];
  const VOID = new Set(["meta", "link", "input", "br", "img", "hr"]);
  const BRAND = new Set(["hichat"]);
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*)>|([^<]+)/g)) {
    const [, close, tag, attrs, text] = m;
    if (text !== undefined) {
      const words = text.trim();
      // Keys are named, not translated; a text without letters needs no words.
      if (!/[A-Za-z]/.test(words) || BRAND.has(words) || stack.some((e) => e.tag === "kbd")) continue;
      assert.ok(stack.some((e) => e.i18n), `text "${words}" is not from the catalogue`);
      continue;
    }
    if (close) {
      while (stack.length && stack.pop().tag !== tag.toLowerCase());
      continue;
    }
    for (const a of attrs.matchAll(/\s(placeholder|aria-label|title|alt)="([^"]*)"/g)) {
      assert.ok(new RegExp(`data-i18n-${a[1]}="`).test(attrs), `<${tag} ${a[1]}="${a[2]}"> is not from the catalogue`);
    }
    const el = { tag: tag.toLowerCase(), i18n: /\sdata-i18n="/.test(attrs) || stack.some((e) => e.i18n) };
    if (!VOID.has(el.tag) && !attrs.trim().endsWith("/")) stack.push(el);
  }
});

test("the scripts show no English of their own", () => {
  // A literal with letters outside ${...} going where the user reads it.
  const literal = String.raw`(["'\x60])((?:(?!\1)[^\\]|\\.)*?[A-Za-z]{2}(?:(?!\1)[^\\]|\\.)*?)\1`;
  const sinks = [
    String.raw`\.(?:textContent|innerText|innerHTML|placeholder|title|ariaLabel|alt)\s*=\s*`,
    String.raw`setAttribute\(\s*"(?:aria-label|title|placeholder|alt)",\s*`,
    String.raw`\b(?:info|renderNote)\(\s*`,
    String.raw`\btext:\s*`,
    String.raw`new Option\(\s*`,
  ];
  for (const f of scripts) {
    const src = read(f).replace(/\/\/.*$/gm, "");
    for (const sink of sinks) {
      for (const m of src.matchAll(new RegExp(sink + literal, "g"))) {
        const words = m[3].replace(/\$\{[^}]*\}/g, "");
        assert.ok(!/[A-Za-z]{2}/.test(words), `${f}: ${m[0]}`);
      }
    }
  }
});

test("the language follows the browser's list unless the user chose one", () => {
  assert.equal(pickLanguage(["zh-CN", "en"]), "zh-CN");
  assert.equal(pickLanguage(["zh-cn"]), "zh-CN");
  assert.equal(pickLanguage(["zh"]), "zh-CN");
  assert.equal(pickLanguage(["zh-Hans-SG"]), "zh-CN");
  assert.equal(pickLanguage(["fr-FR", "zh-TW"]), "zh-CN");
  assert.equal(pickLanguage(["en-GB", "zh-CN"]), "en");
  assert.equal(pickLanguage(["fr", "de"]), "en");
  assert.equal(pickLanguage([]), "en");
  assert.equal(pickLanguage(["zh-CN"], "en"), "en");
  assert.equal(pickLanguage(["en-US"], "zh-CN"), "zh-CN");
  // A stored value that is not a language of the client is ignored.
  assert.equal(pickLanguage(["zh-CN"], "xx"), "zh-CN");
});

test("the model's own lines are shown in the language in use, plurals included", () => {
  const m = new Model(() => {});
  m.handle(parse(":srv 001 ann :Welcome"));
  m.handle(parse(":ann!u@h JOIN #hello"));
  m.handle(parse(":bob!u@h JOIN #hello"));
  m.handle(parse(":bob!u@h PART #hello :晚安"));
  m.handle(parse(":bob!u@h NICK :bobby"));
  const b = m.buffer("#hello");
  const shown = () => b.messages.map((e) => (e.key ? t(e.key, e.params) : e.text));
  useCatalogue("en", en);
  assert.deepEqual(shown(), ["ann joined #hello", "bob joined #hello", "bob left (晚安)"]);
  assert.equal(t("search.found", { count: 1 }), en["search.found.one"]);
  assert.equal(t("search.found", { count: 3 }), "3 messages found, newest last. Choose one to see it in its place.");
  const zh = catalogue("zh-CN");
  useCatalogue("zh-CN", zh, en);
  assert.deepEqual(shown(), ["ann 加入了 #hello", "bob 加入了 #hello", "bob 离开了（晚安）"]);
  assert.equal(t("search.found", { count: 1 }), "找到 1 条消息，最新的在最后。选择一条，查看它的上下文。");
  // A key missing in a catalogue falls back to English, then to the key.
  useCatalogue("zh-CN", {}, en);
  assert.equal(t("status.connected"), "Connected");
  assert.equal(t("no.such.key"), "no.such.key");
  useCatalogue("en", en);
});
