// Reads and writes of the local mirror. Every write that moves a saved state forward
// stores that state's data in the same transaction, and no transaction ever waits on
// the network: callers fetch first, then write.

import type { EmailBody, EmailSummary, Id, Mailbox, State, SyncedType, Thread } from "../jmap/types";
import { STORE_OF, type MailDB, type StoredQuery } from "./db";

type ObjectOf<T extends SyncedType> = T extends "Mailbox" ? Mailbox : T extends "Thread" ? Thread : EmailSummary;

// A saved state must survive a closed tab or a crash together with its data: flush to disk
// before the write counts as done.
const STRICT = { durability: "strict" } as const;

export interface Changes<T extends SyncedType> {
  type: T;
  oldState: State;
  newState: State;
  put: ObjectOf<T>[];
  destroyed: Id[];
}

export class MailStore {
  /** Listeners told which stores changed after each committed write (this tab). */
  private listeners = new Set<(what: Set<string>) => void>();

  constructor(readonly db: MailDB) {}

  onChange(listener: (what: Set<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(what: Iterable<string>): void {
    const set = new Set(what);
    for (const listener of this.listeners) listener(set);
  }

  async state(type: SyncedType): Promise<State | null> {
    return (await this.db.get("states", type))?.state ?? null;
  }

  /**
   * Applies one /changes step: the objects and the new state in one transaction.
   * Returns false (and writes nothing) when the saved state is no longer ``oldState``.
   */
  async applyChanges<T extends SyncedType>(changes: Changes<T>): Promise<boolean> {
    const name = STORE_OF[changes.type];
    const tx = this.db.transaction(["states", name, "bodies"], "readwrite", STRICT);
    const saved = await tx.objectStore("states").get(changes.type);
    if (saved?.state !== changes.oldState) {
      tx.abort();
      await tx.done.catch(() => undefined);
      return false;
    }
    const objects = tx.objectStore(name);
    await Promise.all([
      ...changes.put.map((object) => objects.put(object as never)),
      ...changes.destroyed.map((id) => objects.delete(id)),
      ...(changes.type === "Email" ? changes.destroyed.map((id) => tx.objectStore("bodies").delete(id)) : []),
      tx.objectStore("states").put({ type: changes.type, state: changes.newState }),
    ]);
    await tx.done;
    this.notify([name]);
    return true;
  }

  /**
   * Stores objects fetched by /get. The state is saved only when none is: a later
   * state must be reached through /changes, which reports what changed in between.
   */
  async putFetched<T extends SyncedType>(type: T, list: ObjectOf<T>[], state: State): Promise<void> {
    const name = STORE_OF[type];
    const tx = this.db.transaction(["states", name], "readwrite", STRICT);
    const states = tx.objectStore("states");
    const objects = tx.objectStore(name);
    const saved = await states.get(type);
    await Promise.all([
      ...list.map((object) => objects.put(object as never)),
      saved ? Promise.resolve() : states.put({ type, state }),
    ]);
    await tx.done;
    this.notify([name]);
  }

  /** Replaces every object of a type, with its state (after cannotCalculateChanges). */
  async replaceAll<T extends SyncedType>(type: T, list: ObjectOf<T>[], state: State): Promise<void> {
    const name = STORE_OF[type];
    const tx = this.db.transaction(["states", name], "readwrite", STRICT);
    const objects = tx.objectStore(name);
    await objects.clear();
    await Promise.all([
      ...list.map((object) => objects.put(object as never)),
      tx.objectStore("states").put({ type, state }),
    ]);
    await tx.done;
    this.notify([name]);
  }

  knownIds(type: SyncedType): Promise<Id[]> {
    return this.db.getAllKeys(STORE_OF[type]) as Promise<Id[]>;
  }

  /** Drops a type's state and objects (a refetch found nothing to keep). */
  async forgetType(type: SyncedType): Promise<void> {
    const name = STORE_OF[type];
    const tx = this.db.transaction(["states", name], "readwrite");
    await Promise.all([tx.objectStore(name).clear(), tx.objectStore("states").delete(type)]);
    await tx.done;
    this.notify([name]);
  }

  mailboxes(): Promise<Mailbox[]> {
    return this.db.getAll("mailboxes");
  }

  email(id: Id): Promise<EmailSummary | undefined> {
    return this.db.get("emails", id);
  }

  async emails(ids: Id[]): Promise<Map<Id, EmailSummary>> {
    const tx = this.db.transaction("emails");
    const found = await Promise.all(ids.map((id) => tx.store.get(id)));
    const map = new Map<Id, EmailSummary>();
    for (const email of found) if (email) map.set(email.id, email);
    return map;
  }

  allEmails(): Promise<EmailSummary[]> {
    return this.db.getAll("emails");
  }

  async threads(ids: Id[]): Promise<Map<Id, Thread>> {
    const tx = this.db.transaction("threads");
    const found = await Promise.all(ids.map((id) => tx.store.get(id)));
    const map = new Map<Id, Thread>();
    for (const thread of found) if (thread) map.set(thread.id, thread);
    return map;
  }

  thread(id: Id): Promise<Thread | undefined> {
    return this.db.get("threads", id);
  }

  body(id: Id): Promise<EmailBody | undefined> {
    return this.db.get("bodies", id);
  }

  async missingBodies(ids: Id[]): Promise<Id[]> {
    const tx = this.db.transaction("bodies");
    const keys = await Promise.all(ids.map((id) => tx.store.getKey(id)));
    return ids.filter((_, i) => keys[i] === undefined);
  }

  async putBodies(bodies: EmailBody[]): Promise<void> {
    const tx = this.db.transaction("bodies", "readwrite");
    await Promise.all(bodies.map((body) => tx.store.put(body)));
    await tx.done;
    this.notify(["bodies"]);
  }

  query(key: string): Promise<StoredQuery | undefined> {
    return this.db.get("queries", key);
  }

  /** A query's ids with the emails (and threads) they show, in one transaction. */
  async putQuery(
    query: StoredQuery,
    emails: EmailSummary[],
    emailState: State | null,
    threads: Thread[] = [],
    threadState: State | null = null,
  ): Promise<void> {
    const tx = this.db.transaction(["queries", "emails", "threads", "states"], "readwrite", STRICT);
    const states = tx.objectStore("states");
    const [savedEmail, savedThread] = await Promise.all([states.get("Email"), states.get("Thread")]);
    await Promise.all([
      tx.objectStore("queries").put(query),
      ...emails.map((email) => tx.objectStore("emails").put(email)),
      ...threads.map((thread) => tx.objectStore("threads").put(thread)),
      !savedEmail && emailState ? states.put({ type: "Email", state: emailState }) : undefined,
      !savedThread && threadState ? states.put({ type: "Thread", state: threadState }) : undefined,
    ]);
    await tx.done;
    this.notify(["queries", "emails", "threads"]);
  }

  async meta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get("meta", key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put("meta", value, key);
  }
}
