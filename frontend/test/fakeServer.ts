// An in-memory JMAP server for the unit tests: Mailbox, Thread and Email with real
// /changes (paged by maxChanges, expiring on demand), /get with maxObjectsInGet,
// Email/query with collapseThreads and Email/queryChanges, and back-references.

import type { EmailSummary, Mailbox, Thread } from "../src/jmap/types";

type TypeName = "Mailbox" | "Thread" | "Email";
type Obj = { id: string } & Record<string, unknown>;

interface Entry {
  id: string;
  modseq: number;
  alive: boolean;
}

class TypeLog {
  objects = new Map<string, Obj>();
  log: Entry[] = [];
  modseq = 0;
  /** States older than this answer cannotCalculateChanges. */
  oldest = 0;

  touch(id: string, alive: boolean): void {
    this.modseq++;
    this.log.push({ id, modseq: this.modseq, alive });
  }

  put(object: Obj): void {
    this.objects.set(object.id, structuredClone(object));
    this.touch(object.id, true);
  }

  destroy(id: string): void {
    if (!this.objects.delete(id)) return;
    this.touch(id, false);
  }

  existsAt(id: string, modseq: number): boolean {
    let alive = false;
    for (const entry of this.log) if (entry.id === id && entry.modseq <= modseq) alive = entry.alive;
    return alive;
  }

  get state(): string {
    return `s${this.modseq}`;
  }
}

const parse = (state: string) => Number(state.slice(1));

function pointer(value: unknown, path: string): unknown {
  const parts = path.split("/").slice(1);
  let current: unknown[] = [value];
  let flatten = false;
  for (const part of parts) {
    if (part === "*") {
      flatten = true;
      current = current.flatMap((item) => (Array.isArray(item) ? item : []));
      continue;
    }
    current = current.map((item) => (item as Record<string, unknown>)[part]);
    if (flatten) current = current.flatMap((item) => (Array.isArray(item) ? item : [item]));
  }
  return flatten ? current : current[0];
}

export class FakeJmapServer {
  types: Record<TypeName, TypeLog> = { Mailbox: new TypeLog(), Thread: new TypeLog(), Email: new TypeLog() };
  maxObjectsInGet = 50;
  maxCallsInRequest = 16;
  requests: { methodCalls: [string, Record<string, unknown>, string][]; headers: Record<string, string> }[] = [];
  /** Email snapshots by state, so queryChanges can compare. */
  snapshots = new Map<string, EmailSummary[]>();
  private nextId = 1;

  constructor() {
    for (const role of ["inbox", "archive", "trash"]) this.createMailbox(role, role);
    this.snapshot();
  }

  id(prefix: string): string {
    return `${prefix}${this.nextId++}`;
  }

  session() {
    return {
      capabilities: {
        "urn:ietf:params:jmap:core": {
          maxSizeUpload: 1e7,
          maxConcurrentUpload: 4,
          maxSizeRequest: 1e7,
          maxConcurrentRequests: 4,
          maxCallsInRequest: this.maxCallsInRequest,
          maxObjectsInGet: this.maxObjectsInGet,
          maxObjectsInSet: 500,
        },
        "urn:ietf:params:jmap:mail": {},
      },
      accounts: { A1: { name: "a@example.test", isPersonal: true, isReadOnly: false } },
      primaryAccounts: { "urn:ietf:params:jmap:mail": "A1" },
      username: "a@example.test",
      apiUrl: "http://fake/api",
      downloadUrl: "http://fake/download/{accountId}/{blobId}/{name}?accept={type}",
      uploadUrl: "http://fake/upload/{accountId}/",
      eventSourceUrl: "http://fake/events?types={types}&closeafter={closeafter}&ping={ping}",
      state: "session1",
    };
  }

  // ---- server-side changes ("another client") ----

  mailboxes(): Mailbox[] {
    return [...this.types.Mailbox.objects.values()] as unknown as Mailbox[];
  }

  emails(): EmailSummary[] {
    return [...this.types.Email.objects.values()] as unknown as EmailSummary[];
  }

  createMailbox(name: string, role: string | null = null, parentId: string | null = null): string {
    const id = this.id("M");
    this.types.Mailbox.put({
      id, name, role, parentId, sortOrder: 0, isSubscribed: true,
      totalEmails: 0, unreadEmails: 0, totalThreads: 0, unreadThreads: 0,
    });
    return id;
  }

  renameMailbox(id: string, name: string): void {
    const mailbox = this.types.Mailbox.objects.get(id)!;
    this.types.Mailbox.put({ ...mailbox, name });
  }

