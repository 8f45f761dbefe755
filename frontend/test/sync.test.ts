import { describe, expect, it } from "vitest";
import type { EmailSummary, Thread } from "../src/jmap/types";
import { ensureBodies } from "../src/sync/bodies";
import { spliceQuery, type QuerySpec } from "../src/sync/queries";
import { FakeJmapServer } from "./fakeServer";
import { byId, connect, random } from "./helpers";

type Connected = Awaited<ReturnType<typeof connect>>;

function spec(mailboxId: string | null, collapseThreads: boolean): QuerySpec {
  return {
    filter: mailboxId ? { inMailbox: mailboxId } : null,
    sort: [{ property: "receivedAt", isAscending: false }],
    collapseThreads,
  };
}

function serverQuery(server: FakeJmapServer, s: QuerySpec): string[] {
  const filter = s.filter as { inMailbox?: string } | null;
  const rows = server
    .emails()
    .filter((e) => !filter?.inMailbox || e.mailboxIds[filter.inMailbox])
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.id < b.id ? 1 : -1));
  const seen = new Set<string>();
  return (s.collapseThreads ? rows.filter((e) => !seen.has(e.threadId) && seen.add(e.threadId)) : rows).map((e) => e.id);
}

/** The oracle: what the client stored equals what a fresh fetch from the server gives. */
async function expectConverged(server: FakeJmapServer, client: Connected, specs: QuerySpec[]) {
  expect(byId(await client.store.mailboxes())).toEqual(byId(server.mailboxes()));
  const remote = new Map(server.emails().map((e) => [e.id, e]));
  for (const email of await client.store.allEmails()) expect(email).toEqual(remote.get(email.id));
  const remoteThreads = new Map(
    [...server.types.Thread.objects.values()].map((t) => [t.id, t as unknown as Thread]),
  );
  for (const thread of await client.store.db.getAll("threads")) expect(thread).toEqual(remoteThreads.get(thread.id));
  for (const s of specs) {
    const stored = (await client.queries.local(s))!;
    const fresh = serverQuery(server, s);
    expect(stored.ids).toEqual(fresh.slice(0, stored.ids.length));
    expect(stored.total).toBe(fresh.length);
    const emails = await client.store.emails(stored.ids);
    expect(emails.size).toBe(stored.ids.length); // every listed email is in the store
  }
}

function mutate(server: FakeJmapServer, rand: () => number, count: number) {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
  for (let i = 0; i < count; i++) {
    const emails = server.emails();
    const mailboxes = server.mailboxes();
    const roll = rand();
    if (roll < 0.35 || emails.length < 5) {
      const thread = rand() < 0.3 && emails.length ? pick(emails).threadId : undefined;
      server.createEmail(pick(mailboxes).id, { threadId: thread, seen: rand() < 0.5 });
    } else if (roll < 0.5) {
      server.destroyEmail(pick(emails).id);
    } else if (roll < 0.7) {
      const email = pick(emails);
      server.updateEmail(email.id, { keywords: email.keywords.$seen ? {} : { $seen: true } });
    } else if (roll < 0.85) {
      server.updateEmail(pick(emails).id, { mailboxIds: { [pick(mailboxes).id]: true } });
    } else if (roll < 0.95) {
      server.renameMailbox(pick(mailboxes).id, `Renamed ${i}`);
    } else {
      server.createMailbox(`Folder ${i}`, null, pick(mailboxes).id);
    }
  }
}

