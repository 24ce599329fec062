// /accstatz: nats-server 2.9.10's AccountStatz (monitor.go) — per account,
// its connections and message counters (events.go Account.statz), for the
// accounts with clients here, or every one with `unused`. The system
// account's STATZ requests (sys-requests.ts) and the CONNS counts
// (server/events.ts) send the same AccountStat.

import { accountStat, localConnections, type AccountStat } from "../server/stats.ts";
import { goTime } from "../server/system.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type MonitorRequest, type Reply } from "./reply.ts";
import { decodeBool } from "./query.ts";

export interface AccountStatzOptions {
  accounts?: string[];
  include_unused?: boolean;
}

export interface AccountStatz {
  server_id: string;
  now: string;
  account_statz: AccountStat[];
}

export function accstatz(host: MonitorHost, opts: AccountStatzOptions): AccountStatz {
  const names = opts.accounts ?? [];
  const chosen = names.length === 0 ? [...host.accounts.values()] : names.flatMap((n) => host.accounts.get(n) ?? []);
  const list = chosen.filter((a) => opts.include_unused === true || localConnections(a) > 0).map(accountStat);
  return { server_id: host.id, now: goTime(new Date()), account_statz: list };
}

/** `unused` is the only parameter 2.9.10 reads here. */
export function accstatzQuery(q: URLSearchParams): AccountStatzOptions {
  return { include_unused: decodeBool(q, "unused") };
}

/** A function declaration, safe in the routes table's import cycle (see accountz.ts). */
export function handleAccstatz(req: MonitorRequest): Reply {
  req.count();
  return jsonReply(req, accstatz(req.host, accstatzQuery(req.query)));
}
