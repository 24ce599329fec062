// /accountz: nats-server 2.9.10's Accountz and accountInfo (monitor.go):
// without `acc` the names of the accounts registered here; with it, one
// account's detail — connections, subscriptions, subject mappings, exports
// and imports as they are wired (the system account's services included),
// and in operator mode its JWT, issuer, decoded claims and revocations.
// The system account's `$SYS.REQ.ACCOUNT.<acc>.INFO` answers the same
// detail (sys-requests.ts).

import type { Account } from "../accounts/account.ts";
import { destinations } from "../accounts/mappings.ts";
import { responseMappings } from "../accounts/service-import.ts";
import type { ExportDef, ImportDef } from "../auth/types.ts";
import type { ConfMap } from "../config/types.ts";
import type { Export } from "../jwt/types.ts";
import { goTime } from "../server/system.ts";
import type { SublistStats } from "../sublist/types.ts";
import { decodedClaims, validationIssues, type VrIssue } from "./account-claims.ts";
import { MonitorError } from "./errors.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, textReply, type MonitorRequest, type Reply } from "./reply.ts";
import { sortedRecord } from "./json.ts";
import type { SublistStatsJSON } from "./subsz.ts";
import { localConnections } from "../server/stats.ts";

export interface AccountzOptions {
  account?: string;
}

/** jwt.ServiceLatency: a sampling of 0 means "triggered by headers". */
interface ExtLatency {
  sampling: number | "headers";
  results: string;
}

/** 2.9.10's ExtExport (jwt.Export's fields that accountInfo sets, then its own). */
interface ExtExport {
  subject: string;
  type: "stream" | "service";
  token_req?: boolean;
  response_type?: string;
  service_latency?: ExtLatency;
  approved_accounts?: string[];
  revoked_activations?: Record<string, string>;
}

/** 2.9.10's ExtImport (the jwt.Import fields accountInfo sets, then its own). */
interface ExtImport {
  subject: string;
  account: string;
  to?: string;
  local_subject?: string;
  type: "stream" | "service";
  invalid: boolean;
  share: boolean;
  tracking: boolean;
  latency?: ExtLatency;
}

interface MapDest {
  subject: string;
  weight: number;
}

export interface AccountInfo {
  account_name: string;
  update_time: string;
  is_system?: boolean;
  expired: boolean;
  complete: boolean;
  jetstream_enabled: boolean;
  leafnode_connections: number;
  client_connections: number;
  subscriptions: number;
  mappings?: Record<string, MapDest[]>;
  exports?: ExtExport[];
  imports?: ExtImport[];
  jwt?: string;
  issuer_key?: string;
  name_tag?: string;
  tags?: string[];
  decoded_jwt?: Record<string, unknown>;
  validation_result_jwt?: VrIssue[];
  revoked_user?: Record<string, string>;
  sublist_stats: SublistStatsJSON;
  responses?: Record<string, ResponseImport>;
}

export interface Accountz {
  server_id: string;
  now: string;
  system_account?: string;
  accounts?: string[];
  account_detail?: AccountInfo;
}

export function accountz(host: MonitorHost, opts: AccountzOptions): Accountz {
  const a: Accountz = { server_id: host.id, now: goTime(new Date()) };
  const sys = host.systemAccount;
  if (sys !== null) a.system_account = sys.name;
  const name = opts.account ?? "";
  if (name === "") a.accounts = [...host.accounts.keys()];
  else a.account_detail = accountInfo(host, name);
  return a;
}

/** One account's detail; a MonitorError for an account not registered here. */
export function accountInfo(host: MonitorHost, name: string): AccountInfo {
  const a = host.accounts.get(name);
  if (a === undefined) throw new MonitorError(`Account ${name} does not exist`);
  const state = a.jwt;
  const claims = state?.claims;
  return {
    account_name: name,
    update_time: goTime(a.updated),
    is_system: a === host.systemAccount || undefined,
    expired: state?.expired ?? false,
    complete: !(state?.incomplete ?? false),
    jetstream_enabled: false,
    leafnode_connections: a.leafs.size,
    client_connections: localConnections(a),
    subscriptions: a.sublist.count(),
    mappings: mappings((state?.def ?? host.auth.accounts.get(name))?.mappings),
    exports: nonEmpty(exportsOf(a)),
    imports: nonEmpty(importsOf(a)),
    jwt: state?.jwt || undefined,
    issuer_key: claims?.iss || undefined,
    name_tag: claims?.name || undefined,
    tags: nonEmpty(claims?.nats.tags ?? []),
    decoded_jwt: state ? decodedClaims(state.jwt) : undefined,
    validation_result_jwt: claims ? nonEmpty(validationIssues(claims)) : undefined,
    revoked_user: claims ? timeMap(claims.nats.revocations) : undefined,
    sublist_stats: sublistStatsJson(a.sublist.stats()),
    responses: responses(a),
  };
}

