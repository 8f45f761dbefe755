import { useEffect, useState } from "preact/hooks";
import type { Mailbox } from "../jmap/types";
import { app, mailboxId, openEmailId, openThreadId, search, selected, sidebarOpen, storeVersion } from "./context";

export interface MailboxNode {
  mailbox: Mailbox;
  depth: number;
}

const ROLE_ORDER = ["inbox", "drafts", "sent", "archive", "junk", "trash"];

function rank(mailbox: Mailbox): number {
  const index = mailbox.role ? ROLE_ORDER.indexOf(mailbox.role) : -1;
  return index === -1 ? ROLE_ORDER.length : index;
}

/** Mailboxes in display order, each after its parent, with its depth in the hierarchy. */
export function mailboxTree(mailboxes: Mailbox[]): MailboxNode[] {
  const children = new Map<string | null, Mailbox[]>();
  const ids = new Set(mailboxes.map((m) => m.id));
  for (const mailbox of mailboxes) {
    const parent = mailbox.parentId && ids.has(mailbox.parentId) ? mailbox.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), mailbox]);
  }
  const order = (a: Mailbox, b: Mailbox) =>
    rank(a) - rank(b) || a.sortOrder - b.sortOrder || a.name.localeCompare(b.name);
  const result: MailboxNode[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const mailbox of (children.get(parent) ?? []).sort(order)) {
      result.push({ mailbox, depth });
      walk(mailbox.id, depth + 1);
    }
  };
  walk(null, 0);
  return result;
}

export function useMailboxes(): Mailbox[] {
  const [mailboxes, setMailboxes] = useState<Mailbox[]>([]);
  const version = storeVersion.value;
  useEffect(() => {
    void app().store.mailboxes().then(setMailboxes);
  }, [version]);
  return mailboxes;
}

export function Sidebar({ mailboxes, current }: { mailboxes: Mailbox[]; current: string | null }) {
  const choose = (id: string) => {
    mailboxId.value = id;
    search.value = "";
    selected.value = 0;
    openThreadId.value = null;
    openEmailId.value = null;
    sidebarOpen.value = false;
  };
  return (
    <nav class={`sidebar${sidebarOpen.value ? " open" : ""}`} aria-label="Mailboxes">
      <ul>
        {mailboxTree(mailboxes).map(({ mailbox, depth }) => (
          <li key={mailbox.id}>
            <button
              type="button"
              class={mailbox.id === current && !search.value ? "mailbox current" : "mailbox"}
              style={{ paddingLeft: `${0.75 + depth * 1}rem` }}
              aria-current={mailbox.id === current && !search.value ? "page" : undefined}
              onClick={() => choose(mailbox.id)}
            >
              <span class="name">{mailbox.name}</span>
              {mailbox.unreadEmails > 0 && (
                <span class="count" aria-label={`${mailbox.unreadEmails} unread`}>
                  {mailbox.unreadEmails}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
