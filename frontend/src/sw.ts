/// <reference lib="webworker" />
// The service worker: keeps the app shell (boot page, scripts, styles, icon) so a
// reload with no network still starts the app, which then reads mail from IndexedDB.
// Mail data never goes through here: the app has it in its own store.

const worker = self as unknown as ServiceWorkerGlobalScope & { APP_SHELL: string[] };

const SHELL = worker.APP_SHELL;
const CACHE = `shell-${SHELL.join("|").length}-${checksum(SHELL.join("|"))}`;

function checksum(text: string): string {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return (hash >>> 0).toString(36);
}

async function fill(): Promise<void> {
  const cache = await caches.open(CACHE);
  await Promise.all(
    SHELL.map(async (url) => {
      const response = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
      // A redirect to the login page is not the app: never keep it as the shell.
      if (response.ok && !response.redirected) await cache.put(url, response);
    }),
  );
}

worker.addEventListener("install", (event) => {
  event.waitUntil(fill().then(() => worker.skipWaiting()));
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("shell-") && name !== CACHE) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

/**
 * The boot page from the cache at once (a warm start waits on no network), refreshed in
 * the background for the next start. A signed-out session is noticed by the app itself:
 * its first API call answers 401 and it goes to the login page.
 */
async function bootPage(event: FetchEvent): Promise<Response> {
  const cache = await caches.open(CACHE);
  const cached = await cache.match("/");
  const fresh = fetch(event.request).then(async (response) => {
    // A redirect to the login page is not the app: never keep it as the shell.
    if (response.ok && !response.redirected) await cache.put("/", response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(fresh.catch(() => undefined));
    return cached;
  }
  return fresh.catch(() => Response.error());
}

async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

worker.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== worker.location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/") {
    event.respondWith(bootPage(event));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});
