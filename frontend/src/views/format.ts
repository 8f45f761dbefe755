import type { EmailAddress } from "../jmap/types";

export function senderName(addresses: EmailAddress[] | null): string {
  const first = addresses?.[0];
  if (!first) return "(no sender)";
  return first.name || first.email;
}

export function addressList(addresses: EmailAddress[] | null): string {
  return (addresses ?? []).map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(", ");
}

export function shortDate(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (date.toDateString() === now.toDateString()) {
    return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }
  if (date.getFullYear() === now.getFullYear()) {
    return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  }
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

export function longDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
