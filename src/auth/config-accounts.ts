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
// Accounts and users are parsed first; exports and imports are linked once
// every account is known (and only when nothing else failed), checking that
// each import is authorized by an export of the other account.

import { parseGoDuration } from "../config/duration.ts";
import type { ConfMap, ConfPos, ConfValue } from "../config/types.ts";
import {
  isValidLiteralSubject,
  isValidSubject,
  subjectHasWildcard,
  subjectIsSubsetMatch,
  subjectsCollide,
} from "../sublist/subject.ts";
import type { AccountDef, AccountLimits, ExportDef, ImportDef, ResponseType } from "./types.ts";
import { parsePermissions } from "./config-permissions.ts";
import { isValidPublicAccountKey, parseUsers, type ParsedUsers } from "./config-users.ts";
import {
  Collector,
  entries,
  goQuote,
  goQuoteValue,
  goType,
  goValue,
  isMap,
  posOf,
  recover,
} from "./config-util.ts";
import { isUsedAsVariable } from "../config/meta.ts";

export const GLOBAL_ACCOUNT = "$G";
export const DEFAULT_SYSTEM_ACCOUNT = "$SYS";
/** DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD. */
export const DEFAULT_RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
const DEFAULT_LATENCY_SAMPLING = 100;
const MAX_CYCLE_SEARCH_DEPTH = 1024;

const ERR_INVALID_SUBJECT = "sublist: invalid subject";
const ERR_BAD_SUBJECT = "invalid subject";
const ERR_STREAM_IMPORT_AUTH = "stream import not authorized";
const ERR_SERVICE_IMPORT_AUTH = "service import not authorized";
const ERR_BAD_PREFIX = "stream import prefix can not contain wildcard tokens";
const ERR_STREAM_IMPORT_DUP = "stream import already exists";
const ERR_CYCLE = "import forms a cycle";
const ERR_CYCLE_DEPTH = "search cycle depth exhausted";
const ERR_BAD_SAMPLING = "bad sampling percentage, should be 1-100";
const ERR_BAD_PUBLISH_SUBJECT = "invalid publish subject";
const ERR_BAD_SERVICE_TYPE = "bad service response type";
const ERR_NO_SYS_ACCOUNT = "system account not setup";

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

interface PendingExport {
  account: AccountDef;
  kind: "stream" | "service";
  subject: string;
  accounts: string[] | null;
  responseType: ResponseType | null;
  thresholdMs: number | null;
  tokenPos: number;
  latency: { subject: string; sampling: number } | null;
}

interface PendingImport {
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
            c.error(pos, `${kind === "stream" ? "Stream" : "Service"} entry should be an account map, got ${goType(mv)}`);
            continue;
          }
          const [account, subject] = parseImportSource(c, mv);
          if (account === "" || subject === "") {
            c.error(pos, "Expect an account name and a subject");
            continue;
          }
          const im: PendingImport = { account: acc, kind, exporter: account, subject, prefix: "", to: "", share: false };
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

// ---- linking -------------------------------------------------------------

/**
 * Phase two: adds exports, then imports, checking each import against the
 * exporter's exports. `known` holds every account an import or export may
 * name. Errors are reported at `pos` (the `accounts` key), as nats-server does.
 */
export function linkAccounts(
  c: Collector,
  parsed: ParsedAccounts,
  known: Map<string, AccountDef>,
  pos: ConfPos | undefined,
  noSystemAccount: boolean,
): void {
  const streams = parsed.exports.filter((e) => e.kind === "stream");
  const services = parsed.exports.filter((e) => e.kind === "service");
  for (const e of streams) addExport(c, e, known, pos);
  for (const e of services) {
    if (!addExport(c, e, known, pos)) continue;
    if (e.latency !== null) {
      const fail = (err: string, withSubject: boolean): void =>
        c.error(
          pos,
          withSubject
            ? `Error adding service latency sampling for ${goQuote(e.subject)} on subject ${goQuote(e.latency!.subject)}: ${err}`
            : `Error adding service latency sampling for ${goQuote(e.subject)}: ${err}`,
        );
      if (noSystemAccount) {
        fail(ERR_NO_SYS_ACCOUNT, false);
        continue;
      }
      const problem = latencyProblem(e.account, e.subject, e.latency);
      if (problem !== null) {
        fail(problem, true);
        continue;
      }
      exportFor(e.account, "service", e.subject)!.latency = { ...e.latency };
    }
  }
  for (const im of parsed.imports) {
    const exporter = known.get(im.exporter);
    if (exporter === undefined) {
      c.error(pos, `${goQuote(im.exporter)} account not defined for ${im.kind} import`);
      continue;
    }
    const problem = im.kind === "stream" ? addStreamImport(im, exporter, known) : addServiceImport(im, exporter, known);
    if (problem !== null) c.error(pos, `Error adding ${im.kind} import ${goQuote(im.subject)}: ${problem}`);
  }
}

