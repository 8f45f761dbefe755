import { afterEach, describe, expect, it } from "vitest";
import { SharedPush } from "../src/sync/push";

/** Web Locks as browsers grant them: one holder per name, the others wait in order. */
class FakeLocks {
  private queues = new Map<string, (() => void)[]>();
  private held = new Set<string>();

  request(name: string, callback: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const run = () => {
        this.held.add(name);
        void callback().then(() => {
          this.held.delete(name);
          resolve();
          this.queues.get(name)?.shift()?.();
        });
      };
      if (this.held.has(name)) this.queues.set(name, [...(this.queues.get(name) ?? []), run]);
      else run();
    });
  }
}

class FakeEventSource {
  static opened: FakeEventSource[] = [];
  listeners = new Map<string, (() => void)[]>();
  closed = false;

  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }

  addEventListener(name: string, listener: () => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  emit(name: string): void {
    for (const listener of this.listeners.get(name) ?? []) listener();
  }

  close(): void {
    this.closed = true;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("SharedPush", () => {
  const saved = { navigator: globalThis.navigator, EventSource: globalThis.EventSource };
  afterEach(() => {
    Object.defineProperty(globalThis, "navigator", { value: saved.navigator, configurable: true });
    globalThis.EventSource = saved.EventSource;
    FakeEventSource.opened = [];
  });

  it("opens one stream for all tabs, relays its events, and hands it over when the leader goes", async () => {
    Object.defineProperty(globalThis, "navigator", { value: { locks: new FakeLocks() }, configurable: true });
    globalThis.EventSource = FakeEventSource as unknown as typeof EventSource;
    const changes = [0, 0];
    const live: boolean[][] = [[], []];
    const tabs = [0, 1].map(
      (tab) =>
        new SharedPush({
          name: "test-account",
          url: () => "/events",
          onChange: () => changes[tab]++,
          onLive: (value) => live[tab].push(value),
        }),
    );
    for (const tab of tabs) tab.start();
    await settle();
    expect(FakeEventSource.opened).toHaveLength(1);
    expect(tabs.map((tab) => tab.isLeader)).toEqual([true, false]);

    FakeEventSource.opened[0].emit("open");
    await settle();
    expect(live[0]).toEqual([true]);
    expect(live[1].at(-1)).toBe(true); // the other tab hears the stream is up
    FakeEventSource.opened[0].emit("state");
    await settle();
    expect(changes).toEqual([2, 2]); // the open (a resync after connecting) and the state

    tabs[0].stop();
    await settle();
    expect(FakeEventSource.opened[0].closed).toBe(true);
    expect(FakeEventSource.opened).toHaveLength(2);
    expect(tabs[1].isLeader).toBe(true);
    tabs[1].stop();
  });
});
