import { describe, expect, it } from "vitest";
import { JmapClient, JmapRequestError, MethodFailed, NetworkError } from "../src/jmap/client";
import { FakeJmapServer } from "./fakeServer";

async function client(server = new FakeJmapServer(), fetch = server.fetch) {
  const jmap = new JmapClient({ sessionUrl: "http://fake/session", fetch, headers: () => ({ "X-CSRFToken": "t0k" }) });
  await jmap.connect();
  return { jmap, server };
}

describe("JmapClient", () => {
  it("sends the calls made in the same tick as one request, with the CSRF header", async () => {
    const { jmap, server } = await client();
    const a = jmap.call("Mailbox/get", { accountId: "A1", ids: null });
    const b = jmap.call("Email/query", { accountId: "A1" });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.ok && ra.value.list.length).toBe(3);
    expect(rb.ok && rb.value.ids).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].methodCalls.map(([name]) => name)).toEqual(["Mailbox/get", "Email/query"]);
    expect(server.requests[0].headers["X-CSRFToken"]).toBe("t0k");
    await jmap.call("Mailbox/get", { accountId: "A1", ids: [] });
    expect(server.requests).toHaveLength(2);
  });

  it("resolves back-references between calls of one request", async () => {
    const { jmap, server } = await client();
    const inbox = server.mailboxes()[0].id;
    const id = server.createEmail(inbox);
    const query = jmap.call("Email/query", { accountId: "A1" });
    const get = jmap.call("Email/get", { accountId: "A1", "#ids": query.ref("/ids"), properties: ["subject"] });
    const emails = await get.value();
    expect(emails.list.map((e) => e.id)).toEqual([id]);
    expect(server.requests).toHaveLength(1);
  });

  it("refuses a reference to a call that is not in the same request", async () => {
    const { jmap } = await client();
    const query = jmap.call("Email/query", { accountId: "A1" });
    await query;
    expect(() => jmap.call("Email/get", { accountId: "A1", "#ids": query.ref("/ids") })).toThrow(/not in this request/);
  });

  it("returns method errors as values, and throws them from value()", async () => {
    const { jmap } = await client();
    const result = await jmap.call("Email/changes", { accountId: "A1", sinceState: "bogus" });
    expect(result).toEqual({ ok: false, error: { type: "cannotCalculateChanges" } });
    await expect(jmap.call("Email/changes", { accountId: "A1", sinceState: "bogus" }).value()).rejects.toBeInstanceOf(
      MethodFailed,
    );
  });

  it("splits a tick's calls at maxCallsInRequest", async () => {
    const server = new FakeJmapServer();
    server.maxCallsInRequest = 2;
    const { jmap } = await client(server);
    const calls = [0, 1, 2, 3, 4].map(() => jmap.call("Mailbox/get", { accountId: "A1", ids: [] }));
    const results = await Promise.all(calls);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests.map((r) => r.methodCalls.length)).toEqual([2, 2, 1]);
  });

  it("rejects every call of a failed request with the HTTP problem", async () => {
    const server = new FakeJmapServer();
    let fail = false;
    const { jmap } = await client(server, async (input, init) =>
      fail ? Response.json({ type: "about:blank", detail: "CSRF check failed" }, { status: 403 }) : server.fetch(input, init),
    );
    fail = true;
    const error = await jmap.call("Mailbox/get", { accountId: "A1", ids: null }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JmapRequestError);
    expect((error as JmapRequestError).status).toBe(403);
    expect((error as JmapRequestError).message).toContain("CSRF check failed");
  });

  it("tells a network failure apart", async () => {
    const server = new FakeJmapServer();
    let offline = false;
    const { jmap } = await client(server, async (input, init) => {
      if (offline) throw new TypeError("Failed to fetch");
      return server.fetch(input, init);
    });
    offline = true;
    await expect(jmap.call("Mailbox/get", { accountId: "A1", ids: null })).rejects.toBeInstanceOf(NetworkError);
  });

  it("fills the download and event source templates", async () => {
    const { jmap } = await client();
    expect(jmap.downloadUrl("A1", "B 1", "a/b.png", "image/png")).toBe(
      "http://fake/download/A1/B%201/a%2Fb.png?accept=image%2Fpng",
    );
    expect(jmap.eventSourceUrl("*", "no", 60)).toBe("http://fake/events?types=*&closeafter=no&ping=60");
  });
});
