import { useEffect, useRef, useState } from "preact/hooks";
import type { EmailSummary, Filter, Id, Mailbox, Thread } from "../jmap/types";
import { matches } from "../search";
import { ensureBodies } from "../sync/bodies";
import { fetchEmails } from "../sync/threads";
import { PAGE_SIZE, queryKey, type QuerySpec } from "../sync/queries";
import {
  app,
  lastError,
  mode,
  online,
  openEmailId,
  openThreadId,
  search,
  selected,
  storeVersion,
  syncGeneration,
  type ListMode,
} from "./context";
import { senderName, shortDate } from "./format";

export const ROW_HEIGHT = 76;
const OVERSCAN = 8;
const PREFETCH_BODIES = 20;
const MAX_PAGE = 2000;

export function listSpec(filter: Filter | null, listMode: ListMode): QuerySpec {
  return {
    filter,
    sort: [{ property: "receivedAt", isAscending: false }],
    collapseThreads: listMode === "threads",
  };
}

export interface ListData {
  ids: Id[];
  total: number;
  /** Only for an offline search, which has every matching email at hand already. */
  emails: Map<Id, EmailSummary>;
  local: boolean;
}

const EMPTY: ListData = { ids: [], total: 0, emails: new Map(), local: false };

/** What the list hands the keyboard: how many rows, and the email of a row when loaded. */
export interface RowAccess {
  count: number;
  at: (index: number) => EmailSummary | undefined;
}

/** Offline search: the filter run over every email in the store, newest first. */
async function searchLocally(spec: QuerySpec): Promise<ListData> {
  const all = await app().store.allEmails();
  const found = all.filter((email) => matches(spec.filter!, email));
  found.sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1));
  const seen = new Set<Id>();
  const rows = spec.collapseThreads
    ? found.filter((email) => !seen.has(email.threadId) && seen.add(email.threadId))
    : found;
  const emails = new Map(rows.map((email) => [email.id, email]));
  return { ids: rows.map((e) => e.id), total: rows.length, emails, local: true };
}

/** The stored ids only: the rows' emails are read for the rows in view (useRows). */
async function readStored(spec: QuerySpec): Promise<ListData> {
  const stored = await app().queries.local(spec);
  if (!stored) return EMPTY;
  return { ids: stored.ids, total: stored.total, emails: new Map(), local: false };
}

interface RowData {
  emails: Map<Id, EmailSummary>;
  threads: Map<Id, Thread>;
}

const CACHE_LIMIT = 2000;

/**
 * The emails and threads of the rows in view, read from the store for that window only,
 * so a list of 28,000 costs what its visible rows cost. Rows read before stay at hand
 * while the next window loads, so scrolling back shows them at once.
 */
function useRows(data: ListData, first: number, last: number): RowData {
  const [rows, setRows] = useState<RowData>({ emails: new Map(), threads: new Map() });
  const asked = useRef(new Set<Id>());
  const version = storeVersion.value;
  const ids = data.ids.slice(first, last);
  useEffect(() => {
    let current = true;
    void (async () => {
      const { store } = app();
      const emails = data.local
        ? new Map(ids.flatMap((id) => (data.emails.has(id) ? [[id, data.emails.get(id)!] as const] : [])))
        : await store.emails(ids);
      const threads = await store.threads([...new Set([...emails.values()].map((e) => e.threadId))]);
      if (!current) return;
      // Ids the list holds without their emails (after a long jump): fetch those in view, once.
      const missing = ids.filter((id) => !emails.has(id) && !asked.current.has(id));
      if (missing.length && online.value && !data.local) {
        for (const id of missing) asked.current.add(id);
        fetchEmails(app().engine, missing).catch((error: Error) => {
          for (const id of missing) asked.current.delete(id); // asked again when next in view
          lastError.value = error.message;
        });
      }
      setRows((previous) => {
        const keep = previous.emails.size < CACHE_LIMIT;
        return {
          emails: new Map([...(keep ? previous.emails : []), ...emails]),
          threads: new Map([...(keep ? previous.threads : []), ...threads]),
        };
      });
    })();
    return () => {
      current = false;
    };
  }, [ids.join(), version, data]);
  return rows;
}

