import "fake-indexeddb/auto";
import { JmapClient } from "../src/jmap/client";
import { openMailDB } from "../src/store/db";
import { MailStore } from "../src/store/store";
import { SyncEngine } from "../src/sync/engine";
import { QuerySync } from "../src/sync/queries";
import type { FakeJmapServer } from "./fakeServer";

let counter = 0;

export async function connect(server: FakeJmapServer) {
  const client = new JmapClient({
    sessionUrl: "http://fake/session",
    fetch: server.fetch,
    headers: () => ({ "X-CSRFToken": "token" }),
  });
  await client.connect();
  const name = `test-${counter++}`;
  const store = new MailStore(await openMailDB(name));
  const engine = new SyncEngine(client, store, "A1", name);
  return { client, store, engine, queries: new QuerySync(engine), name };
}

/** A small deterministic random generator (mulberry32), so a failing seed can be replayed. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function byId<T extends { id: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
}
