// The sync engine: keeps the local store equal to the server for Mailbox, Thread and
// Email, one /changes step at a time. It knows nothing of the views.

import { MethodFailed, type JmapClient, type MethodResult } from "../jmap/client";
import {
  EMAIL_LIST_PROPERTIES,
  type ChangesResponse,
  type GetResponse,
  type Id,
  type State,
  type SyncedType,
} from "../jmap/types";
import type { MailStore } from "../store/store";
import { exclusive, type Exclusive } from "./lock";

export const SYNCED_TYPES: SyncedType[] = ["Mailbox", "Thread", "Email"];

const PROPERTIES: Record<SyncedType, string[] | undefined> = {
  Mailbox: undefined,
  Thread: undefined,
  Email: EMAIL_LIST_PROPERTIES,
};

type AnyGet = GetResponse<unknown>;

export interface SyncStatus {
  syncing: boolean;
  /** The last failure, null after a successful resync. */
  error: Error | null;
}

export class SyncEngine {
  readonly exclusive: Exclusive;
  private running: Promise<void> | null = null;
  private again = false;
  private statusListeners = new Set<(status: SyncStatus) => void>();
  status: SyncStatus = { syncing: false, error: null };

  constructor(
    readonly client: JmapClient,
    readonly store: MailStore,
    readonly accountId: Id,
    lockName = `jmapmail-sync:${accountId}`,
  ) {
    this.exclusive = exclusive(lockName);
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: SyncStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  /**
   * Brings every synced type up to date. Calls while one runs are folded into a
   * single extra pass, so a burst of pushes costs at most two resyncs.
   */
  resync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.setStatus({ syncing: true, error: this.status.error });
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.exclusive(() => this.resyncOnce());
        } while (this.again);
        this.setStatus({ syncing: false, error: null });
      } catch (error) {
        this.setStatus({ syncing: false, error: error as Error });
        throw error;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private get maxChanges(): number {
    return this.client.maxObjectsInGet;
  }

  /** One full pass: a first fetch of the mailboxes, then /changes for every type with a saved state. */
  private async resyncOnce(): Promise<void> {
    let pending = SYNCED_TYPES;
    if ((await this.store.state("Mailbox")) === null) {
      // Just fetched whole: no /changes to ask for it in this pass.
      await this.refetchType("Mailbox");
      pending = pending.filter((type) => type !== "Mailbox");
    }
    while (pending.length) {
      const states = await Promise.all(pending.map((type) => this.store.state(type)));
      const steps = pending
        .map((type, i) => ({ type, since: states[i] }))
        .filter((step): step is { type: SyncedType; since: State } => step.since !== null)
        .map((step) => ({ ...step, ...this.requestChanges(step.type, step.since) }));
      // One request carries every step: wait for it whole, so a failure is seen once.
      await Promise.all(steps.flatMap((step) => [step.changes, step.created, step.updated]));
      const more: SyncedType[] = [];
      for (const step of steps) {
        if (await this.applyStep(step.type, step.since, step.changes, step.created, step.updated)) {
          more.push(step.type);
        }
      }
      pending = more;
    }
  }

  /** /changes and the /get of what it names, by back-reference, in the same request. */
  private requestChanges(type: SyncedType, sinceState: State) {
    const accountId = this.accountId;
    const properties = PROPERTIES[type];
    const changes = this.client.call(`${type}/changes` as "Email/changes", {
      accountId,
      sinceState,
      maxChanges: this.maxChanges,
    });
    const created = this.client.call(`${type}/get` as "Email/get", {
      accountId,
      "#ids": changes.ref("/created"),
      properties,
    });
    const updated = this.client.call(`${type}/get` as "Email/get", {
      accountId,
      "#ids": changes.ref("/updated"),
      properties,
    });
    return { changes, created, updated };
  }

  /** Applies one step; true when the type has more changes to fetch. */
  private async applyStep(
    type: SyncedType,
    since: State,
    changesCall: PromiseLike<MethodResult<ChangesResponse>>,
    createdCall: PromiseLike<MethodResult<AnyGet>>,
    updatedCall: PromiseLike<MethodResult<AnyGet>>,
  ): Promise<boolean> {
    const [changes, created, updated] = await Promise.all([changesCall, createdCall, updatedCall]);
    if (!changes.ok) {
      if (changes.error.type === "cannotCalculateChanges") {
        await this.refetchType(type);
        return false;
      }
      throw new MethodFailed(`${type}/changes`, changes.error);
    }
    const value = changes.value;
    let put: never[];
    if (created.ok && updated.ok) {
      put = [...created.value.list, ...updated.value.list] as never[];
    } else {
      // A /get refused as too large (or failing otherwise) is retried in chunks.
      put = (await this.getChunked(type, [...value.created, ...value.updated])).list as never[];
    }
    const applied = await this.store.applyChanges({
      type,
      oldState: since,
      newState: value.newState,
      put,
      destroyed: value.destroyed,
    });
    // Not applied: another tab moved the state meanwhile; read it again and go on from there.
    return !applied || value.hasMoreChanges;
  }

  /** /get of many ids, at most maxObjectsInGet per call, every call in one request. */
  async getChunked(type: SyncedType, ids: Id[], properties = PROPERTIES[type]) {
    const size = this.client.maxObjectsInGet;
    const calls = [];
    // At least one call, even for no ids: its state is what the caller saves.
    for (let start = 0; start === 0 || start < ids.length; start += size) {
      calls.push(
        this.client.call(`${type}/get` as "Email/get", {
          accountId: this.accountId,
          ids: ids.slice(start, start + size),
          properties,
        }),
      );
    }
    const results = await Promise.all(calls.map((call) => call.value()));
    return {
      list: results.flatMap((result) => result.list),
      notFound: results.flatMap((result) => result.notFound),
      // The oldest state of the chunks: anything changed after it is reported again.
      state: results[0]?.state ?? null,
    };
  }

  /** Starts a type over: every known object (all mailboxes) fetched again, then swapped in at once. */
  private async refetchType(type: SyncedType): Promise<void> {
    if (type === "Mailbox") {
      const all = await this.client.call("Mailbox/get", { accountId: this.accountId, ids: null });
      if (all.ok) {
        await this.store.replaceAll("Mailbox", all.value.list, all.value.state);
        return;
      }
      if (all.error.type !== "requestTooLarge") throw new MethodFailed("Mailbox/get", all.error);
      // More mailboxes than one /get may return: list their ids, then fetch in chunks.
      const ids = (await this.client.call("Mailbox/query", { accountId: this.accountId }).value()).ids;
      const fetched = await this.getChunked("Mailbox", ids);
      await this.store.replaceAll("Mailbox", fetched.list as never[], fetched.state as State);
      return;
    }
    const ids = await this.store.knownIds(type);
    if (ids.length === 0) {
      await this.store.forgetType(type);
      return;
    }
    const fetched = await this.getChunked(type, ids);
    await this.store.replaceAll(type, fetched.list as never[], fetched.state as State);
  }
}
