// The local mirror in IndexedDB. One database per account; the schema is versioned
// and upgrade() brings any older version forward.

import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import type { EmailBody, EmailSummary, Id, Mailbox, State, SyncedType, Thread } from "../jmap/types";

export const SCHEMA_VERSION = 1;

/** The result of one Email/query the user has looked at: a prefix of its ids, kept up to date. */
export interface StoredQuery {
  key: string;
  queryState: State;
  canCalculateChanges: boolean;
  /** The first ids of the query, in order, with no gaps. */
  ids: Id[];
  total: number;
  updatedAt: number;
}

export interface MailSchema extends DBSchema {
  states: { key: SyncedType; value: { type: SyncedType; state: State } };
  mailboxes: { key: Id; value: Mailbox };
  threads: { key: Id; value: Thread };
  emails: { key: Id; value: EmailSummary; indexes: { byReceivedAt: string } };
  bodies: { key: Id; value: EmailBody };
  queries: { key: string; value: StoredQuery };
  meta: { key: string; value: unknown };
}

export type MailDB = IDBPDatabase<MailSchema>;
export type ObjectStoreName = "mailboxes" | "threads" | "emails";
export const STORE_OF: Record<SyncedType, ObjectStoreName> = {
  Mailbox: "mailboxes",
  Thread: "threads",
  Email: "emails",
};

export type WriteTx<S extends StoreNames<MailSchema>[]> = IDBPTransaction<MailSchema, S, "readwrite">;

export function databaseName(username: string, accountId: Id): string {
  return `jmapmail:${username}:${accountId}`;
}

export function openMailDB(name: string, factory?: IDBFactory): Promise<MailDB> {
  const upgrade = (db: IDBPDatabase<MailSchema>, oldVersion: number) => {
    if (oldVersion < 1) {
      db.createObjectStore("states", { keyPath: "type" });
      db.createObjectStore("mailboxes", { keyPath: "id" });
      db.createObjectStore("threads", { keyPath: "id" });
      const emails = db.createObjectStore("emails", { keyPath: "id" });
      emails.createIndex("byReceivedAt", "receivedAt");
      db.createObjectStore("bodies", { keyPath: "id" });
      db.createObjectStore("queries", { keyPath: "key" });
      db.createObjectStore("meta");
    }
  };
  if (factory) {
    // Tests pass an in-memory IndexedDB; idb's openDB uses the global one.
    const saved = globalThis.indexedDB;
    globalThis.indexedDB = factory;
    try {
      return openDB<MailSchema>(name, SCHEMA_VERSION, { upgrade });
    } finally {
      globalThis.indexedDB = saved;
    }
  }
  return openDB<MailSchema>(name, SCHEMA_VERSION, {
    upgrade,
    blocking: (_current, _next, event) => (event.target as IDBDatabase).close(),
  });
}
