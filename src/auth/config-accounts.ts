// The `accounts` block (nats-server opts.go parseAccounts and helpers, and
// the Account methods they call to add exports and imports):
//
//   accounts: [A, B]                       # just names
//   accounts: {
//     A: { users: [...], nkey: A..., default_permissions: {...},
//          limits: { max_connections, max_subscriptions, max_payload, max_leafnodes },
//          exports: [ {stream: "a.>"}, {service: "help", accounts: [B], response_type: stream} ],
//          imports: [ {stream: {account: B, subject: "b.>"}, prefix: "from_b"},
//                     {service: {account: B, subject: "svc"}, to: "b.svc"} ],
//          mappings: {...}, jetstream: ... }
//   }
//
// This module reads the block; config-imports.ts links exports and imports
// once every account is known.

import { parseGoDuration } from "../config/duration.ts";
import type { ConfMap, ConfPos, ConfValue } from "../config/types.ts";
import type { AccountDef, AccountLimits, ResponseType } from "./types.ts";
import { parsePermissions } from "./config-permissions.ts";
import { isValidPublicAccountKey, parseUsers, type ParsedUsers } from "./config-users.ts";
import { Collector, entries, goQuote, goQuoteValue, goType, goValue, isMap, posOf, recover } from "./config-util.ts";
import { isUsedAsVariable } from "../config/meta.ts";

export const GLOBAL_ACCOUNT = "$G";
export const DEFAULT_SYSTEM_ACCOUNT = "$SYS";
/** DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD. */
export const DEFAULT_RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
const DEFAULT_LATENCY_SAMPLING = 100;

export const ERR_BAD_SAMPLING = "bad sampling percentage, should be 1-100";

/** Limits as written: unset = unlimited (0); an explicit 0 allows nothing (-1). */
export function noLimits(): AccountLimits {
  return { maxConnections: 0, maxSubscriptions: 0, maxPayload: 0, maxLeafnodes: 0 };
}

export function newAccountDef(name: string): AccountDef {
  return { name, exports: [], imports: [], defaultPermissions: null, limits: noLimits() };
}

/** An account's users, with where they were declared (for errors). */
export interface AccountUsers {
  account: string;
  users: ParsedUsers;
  /** The `users` key of the account. */
  pos: ConfPos | undefined;
}

export interface PendingExport {
  account: AccountDef;
  kind: "stream" | "service";
  subject: string;
  accounts: string[] | null;
  responseType: ResponseType | null;
  thresholdMs: number | null;
  tokenPos: number;
  latency: { subject: string; sampling: number } | null;
}

export interface PendingImport {
  /** The importing account. */
  account: AccountDef;
  kind: "stream" | "service";
  /** The exporting account's name. */
  exporter: string;
  subject: string;
  prefix: string;
  to: string;
  share: boolean;
}

export interface ParsedAccounts {
  /** In declaration order, without `$G`. */
  accounts: AccountDef[];
  users: AccountUsers[];
  exports: PendingExport[];
  imports: PendingImport[];
}

/** Phase one: account names, users, limits, permissions; exports/imports parsed but not linked. */
export function parseAccounts(c: Collector, value: ConfMap | ConfValue[]): ParsedAccounts {
  const out: ParsedAccounts = { accounts: [], users: [], exports: [], imports: [] };
  recover(() => {
    if (Array.isArray(value)) parseAccountList(c, value, out);
    else parseAccountMap(c, value, out);
  });
  return out;
}

function parseAccountList(c: Collector, list: ConfValue[], out: ParsedAccounts): void {
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const name = c.string(list, i);
    const pos = posOf(list, i);
    if (name === GLOBAL_ACCOUNT) {
      c.error(pos, `${goQuote(name)} is a Reserved Account`);
      continue;
    }
    if (seen.has(name)) {
      c.error(pos, `Duplicate Account Entry: ${name}`);
      continue;
    }
    seen.add(name);
    out.accounts.push(newAccountDef(name));
  }
}

