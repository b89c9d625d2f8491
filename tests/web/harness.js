// What the browser tests of the installable client share: a real
// `hichat serve` on free ports (stopped and started again as a test needs),
// Debian's Chromium through playwright-core, and waiting for a condition.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = process.env.HICHAT_BIN ?? path.join(ROOT, "target/debug/hichat");
export const WAIT = 10_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export async function waitFor(check, what, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A hichat server on free ports with its own data directory. */
export class Server {
  static async create() {
    const s = new Server();
    s.ircPort = await freePort();
    s.webPort = await freePort();
    s.url = `http://127.0.0.1:${s.webPort}/`;
    const data = mkdtempSync(path.join(os.tmpdir(), "hichat-webapp-"));
    s.args = ["serve", "--listen", `127.0.0.1:${s.ircPort}`, "--web", `127.0.0.1:${s.webPort}`, "--data-dir", data];
    await s.start();
    return s;
  }

  async start() {
    this.child = spawn(BIN, this.args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    this.child.stderr.on("data", (d) => (log += d));
    this.child.on("exit", (code) => code && console.error(`hichat exited with ${code}:\n${log}`));
    await waitFor(async () => {
      try {
        return (await fetch(this.url + "healthz")).ok;
      } catch {
        return false;
      }
    }, "hichat serve to start");
  }

  async stop() {
    if (!this.child) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
    this.child = null;
  }
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
