// Boot: open the local store at once (from the saved session when offline), render
// from it, then connect, resync and listen for pushes.

import { deleteDB } from "idb";
import { render } from "preact";
import { csrfHeader, JmapClient, JmapRequestError, NetworkError } from "./jmap/client";
import type { Session } from "./jmap/types";
import { databaseName, openMailDB } from "./store/db";
import { MailStore } from "./store/store";
import { SyncEngine } from "./sync/engine";
import { SharedPush } from "./sync/push";
import { QuerySync } from "./sync/queries";
import "./styles.css";
import { App } from "./views/App";
import { lastError, online, pushLive, readHash, setServices, storeVersion, syncGeneration, syncing } from "./views/context";

const SESSION_KEY = "jmapmail:session";

function savedSession(): Session | null {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
  } catch {
    return null;
  }
}

function savedAccount(session: Session): string {
  return session.primaryAccounts["urn:ietf:params:jmap:mail"] ?? Object.keys(session.accounts)[0];
}

function toLogin(): void {
  location.href = `/login/?next=${encodeURIComponent("/" + location.hash)}`;
}

function failed(error: unknown): void {
  if (error instanceof JmapRequestError && (error.status === 401 || error.status === 403)) {
    toLogin();
  } else if (error instanceof NetworkError) {
    online.value = false;
  } else {
    lastError.value = error instanceof Error ? error.message : String(error);
  }
}

async function signOut(name: string): Promise<void> {
  localStorage.removeItem(SESSION_KEY);
  for (const key of await caches.keys()) await caches.delete(key);
  await deleteDB(name, { blocked: () => undefined }).catch(() => undefined);
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/logout/";
  const token = document.createElement("input");
  token.type = "hidden";
  token.name = "csrfmiddlewaretoken";
  token.value = csrfHeader()["X-CSRFToken"] ?? "";
  form.append(token);
  document.body.append(form);
  form.submit();
}

async function boot(): Promise<void> {
  readHash();
  const client = new JmapClient({ sessionUrl: "/.well-known/jmap", headers: csrfHeader });
  const live = client.connect().then((session) => {
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    online.value = true;
    return session;
  });
  const saved = savedSession();
  let session: Session;
  if (saved) {
    client.session = saved;
    session = saved;
    live.then((fresh) => {
      // Someone else signed in on this browser: never show the previous user's mail.
      if (fresh.username !== saved.username || client.accountId !== savedAccount(saved)) location.reload();
    }, failed);
  } else {
    try {
      session = await live;
    } catch (error) {
      failed(error);
      if (error instanceof NetworkError) {
        document.getElementById("app")!.textContent = "Offline, and this browser has no mail kept yet.";
      }
      return;
    }
  }
  client.onSessionChange = () => {
    void client.connect().then((fresh) => localStorage.setItem(SESSION_KEY, JSON.stringify(fresh)), failed);
  };
  const accountId = client.accountId;
  const name = databaseName(session.username, accountId);
  const store = new MailStore(await openMailDB(name));
  const engine = new SyncEngine(client, store, accountId);
  const queries = new QuerySync(engine);
  setServices({ client, store, engine, queries, accountId, username: session.username, signOut: () => void signOut(name) });
  store.onChange(() => storeVersion.value++);
  engine.onStatus((status) => {
    syncing.value = status.syncing;
    if (status.error) failed(status.error);
    else lastError.value = null;
  });
  render(<App />, document.getElementById("app")!);

  // Another tab wrote to the store: re-read.
  const writes = new BroadcastChannel(`${name}:writes`);
  writes.onmessage = () => storeVersion.value++;
  store.onChange(() => writes.postMessage("changed"));

  const resync = () =>
    engine.resync().then(() => {
      online.value = true;
      syncGeneration.value++;
    }, failed);
  const push = new SharedPush({
    name,
    url: () => client.eventSourceUrl("*", "no", 60),
    onChange: () => void resync(),
    onLive: (live) => (pushLive.value = live),
  });
  let pushing = false;
  const startPush = () => {
    if (!pushing) push.start();
    pushing = true;
  };
  const goOnline = () => {
    void live
      .catch(() => client.connect())
      .then(() => {
        online.value = true;
        startPush();
        return resync();
      })
      .catch(failed);
  };
  window.addEventListener("online", goOnline);
  window.addEventListener("offline", () => (online.value = false));
  try {
    await live;
  } catch {
    return; // offline: the "online" event takes it from here
  }
  await resync();
  startPush();
}

if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}
void boot();