  createEmail(mailboxId: string, options: { threadId?: string; seen?: boolean; receivedAt?: string } = {}): string {
    const id = this.id("E");
    const threadId = options.threadId ?? this.id("T");
    const email: EmailSummary = {
      id, blobId: `B${id}`, threadId, mailboxIds: { [mailboxId]: true },
      keywords: options.seen ? { $seen: true } : {}, size: 100,
      receivedAt: options.receivedAt ?? new Date(Date.UTC(2026, 0, 1, 0, 0, this.nextId)).toISOString(),
      from: [{ name: "Sender", email: "s@example.test" }], to: null, cc: null,
      subject: `Subject ${id}`, preview: `Preview ${id}`, hasAttachment: false,
    };
    this.types.Email.put(email as unknown as Obj);
    const thread = (this.types.Thread.objects.get(threadId) as unknown as Thread | undefined) ?? { id: threadId, emailIds: [] };
    this.types.Thread.put({ id: threadId, emailIds: [...thread.emailIds, id] });
    this.recount([mailboxId]);
    return id;
  }

  updateEmail(id: string, patch: Partial<EmailSummary>): void {
    const email = this.types.Email.objects.get(id) as unknown as EmailSummary;
    const before = Object.keys(email.mailboxIds);
    const after = { ...email, ...patch };
    this.types.Email.put(after as unknown as Obj);
    this.recount([...before, ...Object.keys(after.mailboxIds)]);
  }

  destroyEmail(id: string): void {
    const email = this.types.Email.objects.get(id) as unknown as EmailSummary;
    this.types.Email.destroy(id);
    const thread = this.types.Thread.objects.get(email.threadId) as unknown as Thread;
    const rest = thread.emailIds.filter((e) => e !== id);
    if (rest.length) this.types.Thread.put({ id: thread.id, emailIds: rest });
    else this.types.Thread.destroy(thread.id);
    this.recount(Object.keys(email.mailboxIds));
  }

  private recount(mailboxIds: string[]): void {
    for (const mailboxId of new Set(mailboxIds)) {
      const mailbox = this.types.Mailbox.objects.get(mailboxId);
      if (!mailbox) continue;
      const inside = this.emails().filter((e) => e.mailboxIds[mailboxId]);
      const totalEmails = inside.length;
      const unreadEmails = inside.filter((e) => !e.keywords.$seen).length;
      if (mailbox.totalEmails !== totalEmails || mailbox.unreadEmails !== unreadEmails) {
        this.types.Mailbox.put({ ...mailbox, totalEmails, unreadEmails, totalThreads: new Set(inside.map((e) => e.threadId)).size });
      }
    }
    this.snapshot();
  }

  private snapshot(): void {
    this.snapshots.set(this.types.Email.state, structuredClone(this.emails()));
  }

  /** Forgets the change log: every saved state now answers cannotCalculateChanges. */
  expire(type: TypeName): void {
    this.types[type].oldest = this.types[type].modseq;
  }

