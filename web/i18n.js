// The web client's own words in the user's language. Each language is one
// catalogue, i18n/<tag>.json: flat "key": "text" pairs where {name} is a
// parameter and "key.one"/"key.other" are plural forms (Intl.PluralRules).
// Missing keys fall back to English, then to the key itself. The page's
// static text is marked with data-i18n="key" (text, with data-slot children
// kept as {slot} placeholders) and data-i18n-ATTR="key" (an attribute).
// No DOM is touched on import, so the model and node tests can use t().

/** Languages with a catalogue, by BCP 47 tag, each named in itself. */
export const LANGUAGES = { en: "English", "zh-CN": "简体中文" };
export const DEFAULT_LANGUAGE = "en";
/** Where the user's own choice is remembered. */
export const LANGUAGE_KEY = "hichat.lang";

let current = DEFAULT_LANGUAGE;
let words = {};
let fallback = {};
let plurals = new Intl.PluralRules(DEFAULT_LANGUAGE);

/**
 * The language to show: the stored choice when there is a catalogue for it,
 * else the first of the browser's languages that has one (exactly, or by
 * its base language: zh-SG and zh-Hans get zh-CN), else English.
 */
export function pickLanguage(preferred = [], stored = null) {
  const tags = Object.keys(LANGUAGES);
  const find = (want) => tags.find((t) => t.toLowerCase() === String(want).toLowerCase());
  if (stored && find(stored)) return find(stored);
  for (const p of preferred) {
    const base = String(p).split("-")[0].toLowerCase();
    const match = find(p) ?? tags.find((t) => t.split("-")[0].toLowerCase() === base);
    if (match) return match;
  }
  return DEFAULT_LANGUAGE;
}

/** Uses `catalogue` for `tag`, with `english` for keys it lacks. */
export function useCatalogue(tag, catalogue, english = catalogue) {
  current = tag;
  words = catalogue ?? {};
  fallback = english ?? {};
  plurals = new Intl.PluralRules(tag);
}

/** The language in use. */
export function language() {
  return current;
}

/**
 * The locale for dates and times: the browser's own when it is of the
 * language shown (so en-GB keeps its 24-hour clock), else that language.
 */
export function dateLocale() {
  const browser = globalThis.navigator?.language;
  return browser && browser.split("-")[0].toLowerCase() === current.split("-")[0].toLowerCase() ? browser : current;
}

/** Fetches the catalogues for `tag` (and English) from the server and uses them. */
export async function loadLanguage(tag) {
  const get = async (t) => {
    const res = await fetch(`/assets/i18n/${t}.json`);
    if (!res.ok) throw new Error(`no catalogue for ${t}: ${res.status}`);
    return res.json();
  };
  const english = tag === DEFAULT_LANGUAGE ? null : await get(DEFAULT_LANGUAGE).catch(() => ({}));
  const catalogue = await get(tag);
  useCatalogue(tag, catalogue, english ?? catalogue);
}

function lookup(key, params) {
  if (typeof params.count === "number") {
    const form = `${key}.${plurals.select(params.count)}`;
    const s = words[form] ?? words[`${key}.other`] ?? fallback[form] ?? fallback[`${key}.other`];
    if (s !== undefined) return s;
  }
  return words[key] ?? fallback[key] ?? key;
}

/** The text for `key` in the current language, with {name} replaced from `params`. */
export function t(key, params = {}) {
  return lookup(key, params).replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * Translates the page under `root`: data-i18n sets an element's text (its
 * data-slot children stay, standing for {slot}), data-i18n-ATTR sets ATTR.
 */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("*")) {
    for (const a of [...el.attributes]) {
      if (a.name.startsWith("data-i18n-")) el.setAttribute(a.name.slice("data-i18n-".length), t(a.value));
    }
    const key = el.dataset.i18n;
    if (!key) continue;
    const slots = {};
    for (const s of el.querySelectorAll(":scope > [data-slot]")) slots[s.dataset.slot] = s;
    const parts = t(key).split(/\{(\w+)\}/);
    el.replaceChildren(...parts.map((p, i) => (i % 2 && slots[p] ? slots[p] : document.createTextNode(i % 2 ? `{${p}}` : p))));
  }
  document.documentElement.lang = current;
}

/** Loads `tag`, translates the page and sets the pickers; `remember` stores the choice. */
export async function showLanguage(tag, remember = false) {
  await loadLanguage(tag);
  if (remember) localStorage.setItem(LANGUAGE_KEY, tag);
  translatePage();
  for (const select of document.querySelectorAll(".language-select")) select.value = tag;
}

/** Fills the language pickers (select.language-select); a choice shows and remembers it, then calls `onChange`. */
export function setupLanguagePickers(onChange) {
  for (const select of document.querySelectorAll(".language-select")) {
    select.replaceChildren(...Object.entries(LANGUAGES).map(([tag, name]) => new Option(name, tag)));
    select.addEventListener("change", async () => {
      await showLanguage(select.value, true);
      onChange();
    });
  }
}
