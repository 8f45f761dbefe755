import { describe, expect, it } from "vitest";
import type { EmailSummary, Mailbox } from "../src/jmap/types";
import { matches, parseSearch } from "../src/search";

const mailboxes = [
  { id: "M1", name: "Inbox", role: "inbox" },
  { id: "M2", name: "Receipts", role: null },
] as Mailbox[];

const email: EmailSummary = {
  id: "E1",
  blobId: "B1",
  threadId: "T1",
  mailboxIds: { M2: true },
  keywords: { $flagged: true },
  size: 10,
  receivedAt: "2026-02-10T12:00:00Z",
  from: [{ name: "Alice Adams", email: "alice@example.test" }],
  to: [{ name: null, email: "bob@example.test" }],
  cc: null,
  subject: "Quarterly report",
  preview: "numbers inside",
  hasAttachment: true,
};

describe("parseSearch", () => {
  it("turns operators into a JMAP filter", () => {
    expect(
      parseSearch('from:alice to:bob subject:"quarterly report" in:receipts has:attachment is:unread is:flagged', mailboxes),
    ).toEqual({
      operator: "AND",
      conditions: [
        { from: "alice" },
        { to: "bob" },
        { subject: "quarterly report" },
        { inMailbox: "M2" },
        { hasAttachment: true },
        { notKeyword: "$seen" },
        { hasKeyword: "$flagged" },
      ],
    });
  });

  it("reads dates, roles, negation and plain words", () => {
    expect(parseSearch("before:2026-03-01 after:2026-01-01 in:inbox -invoice hello", mailboxes)).toEqual({
      operator: "AND",
      conditions: [
        { before: "2026-03-01T00:00:00Z" },
        { after: "2026-01-01T00:00:00Z" },
        { inMailbox: "M1" },
        { operator: "NOT", conditions: [{ text: "invoice" }] },
        { text: "hello" },
      ],
    });
    expect(parseSearch("in:nowhere", mailboxes)).toEqual({ inMailbox: "no-such-mailbox" });
    expect(parseSearch("   ", mailboxes)).toBeNull();
    expect(parseSearch("hello", mailboxes)).toEqual({ text: "hello" });
  });
});

describe("matches (offline search)", () => {
  const yes = (query: string) => matches(parseSearch(query, mailboxes)!, email);

  it("evaluates the same filter on a stored email", () => {
    expect(yes("from:alice")).toBe(true);
    expect(yes("from:carol")).toBe(false);
    expect(yes("to:bob subject:quarterly")).toBe(true);
    expect(yes("in:receipts has:attachment is:flagged")).toBe(true);
    expect(yes("in:inbox")).toBe(false);
    expect(yes("is:unread")).toBe(true);
    expect(yes("is:read")).toBe(false);
    expect(yes("before:2026-03-01 after:2026-02-01")).toBe(true);
    expect(yes("before:2026-02-01")).toBe(false);
    expect(yes("numbers report")).toBe(true);
    expect(yes("-report")).toBe(false);
  });
});