function parseAccountMap(c: Collector, map: ConfMap, out: ParsedAccounts): void {
  for (const name of Object.keys(map)) {
    // A variable defined inside the block is not an account.
    if (isUsedAsVariable(map, name)) continue;
    const body = map[name]!;
    const pos = posOf(map, name);
    if (!isMap(body)) {
      c.error(pos, "Expected map entries for accounts");
      continue;
    }
    if (name === GLOBAL_ACCOUNT) {
      c.error(pos, `${goQuote(name)} is a Reserved Account`);
      continue;
    }
    const acc = newAccountDef(name);
    out.accounts.push(acc);
    let users: ParsedUsers | null = null;
    let usersPos: ConfPos | undefined;
    for (const [k, lower, v] of entries(body)) {
      switch (lower) {
        case "nkey":
          if (typeof v !== "string" || !isValidPublicAccountKey(v)) {
            c.error(posOf(body, k), `Not a valid public nkey for an account: ${goQuoteValue(v)}`);
          } else {
            acc.nkey = v;
          }
          break;
        case "imports":
          out.imports.push(...parseImports(c, acc, body, k));
          break;
        case "exports":
          out.exports.push(...parseExports(c, acc, body, k));
          break;
        case "jetstream":
          // JetStream is not supported; its settings are accepted and ignored.
          break;
        case "users":
          usersPos = posOf(body, k);
          // nats-server reports a non-array here without a position.
          users = parseUsers(c, body, k, undefined);
          break;
        case "default_permissions": {
          const perms = parsePermissions(c, body, k);
          if (perms !== null) acc.defaultPermissions = perms;
          break;
        }
        case "mappings":
        case "maps":
          // Kept as written; subject mapping is not applied here.
          recover(() => (acc.mappings = c.map(body, k)));
          break;
        case "limits":
          parseLimits(c, acc, body, k);
          break;
        default:
          c.unknown(body, k);
      }
    }
    if (users !== null && (users.users.length > 0 || users.nkeys.length > 0)) {
      out.users.push({ account: name, users, pos: usersPos });
    }
  }
}

function parseLimits(c: Collector, acc: AccountDef, body: ConfMap, key: string): void {
  const v = body[key]!;
  if (!isMap(v)) {
    c.error(posOf(body, key), `Expected account limits to be a map/struct, got ${goValue(v)}`);
    return;
  }
  recover(() => {
    for (const [k, lower] of entries(v)) {
      let field: keyof AccountLimits;
      switch (lower) {
        case "max_connections":
        case "max_conn":
          field = "maxConnections";
          break;
        case "max_subscriptions":
        case "max_subs":
          field = "maxSubscriptions";
          break;
        case "max_payload":
        case "max_pay":
          field = "maxPayload";
          break;
        case "max_leafnodes":
        case "max_leafs":
          field = "maxLeafnodes";
          break;
        default:
          c.unknown(v, k, `Unknown field ${goQuote(k)} parsing account limits`);
          continue;
      }
      acc.limits[field] = limitValue(c.int(v, k));
    }
  });
}

/**
 * nats-server keeps limits as int32 with -1 = unlimited; any other value,
 * 0 included, is a real limit. Here 0 = unlimited, so a limit of 0 (or a
 * negative other than -1, which nothing can satisfy either) becomes -1.
 */
function limitValue(n: number): number {
  const v = Number(BigInt.asIntN(32, BigInt(n)));
  if (v === -1) return 0;
  return v <= 0 ? -1 : v;
}

// ---- exports -------------------------------------------------------------

function parseExports(c: Collector, acc: AccountDef, body: ConfMap, key: string): PendingExport[] {
  const list = body[key]!;
  if (!Array.isArray(list)) {
    c.error(posOf(body, key), `Exports should be an array, got ${goType(list)}`);
    return [];
  }
  const out: PendingExport[] = [];
  recover(() => {
    for (let i = 0; i < list.length; i++) {
      const e = parseExport(c, acc, list, i);
      if (e !== null) out.push(e);
    }
  });
  return out;
}

