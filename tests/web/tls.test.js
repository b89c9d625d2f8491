// The hichat binary with TLS, as an operator runs it: `hichat cert
// self-signed` makes the certificate, `hichat serve --tls-cert/--tls-key`
// serves IRC over TLS and HTTPS, and SIGHUP reloads a renewed certificate
// while connections made before it keep chatting. Node's own TLS client.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.HICHAT_BIN ?? path.join(ROOT, "target/debug/hichat");
const WAIT = 10_000;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** An IRC client over TLS that trusts exactly `ca`. */
function ircOverTls(port, ca, nick) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" });
    const client = { socket, lines: [], waiters: [] };
    let buf = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        client.lines.push(line);
        client.waiters = client.waiters.filter((w) => !w(line));
      }
    });
    socket.on("error", reject);
    client.send = (line) => socket.write(line + "\r\n");
    client.waitFor = (needle) =>
      new Promise((res, rej) => {
        const found = client.lines.find((l) => l.includes(needle));
        if (found) return res(found);
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${needle}`)), WAIT);
        client.waiters.push((l) => {
          if (!l.includes(needle)) return false;
          clearTimeout(timer);
          res(l);
          return true;
        });
      });
    socket.on("secureConnect", async () => {
      client.cert = socket.getPeerCertificate().fingerprint256;
      client.send(`NICK ${nick}`);
      client.send(`USER ${nick} 0 * :${nick}`);
      await client.waitFor(" 001 ");
      resolve(client);
    });
  });
}

/** The SHA-256 fingerprint of a PEM certificate file, as Node prints it. */
function fingerprint(pemPath) {
  return new X509Certificate(readFileSync(pemPath)).fingerprint256;
}

test("TLS: self-signed certificate, IRC and HTTPS, reload on SIGHUP without disconnects", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hichat-tls-"));
  const certDir = path.join(dir, "tls");
  execFileSync(BIN, ["cert", "self-signed", "--out", certDir]);
  const certPath = path.join(certDir, "cert.pem");
  const oldCa = readFileSync(certPath);
  const [ircPort, tlsPort, webPort] = [await freePort(), await freePort(), await freePort()];
  const server = spawn(
    BIN,
    ["serve", "--listen", `127.0.0.1:${ircPort}`, "--tls-listen", `127.0.0.1:${tlsPort}`, "--web", `127.0.0.1:${webPort}`,
     "--tls-cert", certPath, "--tls-key", path.join(certDir, "key.pem"), "--data-dir", path.join(dir, "data")],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  server.stderr.on("data", (d) => (log += d));
  try {
    const deadline = Date.now() + WAIT;
    while (!log.includes("web client on https://")) {
      assert.ok(Date.now() < deadline, `server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const ann = await ircOverTls(tlsPort, oldCa, "ann");
    assert.equal(ann.cert, fingerprint(certPath));
    ann.send("CAP LS 302");
    // Over TLS, sts carries the policy duration (the port is for plain-text clients).
    // (The list may come over several CAP LS lines; sts is on one of them.)
    assert.match(await ann.waitFor(" sts="), /CAP ann LS .*sts=duration=0( |$)/);
    ann.send("JOIN #hello");
    await ann.waitFor(" 366 ");

    // A renewed certificate in the same files, then SIGHUP.
    execFileSync(BIN, ["cert", "self-signed", "--out", certDir]);
    const newCa = readFileSync(certPath);
    assert.notDeepEqual(newCa, oldCa);
    server.kill("SIGHUP");
    const reloaded = Date.now() + WAIT;
    while (!log.includes("TLS certificate reloaded")) {
      assert.ok(Date.now() < reloaded, `no reload in the log:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const bob = await ircOverTls(tlsPort, newCa, "bob");
    assert.equal(bob.cert, fingerprint(certPath));
    assert.notEqual(bob.cert, ann.cert);
    bob.send("JOIN #hello");
    await bob.waitFor(" 366 ");
    ann.send("PRIVMSG #hello :还在 still here 🔐");
    assert.match(await bob.waitFor(" PRIVMSG #hello "), /:ann!\S+ PRIVMSG #hello :还在 still here 🔐$/);
    bob.send("PRIVMSG #hello :欢迎 👋");
    assert.match(await ann.waitFor(" PRIVMSG #hello "), /:bob!\S+ PRIVMSG #hello :欢迎 👋$/);

    // HTTPS on the web listener, with the new certificate.
    const body = await new Promise((resolve, reject) => {
      https
        .get({ host: "127.0.0.1", port: webPort, path: "/healthz", ca: newCa, servername: "localhost" }, (res) => {
          let b = "";
          res.on("data", (d) => (b += d));
          res.on("end", () => resolve(b));
        })
        .on("error", reject);
    });
    assert.equal(body, "ok\n");
    ann.socket.destroy();
    bob.socket.destroy();
  } finally {
    server.kill("SIGTERM");
  }
});
