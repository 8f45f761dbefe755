import { useEffect, useRef, useState } from "preact/hooks";
import { parseSearch } from "../search";
import {
  app,
  helpOpen,
  lastError,
  mailboxId,
  mode,
  online,
  openEmailId,
  pushLive,
  openThreadId,
  search,
  selected,
  sidebarOpen,
  syncing,
  writeHash,
} from "./context";
import { Conversation } from "./Conversation";
import { listSpec, MessageList, type RowAccess } from "./MessageList";
import { Sidebar, useMailboxes } from "./Sidebar";

const SHORTCUTS: [string, string][] = [
  ["j / k", "Next / previous conversation"],
  ["Enter or o", "Open the selected conversation"],
  ["u", "Back to the list"],
  ["/", "Search"],
  ["?", "This help"],
  ["Esc", "Close help or leave the search box"],
];

function Help() {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title">
      <div class="dialog">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <dl>
          {SHORTCUTS.map(([key, what]) => (
            <>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{what}</dd>
            </>
          ))}
        </dl>
        <p class="hint">
          Search: <code>from:</code> <code>to:</code> <code>subject:</code> <code>in:</code>{" "}
          <code>before:2024-01-31</code> <code>after:</code> <code>has:attachment</code> <code>is:unread</code>{" "}
          <code>is:flagged</code>, and plain words.
        </p>
        <button type="button" ref={close} onClick={() => (helpOpen.value = false)}>
          Close
        </button>
      </div>
    </div>
  );
}

function Status() {
  const text = !online.value ? "Offline" : syncing.value ? "Syncing…" : lastError.value ? "Sync problem" : "Up to date";
  const state = !online.value ? "offline" : syncing.value ? "syncing" : lastError.value ? "error" : "ok";
  return (
    <span
      class={`status ${state}`}
      role="status"
      aria-live="polite"
      title={lastError.value ?? (pushLive.value ? "Live: new mail shows as it arrives" : undefined)}
      data-state={state}
      data-push={pushLive.value ? "live" : "off"}
    >
      {text}
    </span>
  );
}

function SearchBox({ field }: { field: { current: HTMLInputElement | null } }) {
  const [draft, setDraft] = useState(search.value);
  useEffect(() => setDraft(search.value), [search.value]);
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        search.value = draft.trim();
        selected.value = 0;
        openThreadId.value = null;
        openEmailId.value = null;
      }}
    >
      <input
        ref={field}
        type="search"
        aria-label="Search mail"
        placeholder="Search mail (/)"
        value={draft}
        onInput={(event) => setDraft((event.currentTarget as HTMLInputElement).value)}
        onKeyDown={(event) => event.key === "Escape" && (event.currentTarget as HTMLInputElement).blur()}
      />
    </form>
  );
}

export function App() {
  const mailboxes = useMailboxes();
  const searchField = useRef<HTMLInputElement>(null);
  const rows = useRef<RowAccess>({ count: 0, at: () => undefined });
  const inbox = mailboxes.find((m) => m.role === "inbox") ?? mailboxes[0];
  const current = mailboxId.value ?? inbox?.id ?? null;
  const isSearch = search.value !== "";
  const filter = isSearch ? parseSearch(search.value, mailboxes) : current ? { inMailbox: current } : null;
  const spec = current || isSearch ? listSpec(filter, mode.value) : null;

  useEffect(writeHash, [mailboxId.value, search.value, mode.value, openThreadId.value, openEmailId.value]);

  useEffect(() => {
    const open = (index: number) => {
      const email = rows.current.at(index);
      if (!email) return;
      selected.value = index;
      openThreadId.value = email.threadId;
      openEmailId.value = mode.value === "messages" ? email.id : null;
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement;
      if (target.closest("input, textarea, select, [contenteditable]")) return;
      if (helpOpen.value) {
        if (event.key === "Escape" || event.key === "?") helpOpen.value = false;
        return;
      }
      const last = rows.current.count - 1;
      switch (event.key) {
        case "j":
          selected.value = Math.min(selected.value + 1, last);
          if (openThreadId.value) open(selected.value);
          break;
        case "k":
          selected.value = Math.max(selected.value - 1, 0);
          if (openThreadId.value) open(selected.value);
          break;
        case "Enter":
        case "o":
          if (target.tagName === "BUTTON" || target.tagName === "A") return;
          open(selected.value);
          break;
        case "u":
          openThreadId.value = null;
          openEmailId.value = null;
          break;
        case "/":
          searchField.current?.focus();
          break;
        case "?":
          helpOpen.value = true;
          break;
        default:
          return;
      }
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const reading = openThreadId.value !== null;
  return (
    <div class={`app${reading ? " reading" : ""}`}>
      <header class="topbar">
        <button
          type="button"
          class="menu"
          aria-label="Mailboxes"
          aria-expanded={sidebarOpen.value}
          onClick={() => (sidebarOpen.value = !sidebarOpen.value)}
        >
          ☰
        </button>
        <span class="brand">Mail</span>
        <SearchBox field={searchField} />
        <Status />
        <button type="button" class="help-button" aria-label="Keyboard shortcuts (?)" onClick={() => (helpOpen.value = true)}>
          ?
        </button>
        <button type="button" class="signout" onClick={() => app().signOut()}>
          Sign out
        </button>
      </header>
      <Sidebar mailboxes={mailboxes} current={current} />
      <main class="content">
        <MessageList
          spec={spec}
          isSearch={isSearch}
          mailboxes={mailboxes}
          currentMailbox={isSearch ? null : current}
          onRows={(list) => (rows.current = list)}
        />
        {reading ? (
          <Conversation threadId={openThreadId.value!} />
        ) : (
          <section class="reader empty" aria-label="Conversation">
            <p>Select a conversation. Press ? for keyboard shortcuts.</p>
          </section>
        )}
      </main>
      {helpOpen.value && <Help />}
    </div>
  );
}
