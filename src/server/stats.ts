// The server-wide statistics of nats-server 2.9.10's ServerStats (events.go
// sendStatsz), gathered on demand so the message path pays nothing: the
// system account's STATSZ (statsz.ts) sends them, and /varz can read the
// same counters.

import { availableParallelism } from "node:os";
import type { Account } from "../accounts/account.ts";
import type { Client } from "../client/client.ts";
import { goTime } from "./system.ts";

/** Messages and bytes one way (nats-server's DataStats). */
export interface DataStats {
  msgs: number;
  bytes: number;
}

/** nats-server's ServerStats, in its JSON field order; routes, gateways and jetstream are left out as 2.9.10 omits them when empty. */
export interface ServerStats {
  start: string;
  mem: number;
  cores: number;
  cpu: number;
  connections: number;
  total_connections: number;
  active_accounts: number;
  subscriptions: number;
  sent: DataStats;
  received: DataStats;
  slow_consumers: number;
  active_servers: number;
}

/** Traffic of connections already closed, so totals survive them (added once, at close). */
export interface Traffic {
  inMsgs: number;
  inBytes: number;
  outMsgs: number;
  outBytes: number;
}

export interface StatsHost {
  readonly startTime: Date;
  readonly clients: ReadonlyMap<number, Client>;
  readonly accounts: ReadonlyMap<string, Account>;
  readonly totalConnections: number;
  readonly slowConsumers: number;
  readonly closedTraffic: Traffic;
  /** The system account, which 2.9.10 counts as active (its internal client is in it). */
  readonly systemAccount: Account | null;
}

/** 2.9.10's AccountStat (events.go Account.statz), in its field order. */
export interface AccountStat {
  acc: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  sent: DataStats;
  received: DataStats;
  slow_consumers: number;
}

/** 2.9.10's numLocalConnections: the account's connections, its leaf node connections left out. */
export function localConnections(a: Account): number {
  return a.clients.size - a.leafs.size;
}

/** An account's connections and counters now. */
export function accountStat(a: Account): AccountStat {
  const conns = localConnections(a);
  return {
    acc: a.name,
    conns,
    leafnodes: a.leafs.size,
    total_conns: conns + a.leafs.size,
    sent: { msgs: a.outMsgs, bytes: a.outBytes },
    received: { msgs: a.inMsgs, bytes: a.inBytes },
    slow_consumers: a.slowConsumers,
  };
}

export function newTraffic(): Traffic {
  return { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
}

/** Adds a closing connection's counters to the totals. */
export function addTraffic(t: Traffic, c: Client): void {
  t.inMsgs += c.inMsgs;
  t.inBytes += c.inBytes;
  t.outMsgs += c.outMsgs;
  t.outBytes += c.outBytes;
}

export function serverStats(s: StatsHost): ServerStats {
  const t = { ...s.closedTraffic };
  for (const c of s.clients.values()) addTraffic(t, c);
  let active = 0;
  let subs = 0;
  for (const a of s.accounts.values()) {
    if (a.clients.size > 0 || a === s.systemAccount) active++;
    subs += a.sublist.count();
  }
  return {
    start: goTime(s.startTime),
    mem: process.memoryUsage.rss(),
    cores: availableParallelism(),
    cpu: cpuPercent(),
    connections: s.clients.size,
    total_connections: s.totalConnections,
    active_accounts: active,
    subscriptions: subs,
    sent: { msgs: t.outMsgs, bytes: t.outBytes },
    received: { msgs: t.inMsgs, bytes: t.inBytes },
    slow_consumers: s.slowConsumers,
    active_servers: 1,
  };
}

let lastCpu = process.cpuUsage();
let lastAt = performance.now();

/** CPU use since the previous sample, in percent with one decimal (as nats-server's pse reports it). */
function cpuPercent(): number {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const usedMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
  const elapsed = now - lastAt;
  lastCpu = cpu;
  lastAt = now;
  return elapsed <= 0 ? 0 : Math.round((usedMs / elapsed) * 1000) / 10;
}