function exportFor(acc: AccountDef, kind: "stream" | "service", subject: string): ExportDef | undefined {
  return acc.exports.find((e) => e.kind === kind && e.subject === subject);
}

/**
 * Adds (or merges into) the account's export for this subject. nats-server
 * keeps one export per subject: approved accounts accumulate, a later public
 * declaration does not lift an earlier restriction.
 */
function addExport(c: Collector, e: PendingExport, known: Map<string, AccountDef>, pos: ConfPos | undefined): boolean {
  let approved: string[] | null = null;
  if (e.accounts !== null) {
    for (const name of e.accounts) {
      if (!known.has(name)) {
        c.error(pos, `${goQuote(name)} account not defined for ${e.kind} export`);
        continue;
      }
      (approved ??= []).push(name);
    }
  }
  if (e.tokenPos > 0) {
    const tokens = e.subject.split(".");
    if (tokens.length < e.tokenPos || tokens[e.tokenPos - 1] !== "*") {
      c.error(pos, `Error adding ${e.kind} export ${goQuote(e.subject)}: ${ERR_INVALID_SUBJECT}`);
      return false;
    }
  }
  let def = exportFor(e.account, e.kind, e.subject);
  if (def === undefined) {
    def = { kind: e.kind, subject: e.subject, accounts: null, responseType: "singleton", responseThresholdMs: DEFAULT_RESPONSE_THRESHOLD_MS };
    e.account.exports.push(def);
  }
  if (approved !== null || e.tokenPos > 0) {
    if (e.tokenPos > 0) def.accountTokenPosition = e.tokenPos;
    if (approved !== null) def.accounts = [...new Set([...(def.accounts ?? []), ...approved])];
    else def.accounts ??= [];
  }
  if (e.kind === "service") {
    if (e.responseType !== null && e.responseType !== "singleton") def.responseType = e.responseType;
    def.responseThresholdMs = e.thresholdMs !== null && e.thresholdMs !== 0 ? e.thresholdMs : DEFAULT_RESPONSE_THRESHOLD_MS;
  }
  return true;
}

function latencyProblem(acc: AccountDef, service: string, lat: { subject: string; sampling: number }): string | null {
  if (lat.sampling !== 0 && (lat.sampling < 1 || lat.sampling > 100)) return ERR_BAD_SAMPLING;
  if (!isValidLiteralSubject(lat.subject)) return ERR_BAD_PUBLISH_SUBJECT;
  // Results must not loop back into one of our own services.
  if (serviceExportMatching(acc, lat.subject) !== undefined) return ERR_BAD_PUBLISH_SUBJECT;
  const def = exportFor(acc, "service", service);
  if (def !== undefined && def.responseType !== "singleton") return ERR_BAD_SERVICE_TYPE;
  return null;
}

function serviceExportMatching(acc: AccountDef, subject: string): ExportDef | undefined {
  return (
    exportFor(acc, "service", subject) ??
    acc.exports.find((e) => e.kind === "service" && subjectIsSubsetMatch(subject, e.subject))
  );
}

/**
 * May `importer` import `subject` (possibly a wildcard) of this kind from
 * `exporter`? An export with exactly that subject decides; otherwise any
 * export whose subject contains the imported one. Public exports
 * (`accounts` null) allow everyone; `accounts` lists who may import;
 * `accountTokenPosition` requires the importer's name at that token.
 */
