// /routez: nats-server 2.9.10's Routez: the registered routes, with the
// cluster's permissions on top and each peer's (from its INFO) per route.

import type { Client } from "../client/client.ts";
import { goTime } from "../server/system.ts";
import { subDetail, type SubDetail } from "./conninfo.ts";
import { goRtt } from "./duration.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { decodeSubs } from "./query.ts";
import { goUptime } from "./uptime.ts";

export interface RoutezOptions {
  subscriptions?: boolean;
  subscriptions_detail?: boolean;
}

/** 2.9.10's SubjectPermission. */
export interface SubjectPermission {
  allow?: string[];
  deny?: string[];
}

export interface RouteInfo {
  rid: number;
  remote_id: string;
  did_solicit: boolean;
  is_configured: boolean;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  rtt?: string;
  uptime: string;
  idle: string;
  import?: SubjectPermission;
  export?: SubjectPermission;
  pending_size: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
}

export interface Routez {
  server_id: string;
  now: string;
  import?: SubjectPermission;
  export?: SubjectPermission;
  num_routes: number;
  routes: RouteInfo[];
}

export function routez(host: MonitorHost, opts: RoutezOptions = {}): Routez {
  const now = new Date();
  // Registered routes only (2.9.10 lists s.routes, filled once the peer's INFO came).
  const registered = [...host.routes.values()].filter((c) => c.route!.registered);
  const routes = registered.map((r) => routeInfo(r, now, opts));
  const perms = host.clusterOptions?.permissions ?? null;
  return {
    server_id: host.id,
    now: goTime(now),
    import: permissionJSON(perms?.import),
    export: permissionJSON(perms?.export),
    num_routes: registered.length,
    routes,
  };
}

/** Go's *SubjectPermission: absent when nil, empty lists left out. */
function permissionJSON(p: unknown): SubjectPermission | undefined {
  if (p === null || typeof p !== "object") return undefined;
  const { allow, deny } = p as { allow?: unknown; deny?: unknown };
  const out: SubjectPermission = {};
  if (Array.isArray(allow) && allow.length > 0) out.allow = allow.map(String);
  if (Array.isArray(deny) && deny.length > 0) out.deny = deny.map(String);
  return out;
}

function routeInfo(c: Client, now: Date, opts: RoutezOptions): RouteInfo {
  const r = c.route!;
  const info: RouteInfo = {
    rid: c.cid,
    remote_id: r.remoteId,
    did_solicit: r.didSolicit,
    is_configured: r.explicit,
    ip: c.host,
    port: c.port,
    start: goTime(new Date(c.start)),
    last_activity: goTime(new Date(c.lastActivity)),
    rtt: goRtt(c.rtt),
    uptime: goUptime(now.getTime() - c.start),
    idle: goUptime(now.getTime() - c.lastActivity),
    import: permissionJSON(r.peerImport),
    export: permissionJSON(r.peerExport),
    // 2.9.10 never fills it in for routes.
    pending_size: 0,
    in_msgs: c.inMsgs,
    out_msgs: c.outMsgs,
    in_bytes: c.inBytes,
    out_bytes: c.outBytes,
    subscriptions: r.subs.size,
  };
  if (r.subs.size > 0) {
    const subs = [...r.subs.values()].map((e) => e.sub);
    if (opts.subscriptions_detail) info.subscriptions_list_detail = subs.map((s) => subDetail(s, false));
    else if (opts.subscriptions) info.subscriptions_list = subs.map((s) => s.subject);
  }
  return info;
}

/** `subs=1` or `subs=detail`. */
export function routezQuery(q: URLSearchParams): RoutezOptions {
  const { subs, detail } = decodeSubs(q);
  return { subscriptions: subs, subscriptions_detail: detail };
}

/** Decoded before it is counted, as 2.9.10: a bad `subs` is not counted. */
export const handleRoutez: EndpointHandler = (req) => {
  const opts = routezQuery(req.query);
  req.count();
  return jsonReply(req, routez(req.host, opts));
};
