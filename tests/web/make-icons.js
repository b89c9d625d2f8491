// Makes the web client's PNG icons from web/icon.svg with Chromium:
// icon-192.png and icon-512.png (the icon as it is, corners transparent)
// and icon-maskable.png (full bleed, the bubble inside the middle 70% that
// Android's masks keep). Run by hand after changing the icon:
//   node make-icons.js

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");
const svg = readFileSync(path.join(WEB, "icon.svg"), "utf8");
// The same drawing without the rounded square, scaled into the safe zone.
const inner = svg.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "").replace(/<rect[^>]*\/>/, "");
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#3b6fd8"/>` +
  `<g transform="translate(32 32) scale(.8) translate(-32 -35)">${inner}</g></svg>`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox"] });
for (const [name, source, size] of [["icon-192.png", svg, 192], ["icon-512.png", svg, 512], ["icon-maskable.png", maskable, 512]]) {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  const url = "data:image/svg+xml;base64," + Buffer.from(source).toString("base64");
  await page.setContent(`<style>html,body{margin:0;background:transparent}</style><img src="${url}" width="${size}" height="${size}">`);
  await page.locator("img").evaluate((img) => img.decode());
  await page.screenshot({ path: path.join(WEB, name), omitBackground: true });
  await page.close();
}
await browser.close();
