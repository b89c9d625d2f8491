// The service worker: keeps the web client's own files so that the client
// starts without a network (and shows that it is reconnecting). The server
// puts two lines before this file (crates/hichat-server/src/web/assets.rs):
//   const VERSION = "<hash of every file>";
//   const FILES = ["/", "/assets/app.js", ...];
// so any new file or change makes a new worker, which caches the new files,
// takes over, and deletes the old cache. Only the paths in FILES are ever
// cached or answered from the cache: messages, the WebSocket, /healthz,
// /metrics and any API always go to the network untouched.
/* global VERSION, FILES */

const PREFIX = "hichat-";
const CACHE = PREFIX + VERSION;
const PATHS = new Set(FILES);

self.addEventListener("install", (ev) => {
  ev.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Straight from the server, not from the HTTP cache.
      await cache.addAll(FILES.map((f) => new Request(f, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (ev) => {
  const req = ev.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || !PATHS.has(url.pathname)) return;
  ev.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      return (await cache.match(url.pathname)) ?? fetch(req);
    })(),
  );
});