describe("sync engine", () => {
  it("converges with the server through random changes (the oracle)", async () => {
    for (const seed of [1, 2, 3]) {
      const rand = random(seed);
      const server = new FakeJmapServer();
      server.maxObjectsInGet = 7; // /changes pages of 7: forces hasMoreChanges loops
      mutate(server, rand, 40);
      const client = await connect(server);
      await client.engine.resync();
      const inbox = server.mailboxes().find((m) => m.role === "inbox")!.id;
      const specs = [spec(inbox, true), spec(inbox, false), spec(null, true)];
      for (const s of specs) await client.queries.refresh(s, 10);
      await expectConverged(server, client, specs);
      for (let round = 0; round < 30; round++) {
        mutate(server, rand, 1 + Math.floor(rand() * 20));
        if (rand() < 0.1) server.expire(rand() < 0.5 ? "Email" : "Mailbox");
        if (rand() < 0.1) server.snapshots.clear(); // queryChanges can no longer be calculated
        await client.engine.resync();
        for (const s of specs) {
          await client.queries.refresh(s, 10);
          if (rand() < 0.3) await client.queries.loadMore(s, 5);
        }
        await expectConverged(server, client, specs);
      }
    }
  });

  it("loops /changes while hasMoreChanges, one request per page with the /get by reference", async () => {
    const server = new FakeJmapServer();
    server.maxObjectsInGet = 5;
    const client = await connect(server);
    await client.engine.resync();
    const inbox = server.mailboxes()[0].id;
    await client.queries.refresh(spec(inbox, false));
    for (let i = 0; i < 12; i++) server.createEmail(inbox);
    server.requests.length = 0;
    await client.engine.resync();
    const emailCalls = server.requests.filter((r) => r.methodCalls.some(([name]) => name === "Email/changes"));
    expect(emailCalls).toHaveLength(3); // 5 + 5 + 2
    for (const request of emailCalls) {
      const names = request.methodCalls.map(([name]) => name);
      expect(names).toContain("Email/get");
      const get = request.methodCalls.find(([name, args]) => name === "Email/get" && args["#ids"]);
      expect(get).toBeDefined();
    }
    expect((await client.store.allEmails()).length).toBe(12);
  });

  it("refetches only the type whose changes cannot be calculated", async () => {
    const server = new FakeJmapServer();
    const client = await connect(server);
    await client.engine.resync();
    const inbox = server.mailboxes()[0].id;
    const keep = server.createEmail(inbox);
    await client.queries.refresh(spec(inbox, false));
    server.renameMailbox(inbox, "Post");
    server.updateEmail(keep, { keywords: { $flagged: true } });
    server.expire("Email");
    server.requests.length = 0;
    await client.engine.resync();
    const names = server.requests.flatMap((r) => r.methodCalls.map(([name, args]) => [name, args.ids] as const));
    // Mailbox went the /changes way; Email was fetched again by id.
    expect(names.some(([name]) => name === "Mailbox/changes")).toBe(true);
    expect(names.some(([name]) => name === "Mailbox/get" && false)).toBe(false);
    expect(names).toContainEqual(["Email/get", [keep]]);
    expect((await client.store.email(keep))?.keywords).toEqual({ $flagged: true });
    expect((await client.store.mailboxes()).find((m) => m.id === inbox)?.name).toBe("Post");
  });

  it("never moves a saved state forward when the store moved meanwhile", async () => {
    const server = new FakeJmapServer();
    const client = await connect(server);
    await client.engine.resync();
    const state = await client.store.state("Mailbox");
    const applied = await client.store.applyChanges({
      type: "Mailbox",
      oldState: "not-the-saved-one",
      newState: "s999",
      put: [{ ...server.mailboxes()[0], name: "Should not land" }],
      destroyed: [],
    });
    expect(applied).toBe(false);
    expect(await client.store.state("Mailbox")).toBe(state);
    expect((await client.store.mailboxes()).some((m) => m.name === "Should not land")).toBe(false);
  });

  it("folds pushes that arrive during a resync into one more pass", async () => {
    const server = new FakeJmapServer();
    const client = await connect(server);
    await client.engine.resync();
    server.requests.length = 0;
    const runs = [client.engine.resync(), client.engine.resync(), client.engine.resync()];
    await Promise.all(runs);
    // One pass, then one more for the calls that came while it ran.
    expect(server.requests.filter((r) => r.methodCalls[0][0] === "Mailbox/changes")).toHaveLength(2);
  });

  it("folds refreshes of one query that are still waiting for their turn", async () => {
    const server = new FakeJmapServer();
    const client = await connect(server);
    await client.engine.resync();
    const inbox = server.mailboxes()[0].id;
    await client.queries.refresh(spec(inbox, true));
    server.createEmail(inbox);
    server.requests.length = 0;
    const busy = client.engine.exclusive(() => new Promise((resolve) => setTimeout(resolve, 10)));
    const refreshes = [1, 2, 3].map(() => client.queries.refresh(spec(inbox, true)));
    await Promise.all([busy, ...refreshes]);
    const asked = server.requests.filter((r) => r.methodCalls[0][0] === "Email/queryChanges");
    expect(asked).toHaveLength(1);
    expect((await client.queries.local(spec(inbox, true)))!.total).toBe(1);
  });

  it("fetches large /get lists in chunks of maxObjectsInGet, in one request", async () => {
    const server = new FakeJmapServer();
    server.maxObjectsInGet = 5;
    const client = await connect(server);
    const inbox = server.mailboxes()[0].id;
    const ids = Array.from({ length: 12 }, () => server.createEmail(inbox));
    server.requests.length = 0;
    const result = await client.engine.getChunked("Email", ids);
    expect(result.list.map((e) => (e as EmailSummary).id).sort()).toEqual([...ids].sort());
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].methodCalls.map(([, args]) => (args.ids as string[]).length)).toEqual([5, 5, 2]);
  });

  it("keeps bodies it fetched and fetches only the missing ones", async () => {
    const server = new FakeJmapServer();
    const client = await connect(server);
    const inbox = server.mailboxes()[0].id;
    const a = server.createEmail(inbox);
    const b = server.createEmail(inbox);
    await ensureBodies(client.engine, [a]);
    server.requests.length = 0;
    await ensureBodies(client.engine, [a, b]);
    expect(server.requests[0].methodCalls[0][1].ids).toEqual([b]);
    await ensureBodies(client.engine, [a, b]);
    expect(server.requests).toHaveLength(1);
  });
});

describe("spliceQuery", () => {
  it("drops removed ids and inserts added ones at their index", () => {
    expect(spliceQuery(["a", "b", "c", "d"], ["b"], [{ id: "x", index: 0 }, { id: "b", index: 2 }])).toEqual([
      "x",
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("never leaves a gap past the known prefix", () => {
    expect(spliceQuery(["a", "b"], [], [{ id: "z", index: 5 }])).toEqual(["a", "b"]);
  });
});

describe("long jumps down a list", () => {
  it("fetch the ids only, and the emails of the rows in view on demand", async () => {
    const server = new FakeJmapServer();
    server.maxObjectsInGet = 10;
    const inbox = server.mailboxes()[0].id;
    for (let i = 0; i < 60; i++) server.createEmail(inbox);
    const client = await connect(server);
    await client.engine.resync();
    const s = spec(inbox, false);
    await client.queries.refresh(s, 5);
    await client.queries.loadMore(s, 40);
    const stored = (await client.queries.local(s))!;
    expect(stored.ids).toEqual(serverQuery(server, s).slice(0, 45));
    expect((await client.store.allEmails()).length).toBe(5);
    const { fetchEmails } = await import("../src/sync/threads");
    await fetchEmails(client.engine, stored.ids.slice(30, 40));
    expect((await client.store.emails(stored.ids.slice(30, 40))).size).toBe(10);
    await expectConverged(server, client, []);
  });
});
