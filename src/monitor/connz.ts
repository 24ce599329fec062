// /connz as nats-server 2.9.10 answers it (monitor.go Connz, HandleConnz,
// monitor_sort_opts.go), quirks included: `total` counts before the user
// and subject filters; a cid search with state=all looks only at closed
// connections; an unknown account gives an empty answer with no server id;
// closed connections of the global account have no account to filter on.
//
// For 10,000 connections the entries are sorted on plain numbers and only
// the page shown gets its ConnInfo built.

import type { Client } from "../client/client.ts";
import { subjectsCollide } from "../sublist/subject.ts";
import { goTime } from "../server/system.ts";
import type { ClosedConn } from "./closed-conns.ts";
import { accountName, authUser, baseConnInfo, inGoOrder, jwtFields, peerCerts, subDetail, type ConnInfo } from "./conninfo.ts";
import { MonitorError } from "./errors.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { decodeBool, decodeInt, decodeState, decodeSubs, decodeUint64 } from "./query.ts";

/** Go's ConnState: what JSON requests carry in `state`. */
export const CONN_OPEN = 0;
export const CONN_CLOSED = 1;
export const CONN_ALL = 2;

/** ConnzOptions by Go's JSON tags. */
export interface ConnzOptions {
  sort?: string;
  auth?: boolean;
  subscriptions?: boolean;
  subscriptions_detail?: boolean;
  offset?: number;
  limit?: number;
  cid?: number;
  mqtt_client?: string;
  /** 0 open (default), 1 closed, 2 all. */
  state?: number;
  user?: string;
  acc?: string;
  filter_subject?: string;
}

export interface Connz {
  server_id: string;
  now: string;
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  /** null only for an unknown `acc`, as 2.9.10's nil slice. */
  connections: ConnInfo[] | null;
}

/** DefaultConnListSize. */
const DEFAULT_LIMIT = 1024;

const SORTS = new Set(["cid", "start", "subs", "pending", "msgs_to", "msgs_from", "bytes_to", "bytes_from", "last", "idle", "uptime", "stop", "reason"]);

/** A listed connection before its ConnInfo is built. */
type Entry = { open: Client; closed?: undefined } | { open?: undefined; closed: ClosedConn };

/** What one answer shows of each listed connection. */
interface Request {
  auth: boolean;
  subs: boolean;
  detail: boolean;
  now: number;
}

/** The options checked and defaulted as 2.9.10's Connz does before it looks at connections. */
interface Plan {
  sort: string;
  offset: number;
  limit: number;
  state: number;
  cid: number;
  user: string;
  acc: string;
  mqtt: string;
  filter: string;
}

function plan(opts: ConnzOptions): Plan {
  let sort = opts.sort ?? "";
  if (sort === "") sort = "cid";
  else if (!SORTS.has(sort)) throw new MonitorError(`invalid sorting option: ${sort}`, 400);
  let limit = opts.limit ?? 0;
  if (limit <= 0) limit = DEFAULT_LIMIT;
  const state = opts.state ?? CONN_OPEN;
  if (sort === "stop" && state !== CONN_CLOSED) throw new MonitorError("sort by stop only valid on closed connections", 400);
  if (sort === "reason" && state !== CONN_CLOSED) throw new MonitorError("sort by reason only valid on closed connections", 400);
  const cid = opts.cid ?? 0;
  if (cid > 0) limit = 1;
  const acc = opts.acc ?? "";
  const fs = opts.filter_subject ?? "";
  let filter = "";
  if (fs !== "" && fs !== ">") {
    if (acc === "") throw new MonitorError("filter by subject only valid with account filtering", 400);
    filter = fs;
  }
  const offset = Math.max(opts.offset ?? 0, 0);
  return { sort, offset, limit, state, cid, user: opts.user ?? "", acc, mqtt: opts.mqtt_client ?? "", filter };
}

export function connz(host: MonitorHost, opts: ConnzOptions): Connz {
  const p = plan(opts);
  const now = Date.now();
  const z: Connz = { server_id: "", now: goTime(new Date(now)), num_connections: 0, total: 0, offset: p.offset, limit: p.limit, connections: null };
  let clients: Client[] | null = null;
  if (p.acc !== "") {
    const a = host.accounts.get(p.acc);
    if (a === undefined) return z;
    clients = [...a.clients].filter((c) => c.kind === "Client" || c.kind === "Leafnode");
  }
  z.server_id = host.id;
  const { total, entries } = gather(host, p, clients);
  z.total = total;
  sortEntries(entries, p.sort, now);
  const page = entries.slice(Math.min(p.offset, entries.length), Math.min(p.offset + p.limit, entries.length));
  const req: Request = { auth: opts.auth === true, subs: opts.subscriptions === true, detail: opts.subscriptions_detail === true, now };
  z.connections = page.map((e) => (e.open !== undefined ? openInfo(e.open, req) : closedInfo(e.closed, req)));
  z.num_connections = z.connections.length;
  return z;
}

