// The server's STATSZ in the system account, as nats-server 2.9.10 sends it
// (events.go startStatszTimer, heartbeatStatsz, statszReq, filterRequest):
// `$SYS.SERVER.<id>.STATSZ` 250 ms after start, then at twice the previous
// interval up to every 30 s; and in reply to `$SYS.REQ.SERVER.PING`,
// `$SYS.REQ.SERVER.PING.STATSZ` and `$SYS.REQ.SERVER.<id>.STATSZ` (with no
// reply subject, on the broadcast subject). A request body may filter which
// servers answer (server_name, host, cluster, tags, domain); one that does
// not decode gets a 400 error reply.

import { EVENT_FILTER_FIELDS, filteredOut } from "../monitor/event-filter.ts";
import { decodeGoOptions } from "../monitor/go-options.ts";
import { goMarshal } from "../monitor/json.ts";
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

function statszRequest(sys: SystemClient, host: StatszHost, broadcast: string, m: SysMessage): void {
  const reply = m.reply === "" ? broadcast : m.reply;
  if (m.payload.length > 0) {
    const filter = decodeGoOptions(m.payload, "StatszEventOptions", EVENT_FILTER_FIELDS);
    if (typeof filter === "string") {
      sys.publish(reply, "", goMarshal({ server: sys.serverInfo(), error: { code: 400, description: filter } }));
      return;
    }
    if (filteredOut(host, filter)) return;
  }
  sendStatsz(sys, host, reply);
}
