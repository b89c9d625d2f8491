// The web client's model without a browser: history batches merge into
// their buffers in time order, once each; the read marker decides what is
// unread; search results come out as entries.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "../../web/irc.js";
import { Model } from "../../web/state.js";

function model() {
  const events = [];
  const m = new Model((kind, data) => events.push({ kind, data }));
  m.events = events;
  m.handle(parse(":srv 001 ann :Welcome"));
  return m;
}

const line = (id, time, text, from = "bob", target = "#hello", batch = "") =>
  parse(`@${batch ? `batch=${batch};` : ""}msgid=${id};time=${time} :${from}!u@h PRIVMSG ${target} :${text}`);

function history(m, ref, target, lines) {
  m.handle(parse(`:srv BATCH +${ref} chathistory ${target}`));
  for (const l of lines) m.handle(l);
  m.handle(parse(`:srv BATCH -${ref}`));
}

test("history lines merge in time order, each once, around live lines", () => {
  const m = model();
  m.handle(parse(":ann!u@h JOIN #hello"));
  m.handle(line("m5", "2026-11-25T10:05:00.000Z", "live five"));
  const b = m.buffer("#hello");
  b.loading = { kind: "before", limit: 3 };
  history(m, "h1", "#hello", [
    line("m2", "2026-11-25T10:02:00.000Z", "two", "bob", "#hello", "h1"),
    line("m3", "2026-11-25T10:03:00.000Z", "three", "bob", "#hello", "h1"),
    line("m5", "2026-11-25T10:05:00.000Z", "live five", "bob", "#hello", "h1"),
  ]);
  const texts = b.messages.filter((e) => e.msgid).map((e) => e.text);
  assert.deepEqual(texts, ["two", "three", "live five"]);
  assert.equal(b.loading, null);
  // A full page back means there may be more.
  assert.equal(b.noOlder, false);
  assert.equal(m.oldestKnown(b).msgid, "m2");
  assert.equal(m.newestKnown(b).msgid, "m5");
  // Lines inside the batch were not shown as live messages.
  assert.equal(m.events.filter((e) => e.kind === "message" && e.data.entry.text === "two").length, 0);
  assert.equal(m.events.filter((e) => e.kind === "history").length, 1);
});

test("a short page of older lines means the beginning was reached", () => {
  const m = model();
  m.handle(parse(":ann!u@h JOIN #hello"));
  const b = m.buffer("#hello");
  b.loading = { kind: "before", limit: 50 };
  history(m, "h2", "#hello", [line("m1", "2026-11-25T10:01:00.000Z", "one", "bob", "#hello", "h2")]);
  assert.equal(b.noOlder, true);
});

test("private history goes to the other party's buffer, own lines included", () => {
  const m = model();
  history(m, "p1", "bob", [
    line("d1", "2026-11-25T10:01:00.000Z", "hi ann", "bob", "ann", "p1"),
    line("d2", "2026-11-25T10:02:00.000Z", "hi bob", "ann", "bob", "p1"),
  ]);
  const b = m.buffer("bob");
  assert.equal(b.type, "query");
  assert.deepEqual(b.messages.map((e) => [e.nick, e.text, e.self]), [["bob", "hi ann", false], ["ann", "hi bob", true]]);
});

test("the read marker counts what is unread and clears it when read elsewhere", () => {
  const m = model();
  m.handle(parse(":ann!u@h JOIN #hello"));
  m.handle(parse(":ann!u@h JOIN #other"));
  const b = m.buffer("#hello");
  assert.notEqual(m.active, b.key);
  m.handle(parse("MARKREAD #hello timestamp=2026-11-25T10:02:30.000Z"));
  history(m, "h3", "#hello", [
    line("m2", "2026-11-25T10:02:00.000Z", "read", "bob", "#hello", "h3"),
    line("m3", "2026-11-25T10:03:00.000Z", "unread ann?", "bob", "#hello", "h3"),
    line("m4", "2026-11-25T10:04:00.000Z", "unread too", "bob", "#hello", "h3"),
  ]);
  assert.equal(b.unread, 2);
  assert.equal(b.mention, true);
  // Another device read up to the end: nothing is unread here any more.
  m.handle(parse("MARKREAD #hello timestamp=2026-11-25T10:04:00.000Z"));
  assert.equal(b.unread, 0);
  assert.equal(b.mention, false);
  // The marker never moves back.
  m.handle(parse("MARKREAD #hello timestamp=2026-11-25T09:00:00.000Z"));
  assert.equal(b.readMarker.toISOString(), "2026-11-25T10:04:00.000Z");
});

test("search results come out as entries with where they were said", () => {
  const m = model();
  m.handle(parse(":srv BATCH +s1 draft/search"));
  m.handle(line("x1", "2026-11-25T10:01:00.000Z", "找到了 found", "bob", "#hello", "s1"));
  m.handle(line("x2", "2026-11-25T10:02:00.000Z", "private one", "bob", "ann", "s1"));
  m.handle(parse(":srv BATCH -s1"));
  const found = m.events.find((e) => e.kind === "search").data;
  assert.deepEqual(found.map((r) => [r.name, r.entry.text, r.entry.msgid]), [["#hello", "找到了 found", "x1"], ["bob", "private one", "x2"]]);
  // Results are not messages in the buffers.
  assert.equal(m.buffer("#hello"), undefined);
});

test("older lines sharing a millisecond with newer ones keep the server's order", () => {
  const m = model();
  m.handle(parse(":ann!u@h JOIN #hello"));
  const b = m.buffer("#hello");
  const t = "2026-11-25T10:00:00.000Z";
  b.loading = { kind: "latest", limit: 2 };
  history(m, "n1", "#hello", [line("c", t, "three", "bob", "#hello", "n1"), line("d", t, "four", "bob", "#hello", "n1")]);
  b.loading = { kind: "before", limit: 2 };
  history(m, "n2", "#hello", [line("a", t, "one", "bob", "#hello", "n2"), line("b", t, "two", "bob", "#hello", "n2")]);
  assert.deepEqual(b.messages.filter((e) => e.msgid).map((e) => e.text), ["one", "two", "three", "four"]);
});

test("the latest lines go before lines relayed live while they were asked for", () => {
  const m = model();
  m.handle(parse(":ann!u@h JOIN #hello"));
  const b = m.buffer("#hello");
  const t = "2026-11-25T10:00:00.000Z";
  b.loading = { kind: "latest", limit: 50, mark: b.messages.length };
  m.handle(line("c", t, "three (live)"));
  history(m, "n1", "#hello", [line("a", t, "one", "bob", "#hello", "n1"), line("b", t, "two", "bob", "#hello", "n1")]);
  assert.deepEqual(b.messages.filter((e) => e.msgid).map((e) => e.text), ["one", "two", "three (live)"]);
});