/** The connections to list, unsorted, and `total` as 2.9.10 counts it (before the user and subject filters). `clients`: the account's, when one is asked for. */
function gather(host: MonitorHost, p: Plan, clients: Client[] | null): { total: number; entries: Entry[] } {
  const wantOpen = p.state === CONN_OPEN || p.state === CONN_ALL;
  const wantClosed = p.state === CONN_CLOSED || p.state === CONN_ALL;
  let closed = wantClosed ? host.closedConns.list() : [];
  if (p.acc !== "") closed = closed.filter((cc) => cc.acc === p.acc);
  const total = (wantOpen ? (clients?.length ?? host.clients.size) : 0) + closed.length;

  let open: Client[] = [];
  if (p.cid > 0) {
    if (wantClosed) {
      const found = closed.find((cc) => cc.info.cid === p.cid);
      closed = found !== undefined ? [found] : [];
    } else if (wantOpen) {
      const c = host.clients.get(p.cid);
      if (c !== undefined) open.push(c);
    }
  } else if (wantOpen) {
    for (const c of clients ?? host.clients.values()) {
      if (p.acc !== "" && c.account.name !== p.acc) continue;
      if (p.user !== "" && (c.opts.user ?? "") !== p.user) continue;
      if (p.mqtt !== "") continue; // no MQTT clients here
      open.push(c);
    }
  }
  if (p.filter !== "") open = open.filter((c) => [...c.subs.values()].some((s) => subjectsCollide(p.filter, s.subject)));

  const entries: Entry[] = open.map((c) => ({ open: c }));
  for (const cc of closed) {
    if (p.user !== "" && cc.user !== p.user) continue;
    if (p.mqtt !== "") continue;
    entries.push({ closed: cc });
  }
  return { total, entries };
}

function openInfo(c: Client, r: Request): ConnInfo {
  const ci = baseConnInfo(c, r.now, c.subs.size);
  if (c.subs.size > 0) {
    if (r.detail) ci.subscriptions_list_detail = [...c.subs.values()].map((s) => subDetail(s, false));
    else if (r.subs) ci.subscriptions_list = [...c.subs.values()].map((s) => s.subject);
  }
  if (r.auth) {
    ci.tls_peer_certs = peerCerts(c);
    ci.authorized_user = authUser(c);
    ci.account = accountName(c) || undefined;
    Object.assign(ci, jwtFields(c));
  }
  return inGoOrder(ci);
}

function closedInfo(cc: ClosedConn, r: Request): ConnInfo {
  const ci: ConnInfo = { ...cc.info };
  if (cc.subs.length > 0) {
    if (r.detail) ci.subscriptions_list_detail = [...cc.subs];
    else if (r.subs) ci.subscriptions_list = cc.subs.map((s) => s.subject);
  }
  if (r.auth) {
    ci.authorized_user = cc.user || undefined;
    ci.account = cc.acc || undefined;
  }
  return inGoOrder(ci);
}

/** A sort key of an entry; ties keep cid order. */
type Key = (e: Entry) => number;

const num = (open: (c: Client) => number, closed: (cc: ClosedConn) => number): Key => (e) => (e.open !== undefined ? open(e.open) : closed(e.closed));

const cidOf = num((c) => c.cid, (cc) => cc.info.cid);

/** Descending keys (2.9.10 reverses every sort but cid, start, uptime and reason). */
const DESCENDING: Record<string, Key> = {
  subs: num((c) => c.subs.size, (cc) => cc.info.subscriptions),
  pending: num((c) => c.out.pending, (cc) => cc.info.pending_bytes),
  msgs_to: num((c) => c.outMsgs, (cc) => cc.info.out_msgs),
  msgs_from: num((c) => c.inMsgs, (cc) => cc.info.in_msgs),
  bytes_to: num((c) => c.outBytes, (cc) => cc.info.out_bytes),
  bytes_from: num((c) => c.inBytes, (cc) => cc.info.in_bytes),
  last: num((c) => c.lastActivity, (cc) => cc.last),
  // 2.9.10's byIdle compares last activity minus start.
  idle: num((c) => c.lastActivity - c.start, (cc) => cc.last - cc.start),
  stop: num(() => 0, (cc) => cc.stop),
};

function sortEntries(entries: Entry[], sort: string, now: number): void {
  const n = entries.length;
  const cids = new Float64Array(n);
  for (let i = 0; i < n; i++) cids[i] = cidOf(entries[i]!);
  let keys: Float64Array | null = null;
  let sign = 1;
  const desc = DESCENDING[sort];
  if (desc !== undefined) {
    keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = desc(entries[i]!);
    sign = -1;
  } else if (sort === "uptime") {
    keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      keys[i] = e.open !== undefined ? now - e.open.start : e.closed.stop - e.closed.start;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  if (sort === "reason") {
    const reasons = entries.map((e) => e.closed?.info.reason ?? "");
    order.sort((a, b) => (reasons[a]! < reasons[b]! ? -1 : reasons[a]! > reasons[b]! ? 1 : cids[a]! - cids[b]!));
  } else if (keys !== null) {
    const k = keys;
    order.sort((a, b) => sign * (k[a]! - k[b]!) || cids[a]! - cids[b]!);
  } else {
    order.sort((a, b) => cids[a]! - cids[b]!);
  }
  const copy = entries.slice();
  for (let i = 0; i < n; i++) entries[i] = copy[order[i]!]!;
}

/** HandleConnz's query parameters. */
export function connzQuery(q: URLSearchParams): ConnzOptions {
  const auth = decodeBool(q, "auth");
  const { subs, detail } = decodeSubs(q);
  const offset = decodeInt(q, "offset");
  const limit = decodeInt(q, "limit");
  const cid = decodeUint64(q, "cid");
  const state = decodeState(q);
  return {
    sort: q.get("sort") ?? "",
    auth,
    subscriptions: subs,
    subscriptions_detail: detail,
    offset,
    limit,
    cid,
    mqtt_client: q.get("mqtt_client") ?? "",
    state: state === "open" ? CONN_OPEN : state === "closed" ? CONN_CLOSED : CONN_ALL,
    user: q.get("user") ?? "",
    acc: q.get("acc") ?? "",
  };
}

/** Counted once the query decoded, as 2.9.10 does; a builder error is a 400. */
export const handleConnz: EndpointHandler = (req) => {
  const opts = connzQuery(req.query);
  req.count();
  return jsonReply(req, connz(req.host, opts));
};
