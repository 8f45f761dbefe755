// Whole conversations for the reader: threads and every email in them, in one request.

import { EMAIL_LIST_PROPERTIES, type EmailSummary, type Id } from "../jmap/types";
import type { SyncEngine } from "./engine";

export function fetchThreads(engine: SyncEngine, threadIds: Id[]): Promise<void> {
  return engine.exclusive(async () => {
    const { client, accountId, store } = engine;
    const threads = client.call("Thread/get", { accountId, ids: threadIds });
    const emails = client.call("Email/get", {
      accountId,
      "#ids": threads.ref("/list/*/emailIds"),
      properties: EMAIL_LIST_PROPERTIES,
    });
    const [t, e] = await Promise.all([threads.value(), emails.value()]);
    await store.putFetched("Email", e.list as EmailSummary[], e.state);
    await store.putFetched("Thread", t.list, t.state);
  });
}

/** Emails (and their threads) the store lacks, e.g. rows scrolled to after an ids-only jump. */
export function fetchEmails(engine: SyncEngine, ids: Id[]): Promise<void> {
  return engine.exclusive(async () => {
    const have = await engine.store.emails(ids);
    const wanted = ids.filter((id) => !have.has(id));
    if (wanted.length === 0) return;
    const emails = await engine.getChunked("Email", wanted);
    const list = emails.list as EmailSummary[];
    const threads = await engine.getChunked("Thread", [...new Set(list.map((e) => e.threadId))]);
    await engine.store.putFetched("Email", list, emails.state as string);
    await engine.store.putFetched("Thread", threads.list as never[], threads.state as string);
  });
}
