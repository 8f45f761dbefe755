import { useEffect, useState } from "preact/hooks";
import type { EmailBody, EmailBodyPart, EmailSummary, Id, Thread } from "../jmap/types";
import { ensureBodies } from "../sync/bodies";
import { fetchThreads } from "../sync/threads";
import { app, lastError, online, openEmailId, openThreadId, storeVersion } from "./context";
import { addressList, byteSize, longDate, senderName } from "./format";
import { MessageBody } from "./MessageBody";
import { useMailboxes } from "./Sidebar";

interface Loaded {
  thread: Thread | undefined;
  emails: EmailSummary[];
  bodies: Map<Id, EmailBody>;
}

function useConversation(threadId: Id): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ thread: undefined, emails: [], bodies: new Map() });
  const version = storeVersion.value;
  const isOnline = online.value;
  useEffect(() => {
    let current = true;
    void (async () => {
      const { store } = app();
      const thread = await store.thread(threadId);
      const emails = [...(await store.emails(thread?.emailIds ?? [])).values()].sort((a, b) =>
        a.receivedAt < b.receivedAt ? -1 : 1,
      );
      const bodies = new Map<Id, EmailBody>();
      for (const email of emails) {
        const body = await store.body(email.id);
        if (body) bodies.set(email.id, body);
      }
      if (current) setLoaded({ thread, emails, bodies });
    })();
    return () => {
      current = false;
    };
  }, [threadId, version]);
  useEffect(() => {
    if (!isOnline) return;
    const { engine, store } = app();
    void (async () => {
      const thread = await store.thread(threadId);
      const have = await store.emails(thread?.emailIds ?? []);
      if (!thread || have.size < thread.emailIds.length) await fetchThreads(engine, [threadId]);
      const ids = (await store.thread(threadId))?.emailIds ?? [];
      await ensureBodies(engine, ids);
    })().catch((error: Error) => (lastError.value = error.message));
    // Again when the thread grows: a reply that arrives while it is open needs its body.
  }, [threadId, isOnline, loaded.thread?.emailIds.join()]);
  return loaded;
}

function markRead(email: EmailSummary): void {
  if (email.keywords.$seen || !online.value) return;
  const { client, accountId, engine } = app();
  void client
    .call("Email/set", { accountId, update: { [email.id]: { "keywords/$seen": true } } })
    .then(() => engine.resync())
    .catch(() => undefined);
}

function Attachments({ email, parts }: { email: EmailSummary; parts: EmailBodyPart[] }) {
  const { client, accountId } = app();
  const [preview, setPreview] = useState<{ url: string; type: string; name: string } | null>(null);
  const listed = parts.filter((part) => part.blobId && part.disposition !== "inline");
  if (!listed.length) return null;
  const url = (part: EmailBodyPart) =>
    client.downloadUrl(accountId, part.blobId!, part.name ?? "attachment", part.type);
  const show = async (part: EmailBodyPart) => {
    if (part.type.startsWith("image/")) {
      setPreview({ url: url(part), type: part.type, name: part.name ?? "image" });
    } else {
      // PDFs are shown from a blob: URL of the right type (the download URL asks to save).
      const blob = await client.download(accountId, part.blobId!, part.name ?? "document.pdf", part.type);
      setPreview({ url: URL.createObjectURL(new Blob([blob], { type: "application/pdf" })), type: part.type, name: part.name ?? "PDF" });
    }
  };
  return (
    <div class="attachments" aria-label={`Attachments of ${email.subject ?? "this message"}`}>
      <ul>
        {listed.map((part) => (
          <li key={part.partId ?? part.blobId}>
            <span class="attachment-name">{part.name ?? "(unnamed)"}</span>
            <span class="attachment-size">{byteSize(part.size)}</span>
            <a href={url(part)} download={part.name ?? "attachment"}>
              Download
            </a>
            {(part.type.startsWith("image/") || part.type === "application/pdf") && (
              <button type="button" onClick={() => void show(part)}>
                Preview
              </button>
            )}
          </li>
        ))}
      </ul>
      {preview && (
        <div class="preview-box">
          <button type="button" onClick={() => setPreview(null)} aria-label="Close preview">
            ✕
          </button>
          {preview.type.startsWith("image/") ? (
            <img src={preview.url} alt={preview.name} />
          ) : (
            <iframe src={preview.url} title={preview.name} />
          )}
        </div>
      )}
    </div>
  );
}