  // ---- the API ----

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    if (!init?.method || init.method === "GET") return Response.json(this.session());
    const body = JSON.parse(String(init.body)) as { methodCalls: [string, Record<string, unknown>, string][] };
    this.requests.push({ methodCalls: body.methodCalls, headers: (init.headers ?? {}) as Record<string, string> });
    if (url !== "http://fake/api") return new Response("not found", { status: 404 });
    if (body.methodCalls.length > this.maxCallsInRequest) {
      return Response.json({ type: "urn:ietf:params:jmap:error:limit", limit: "maxCallsInRequest" }, { status: 400 });
    }
    const responses: [string, unknown, string][] = [];
    for (const [name, rawArgs, callId] of body.methodCalls) {
      let args: Record<string, unknown>;
      try {
        args = this.resolve(rawArgs, responses);
        responses.push([name, this.method(name, args), callId]);
      } catch (error) {
        responses.push(["error", error instanceof MethodError ? error.body : { type: "serverFail", description: String(error) }, callId]);
      }
    }
    return Response.json({ methodResponses: responses, sessionState: "session1" });
  };

  private resolve(args: Record<string, unknown>, responses: [string, unknown, string][]): Record<string, unknown> {
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) {
      if (!key.startsWith("#")) {
        resolved[key] = value;
        continue;
      }
      const ref = value as { resultOf: string; name: string; path: string };
      const found = responses.find(([name, , id]) => id === ref.resultOf && name === ref.name);
      if (!found) throw new MethodError({ type: "invalidResultReference" });
      resolved[key.slice(1)] = pointer(found[1], ref.path);
    }
    return resolved;
  }

  private method(name: string, args: Record<string, unknown>): unknown {
    const [type, verb] = name.split("/") as [TypeName, string];
    if (verb === "get") return this.get(type, args);
    if (verb === "changes") return this.changes(type, args);
    if (name === "Email/query") return this.query(args);
    if (name === "Mailbox/query") {
      const ids = [...this.types.Mailbox.objects.keys()];
      return { accountId: "A1", queryState: this.types.Mailbox.state, canCalculateChanges: false, position: 0, ids, total: ids.length };
    }
    if (name === "Email/queryChanges") return this.queryChanges(args);
    if (name === "Email/set") return this.set(args);
    throw new MethodError({ type: "unknownMethod" });
  }

  private get(type: TypeName, args: Record<string, unknown>) {
    const log = this.types[type];
    const ids = (args.ids as string[] | null) ?? [...log.objects.keys()];
    if (ids.length > this.maxObjectsInGet) throw new MethodError({ type: "requestTooLarge" });
    const properties = args.properties as string[] | undefined;
    const list = ids.filter((id) => log.objects.has(id)).map((id) => {
      const object = structuredClone(log.objects.get(id)!);
      if (!properties) return object;
      return Object.fromEntries(Object.entries(object).filter(([key]) => key === "id" || properties.includes(key)));
    });
    return { accountId: "A1", state: log.state, list, notFound: ids.filter((id) => !log.objects.has(id)) };
  }

  private changes(type: TypeName, args: Record<string, unknown>) {
    const log = this.types[type];
    const since = parse(args.sinceState as string);
    if (Number.isNaN(since) || since < log.oldest || since > log.modseq) {
      throw new MethodError({ type: "cannotCalculateChanges" });
    }
    const maxChanges = (args.maxChanges as number | undefined) ?? Infinity;
    const seen = new Set<string>();
    let upTo = since;
    for (const entry of log.log.filter((e) => e.modseq > since)) {
      if (!seen.has(entry.id) && seen.size >= maxChanges) break;
      seen.add(entry.id);
      upTo = entry.modseq;
    }
    const created: string[] = [];
    const updated: string[] = [];
    const destroyed: string[] = [];
    for (const id of seen) {
      const was = log.existsAt(id, since);
      const is = log.existsAt(id, upTo);
      if (!was && is) created.push(id);
      else if (was && is) updated.push(id);
      else if (was && !is) destroyed.push(id);
    }
    return {
      accountId: "A1", oldState: `s${since}`, newState: `s${upTo}`, hasMoreChanges: upTo < log.modseq,
      created, updated, destroyed,
    };
  }

  private evaluate(emails: EmailSummary[], args: Record<string, unknown>): string[] {
    const filter = (args.filter ?? null) as { inMailbox?: string } | null;
    const rows = emails
      .filter((e) => !filter?.inMailbox || e.mailboxIds[filter.inMailbox])
      .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.id < b.id ? 1 : -1));
    if (!args.collapseThreads) return rows.map((e) => e.id);
    const seen = new Set<string>();
    return rows.filter((e) => !seen.has(e.threadId) && seen.add(e.threadId)).map((e) => e.id);
  }

  private query(args: Record<string, unknown>) {
    const ids = this.evaluate(this.emails(), args);
    const position = (args.position as number | undefined) ?? 0;
    const limit = (args.limit as number | undefined) ?? ids.length;
    return {
      accountId: "A1", queryState: this.types.Email.state, canCalculateChanges: true, position,
      ids: ids.slice(position, position + limit), total: ids.length,
    };
  }

  private queryChanges(args: Record<string, unknown>) {
    const old = this.snapshots.get(args.sinceQueryState as string);
    if (!old) throw new MethodError({ type: "cannotCalculateChanges" });
    const before = this.evaluate(old, args);
    const after = this.evaluate(this.emails(), args);
    const beforeSet = new Set(before);
    const afterSet = new Set(after);
    return {
      accountId: "A1", oldQueryState: args.sinceQueryState, newQueryState: this.types.Email.state,
      total: after.length,
      removed: before.filter((id) => !afterSet.has(id)),
      added: after.map((id, index) => ({ id, index })).filter((item) => !beforeSet.has(item.id)),
    };
  }

  private set(args: Record<string, unknown>) {
    const update = (args.update ?? {}) as Record<string, Record<string, unknown>>;
    const oldState = this.types.Email.state;
    for (const [id, patch] of Object.entries(update)) {
      const email = this.types.Email.objects.get(id) as unknown as EmailSummary;
      const keywords = { ...email.keywords };
      for (const [path, value] of Object.entries(patch)) {
        const keyword = path.replace(/^keywords\//, "");
        if (value) keywords[keyword] = true;
        else delete keywords[keyword];
      }
      this.updateEmail(id, { keywords });
    }
    return { accountId: "A1", oldState, newState: this.types.Email.state, updated: Object.fromEntries(Object.keys(update).map((id) => [id, null])) };
  }
}

export class MethodError extends Error {
  constructor(readonly body: { type: string; [key: string]: unknown }) {
    super(body.type);
  }
}
