import DOMPurify from "dompurify";
import { useEffect, useRef, useState } from "preact/hooks";
import type { EmailBody, EmailBodyPart } from "../jmap/types";
import { app } from "./context";

export interface Sanitized {
  html: string;
  remoteContent: boolean;
}

const REMOTE = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\(\s*['"]?\s*(https?:)?\/\//i;

/**
 * Mail HTML made safe to show: no script, form, frame, base or event handler (DOMPurify),
 * links open outside, and cid: images pointed at their attachment.
 */
export function sanitizeMail(html: string, cidUrl: (cid: string) => string | null): Sanitized {
  let remoteContent = false;
  const purify = DOMPurify();
  purify.addHook("afterSanitizeAttributes", (node) => {
    const element = node as Element;
    for (const name of ["src", "srcset", "background", "poster"]) {
      const value = element.getAttribute?.(name);
      if (!value) continue;
      if (value.toLowerCase().startsWith("cid:")) {
        const url = cidUrl(value.slice(4).replace(/^<|>$/g, ""));
        if (url) element.setAttribute(name, url);
        else element.removeAttribute(name);
      } else if (REMOTE.test(value)) {
        remoteContent = true;
      }
    }
    const style = element.getAttribute?.("style");
    if (style && CSS_URL.test(style)) remoteContent = true;
    if (element.tagName === "A" && element.hasAttribute("href")) {
      element.setAttribute("target", "_blank");
      element.setAttribute("rel", "noopener noreferrer");
    }
  });
  purify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName === "style" && CSS_URL.test(node.textContent ?? "")) remoteContent = true;
  });
  const clean = purify.sanitize(html, {
    FORCE_BODY: true,
    FORBID_TAGS: ["form", "input", "button", "textarea", "select", "base", "meta", "link", "iframe", "frame", "object", "embed"],
    FORBID_ATTR: ["action", "formaction"],
    ADD_ATTR: ["target"],
  });
  return { html: clean, remoteContent };
}

/** The frame's own policy: nothing remote at all unless the reader allowed it for this message. */
export function frameDocument(html: string, allowRemote: boolean, origin: string): string {
  const images = allowRemote ? `data: ${origin} https:` : `data: ${origin}`;
  const policy = [
    "default-src 'none'",
    `img-src ${images}`,
    allowRemote ? "style-src 'unsafe-inline' https:" : "style-src 'unsafe-inline'",
    allowRemote ? "font-src data: https:" : "font-src data:",
    "media-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}"><meta name="referrer" content="no-referrer"><style>body{margin:0;padding:4px 2px;font:14px/1.5 system-ui,sans-serif;overflow-wrap:anywhere;color:#1f2328;background:#fff}img{max-width:100%;height:auto}table{max-width:100%}</style></head><body>${html}</body></html>`;
}

const TRUSTED_SENDERS = "remoteContentSenders";

/** Senders whose remote images the reader allowed once and for all (kept in the store). */
async function trustedSenders(): Promise<string[]> {
  return (await app().store.meta<string[]>(TRUSTED_SENDERS)) ?? [];
}

async function trustSender(sender: string): Promise<void> {
  const senders = await trustedSenders();
  if (!senders.includes(sender)) await app().store.setMeta(TRUSTED_SENDERS, [...senders, sender]);
}

export function HtmlBody({
  html,
  cidUrl,
  label,
  sender,
}: {
  html: string;
  cidUrl: (cid: string) => string | null;
  label: string;
  sender: string | null;
}) {
  const [allowRemote, setAllowRemote] = useState(false);
  useEffect(() => {
    if (sender) void trustedSenders().then((senders) => senders.includes(sender) && setAllowRemote(true));
  }, [sender]);
  const frame = useRef<HTMLIFrameElement>(null);
  const sanitized = sanitizeMail(html, cidUrl);
  const resize = () => {
    const doc = frame.current?.contentDocument;
    if (doc && frame.current) frame.current.style.height = `${doc.documentElement.scrollHeight + 8}px`;
  };
  useEffect(() => {
    const timer = setInterval(resize, 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <div class="html-body">
      {sanitized.remoteContent && !allowRemote && (
        <p class="remote-banner" role="status">
          Remote images and styles in this message are blocked.{" "}
          <button type="button" onClick={() => setAllowRemote(true)}>
            Show remote content
          </button>
          {sender && (
            <button
              type="button"
              onClick={() => {
                setAllowRemote(true);
                void trustSender(sender);
              }}
            >
              Always from {sender}
            </button>
          )}
        </p>
      )}
      <iframe
        ref={frame}
        title={label}
        // No allow-scripts: nothing in the mail can run. Same origin only lets this page size the frame.
        sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
        srcDoc={frameDocument(sanitized.html, allowRemote, location.origin)}
        onLoad={resize}
      />
    </div>
  );
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?]/g;

function linkify(line: string) {
  const parts = [];
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    if (match.index! > last) parts.push(line.slice(last, match.index));
    parts.push(
      <a href={match[0]} target="_blank" rel="noopener noreferrer">
        {match[0]}
      </a>,
    );
    last = match.index! + match[0].length;
  }
  parts.push(line.slice(last));
  return parts;
}

/** Plain text: links clickable, quoted blocks ("> ...") set apart. */
export function TextBody({ text }: { text: string }) {
  const blocks: { quoted: boolean; lines: string[] }[] = [];
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    const quoted = /^\s*>/.test(line);
    const content = quoted ? line.replace(/^\s*>\s?/, "") : line;
    const previous = blocks.at(-1);
    if (previous && previous.quoted === quoted) previous.lines.push(content);
    else blocks.push({ quoted, lines: [content] });
  }
  return (
    <div class="text-body">
      {blocks.map((block, i) =>
        block.quoted ? (
          <blockquote key={i}>
            <TextBody text={block.lines.join("\n")} />
          </blockquote>
        ) : (
          <pre key={i}>{block.lines.map((line, j) => [j > 0 ? "\n" : "", ...linkify(line)])}</pre>
        ),
      )}
    </div>
  );
}

function partText(body: EmailBody, parts: EmailBodyPart[]): string | null {
  const values = parts.map((part) => (part.partId ? body.bodyValues[part.partId]?.value : undefined));
  return values.some((v) => v !== undefined) ? values.filter((v) => v !== undefined).join("\n") : null;
}

export function MessageBody({
  body,
  cidUrl,
  label,
  sender,
}: {
  body: EmailBody;
  cidUrl: (cid: string) => string | null;
  label: string;
  sender: string | null;
}) {
  const htmlParts = body.htmlBody.filter((part) => part.type === "text/html");
  if (htmlParts.length) {
    const html = partText(body, body.htmlBody.filter((p) => p.type.startsWith("text/")));
    if (html !== null) return <HtmlBody html={html} cidUrl={cidUrl} label={label} sender={sender} />;
  }
  return <TextBody text={partText(body, body.textBody) ?? ""} />;
}
