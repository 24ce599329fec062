// The server's STATSZ in the system account, as nats-server 2.9.10 sends it
// (events.go startStatszTimer, heartbeatStatsz, statszReq, filterRequest):
// `$SYS.SERVER.<id>.STATSZ` 250 ms after start, then at twice the previous
// interval up to every 30 s; and in reply to `$SYS.REQ.SERVER.PING`,
// `$SYS.REQ.SERVER.PING.STATSZ` and `$SYS.REQ.SERVER.<id>.STATSZ` (with no
// reply subject, on the broadcast subject). A request body may filter which
// servers answer (server_name, host, cluster, tags, domain); one that does
// not decode gets a 400 error reply.

import { goJSONKind, goJSONSyntaxError } from "../protocol/gojson.ts";
import { serverStats, type StatsHost } from "./stats.ts";
import type { SysMessage, SystemClient, SystemHost } from "./system.ts";

const FIRST_MS = 250;
const MAX_MS = 30_000;

export interface StatszHost extends StatsHost, SystemHost {}

/** Sends STATSZ periodically and answers its requests; returns what stops the timer. */
export function serveStatsz(sys: SystemClient, host: StatszHost): () => void {
  const broadcast = `$SYS.SERVER.${host.id}.STATSZ`;
  let interval = FIRST_MS;
  const tick = (): void => {
    interval = Math.min(interval * 2, MAX_MS);
    timer = setTimeout(tick, interval).unref();
    sendStatsz(sys, host, broadcast);
  };
  let timer = setTimeout(tick, FIRST_MS).unref();
  const handler = (m: SysMessage): void => statszRequest(sys, host, broadcast, m);
  for (const subject of ["$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.STATSZ", `$SYS.REQ.SERVER.${host.id}.STATSZ`]) {
    sys.subscribe(subject, handler);
  }
  return () => clearTimeout(timer);
}

function sendStatsz(sys: SystemClient, host: StatsHost, subject: string): void {
  sys.publish(subject, "", JSON.stringify({ server: sys.serverInfo(), statsz: serverStats(host) }));
}

/** nats-server's EventFilterOptions. */
interface EventFilter {
  server_name?: unknown;
  host?: unknown;
  cluster?: unknown;
  tags?: unknown;
  domain?: unknown;
}

function statszRequest(sys: SystemClient, host: StatszHost, broadcast: string, m: SysMessage): void {
  const reply = m.reply === "" ? broadcast : m.reply;
  if (m.payload.length > 0) {
    const filter = parseFilter(m.payload);
    if (typeof filter === "string") {
      sys.publish(reply, "", JSON.stringify({ server: sys.serverInfo(), error: { code: 400, description: filter } }));
      return;
    }
    if (filteredOut(host, filter)) return;
  }
  sendStatsz(sys, host, reply);
}

/** The request body's filter, or Go's decoding error for it (a null body filters nothing). */
function parseFilter(payload: Uint8Array): EventFilter | string {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return goJSONSyntaxError(payload) ?? "invalid JSON";
  }
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) return `json: cannot unmarshal ${goJSONKind(v)} into Go value of type server.StatszEventOptions`;
  return v as EventFilter;
}

/** Whether the request's filter leaves this server out (a standalone server: no cluster, tags or domain). */
function filteredOut(host: StatszHost, f: EventFilter): boolean {
  const has = (v: unknown): v is string => typeof v === "string" && v !== "";
  if (has(f.server_name) && !host.name.includes(f.server_name)) return true;
  if (has(f.host) && !host.options.host.includes(f.host)) return true;
  if (has(f.cluster)) return true;
  if (Array.isArray(f.tags) && f.tags.length > 0) return true;
  return has(f.domain);
}
