import { describe, expect, it } from "vitest";
import type { Mailbox } from "../src/jmap/types";
import { mailboxTree } from "../src/views/Sidebar";

function mailbox(id: string, name: string, role: string | null = null, parentId: string | null = null): Mailbox {
  return {
    id, name, role, parentId, sortOrder: 0, isSubscribed: true,
    totalEmails: 0, unreadEmails: 0, totalThreads: 0, unreadThreads: 0,
  };
}

describe("mailboxTree", () => {
  it("puts roles first, then names, each child after its parent with its depth", () => {
    const tree = mailboxTree([
      mailbox("5", "Trips"),
      mailbox("1", "Trash", "trash"),
      mailbox("2", "Inbox", "inbox"),
      mailbox("6", "Japan", null, "5"),
      mailbox("3", "Archive", "archive"),
      mailbox("7", "Orphan", null, "gone"),
    ]);
    expect(tree.map((node) => [node.mailbox.name, node.depth])).toEqual([
      ["Inbox", 0],
      ["Archive", 0],
      ["Trash", 0],
      ["Orphan", 0],
      ["Trips", 0],
      ["Japan", 1],
    ]);
  });
});