export function exportAllows(
  exporter: AccountDef,
  kind: "stream" | "service",
  subject: string,
  importer: string,
): boolean {
  const candidates = exporter.exports.filter((e) => e.kind === kind);
  if (candidates.length === 0) return false;
  if (kind === "stream" && !isValidSubject(subject)) return false;
  const exact = candidates.find((e) => e.subject === subject);
  if (exact !== undefined) return exportApproves(exact, importer, null);
  const tokens = subject.split(".");
  return candidates.some((e) => subjectIsSubsetMatch(subject, e.subject) && exportApproves(e, importer, tokens));
}

function exportApproves(e: ExportDef, importer: string, tokens: string[] | null): boolean {
  const pos = e.accountTokenPosition ?? 0;
  if (pos > 0) return tokens !== null && pos <= tokens.length && tokens[pos - 1] === importer;
  if (e.accounts === null || e.accounts.length === 0) return true;
  return e.accounts.includes(importer);
}

/** AddStreamImport / AddMappedStreamImport. Returns the problem, if any. */
function addStreamImport(im: PendingImport, exporter: AccountDef, known: Map<string, AccountDef>): string | null {
  const acc = im.account;
  const from = im.subject;
  if (!exportAllows(exporter, "stream", from, acc.name)) return ERR_STREAM_IMPORT_AUTH;
  let to = im.to;
  if (im.prefix !== "") {
    if (subjectHasWildcard(im.prefix)) return ERR_BAD_PREFIX;
    to = im.prefix.endsWith(".") ? im.prefix + from : `${im.prefix}.${from}`;
  }
  if (to === "") to = from;
  const cycle = streamCycle(exporter, to, new Set([acc.name]), known);
  if (cycle !== null) return cycle;
  if (subjectHasWildcard(from) && to !== from) {
    const bad = transformProblem(from, transformTokenize(to));
    if (bad !== null) {
      return `failed to create mapping transform for stream import subject ${goQuote(from)} to ${goQuote(to)}: ${bad}`;
    }
  }
  if (acc.imports.some((i) => i.kind === "stream" && i.account === exporter.name && i.subject === from)) {
    return ERR_STREAM_IMPORT_DUP;
  }
  const def: ImportDef = { kind: "stream", account: exporter.name, subject: from, to, share: false };
  if (im.prefix !== "") def.prefix = im.prefix;
  acc.imports.push(def);
  return null;
}

/** AddServiceImport: `im.to` is the importer's local subject, `im.subject` the exported one. */
function addServiceImport(im: PendingImport, exporter: AccountDef, known: Map<string, AccountDef>): string | null {
  const acc = im.account;
  const local = im.to;
  const remote = im.subject;
  if (!isValidSubject(local) || !isValidSubject(remote)) return ERR_INVALID_SUBJECT;
  if (!exportAllows(exporter, "service", remote, acc.name)) return ERR_SERVICE_IMPORT_AUTH;
  const cycle = serviceCycle(exporter, local, new Set([acc.name]), known);
  if (cycle !== null) return cycle;
  if (acc.imports.some((i) => i.kind === "service" && i.to === local)) {
    const dup = acc.imports.find((i) => i.kind === "service" && i.to === local)!;
    return `duplicate service import subject ${goQuote(local)}, previously used in import for account ${goQuote(dup.account)}, subject ${goQuote(dup.subject)}`;
  }
  if (subjectHasWildcard(remote) && remote !== local) {
    const [src] = transformUntokenize(remote);
    const bad = transformProblem(src, transformTokenize(local));
    if (bad !== null) {
      return `failed to create mapping transform for service import subject ${goQuote(local)} to ${goQuote(src)}: ${bad}`;
    }
  }
  acc.imports.push({ kind: "service", account: exporter.name, subject: remote, to: local, share: im.share });
  return null;
}

/** checkStreamImportsForCycles, run on the exporter with the importer visited. */
function streamCycle(acc: AccountDef, to: string, visited: Set<string>, known: Map<string, AccountDef>): string | null {
  if (visited.size >= MAX_CYCLE_SEARCH_DEPTH) return ERR_CYCLE_DEPTH;
  const hasExport = acc.exports.some((e) => e.kind === "stream" && subjectIsSubsetMatch(to, e.subject));
  if (!hasExport) return null;
  for (const si of acc.imports) {
    if (si.kind !== "stream" || !subjectsCollide(to, si.to)) continue;
    if (visited.has(si.account)) return ERR_CYCLE;
    visited.add(acc.name);
    if (subjectIsSubsetMatch(si.to, to)) to = si.to;
    const next = known.get(si.account);
    if (next === undefined) continue;
    const err = streamCycle(next, to, visited, known);
    if (err !== null) return err;
  }
  return null;
}

