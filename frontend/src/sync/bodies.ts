// Message bodies: fetched on demand and for the newest mail, kept forever (an email's
// body never changes; it goes when the email is destroyed).

import { EMAIL_BODY_PROPERTIES, type EmailBody, type Id } from "../jmap/types";
import type { SyncEngine } from "./engine";

const MAX_BODY_BYTES = 512 * 1024;

export async function ensureBodies(engine: SyncEngine, ids: Id[]): Promise<void> {
  const missing = await engine.store.missingBodies(ids);
  if (missing.length === 0) return;
  const size = engine.client.maxObjectsInGet;
  const calls = [];
  for (let start = 0; start < missing.length; start += size) {
    calls.push(
      engine.client.call("Email/get", {
        accountId: engine.accountId,
        ids: missing.slice(start, start + size),
        properties: EMAIL_BODY_PROPERTIES,
        fetchTextBodyValues: true,
        fetchHTMLBodyValues: true,
        maxBodyValueBytes: MAX_BODY_BYTES,
      }),
    );
  }
  const results = await Promise.all(calls.map((call) => call.value()));
  await engine.store.putBodies(results.flatMap((result) => result.list) as unknown as EmailBody[]);
}