function sublistStatsJson(s: SublistStats): SublistStatsJSON {
  return {
    num_subscriptions: s.numSubs,
    num_cache: s.numCache,
    num_inserts: s.numInserts,
    num_removes: s.numRemoves,
    num_matches: s.numMatches,
    cache_hit_rate: s.cacheHitRate,
    max_fanout: s.maxFanout,
    avg_fanout: s.avgFanout,
  };
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

const RESPONSE_TYPE: Record<ExportDef["responseType"], string> = { singleton: "Singleton", stream: "Streamed", chunked: "Chunked" };

function latency(l: ExportDef["latency"]): ExtLatency | undefined {
  return l === undefined ? undefined : { sampling: l.sampling === 0 ? "headers" : l.sampling, results: l.subject };
}

/** Services, then streams, as 2.9.10 lists them; token requirements and revocations from the JWT's export. */
function exportsOf(a: Account): ExtExport[] {
  const fromJwt = (e: ExportDef): Export | undefined => a.jwt?.claims.nats.exports.find((x) => x.type === e.kind && x.subject === e.subject);
  const ext = (e: ExportDef): ExtExport => {
    const claim = fromJwt(e);
    const out: ExtExport = { subject: e.subject, type: e.kind, token_req: claim?.token_req || undefined };
    if (e.kind === "service") {
      out.response_type = RESPONSE_TYPE[e.responseType];
      out.service_latency = latency(e.latency);
    }
    out.approved_accounts = nonEmpty(e.accounts ?? []);
    out.revoked_activations = claim ? timeMap(claim.revocations) : undefined;
    return out;
  };
  const all = a.wired.exports;
  return [...all.filter((e) => e.kind === "service"), ...all.filter((e) => e.kind === "stream")].map(ext);
}

/** Stream imports, then service imports (the importer's subject first, the exporter's as `to`). */
function importsOf(a: Account): ExtImport[] {
  const ext = (i: ImportDef): ExtImport =>
    i.kind === "stream"
      ? { subject: i.subject, account: i.account, local_subject: i.to, type: "stream", invalid: false, share: false, tracking: false }
      : { subject: i.to, account: i.account, to: i.subject, type: "service", invalid: false, share: i.share, tracking: false };
  const all = a.wired.imports;
  return [...all.filter((i) => i.kind === "stream"), ...all.filter((i) => i.kind === "service")].map(ext);
}

/**
 * An ExtImport as a value of Go's map[string]ExtImport: not addressable, so
 * jwt.ExportType's pointer-receiver MarshalJSON is skipped and the type is
 * its number (2, service).
 */
type ResponseImport = Omit<ExtImport, "type"> & { type: 2 };

/** Response mappings in flight, by their `_R_` subject: each a service import back to the requester. */
function responses(a: Account): Record<string, ResponseImport> | undefined {
  const list = responseMappings(a);
  if (list.length === 0) return undefined;
  const ext = (r: (typeof list)[number]): ResponseImport => ({
    subject: r.subject,
    account: r.requester.name,
    to: r.reply,
    type: 2,
    invalid: false,
    share: false,
    tracking: false,
  });
  return sortedRecord(list.map((r) => [r.subject, ext(r)]));
}

/**
 * Mappings as 2.9.10 keeps them: destinations by rising weight, the source
 * itself added for what the weights leave (wildcards as `$N`), weights made
 * cumulative.
 */
function mappings(block: ConfMap | undefined): Record<string, MapDest[]> | undefined {
  if (block === undefined) return undefined;
  const out: Array<[string, MapDest[]]> = [];
  for (const [src, value] of Object.entries(block)) {
    const dests = destinations(value);
    if (typeof dests === "string") continue;
    const list = dests.map((d) => ({ subject: d.subject, weight: d.weight }));
    const total = list.reduce((n, d) => n + d.weight, 0);
    if (total !== 100 && !list.some((d) => d.subject === src)) list.push({ subject: tokenize(src), weight: list.length === 0 ? 100 : 100 - total });
    list.sort((x, y) => x.weight - y.weight);
    let sum = 0;
    for (const d of list) d.weight = sum += d.weight;
    out.push([src, list]);
  }
  return out.length > 0 ? sortedRecord(out) : undefined;
}

/** transformTokenize: each `*` of a subject becomes `$1`, `$2`... */
function tokenize(subject: string): string {
  let n = 0;
  return subject
    .split(".")
    .map((t) => (t === "*" ? `$${++n}` : t))
    .join(".");
}

/** A revocation map (unix seconds) as Go writes map[string]time.Time: keys sorted, local times. */
function timeMap(m: Record<string, number>): Record<string, string> | undefined {
  const entries = Object.entries(m);
  if (entries.length === 0) return undefined;
  return sortedRecord(entries.map(([k, v]) => [k, goLocalTime(v)]));
}

/** time.Unix(sec, 0) marshalled: RFC 3339 in the local zone. */
function goLocalTime(sec: number): string {
  const d = new Date(sec * 1000);
  const off = -d.getTimezoneOffset();
  if (off === 0) return goTime(d);
  const local = new Date(d.getTime() + off * 60_000).toISOString().replace(/\.\d+Z$/, "");
  const h = String(Math.floor(Math.abs(off) / 60)).padStart(2, "0");
  const m = String(Math.abs(off) % 60).padStart(2, "0");
  return `${local}${off < 0 ? "-" : "+"}${h}:${m}`;
}

export function accountzQuery(q: URLSearchParams): AccountzOptions {
  return { account: q.get("acc") ?? "" };
}

/**
 * 2.9.10 answers any error here with 400 and its text. A function
 * declaration: the system account's requests load this module first, in
 * the middle of the routes table's import cycle.
 */
export function handleAccountz(req: MonitorRequest): Reply {
  req.count();
  try {
    return jsonReply(req, accountz(req.host, accountzQuery(req.query)));
  } catch (e) {
    if (e instanceof MonitorError) return textReply(400, e.message);
    throw e;
  }
}
