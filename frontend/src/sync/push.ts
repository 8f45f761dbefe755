// Push: one EventSource per browser, not per tab. The tab that holds a Web Lock is the
// leader and relays StateChange events to the others over a BroadcastChannel; when it
// closes, the lock passes to another tab, which opens the stream and resumes.

export interface PushOptions {
  name: string;
  url: () => string;
  onChange: () => void;
  /** Whether the stream (this tab's or the leader's) is connected. */
  onLive?: (live: boolean) => void;
}

type Message = "state" | "live" | "down" | "hello";

export class SharedPush {
  private channel: BroadcastChannel | null = null;
  private source: EventSource | null = null;
  private release: (() => void) | null = null;
  private stopped = false;
  private live = false;
  isLeader = false;

  constructor(private readonly options: PushOptions) {}

  start(): void {
    if (typeof BroadcastChannel !== "undefined") {
      this.channel = new BroadcastChannel(`${this.options.name}:push`);
      this.channel.onmessage = (event: MessageEvent<Message>) => {
        if (event.data === "state") this.options.onChange();
        else if (event.data === "hello") {
          // A tab that just opened asks whether the stream is up.
          if (this.isLeader) this.channel?.postMessage(this.live ? "live" : "down");
        } else this.options.onLive?.(event.data === "live");
      };
      this.channel.postMessage("hello");
    }
    const locks = navigator.locks;
    if (!locks || !this.channel) {
      this.open();
      return;
    }
    void locks.request(`${this.options.name}:push-leader`, () => {
      if (this.stopped) return Promise.resolve();
      this.open();
      return new Promise<void>((resolve) => (this.release = resolve));
    });
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    this.source = null;
    this.channel?.close();
    this.release?.();
  }

  private open(): void {
    this.isLeader = true;
    const source = new EventSource(this.options.url(), { withCredentials: true });
    this.source = source;
    const post = (message: Message) => this.channel?.postMessage(message);
    const changed = () => {
      post("state");
      this.options.onChange();
    };
    source.addEventListener("state", changed);
    // After a reconnect, changes may have been missed: resync from the saved states.
    source.addEventListener("open", () => {
      this.live = true;
      post("live");
      this.options.onLive?.(true);
      changed();
    });
    source.addEventListener("error", () => {
      this.live = false;
      post("down");
      this.options.onLive?.(false);
    });
  }
}