/** checkServiceImportsForCycles: `from` is a local subject of the importer. */
function serviceCycle(acc: AccountDef, from: string, visited: Set<string>, known: Map<string, AccountDef>): string | null {
  if (visited.size >= MAX_CYCLE_SEARCH_DEPTH) return ERR_CYCLE_DEPTH;
  for (const si of acc.imports) {
    // nats-server's service import: from = local subject (si.to here), to = exported (si.subject).
    if (si.kind !== "service" || !subjectsCollide(from, si.subject)) continue;
    if (visited.has(si.account)) return ERR_CYCLE;
    visited.add(acc.name);
    if (subjectIsSubsetMatch(si.to, from)) from = si.to;
    const next = known.get(si.account);
    if (next === undefined) continue;
    const err = serviceCycle(next, from, visited, known);
    if (err !== null) return err;
  }
  return null;
}

// ---- subject transforms (only the checks imports need) ---------------------

/** `foo.*.*` -> `foo.$1.$2`. */
export function transformTokenize(subject: string): string {
  let i = 1;
  return subject
    .split(".")
    .map((t) => (t === "*" ? `$${i++}` : t))
    .join(".");
}

/** `foo.$1.$2` -> `foo.*.*`, with the placeholders found. */
export function transformUntokenize(subject: string): [string, string[]] {
  const phs: string[] = [];
  const out = subject.split(".").map((t) => {
    if (t.length > 1 && t[0] === "$" && t[1]! >= "1" && t[1]! <= "9") {
      phs.push(t);
      return "*";
    }
    return t;
  });
  return [out.join("."), phs];
}

const WILDCARD_FN = /^\{\{\s*wildcard\s*\((.*)\)\s*\}\}$/i;

/**
 * The validation nats-server's newTransform does for a source subject and a
 * destination with `$N` (or `{{wildcard(N)}}`) placeholders. Other mapping
 * functions are accepted as placeholders without checking their arguments.
 */
export function transformProblem(src: string, dest: string): string | null {
  const s = subjectInfo(src);
  const d = subjectInfo(dest);
  if (!s.valid || !d.valid || d.pwcs > 0 || s.fwc !== d.fwc) return ERR_BAD_SUBJECT;
  if (s.pwcs === 0 && !s.fwc) return null;
  let placeholders = 0;
  for (const token of dest.split(".")) {
    let indexes: number[] | null = null;
    if (token.length > 1 && token[0] === "$") {
      const n = /^[+-]?\d+$/.test(token.slice(1)) ? Number(token.slice(1)) : NaN;
      if (!Number.isNaN(n)) indexes = [n];
    } else if (token.length > 4 && token.startsWith("{{") && token.endsWith("}}")) {
      const m = WILDCARD_FN.exec(token);
      if (m !== null) {
        const arg = m[1]!.trim();
        if (arg === "") return `invalid mapping destination: not enough arguments passed to the function in ${token}`;
        if (arg.includes(",")) return `invalid mapping destination: too many arguments passed to the function in ${token}`;
        if (!/^[+-]?\d+$/.test(arg)) {
          return `invalid mapping destination: function argument is invalid or in the wrong format in ${token}`;
        }
        indexes = [Number(arg)];
      } else {
        indexes = [];
      }
    }
    if (indexes === null) continue;
    placeholders++;
    for (const index of indexes) {
      if (index > s.pwcs) return `invalid mapping destination: wildcard index out of range in ${token}: [${index}]`;
    }
  }
  if (placeholders < s.pwcs) return `invalid mapping destination: not using all of the token wildcard(s) in ${dest}`;
  return null;
}

function subjectInfo(subject: string): { valid: boolean; pwcs: number; fwc: boolean } {
  if (!isValidSubject(subject)) return { valid: false, pwcs: 0, fwc: false };
  let pwcs = 0;
  let fwc = false;
  for (const t of subject.split(".")) {
    if (t === "*") pwcs++;
    else if (t === ">") fwc = true;
  }
  return { valid: true, pwcs, fwc };
}