function parseExport(c: Collector, acc: AccountDef, list: ConfValue[], index: number): PendingExport | null {
  const v = list[index]!;
  if (!isMap(v)) {
    c.error(posOf(list, index), `Export Items should be a map with type entry, got ${goType(v)}`);
    return null;
  }
  return recover((): PendingExport | null => {
    let stream: PendingExport | null = null;
    let service: PendingExport | null = null;
    let accounts: string[] | null = null;
    let rt: ResponseType | null = null;
    let rtSeen = false;
    let rtPos: ConfPos | undefined;
    let rtGiven = false;
    let thresh: number | null = null;
    let threshSeen = false;
    let latency: PendingExport["latency"] = null;
    let latPos: ConfPos | undefined;
    let latGiven = false;
    let tokenPos = 0;
    const make = (kind: "stream" | "service", subject: string): PendingExport => ({
      account: acc,
      kind,
      subject,
      accounts,
      responseType: null,
      thresholdMs: null,
      tokenPos: 0,
      latency: null,
    });
    for (const [k, lower, mv] of entries(v)) {
      const pos = posOf(v, k);
      switch (lower) {
        case "stream":
          if (service !== null) {
            c.error(pos, `Detected stream ${goQuoteValue(mv)} but already saw a service`);
            continue;
          }
          if (rtGiven) {
            c.error(rtPos, "Detected response directive on non-service");
            continue;
          }
          if (latGiven) {
            c.error(latPos, "Detected latency directive on non-service");
            continue;
          }
          if (typeof mv !== "string") {
            c.error(pos, `Expected stream name to be string, got ${goType(mv)}`);
            continue;
          }
          stream = make("stream", mv);
          break;
        case "service":
          if (stream !== null) {
            c.error(pos, `Detected service ${goQuoteValue(mv)} but already saw a stream`);
            continue;
          }
          if (typeof mv !== "string") {
            c.error(pos, `Expected service name to be string, got ${goType(mv)}`);
            continue;
          }
          service = make("service", mv);
          if (rtSeen) service.responseType = rt;
          if (latency !== null) service.latency = latency;
          if (threshSeen) service.thresholdMs = thresh;
          break;
        case "response":
        case "response_type": {
          if (rtSeen) {
            c.error(pos, "Duplicate response type definition");
            continue;
          }
          rtSeen = true;
          rtGiven = true;
          rtPos = pos;
          if (typeof mv !== "string") {
            c.error(pos, `Expected response type to be string, got ${goType(mv)}`);
            continue;
          }
          switch (mv.toLowerCase()) {
            case "single":
            case "singleton":
              rt = "singleton";
              break;
            case "stream":
              rt = "stream";
              break;
            case "chunk":
            case "chunked":
              rt = "chunked";
              break;
            default:
              c.error(pos, `Unknown response type: ${goQuote(mv)}`);
              continue;
          }
          if (service !== null) service.responseType = rt;
          if (stream !== null) c.error(pos, "Detected response directive on non-service");
          break;
        }
        case "threshold":
        case "response_threshold":
        case "response_max_time":
        case "response_time": {
          if (threshSeen) {
            c.error(pos, "Duplicate response threshold detected");
            continue;
          }
          threshSeen = true;
          if (typeof mv !== "string") {
            c.error(pos, `Expected response threshold to be a parseable time duration, got ${goType(mv)}`);
            continue;
          }
          try {
            thresh = parseGoDuration(mv);
          } catch {
            c.error(pos, `Expected response threshold to be a parseable time duration, got ${goQuote(mv)}`);
            continue;
          }
          if (service !== null) service.thresholdMs = thresh;
          if (stream !== null) c.error(pos, "Detected response directive on non-service");
          break;
        }
        case "accounts": {
          const names = c.array(v, k);
          accounts = names.map((_, i) => c.string(names, i));
          // An empty list is no restriction (nats-server only records names).
          if (accounts.length === 0) accounts = null;
          if (stream !== null) stream.accounts = accounts;
          else if (service !== null) service.accounts = accounts;
          break;
        }
        case "latency": {
          latPos = pos;
          latGiven = true;
          const lat = parseLatency(c, v, k);
          if (lat === null) continue;
          latency = lat;
          if (stream !== null) {
            c.error(pos, "Detected latency directive on non-service");
            continue;
          }
          if (service !== null) service.latency = lat;
          break;
        }
        case "account_token_position":
          tokenPos = c.int(v, k);
          break;
        default:
          c.unknown(v, k);
      }
    }
    const e = stream ?? service;
    if (e !== null) e.tokenPos = tokenPos;
    return e;
  });
}

/** parseServiceLatency: a results subject, or `{ sampling, subject }`. */
function parseLatency(c: Collector, parent: ConfMap, key: string): { subject: string; sampling: number } | null {
  const v = parent[key]!;
  const root = posOf(parent, key);
  if (typeof v === "string") return { subject: v, sampling: DEFAULT_LATENCY_SAMPLING };
  if (!isMap(v)) {
    c.error(root, `Expected latency entry to be a map/struct or string, got ${goType(v)}`);
    return null;
  }
  let sampling = DEFAULT_LATENCY_SAMPLING;
  if ("sampling" in v) {
    const s = v.sampling!;
    const pos = posOf(v, "sampling");
    let header = false;
    let sample: number;
    if (typeof s === "number" && Number.isInteger(s)) {
      sample = s;
    } else if (typeof s === "string") {
      if (s.trim().toLowerCase() === "headers") {
        header = true;
        sample = 0;
      } else {
        const text = s.endsWith("%") ? s.slice(0, -1) : s;
        if (!/^[+-]?\d+$/.test(text)) {
          c.error(pos, `Failed to parse latency sample: strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`);
          return null;
        }
        sample = Number(text);
      }
    } else {
      c.error(pos, `Expected latency sample to be a string or map/struct, got ${goType(s)}`);
      return null;
    }
    if (!header && (sample < 1 || sample > 100)) {
      c.error(pos, ERR_BAD_SAMPLING);
      return null;
    }
    sampling = sample;
  }
  if (!("subject" in v)) {
    c.error(root, "Latency subject required, but missing");
    return null;
  }
  const subject = v.subject!;
  if (typeof subject !== "string") {
    // (sic) nats-server formats the type of the zero string here.
    c.error(posOf(v, "subject"), "Expected latency subject to be a string, got string");
    return null;
  }
  return { subject, sampling };
}

