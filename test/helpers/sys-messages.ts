// The system account's messages as a system user's raw client received
// them, for comparing nats-bun with nats-server 2.9.10: subjects and JSON
// bodies with what differs from run to run (ids, times, RTT, memory, CPU,
// subscription and message counts) replaced by their type, so key sets,
// order and stable values must match.

import type { RawClient } from "./raw.ts";
import type { RunningServer } from "./servers.ts";

/** Keys whose values differ between runs and servers: kept, with their value's JSON type. */
const VOLATILE = new Set(["id", "timestamp", "time", "start", "stop", "rtt", "seq", "mem", "cpu", "subscriptions"]);
/** The server's own message counts (STATSZ) include its events, which arrive at different moments. */
const VOLATILE_IN_STATSZ = new Set(["sent", "received"]);

function scrub(v: unknown, key = "", parent = ""): unknown {
  const serverName = key === "name" && parent === "server";
  if (VOLATILE.has(key) || serverName || (parent === "statsz" && VOLATILE_IN_STATSZ.has(key))) return `<${typeof v}>`;
  if (Array.isArray(v)) return v.map((x) => scrub(x, "", key));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, k, key)]));
  return v;
}

export interface Msg {
  subject: string;
  reply: string;
  body: unknown;
}

/** The MSGs a raw client received, bodies parsed (JSON) and scrubbed; server ids in subjects replaced. */
export function messages(c: RawClient): Msg[] {
  const out: Msg[] = [];
  const re = /MSG (\S+) \S+ (?:(\S*) )?(\d+)\r\n/g;
  const t = c.text;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    const start = m.index + m[0].length;
    const raw = t.slice(start, start + Number(m[3]));
    let body: unknown = raw;
    try {
      body = scrub(JSON.parse(raw));
      // Message counters as of when each server sent it (2.9.10 from another goroutine, at its own point of the traffic).
      if ((body as { type?: string }).type === "io.nats.server.advisory.v1.account_connections") body = { ...(body as object), sent: "<object>", received: "<object>" };
    } catch {
      // Not JSON: compared as it is.
    }
    const server = (s: string): string => s.replace(/N[A-Z0-9]{55}/g, "<server>");
    out.push({ subject: server(m[1]!), reply: server(m[2] ?? ""), body });
  }
  return out;
}

/** STATSZ the server sends on its own timer (its timing differs run to run). */
export const isPeriodicStatsz = (m: Msg): boolean => m.subject === "$SYS.SERVER.<server>.STATSZ";

/**
 * Stops `server` with SIGTERM and returns, as JSON text, what the system user
 * `sys` got after its first `before` messages, timer STATSZ left out (the
 * body's server name is its id when it has no name, so it is masked).
 */
export async function shutdownMessages(sys: RawClient, server: RunningServer, before: number): Promise<string> {
  server.proc.kill("SIGTERM");
  await sys.waitClosed();
  const got = messages(sys)
    .slice(before)
    .filter((m) => !isPeriodicStatsz(m))
    .map((m) => ({ ...m, body: { ...(m.body as object), name: "<string>" } }));
  return JSON.stringify(got, null, 1);
}
