// /jsz: nats-server 2.9.10's JSInfo as a server without JetStream answers
// it (we do not run JetStream): `disabled`, zero config and stats.

import { goTime } from "../server/system.ts";
import { FilteredResponseError } from "./errors.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { decodeBool, decodeInt } from "./query.ts";

export interface JSzOptions {
  account?: string;
  accounts?: boolean;
  streams?: boolean;
  consumer?: boolean;
  config?: boolean;
  leader_only?: boolean;
  offset?: number;
  limit?: number;
}

/** JetStreamConfig, JetStreamStats and the totals of JSInfo, in its order. */
export interface JSInfo {
  server_id: string;
  now: string;
  disabled?: boolean;
  config: { max_memory: number; max_storage: number; store_dir?: string; domain?: string; compress_ok?: boolean };
  memory: number;
  storage: number;
  reserved_memory: number;
  reserved_storage: number;
  accounts: number;
  ha_assets: number;
  api: { total: number; errors: number; inflight?: number };
  streams: number;
  consumers: number;
  messages: number;
  bytes: number;
}

export function jsz(host: MonitorHost, opts: JSzOptions = {}): JSInfo {
  // Without JetStream no server leads anything.
  if (opts.leader_only) throw new FilteredResponseError("not leader");
  return {
    server_id: host.id,
    now: goTime(new Date()),
    disabled: true,
    config: { max_memory: 0, max_storage: 0 },
    memory: 0,
    storage: 0,
    reserved_memory: 0,
    reserved_storage: 0,
    accounts: 0,
    ha_assets: 0,
    api: { total: 0, errors: 0 },
    streams: 0,
    consumers: 0,
    messages: 0,
    bytes: 0,
  };
}

/** In 2.9.10's order: the first bad value is the one reported. */
export function jszQuery(q: URLSearchParams): JSzOptions {
  const accounts = decodeBool(q, "accounts");
  const streams = decodeBool(q, "streams");
  const consumer = decodeBool(q, "consumers");
  const config = decodeBool(q, "config");
  const offset = decodeInt(q, "offset");
  const limit = decodeInt(q, "limit");
  const leaderOnly = decodeBool(q, "leader-only");
  return { account: q.get("acc") ?? "", accounts, streams, consumer, config, leader_only: leaderOnly, offset, limit };
}

/** Counted before decoding, as 2.9.10. */
export const handleJsz: EndpointHandler = (req) => {
  req.count();
  return jsonReply(req, jsz(req.host, jszQuery(req.query)));
};