// ---- imports -------------------------------------------------------------

function parseImports(c: Collector, acc: AccountDef, body: ConfMap, key: string): PendingImport[] {
  const list = body[key]!;
  if (!Array.isArray(list)) {
    c.error(posOf(body, key), `Imports should be an array, got ${goType(list)}`);
    return [];
  }
  const out: PendingImport[] = [];
  const services = new Map<string, PendingImport>();
  recover(() => {
    for (let i = 0; i < list.length; i++) {
      const im = parseImport(c, acc, list, i);
      if (im === null) continue;
      if (im.kind === "service") {
        const dup = services.get(im.to);
        if (dup !== undefined) {
          c.error(
            posOf(list, i),
            `Duplicate service import subject ${goQuote(im.to)}, previously used in import for account ${goQuote(dup.exporter)}, subject ${goQuote(dup.subject)}`,
          );
          continue;
        }
        services.set(im.to, im);
      }
      out.push(im);
    }
  });
  return out;
}

function parseImport(c: Collector, acc: AccountDef, list: ConfValue[], index: number): PendingImport | null {
  const v = list[index]!;
  if (!isMap(v)) {
    c.error(posOf(list, index), `Import Items should be a map with type entry, got ${goType(v)}`);
    return null;
  }
  return recover((): PendingImport | null => {
    let stream: PendingImport | null = null;
    let service: PendingImport | null = null;
    let prefix = "";
    let to = "";
    let toPos: ConfPos | undefined;
    let share = false;
    for (const [k, lower, mv] of entries(v)) {
      const pos = posOf(v, k);
      switch (lower) {
        case "stream":
        case "service": {
          const kind = lower;
          if ((kind === "stream" ? service : stream) !== null) {
            c.error(pos, `Detected ${kind} but already saw a ${kind === "stream" ? "service" : "stream"}`);
            continue;
          }
          if (!isMap(mv)) {
            c.error(
              pos,
              `${kind === "stream" ? "Stream" : "Service"} entry should be an account map, got ${goType(mv)}`,
            );
            continue;
          }
          const [account, subject] = parseImportSource(c, mv);
          if (account === "" || subject === "") {
            c.error(pos, "Expect an account name and a subject");
            continue;
          }
          const im: PendingImport = {
            account: acc,
            kind,
            exporter: account,
            subject,
            prefix: "",
            to: "",
            share: false,
          };
          if (kind === "stream") stream = im;
          else service = im;
          break;
        }
        case "prefix":
          prefix = c.string(v, k);
          break;
        case "to":
          to = c.string(v, k);
          toPos = pos;
          break;
        case "share":
          share = c.bool(v, k);
          break;
        default:
          c.unknown(v, k);
      }
    }
    if (stream !== null) {
      if (prefix !== "" && to !== "") {
        c.error(toPos, "Stream import can not have a 'prefix' and a 'to' property");
        return null;
      }
      stream.prefix = prefix;
      stream.to = to;
      return stream;
    }
    if (service !== null) {
      service.to = to === "" ? service.subject : to;
      service.share = share;
      return service;
    }
    return null;
  });
}

/** `{ account: X, subject: y }`; a wrong value type gives ["", ""]. */
function parseImportSource(c: Collector, m: ConfMap): [string, string] {
  let account = "";
  let subject = "";
  const ok = recover(() => {
    for (const [k, lower] of entries(m)) {
      if (lower === "account") account = c.string(m, k);
      else if (lower === "subject") subject = c.string(m, k);
      else c.unknown(m, k);
    }
    return true;
  });
  return ok === null ? ["", ""] : [account, subject];
}