/** The rows of the open list, from the store at once, refreshed from the server when online. */
export function useList(spec: QuerySpec | null, isSearch: boolean): ListData {
  const [data, setData] = useState<ListData>(EMPTY);
  const key = spec ? queryKey(spec) : "";
  const version = storeVersion.value;
  const isOnline = online.value;
  const generation = syncGeneration.value;
  useEffect(() => {
    if (!spec) return;
    let current = true;
    const read = isSearch && !isOnline ? searchLocally(spec) : readStored(spec);
    void read.then((next) => current && setData(next));
    return () => {
      current = false;
    };
  }, [key, version, isOnline]);
  useEffect(() => {
    if (!spec || !isOnline) return;
    const { queries, engine } = app();
    void (async () => {
      // At start the list shows what is stored and waits for the first resync, after
      // which it asks queryChanges once; only a list never fetched is asked for at once.
      if (generation === 0 && (await queries.local(spec))) return;
      await queries.refresh(spec);
    })()
      .then(async () => {
        // The newest mail of the open list is read offline too: fetch its bodies ahead.
        if (isSearch) return;
        const stored = await queries.local(spec);
        await ensureBodies(engine, stored?.ids.slice(0, PREFETCH_BODIES) ?? []);
      })
      .catch((error: Error) => (lastError.value = error.message));
  }, [key, isOnline, generation]);
  return data;
}

