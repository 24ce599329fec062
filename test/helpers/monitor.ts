// Monitoring in tests: the port each server logs, and JSON shapes (keys in
// order, value types) so answers of nats-bun and nats-server 2.9.10 compare.

import type { RunningServer } from "./servers.ts";

const MONITOR_RE = /Starting (https?) monitor on ([^\s]+):(\d+)/;

/** `http(s)://127.0.0.1:PORT` of the server's monitoring listener, from its log. */
export async function monitorBase(s: RunningServer): Promise<string> {
  await s.waitLog(MONITOR_RE);
  const m = MONITOR_RE.exec(s.log())!;
  return `${m[1]}://127.0.0.1:${m[3]}`;
}

/** JSON as its shape: objects as [key, shape] lists in order, arrays as their elements' shapes, scalars as their type. */
export function shape(v: unknown): unknown {
  if (v === null) return "null";
  if (Array.isArray(v)) return [...new Set(v.map((e) => JSON.stringify(shape(e))))].map((s) => JSON.parse(s));
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).map(([k, e]) => [k, shape(e)]);
  return typeof v;
}

/** `obj` without the listed top-level keys. */
export function omit(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}
