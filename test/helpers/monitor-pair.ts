// nats-bun and nats-server 2.9.10 side by side with the same arguments, for
// monitoring tests that drive both with the same clients and compare answers.

import { expect } from "bun:test";
import { monitorBase, shape } from "./monitor.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "./servers.ts";

export interface Monitored {
  readonly s: RunningServer;
  /** `http://127.0.0.1:PORT` of its monitoring listener. */
  readonly base: string;
}

export async function startMonitored(args: string[], bin?: string): Promise<Monitored> {
  const s = await startServer(args, { bin });
  return { s, base: await monitorBase(s) };
}

/** Ours, then the reference (null without it). */
export async function startPair(args: string[]): Promise<Monitored[]> {
  const ours = await startMonitored(args);
  return haveReference ? [ours, await startMonitored(args, NATS_SERVER)] : [ours];
}

/** Status and body of GET base+path (the body parsed as JSON when it is). */
export async function get(m: Monitored, path: string): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(`${m.base}${path}`);
  const text = await r.text();
  let body: unknown = text;
  if ((r.headers.get("content-type") ?? "").startsWith("application/json")) body = JSON.parse(text);
  return { status: r.status, body, text };
}

/** shape() with each list's element shapes in a fixed order (2.9.10 lists subscriptions in random order). */
export function sortedShape(v: unknown): unknown {
  const sorted = (s: unknown): unknown => {
    if (!Array.isArray(s)) return s;
    if (s.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string")) return s.map(([k, e]) => [k, sorted(e)]);
    return s.map(sorted).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  };
  return sorted(shape(v));
}

/**
 * The same query on every server (ours first): equal status; the same text
 * for a plain-text answer, else the same JSON shape and equal `cmp` of it.
 * Returns our parsed answer.
 */
export async function same(servers: Monitored[], path: string, cmp: (z: any) => unknown): Promise<any> {
  const [ours, ref] = await Promise.all(servers.map((m) => get(m, path)));
  if (ref !== undefined) {
    expect({ path, status: ours!.status }).toEqual({ path, status: ref.status });
    if (typeof ref.body === "string") expect(ours!.text).toBe(ref.text);
    else {
      expect({ path, shape: sortedShape(ours!.body) }).toEqual({ path, shape: sortedShape(ref.body) });
      expect({ path, values: cmp(ours!.body) }).toEqual({ path, values: cmp(ref.body) as any });
    }
  }
  return ours!.body;
}
