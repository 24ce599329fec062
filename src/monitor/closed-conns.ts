// The last max_closed_clients closed client connections, for
// /connz?state=closed (nats-server 2.9.10's closedRingBuffer, filled by
// saveClosedClient): every client connection is kept whatever closed it
// (before CONNECT, failed authentication, max connections), with its
// ConnInfo as it was at close, its subscriptions, user and account.

import type { Client } from "../client/client.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { goTime } from "../server/system.ts";
import { accountName, baseConnInfo, jwtFields, subDetail, type ConnInfo, type SubDetail } from "./conninfo.ts";

/** 2.9.10's DEFAULT_MAX_CLOSED_CLIENTS (also what 0 means). */
export const DEFAULT_MAX_CLOSED_CLIENTS = 10000;

export interface ClosedConn {
  /** ConnInfo at close: stop, reason and the JWT fields set; no auth or subscription lists. */
  readonly info: ConnInfo;
  readonly subs: readonly SubDetail[];
  /** The CONNECT user name ("" if none): what auth=true shows for it. */
  readonly user: string;
  /** The account, "" for the global one. */
  readonly acc: string;
  /** Times in ms, for sorting. */
  readonly start: number;
  readonly last: number;
  readonly stop: number;
}

/** saveClosedClient's snapshot. `subs` are those the client had (its max shown as 0, as 2.9.10 clears it first). */
export function snapshotClosed(c: Client, subs: readonly Subscription[], now: number): ClosedConn {
  const info: ConnInfo = { ...baseConnInfo(c, now, subs.length), ...jwtFields(c) };
  info.stop = goTime(new Date(now));
  info.reason = c.closeReason ?? "";
  return {
    info,
    subs: subs.map((s) => subDetail(s, true, 0)),
    user: c.opts.user ?? "",
    acc: accountName(c),
    start: c.start,
    last: c.lastActivity,
    stop: now,
  };
}

/** A fixed-size ring: the oldest entry is dropped once full. */
export class ClosedConns {
  private readonly ring: (ClosedConn | undefined)[];
  private total = 0;

  constructor(max: number) {
    this.ring = new Array(max > 0 ? max : DEFAULT_MAX_CLOSED_CLIENTS);
  }

  add(cc: ClosedConn): void {
    this.ring[this.total % this.ring.length] = cc;
    this.total++;
  }

  /** The kept entries, oldest first. */
  list(): ClosedConn[] {
    const cap = this.ring.length;
    if (this.total <= cap) return this.ring.slice(0, this.total) as ClosedConn[];
    const head = this.total % cap;
    return [...this.ring.slice(head), ...this.ring.slice(0, head)] as ClosedConn[];
  }
}