function Row({
  email,
  thread,
  index,
  isSelected,
  mailboxes,
  currentMailbox,
}: {
  email: EmailSummary;
  thread: Thread | undefined;
  index: number;
  isSelected: boolean;
  mailboxes: Map<Id, Mailbox>;
  currentMailbox: Id | null;
}) {
  const unread = !email.keywords.$seen;
  const flagged = !!email.keywords.$flagged;
  const count = mode.value === "threads" ? (thread?.emailIds.length ?? 1) : 1;
  const labels = Object.keys(email.mailboxIds)
    .filter((id) => id !== currentMailbox)
    .map((id) => mailboxes.get(id))
    .filter((m): m is Mailbox => !!m && m.role !== "inbox");
  const open = () => {
    selected.value = index;
    openThreadId.value = email.threadId;
    openEmailId.value = mode.value === "messages" ? email.id : null;
  };
  return (
    <div
      role="option"
      id={`row-${index}`}
      aria-selected={isSelected}
      class={`row${unread ? " unread" : ""}${isSelected ? " selected" : ""}${
        openThreadId.value === email.threadId ? " open" : ""
      }`}
      style={{ top: `${index * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
      onClick={open}
      data-email-id={email.id}
    >
      <div class="line1">
        {unread && <span class="dot" aria-label="unread" />}
        <span class="from">{senderName(email.from)}</span>
        {count > 1 && <span class="thread-count" aria-label={`${count} messages`}>{count}</span>}
        {email.hasAttachment && (
          <svg class="marker" role="img" aria-label="has attachment" viewBox="0 0 16 16" width="14" height="14">
            <path
              d="M10.5 4.5 5.6 9.4a1.4 1.4 0 0 0 2 2l5-5a2.8 2.8 0 0 0-4-4l-5 5a4.2 4.2 0 0 0 6 6l4.4-4.4"
              fill="none"
              stroke="currentColor"
              stroke-width="1.4"
              stroke-linecap="round"
            />
          </svg>
        )}
        {flagged && <span class="marker flag" aria-label="flagged" title="Flagged">★</span>}
        <time class="date" dateTime={email.receivedAt}>{shortDate(email.receivedAt)}</time>
      </div>
      <div class="subject">
        {labels.map((m) => (
          <span key={m.id} class="label">{m.name}</span>
        ))}
        {email.subject || "(no subject)"}
      </div>
      <div class="preview">{email.preview}</div>
    </div>
  );
}

export function MessageList({
  spec,
  isSearch,
  mailboxes,
  currentMailbox,
  onRows,
}: {
  spec: QuerySpec | null;
  isSearch: boolean;
  mailboxes: Mailbox[];
  currentMailbox: Id | null;
  onRows: (rows: RowAccess) => void;
}) {
  const data = useList(spec, isSearch);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  const loading = useRef(false);
  const byId = new Map(mailboxes.map((m) => [m.id, m]));

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const visibleEnd = Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN;
  const last = Math.min(data.ids.length, visibleEnd);
  const loaded = useRows(data, first, last);
  const rowAt = (index: number) => loaded.emails.get(data.ids[index]);

  // During render, so a key pressed right after the first paint sees these rows.
  onRows({ count: data.ids.length, at: rowAt });
  const firstShown = data.ids.length > 0 && rowAt(first) !== undefined;
  useEffect(() => {
    // For the benchmarks: when the first rows were on screen, counted from navigation start.
    if (firstShown && performance.getEntriesByName("inbox-rendered").length === 0) {
      performance.mark("inbox-rendered");
    }
  }, [firstShown]);
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [spec && queryKey(spec)]);

  // Keep the selected row in view when the keyboard moves it.
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const top = selected.value * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight)
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  }, [selected.value]);

  // Near the end of what is loaded: fetch the next page.
  useEffect(() => {
    if (!spec || data.local || !online.value || loading.current) return;
    if (visibleEnd < data.ids.length - PAGE_SIZE / 2 || data.ids.length >= data.total) return;
    loading.current = true;
    // A long jump down the scrollbar fetches up to where the reader is looking, in one go.
    const wanted = Math.min(Math.max(PAGE_SIZE, visibleEnd - data.ids.length + PAGE_SIZE), MAX_PAGE);
    app()
      .queries.loadMore(spec, wanted)
      .catch((error: Error) => (lastError.value = error.message))
      .finally(() => (loading.current = false));
  }, [visibleEnd, data]);

  const visible = [];
  for (let index = first; index < last; index++) {
    const email = rowAt(index);
    if (!email) continue; // read from the store in a moment
    visible.push(
      <Row
        key={email.id}
        email={email}
        thread={loaded.threads.get(email.threadId)}
        index={index}
        isSelected={index === selected.value}
        mailboxes={byId}
        currentMailbox={currentMailbox}
      />,
    );
  }
  const label = isSearch ? `Search results for ${search.value}` : "Messages";
  return (
    <section class="list-pane" aria-label={label}>
      <div class="list-header">
        <span class="list-title">{isSearch ? `Search: ${search.value}` : (byId.get(currentMailbox ?? "")?.name ?? "")}</span>
        <span class="list-total">{data.local ? `${data.total} found offline` : `${data.total}`}</span>
        <button
          type="button"
          class="mode"
          onClick={() => (mode.value = mode.value === "threads" ? "messages" : "threads")}
          aria-label={mode.value === "threads" ? "Show single messages" : "Show conversations"}
        >
          {mode.value === "threads" ? "Conversations" : "Messages"}
        </button>
      </div>
      <div
        class="scroller"
        ref={scroller}
        role="listbox"
        tabIndex={0}
        aria-label={label}
        aria-activedescendant={data.ids.length ? `row-${selected.value}` : undefined}
        onScroll={(event) => setScrollTop((event.currentTarget as HTMLDivElement).scrollTop)}
      >
        <div class="rows" style={{ height: `${Math.max(data.total, data.ids.length) * ROW_HEIGHT}px` }}>
          {visible}
        </div>
        {data.ids.length === 0 && <p class="empty">{isSearch ? "Nothing found." : "No messages."}</p>}
      </div>
    </section>
  );
}
