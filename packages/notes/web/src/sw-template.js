// The notes app's service worker: the app shell comes from its cache when the network does not
// answer, so the app opens (and captures) offline. Only the shell under /notes/ is cached: notes,
// attachments and the hub's API always go to the network.
const VERSION = __VERSION__;
const SHELL = __SHELL__;
const CACHE = `notes-shell-${VERSION}`;
const scope = new URL(self.registration.scope);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((f) => new URL(f, scope).toString())))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("notes-shell-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (
    event.request.method !== "GET" ||
    url.origin !== scope.origin ||
    !url.pathname.startsWith(scope.pathname)
  )
    return;
  if (url.pathname.startsWith(`${scope.pathname}assets/`)) {
    // Hashed file names never change content: the cache answers first.
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
    return;
  }
  // The page itself: the network first (a new version, a lapsed login), the cached shell offline.
  event.respondWith(
    fetch(event.request).catch(() =>
      caches
        .match(event.request, { ignoreSearch: true })
        .then((hit) => hit || caches.match(scope.toString())),
    ),
  );
});
