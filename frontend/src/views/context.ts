// What the views share: the engine and store they read from, and the UI state as signals.

import { signal } from "@preact/signals";
import type { JmapClient } from "../jmap/client";
import type { Id } from "../jmap/types";
import type { MailStore } from "../store/store";
import type { SyncEngine } from "../sync/engine";
import type { QuerySync } from "../sync/queries";

export interface Services {
  client: JmapClient;
  store: MailStore;
  engine: SyncEngine;
  queries: QuerySync;
  accountId: Id;
  username: string;
  signOut: () => void;
}

let services: Services | null = null;

export function setServices(value: Services): void {
  services = value;
}

export function app(): Services {
  if (!services) throw new Error("services not set");
  return services;
}

export type ListMode = "threads" | "messages";

export const online = signal(typeof navigator === "undefined" ? true : navigator.onLine);
export const syncing = signal(false);
export const lastError = signal<string | null>(null);
export const mailboxId = signal<Id | null>(null);
export const mode = signal<ListMode>("threads");
export const search = signal("");
export const selected = signal(0);
export const openThreadId = signal<Id | null>(null);
export const openEmailId = signal<Id | null>(null);
export const helpOpen = signal(false);
export const sidebarOpen = signal(false);
/** Bumped after every committed write to the store, so views re-read what they show. */
export const storeVersion = signal(0);
/** Bumped after every completed resync: open lists then ask the server what moved in them. */
export const syncGeneration = signal(0);
/** Whether this browser's push stream (held by one tab for all) is connected. */
export const pushLive = signal(false);

/** Keeps the view in the address (hash), so a reload, online or not, reopens it. */
export function readHash(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  mailboxId.value = params.get("mailbox");
  openThreadId.value = params.get("thread");
  openEmailId.value = params.get("email");
  search.value = params.get("q") ?? "";
  mode.value = params.get("mode") === "messages" ? "messages" : "threads";
}

export function writeHash(): void {
  const params = new URLSearchParams();
  if (mailboxId.value) params.set("mailbox", mailboxId.value);
  if (search.value) params.set("q", search.value);
  if (mode.value === "messages") params.set("mode", "messages");
  if (openThreadId.value) params.set("thread", openThreadId.value);
  if (openEmailId.value) params.set("email", openEmailId.value);
  const hash = params.toString();
  if (location.hash.slice(1) !== hash) history.replaceState(null, "", hash ? `#${hash}` : location.pathname);
}
