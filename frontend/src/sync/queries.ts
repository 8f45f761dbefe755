// Email queries the user looks at, mirrored in the store as a gap-free prefix of ids
// and kept current with /queryChanges. A query is data (filter, sort, collapse), not a view.

import {
  EMAIL_LIST_PROPERTIES,
  type AddedItem,
  type Comparator,
  type EmailSummary,
  type Filter,
  type Id,
  type Thread,
} from "../jmap/types";
import type { StoredQuery } from "../store/db";
import type { SyncEngine } from "./engine";

export const PAGE_SIZE = 50;

export interface QuerySpec {
  filter: Filter | null;
  sort: Comparator[];
  collapseThreads: boolean;
}

export function queryKey(spec: QuerySpec): string {
  return JSON.stringify([spec.filter, spec.sort, spec.collapseThreads]);
}

/** The ids after /queryChanges: removed ones dropped, added ones put at their new index. */
export function spliceQuery(ids: Id[], removed: Id[], added: AddedItem[]): Id[] {
  const gone = new Set(removed);
  const result = ids.filter((id) => !gone.has(id));
  for (const item of [...added].sort((a, b) => a.index - b.index)) {
    if (item.index > result.length) break; // past the prefix we hold: would leave a gap
    result.splice(item.index, 0, item.id);
  }
  return result;
}

export class QuerySync {
  constructor(private readonly engine: SyncEngine) {}

  local(spec: QuerySpec): Promise<StoredQuery | undefined> {
    return this.engine.store.query(queryKey(spec));
  }

  private queued = new Map<string, Promise<void>>();

  /**
   * Brings a stored query up to date (or fetches its first page), keeping at least
   * ``minimum`` ids. A refresh asked for while another of the same query still waits
   * for its turn is that one: it will see everything the caller wants seen.
   */
  refresh(spec: QuerySpec, minimum = PAGE_SIZE): Promise<void> {
    const key = queryKey(spec);
    const waiting = this.queued.get(key);
    if (waiting) return waiting;
    const run = this.engine.exclusive(async () => {
      this.queued.delete(key);
      const stored = await this.local(spec);
      if (stored?.canCalculateChanges && (await this.applyQueryChanges(spec, stored))) return;
      await this.fetchRange(spec, 0, Math.max(stored?.ids.length ?? 0, minimum), null);
    });
    this.queued.set(key, run);
    run.catch(() => undefined).finally(() => this.queued.get(key) === run && this.queued.delete(key));
    return run;
  }

  /**
   * Appends the next ``count`` ids to a stored query. Up to maxObjectsInGet of them come
   * with their emails; a longer jump (the scrollbar dragged far down) fetches the ids
   * only, and the rows in view then fetch their own (``fetchEmails``).
   */
  loadMore(spec: QuerySpec, count = PAGE_SIZE): Promise<void> {
    return this.engine.exclusive(async () => {
      const stored = await this.local(spec);
      if (!stored) {
        await this.fetchRange(spec, 0, count, null);
        return;
      }
      if (stored.ids.length >= stored.total) return;
      const withEmails = count <= this.engine.client.maxObjectsInGet;
      const appended = await this.fetchRange(spec, stored.ids.length, count, stored, withEmails);
      if (!appended) {
        // The query changed since its ids were stored: bring them up to date first.
        if (!(stored.canCalculateChanges && (await this.applyQueryChanges(spec, stored)))) {
          await this.fetchRange(spec, 0, stored.ids.length + count, null);
        }
      }
    });
  }

  /**
   * Email/query, the emails it names and their threads, in one request. With ``after``,
   * appends to that stored query, or returns false when the query state moved.
   */
  private async fetchRange(
    spec: QuerySpec,
    position: number,
    limit: number,
    after: StoredQuery | null,
    withEmails = true,
  ): Promise<boolean> {
    const { client, accountId } = this.engine;
    const query = client.call("Email/query", {
      accountId,
      filter: spec.filter,
      sort: spec.sort,
      collapseThreads: spec.collapseThreads,
      position,
      limit,
      calculateTotal: true,
    });
    let fetched: { emails: EmailSummary[]; emailState: string | null; threads: Thread[]; threadState: string | null };
    let q;
    if (!withEmails) {
      q = await query.value();
      fetched = { emails: [], emailState: null, threads: [], threadState: null };
    } else if (limit <= client.maxObjectsInGet) {
      const { emails, threads } = this.getWithThreads(query.ref("/ids"));
      const [rq, e, t] = await Promise.all([query.value(), emails.value(), threads.value()]);
      q = rq;
      fetched = { emails: e.list as EmailSummary[], emailState: e.state, threads: t.list, threadState: t.state };
    } else {
      // More ids than one /get may take: fetch them in chunks after the query.
      q = await query.value();
      const emails = await this.engine.getChunked("Email", q.ids);
      const list = emails.list as EmailSummary[];
      const threads = await this.engine.getChunked("Thread", [...new Set(list.map((e) => e.threadId))]);
      fetched = { emails: list, emailState: emails.state, threads: threads.list as unknown as Thread[], threadState: threads.state };
    }
    if (after && q.queryState !== after.queryState) return false;
    const stored: StoredQuery = {
      key: queryKey(spec),
      queryState: q.queryState,
      canCalculateChanges: q.canCalculateChanges,
      ids: after ? [...after.ids, ...q.ids] : q.ids,
      total: q.total ?? q.ids.length,
      updatedAt: Date.now(),
    };
    await this.engine.store.putQuery(stored, fetched.emails, fetched.emailState, fetched.threads, fetched.threadState);
    return true;
  }

  private getWithThreads(ids: { resultOf: string; name: string; path: string }) {
    const { client, accountId } = this.engine;
    const emails = client.call("Email/get", { accountId, "#ids": ids, properties: EMAIL_LIST_PROPERTIES });
    const threads = client.call("Thread/get", { accountId, "#ids": emails.ref("/list/*/threadId") });
    return { emails, threads };
  }

  /** True when /queryChanges brought the stored ids up to date; false when they must be fetched again. */
  private async applyQueryChanges(spec: QuerySpec, stored: StoredQuery): Promise<boolean> {
    const { client, accountId } = this.engine;
    const changes = client.call("Email/queryChanges", {
      accountId,
      filter: spec.filter,
      sort: spec.sort,
      collapseThreads: spec.collapseThreads,
      sinceQueryState: stored.queryState,
      upToId: stored.ids.at(-1),
      maxChanges: client.maxObjectsInGet,
      calculateTotal: true,
    });
    const { emails, threads } = this.getWithThreads(changes.ref("/added/*/id"));
    const [c, e, t] = await Promise.all([changes, emails, threads]);
    if (!c.ok || !e.ok || !t.ok) return false;
    const ids = spliceQuery(stored.ids, c.value.removed, c.value.added);
    const updated: StoredQuery = {
      ...stored,
      queryState: c.value.newQueryState,
      ids,
      total: c.value.total ?? stored.total + c.value.added.length - c.value.removed.length,
      updatedAt: Date.now(),
    };
    await this.engine.store.putQuery(
      updated,
      e.value.list as EmailSummary[],
      e.value.state,
      t.value.list as Thread[],
      t.value.state,
    );
    return true;
  }
}
