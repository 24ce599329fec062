// /leafz: nats-server 2.9.10's Leafz: every registered leaf node connection
// (either side of it), optionally of one account; `leafs` is null when there
// is none, as 2.9.10 writes it. The counters are the connection's own.

import type { Client } from "../client/client.ts";
import { goTime } from "../server/system.ts";
import { goRtt } from "./duration.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { decodeBool } from "./query.ts";

export interface LeafzOptions {
  subscriptions?: boolean;
  account?: string;
}

export interface LeafInfo {
  account: string;
  ip: string;
  port: number;
  rtt?: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

export interface Leafz {
  server_id: string;
  now: string;
  leafnodes: number;
  leafs: LeafInfo[] | null;
}

export function leafz(host: MonitorHost, opts: LeafzOptions = {}): Leafz {
  const account = opts.account ?? "";
  const conns = [...host.leafs.values()].filter((c) => account === "" || c.account.name === account);
  const leafs = conns.length > 0 ? conns.map((c) => leafInfo(c, opts)) : null;
  return { server_id: host.id, now: goTime(new Date()), leafnodes: conns.length, leafs };
}

function leafInfo(c: Client, opts: LeafzOptions): LeafInfo {
  const info: LeafInfo = {
    account: c.account.name,
    ip: c.host,
    port: c.port,
    rtt: goRtt(c.rtt),
    in_msgs: c.inMsgs,
    out_msgs: c.outMsgs,
    in_bytes: c.inBytes,
    out_bytes: c.outBytes,
    subscriptions: c.subs.size,
  };
  if (opts.subscriptions) info.subscriptions_list = [...c.subs.values()].map((s) => s.subject);
  return info;
}

export function leafzQuery(q: URLSearchParams): LeafzOptions {
  return { subscriptions: decodeBool(q, "subs"), account: q.get("acc") ?? "" };
}

/** Counted before decoding, as 2.9.10: a bad `subs` still counts. */
export const handleLeafz: EndpointHandler = (req) => {
  req.count();
  return jsonReply(req, leafz(req.host, leafzQuery(req.query)));
};