function Message({
  email,
  body,
  expanded,
  toggle,
  labels,
}: {
  email: EmailSummary;
  body: EmailBody | undefined;
  expanded: boolean;
  toggle: () => void;
  labels: string[];
}) {
  const { client, accountId } = app();
  const cidUrl = (cid: string) => {
    const part = body?.attachments.find((p) => p.cid === cid);
    return part?.blobId ? client.downloadUrl(accountId, part.blobId, part.name ?? "image", part.type) : null;
  };
  return (
    <article class={`message${expanded ? " expanded" : ""}`} data-email-id={email.id}>
      <button type="button" class="message-header" aria-expanded={expanded} onClick={toggle}>
        <span class="from">{senderName(email.from)}</span>
        <span class="labels">
          {labels.map((name) => (
            <span key={name} class="label">
              {name}
            </span>
          ))}
        </span>
        <time dateTime={email.receivedAt}>{longDate(email.receivedAt)}</time>
        {!expanded && <span class="preview">{email.preview}</span>}
      </button>
      {expanded && (
        <div class="message-content">
          <dl class="addresses">
            <dt>From</dt>
            <dd>{addressList(email.from)}</dd>
            <dt>To</dt>
            <dd>{addressList(email.to)}</dd>
            {email.cc?.length ? (
              <>
                <dt>Cc</dt>
                <dd>{addressList(email.cc)}</dd>
              </>
            ) : null}
          </dl>
          {body ? (
            <MessageBody
              body={body}
              cidUrl={cidUrl}
              label={`Message from ${senderName(email.from)}`}
              sender={email.from?.[0]?.email.toLowerCase() ?? null}
            />
          ) : (
            <p class="loading">{online.value ? "Loading…" : "This message was not downloaded before going offline."}</p>
          )}
          {body && <Attachments email={email} parts={body.attachments} />}
        </div>
      )}
    </article>
  );
}

export function Conversation({ threadId }: { threadId: Id }) {
  const { thread, emails, bodies } = useConversation(threadId);
  const mailboxNames = new Map(useMailboxes().map((m) => [m.id, m.name]));
  const [toggled, setToggled] = useState<Set<Id>>(new Set());
  useEffect(() => setToggled(new Set()), [threadId]);
  const newest = emails.at(-1);
  const focus = openEmailId.value;
  const isExpanded = (email: EmailSummary) => {
    const byDefault = email === newest || email.id === focus || !email.keywords.$seen;
    return toggled.has(email.id) ? !byDefault : byDefault;
  };
  useEffect(() => {
    for (const email of emails) if (isExpanded(email)) markRead(email);
  }, [emails.map((e) => e.id).join(), focus]);
  const subject = emails[0]?.subject ?? (thread ? "" : "Loading…");
  return (
    <section class="reader" aria-label="Conversation">
      <div class="reader-header">
        <button type="button" class="back" onClick={() => (openThreadId.value = null)} aria-label="Back to the list (u)">
          ←
        </button>
        <h2>{subject || "(no subject)"}</h2>
      </div>
      {emails.map((email) => (
        <Message
          key={email.id}
          email={email}
          body={bodies.get(email.id)}
          expanded={isExpanded(email)}
          labels={Object.keys(email.mailboxIds).flatMap((id) => mailboxNames.get(id) ?? [])}
          toggle={() =>
            setToggled((old) => {
              const next = new Set(old);
              if (next.has(email.id)) next.delete(email.id);
              else next.add(email.id);
              return next;
            })
          }
        />
      ))}
    </section>
  );
}
