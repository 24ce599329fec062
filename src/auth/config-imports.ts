// Linking the accounts block (nats-server parseAccounts' second half and the
// Account methods it calls): exports are added first, then every import is
// checked against the exporting account's exports (exportAllows), for
// cycles, and for a usable subject mapping. Also exportAllows itself, which
// the runtime can reuse.

import type { ConfPos } from "../config/types.ts";
import {
  isValidLiteralSubject,
  isValidSubject,
  subjectHasWildcard,
  subjectIsSubsetMatch,
  subjectsCollide,
} from "../sublist/subject.ts";
import type { AccountDef, ExportDef, ImportDef } from "./types.ts";
import {
  DEFAULT_RESPONSE_THRESHOLD_MS,
  ERR_BAD_SAMPLING,
  type ParsedAccounts,
  type PendingExport,
  type PendingImport,
} from "./config-accounts.ts";
import { Collector, goQuote } from "./config-util.ts";

const MAX_CYCLE_SEARCH_DEPTH = 1024;
const ERR_INVALID_SUBJECT = "sublist: invalid subject";
const ERR_BAD_SUBJECT = "invalid subject";
const ERR_STREAM_IMPORT_AUTH = "stream import not authorized";
const ERR_SERVICE_IMPORT_AUTH = "service import not authorized";
const ERR_BAD_PREFIX = "stream import prefix can not contain wildcard tokens";
const ERR_STREAM_IMPORT_DUP = "stream import already exists";
const ERR_CYCLE = "import forms a cycle";
const ERR_CYCLE_DEPTH = "search cycle depth exhausted";
const ERR_BAD_PUBLISH_SUBJECT = "invalid publish subject";
const ERR_BAD_SERVICE_TYPE = "bad service response type";
const ERR_NO_SYS_ACCOUNT = "system account not setup";

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
  // Stream imports first, then service imports, as nats-server adds them.
  const imports = [
    ...parsed.imports.filter((i) => i.kind === "stream"),
    ...parsed.imports.filter((i) => i.kind === "service"),
  ];
  for (const im of imports) {
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
    def = {
      kind: e.kind,
      subject: e.subject,
      accounts: null,
      responseType: "singleton",
      responseThresholdMs: DEFAULT_RESPONSE_THRESHOLD_MS,
    };
    e.account.exports.push(def);
  }
  if (approved !== null || e.tokenPos > 0) {
    if (e.tokenPos > 0) def.accountTokenPosition = e.tokenPos;
    if (approved !== null) def.accounts = [...new Set([...(def.accounts ?? []), ...approved])];
    else def.accounts ??= [];
  }
  if (e.kind === "service") {
    if (e.responseType !== null && e.responseType !== "singleton") def.responseType = e.responseType;
    def.responseThresholdMs =
      e.thresholdMs !== null && e.thresholdMs !== 0 ? e.thresholdMs : DEFAULT_RESPONSE_THRESHOLD_MS;
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

/** Finds an account's exports and imports by name: the config's accounts, or those loaded from JWTs. */
export interface AccountDefs {
  get(name: string): AccountDef | undefined;
}

/**
 * checkStreamImportsForCycles, run on the exporter with the importer visited
 * (also for imports of account JWTs, jwt-account.ts). The problem, or null.
 */
export function streamCycle(acc: AccountDef, to: string, visited: Set<string>, known: AccountDefs): string | null {
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

/** checkServiceImportsForCycles: `from` is a local subject of the importer (config and JWT imports alike). */
export function serviceCycle(acc: AccountDef, from: string, visited: Set<string>, known: AccountDefs): string | null {
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
        if (arg.includes(","))
          return `invalid mapping destination: too many arguments passed to the function in ${token}`;
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
