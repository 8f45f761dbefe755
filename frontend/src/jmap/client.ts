// A typed JMAP client: calls made in the same tick travel in one request, result
// references point between them, and method errors come back as values.

import type { Id, MethodError, MethodName, Methods, ResultReference, Session } from "./types";
import { CORE, MAIL } from "./types";

export type MethodResult<T> = { ok: true; value: T } | { ok: false; error: MethodError };

/** The whole request failed: an HTTP error (with the RFC 7807 problem when the server sent one). */
export class JmapRequestError extends Error {
  constructor(
    readonly status: number,
    readonly problemType: string | null,
    message: string,
  ) {
    super(message);
    this.name = "JmapRequestError";
  }
}

/** The server could not be reached at all (offline, DNS, connection refused). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkError";
  }
}

export interface ClientOptions {
  sessionUrl: string;
  fetch?: typeof fetch;
  /** Extra headers for every POST, e.g. the CSRF token that cookie authentication needs. */
  headers?: () => Record<string, string>;
  using?: string[];
}

interface Queued {
  id: string;
  name: string;
  args: Record<string, unknown>;
  resolve: (result: MethodResult<unknown>) => void;
  reject: (error: Error) => void;
}

export class Call<R> implements PromiseLike<MethodResult<R>> {
  private readonly promise: Promise<MethodResult<R>>;

  constructor(
    readonly id: string,
    readonly name: string,
    promise: Promise<MethodResult<R>>,
  ) {
    this.promise = promise;
  }

  /** A back-reference to this call's response, for a call made in the same tick. */
  ref(path: string): ResultReference {
    return { resultOf: this.id, name: this.name, path };
  }

  /** The response, throwing the method error instead of returning it. */
  async value(): Promise<R> {
    const result = await this.promise;
    if (!result.ok) throw new MethodFailed(this.name, result.error);
    return result.value;
  }

  then<A = MethodResult<R>, B = never>(
    onFulfilled?: ((value: MethodResult<R>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.promise.then(onFulfilled, onRejected);
  }
}

export class MethodFailed extends Error {
  constructor(
    readonly method: string,
    readonly error: MethodError,
  ) {
    super(`${method}: ${error.type}${error.description ? ` (${error.description})` : ""}`);
    this.name = "MethodFailed";
  }
}

function isReference(value: unknown): value is ResultReference {
  return typeof value === "object" && value !== null && "resultOf" in value && "path" in value;
}

export class JmapClient {
  session: Session | null = null;
  private readonly fetchFn: typeof fetch;
  private queue: Queued[] = [];
  private nextId = 0;
  private inFlight = 0;
  private waiting: (() => void)[] = [];
  /** Called when a response says the session changed (new accounts, capabilities or URLs). */
  onSessionChange: (() => void) | null = null;

  constructor(private readonly options: ClientOptions) {
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async connect(): Promise<Session> {
    const response = await this.send(this.options.sessionUrl, { method: "GET" });
    this.session = (await response.json()) as Session;
    return this.session;
  }

  get accountId(): Id {
    const session = this.requireSession();
    return session.primaryAccounts[MAIL] ?? Object.keys(session.accounts)[0];
  }

  get maxObjectsInGet(): number {
    return this.requireSession().capabilities[CORE].maxObjectsInGet;
  }

  call<M extends MethodName>(name: M, args: Methods[M][0]): Call<Methods[M][1]> {
    const id = `c${this.nextId++}`;
    const plain = args as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(plain)) {
      if (key.startsWith("#") && isReference(value) && !this.queue.some((q) => q.id === value.resultOf)) {
        throw new Error(`${name}: ${key} refers to ${value.resultOf}, which is not in this request`);
      }
    }
    const promise = new Promise<MethodResult<Methods[M][1]>>((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => this.flush());
      this.queue.push({ id, name, args: plain, resolve: resolve as Queued["resolve"], reject });
    });
    return new Call(id, name, promise);
  }

  private flush(): void {
    const calls = this.queue;
    this.queue = [];
    const limit = this.session?.capabilities[CORE].maxCallsInRequest ?? 16;
    for (let start = 0; start < calls.length; start += limit) {
      void this.request(calls.slice(start, start + limit));
    }
  }

  private async request(calls: Queued[]): Promise<void> {
    await this.acquire();
    try {
      const session = this.session ?? (await this.connect());
      const body = {
        using: this.options.using ?? [CORE, MAIL],
        methodCalls: calls.map((c) => [c.name, c.args, c.id]),
      };
      const response = await this.send(session.apiUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...this.options.headers?.() },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { methodResponses: [string, unknown, string][]; sessionState: string };
      if (json.sessionState !== session.state) this.onSessionChange?.();
      for (const call of calls) {
        const found = json.methodResponses.find(([, , id]) => id === call.id);
        if (!found) call.resolve({ ok: false, error: { type: "serverFail", description: "no response" } });
        else if (found[0] === "error") call.resolve({ ok: false, error: found[1] as MethodError });
        else call.resolve({ ok: true, value: found[1] });
      }
    } catch (error) {
      for (const call of calls) call.reject(error as Error);
    } finally {
      this.release();
    }
  }

  /** Uploads a blob (RFC 8620 section 6.1). */
  async upload(accountId: Id, data: Blob, type: string): Promise<{ blobId: Id; type: string; size: number }> {
    const session = this.session ?? (await this.connect());
    const url = session.uploadUrl.replace("{accountId}", encodeURIComponent(accountId));
    const response = await this.send(url, {
      method: "POST",
      headers: { "Content-Type": type, ...this.options.headers?.() },
      body: data,
    });
    return (await response.json()) as { blobId: Id; type: string; size: number };
  }

  downloadUrl(accountId: Id, blobId: Id, name: string, type: string): string {
    return this.requireSession()
      .downloadUrl.replace("{accountId}", encodeURIComponent(accountId))
      .replace("{blobId}", encodeURIComponent(blobId))
      .replace("{name}", encodeURIComponent(name))
      .replace("{type}", encodeURIComponent(type));
  }

  async download(accountId: Id, blobId: Id, name: string, type: string): Promise<Blob> {
    const response = await this.send(this.downloadUrl(accountId, blobId, name, type), { method: "GET" });
    return response.blob();
  }

  eventSourceUrl(types: string, closeAfter: "state" | "no", ping: number): string {
    return this.requireSession()
      .eventSourceUrl.replace("{types}", encodeURIComponent(types))
      .replace("{closeafter}", closeAfter)
      .replace("{ping}", String(ping));
  }

  private requireSession(): Session {
    if (!this.session) throw new Error("JMAP session not loaded; call connect() first");
    return this.session;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchFn(url, { credentials: "same-origin", ...init });
    } catch (error) {
      throw new NetworkError(String(error));
    }
    if (!response.ok) {
      let problemType: string | null = null;
      let detail = response.statusText;
      try {
        const problem = (await response.json()) as { type?: string; detail?: string };
        problemType = problem.type ?? null;
        detail = problem.detail ?? detail;
      } catch {
        // not a problem document
      }
      throw new JmapRequestError(response.status, problemType, `${response.status} ${detail}`);
    }
    return response;
  }

  private async acquire(): Promise<void> {
    const limit = this.session?.capabilities[CORE].maxConcurrentRequests ?? 4;
    while (this.inFlight >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

/** Django's CSRF cookie, sent back as the header the API checks for cookie-authenticated POSTs. */
export function csrfHeader(): Record<string, string> {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? { "X-CSRFToken": decodeURIComponent(match[1]) } : {};
}
