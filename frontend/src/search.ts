// The search box's language: from:, to:, subject:, in:, before:, after:, has:attachment,
// is:unread / is:read / is:flagged, quoted phrases, and plain words (full text). The same
// parsed filter goes to the server as a JMAP filter, or runs on the local store offline.

import type { EmailSummary, Filter, FilterCondition, Id, Mailbox } from "./jmap/types";

export const NO_MAILBOX = "no-such-mailbox";
const TOKEN = /(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))/g;

function day(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}T00:00:00Z` : null;
}

function mailboxNamed(name: string, mailboxes: Mailbox[]): Mailbox | undefined {
  const wanted = name.toLowerCase();
  return (
    mailboxes.find((m) => m.role === wanted) ?? mailboxes.find((m) => m.name.toLowerCase() === wanted)
  );
}

/** The JMAP filter for a search string; null for an empty one. */
export function parseSearch(input: string, mailboxes: Mailbox[]): Filter | null {
  const conditions: Filter[] = [];
  for (const match of input.matchAll(TOKEN)) {
    const [, negate, rawKey, quoted, bare] = match;
    const value = quoted ?? bare;
    const key = rawKey?.toLowerCase();
    let condition: FilterCondition | null = null;
    if (key === "from" || key === "to" || key === "subject" || key === "cc" || key === "body") {
      condition = { [key]: value };
    } else if (key === "in") {
      const mailbox = mailboxNamed(value, mailboxes);
      // No such mailbox: a valid id that names none, so the search finds nothing.
      condition = { inMailbox: mailbox ? mailbox.id : NO_MAILBOX };
    } else if (key === "before" || key === "after") {
      const date = day(value);
      condition = date ? { [key]: date } : { text: match[0] };
    } else if (key === "has" && value.toLowerCase().startsWith("attachment")) {
      condition = { hasAttachment: true };
    } else if (key === "is" && value.toLowerCase() === "unread") {
      condition = { notKeyword: "$seen" };
    } else if (key === "is" && value.toLowerCase() === "read") {
      condition = { hasKeyword: "$seen" };
    } else if (key === "is" && (value.toLowerCase() === "flagged" || value.toLowerCase() === "starred")) {
      condition = { hasKeyword: "$flagged" };
    } else {
      condition = { text: rawKey ? `${rawKey}:${value}` : value };
    }
    conditions.push(negate ? { operator: "NOT", conditions: [condition] } : condition);
  }
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? conditions[0] : { operator: "AND", conditions };
}

function addresses(email: EmailSummary, field: "from" | "to" | "cc"): string {
  return (email[field] ?? []).map((a) => `${a.name ?? ""} <${a.email}>`).join(", ").toLowerCase();
}

function contains(haystack: string | null | undefined, needle: string): boolean {
  return (haystack ?? "").toLowerCase().includes(needle.toLowerCase());
}

/** The filter evaluated on a stored email (offline search): substring matches on what the store has. */
export function matches(filter: Filter, email: EmailSummary): boolean {
  if ("operator" in filter) {
    const results = filter.conditions.map((c) => matches(c, email));
    if (filter.operator === "AND") return results.every(Boolean);
    if (filter.operator === "OR") return results.some(Boolean);
    return !results.some(Boolean);
  }
  const c = filter;
  if (c.inMailbox !== undefined && !email.mailboxIds[c.inMailbox]) return false;
  if (c.inMailboxOtherThan && Object.keys(email.mailboxIds).every((id: Id) => c.inMailboxOtherThan!.includes(id)))
    return false;
  if (c.before !== undefined && !(email.receivedAt < c.before)) return false;
  if (c.after !== undefined && !(email.receivedAt >= c.after)) return false;
  if (c.hasKeyword !== undefined && !email.keywords[c.hasKeyword]) return false;
  if (c.notKeyword !== undefined && email.keywords[c.notKeyword]) return false;
  if (c.hasAttachment !== undefined && email.hasAttachment !== c.hasAttachment) return false;
  if (c.from !== undefined && !contains(addresses(email, "from"), c.from)) return false;
  if (c.to !== undefined && !contains(addresses(email, "to") + addresses(email, "cc"), c.to)) return false;
  if (c.cc !== undefined && !contains(addresses(email, "cc"), c.cc)) return false;
  if (c.subject !== undefined && !contains(email.subject, c.subject)) return false;
  if (c.body !== undefined && !contains(email.preview, c.body)) return false;
  if (c.text !== undefined) {
    const all = [email.subject, email.preview, addresses(email, "from"), addresses(email, "to")].join(" ");
    if (!c.text.split(/\s+/).every((word) => contains(all, word))) return false;
  }
  return true;
}
