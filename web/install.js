// The client as an installable app: registers the service worker (sw.js,
// served by the server at /sw.js) that keeps the client's own files for
// starting offline, and shows a "reload" bar when a new version of the
// client has taken over. Service workers need a secure context (HTTPS, or
// localhost): elsewhere the page simply works online only.

const $ = (id) => document.getElementById(id);

/** Registers the service worker; a no-op where the browser has none. */
export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  // A page that had no worker gets one on its first visit: that is not an update.
  let controller = navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (controller) $("update").hidden = false;
    controller = navigator.serviceWorker.controller;
  });
  $("update-reload").addEventListener("click", () => location.reload());
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((e) => console.warn("service worker not registered:", e));
}

/** Shows on the login box whether the browser is offline, and calls `onChange` when that changes. */
export function watchNetwork(onChange) {
  const show = () => {
    $("login-offline").hidden = navigator.onLine;
    onChange();
  };
  window.addEventListener("online", show);
  window.addEventListener("offline", show);
  $("login-offline").hidden = navigator.onLine;
}
