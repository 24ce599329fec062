// Claim validation as the Go library does it (Validate on each claim type,
// ValidationResults): time checks (expired, not yet valid) and content checks
// (subjects, CIDRs, times, limits against imports/exports...). nats-server
// refuses a claim with any blocking issue, time checks included
// (`vr.IsBlocking(true)`); warnings never block.

import { isValidPublicKey } from "../auth/nkeys.ts";
import { parseCIDR } from "./cidr.ts";
import { decodeClaims, JwtError } from "./decode.ts";
import type {
  AccountClaims,
  ActivationClaims,
  ClaimsData,
  Export,
  Import,
  Permission,
  Permissions,
  UserClaims,
  UserPermissionLimits,
} from "./types.ts";

export interface Issue {
  text: string;
  /** An error (as opposed to a warning or a time check). */
  blocking: boolean;
  timeCheck: boolean;
}

export class Issues {
  readonly list: Issue[] = [];
  error(text: string): void {
    this.list.push({ text, blocking: true, timeCheck: false });
  }
  time(text: string): void {
    this.list.push({ text, blocking: false, timeCheck: true });
  }
  warn(text: string): void {
    this.list.push({ text, blocking: false, timeCheck: false });
  }
  /** IsBlocking(true): errors and time checks. */
  get blocking(): boolean {
    return this.list.some((i) => i.blocking || i.timeCheck);
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function validateTimes(c: ClaimsData, v: Issues): void {
  const now = nowSeconds();
  if (c.exp > 0 && now > c.exp) v.time("claim is expired");
  if (c.nbf > 0 && c.nbf > now) v.time("claim is not yet valid");
}

function subject(s: string, v: Issues): void {
  if (s === "") v.error("subject cannot be empty");
  if (s.includes(" ")) v.error(`subject ${JSON.stringify(s)} cannot have spaces`);
}

function hasWildcards(s: string): boolean {
  return s.endsWith(".>") || s.includes(".*.") || s.endsWith(".*") || s.startsWith("*.") || s === "*" || s === ">";
}

/** jwt Subject.IsContainedIn: `s` lies within `other` (token by token, `*` and a final `>`). */
export function isContainedIn(s: string, other: string): boolean {
  const o = other.split(".");
  const m = s.split(".");
  if (m.length > o.length && o[o.length - 1] !== ">") return false;
  if (m.length < o.length) return false;
  for (let i = 0; i < o.length; i++) {
    if (i === o.length - 1 && o[i] === ">") return true;
    if (o[i] !== m[i] && o[i] !== "*") return false;
  }
  return true;
}

function permissionEntry(s: string, queueAllowed: boolean, v: Issues): void {
  const t = s.split(" ");
  if (t.length === 1) subject(t[0]!, v);
  else if (t.length === 2) {
    subject(t[0]!, v);
    subject(t[1]!, v);
    if (!queueAllowed) v.error(`Permission Subject "${s}" is not allowed to contain queue`);
  } else v.error(`Permission Subject "${s}" contains too many spaces`);
}

function permission(p: Permission, queueAllowed: boolean, v: Issues): void {
  for (const s of p.allow ?? []) permissionEntry(s, queueAllowed, v);
  for (const s of p.deny ?? []) permissionEntry(s, queueAllowed, v);
}

function permissions(p: Permissions, v: Issues): void {
  permission(p.sub, true, v);
  permission(p.pub, false, v);
}

const CLOCK = /^(\d{1,2}):(\d{2}):(\d{2})$/;

/** Go's time.Parse("15:04:05", s) succeeds. */
export function isClockTime(s: string): boolean {
  const m = CLOCK.exec(s);
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3]) < 60;
}

/** A time zone name Go's time.LoadLocation knows ("" and "UTC" included). */
function isTimeZone(name: string): boolean {
  if (name === "" || name === "UTC" || name === "Local") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function limits(l: UserPermissionLimits, v: Issues): void {
  for (const cidr of l.src ?? []) if (parseCIDR(cidr) === null) v.error(`invalid cidr ${JSON.stringify(cidr)} in user src limits`);
  for (const t of l.times ?? []) {
    if (t.start === "") v.error("time ranges start must contain a start");
    else if (!isClockTime(t.start)) v.error(`start in time range is invalid ${JSON.stringify(t.start)}`);
    if (t.end === "") v.error("time ranges end must contain an end");
    else if (!isClockTime(t.end)) v.error(`end in time range is invalid ${JSON.stringify(t.end)}`);
  }
  if (!isTimeZone(l.times_location)) v.error(`could not parse iana time zone by name: unknown time zone ${l.times_location}`);
}

export function validateUser(c: UserClaims): Issues {
  const v = new Issues();
  validateTimes(c, v);
  permissions(c.nats, v);
  limits(c.nats, v);
  if (c.nats.issuer_account !== "" && !isValidPublicKey(c.nats.issuer_account, "A")) {
    v.error("account_id is not an account public key");
  }
  return v;
}

/** Activation contents (the import validation calls it without time checks). */
export function validateActivation(c: ActivationClaims, withTimes: boolean, v = new Issues()): Issues {
  if (withTimes) validateTimes(c, v);
  if (c.nats.kind === null) v.error(`invalid import type: "unknown"`);
  subject(c.nats.subject, v);
  if (c.nats.issuer_account !== "" && !isValidPublicKey(c.nats.issuer_account, "A")) {
    v.error("account_id is not an account public key");
  }
  return v;
}

function info(description: string, url: string, v: Issues): void {
  if (description.length > 8 * 1024) v.error("Description is too long");
  if (url === "") return;
  if (url.length > 8 * 1024) v.error("Info URL is too long");
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.hostname !== "" && u.protocol !== "";
  } catch {
    ok = false;
  }
  if (!ok) v.error("error parsing info url: no hostname or scheme");
}

function countWildcards(s: string): number {
  return s === "*" ? 1 : s.split(".").filter((t) => t === "*").length;
}

/** RenamingSubject.Validate: a local subject for an import of `from`. */
function renaming(local: string, from: string, v: Issues): void {
  subject(local, v);
  if (from === "") v.error("subject cannot be empty");
  const tail = (s: string): boolean => s === ">" || s.endsWith(".>");
  if (tail(local) !== tail(from)) v.error("both, renaming subject and subject, need to end or not end in >");
  const fromCount = countWildcards(from);
  let refs = 0;
  for (const t of local.split(".")) {
    if (t === "*") refs++;
    if (t.length < 2 || t[0] !== "$" || !/^[+-]?\d+$/.test(t.slice(1))) continue;
    if (Number(t.slice(1)) > fromCount) {
      v.error(`Reference ${t} in ${JSON.stringify(local)} reference * in ${JSON.stringify(from)} that do not exist`);
    }
    else refs++;
  }
  if (refs !== fromCount) v.error("subject does not contain enough * or reference wildcards $[0-9]");
}

/** `$N` placeholders of a local subject as `*` (RenamingSubject.ToSubject). */
function renamingToSubject(s: string): string {
  if (!s.includes("$")) return s;
  return s
    .split(".")
    .map((t) => (t.length > 1 && t[0] === "$" && /^[+-]?\d+$/.test(t.slice(1)) ? "*" : t))
    .join(".");
}

function importIssues(i: Import, account: string, v: Issues): void {
  if (i.type === null) v.error(`invalid import type: "unknown"`);
  if (i.account === "") v.error("account to import from is not specified");
  if (i.to !== "") v.warn("the field to has been deprecated (use LocalSubject instead)");
  subject(i.subject, v);
  if (i.local_subject !== "") {
    renaming(i.local_subject, i.subject, v);
    if (i.to !== "") v.error("Local Subject replaces To");
  }
  if (i.share && i.type !== "service") {
    v.error(`sharing information (for latency tracking) is only valid for services: ${JSON.stringify(i.subject)}`);
  }
  if (i.token === "") return;
  let act: ActivationClaims;
  try {
    act = decodeClaims(i.token, "activation");
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    v.error(`import ${JSON.stringify(i.subject)} contains an invalid activation token`);
    return;
  }
  if (act.iss !== i.account && act.nats.issuer_account !== i.account) {
    v.error(`activation token doesn't match account for import ${JSON.stringify(i.subject)}`);
  }
  if (act.sub !== account) v.error(`activation token doesn't match account it is being included in, ${JSON.stringify(i.subject)}`);
  if (act.nats.kind !== i.type) {
    v.error(`mismatch between token import type ${act.nats.kind ?? "unknown"} and type of import ${i.type ?? "unknown"}`);
  }
  validateActivation(act, false, v);
  const subj = i.type === "service" && i.to !== "" ? i.to : i.subject;
  if (!isContainedIn(subj, act.nats.subject)) {
    v.error(`activation token import subject ${JSON.stringify(act.nats.subject)} doesn't match import ${JSON.stringify(i.subject)}`);
  }
}

function importsIssues(imports: Import[], account: string, v: Issues): void {
  const locals: string[] = [];
  for (const i of imports) {
    if (i.type === "service") {
      const local = i.to || renamingToSubject(i.local_subject) || i.subject;
      for (const k of locals) {
        if (isContainedIn(local, k) || isContainedIn(k, local)) {
          v.error(`overlapping subject namespace for ${JSON.stringify(local)} and ${JSON.stringify(k)}`);
        }
      }
      if (locals.includes(local)) v.error(`overlapping subject namespace for ${JSON.stringify(i.to)}`);
      else locals.push(local);
    }
    importIssues(i, account, v);
  }
}

function exportIssues(e: Export, v: Issues): void {
  if (e.type === null) v.error(`invalid export type: "unknown"`);
  const rt = e.response_type;
  if (e.type === "service" && rt !== "" && rt !== "Singleton" && rt !== "Stream" && rt !== "Chunked") {
    v.error(`invalid response type for service: ${JSON.stringify(rt)}`);
  }
  if (e.type === "stream" && rt !== "") v.error(`invalid response type for stream: ${JSON.stringify(rt)}`);
  if (e.service_latency !== null) {
    if (e.type !== "service") v.error("latency tracking only permitted for services");
    const s = e.service_latency.sampling;
    if (s !== 0 && (s < 1 || s > 100)) v.error("sampling percentage needs to be between 1-100");
    subject(e.service_latency.results, v);
    if (hasWildcards(e.service_latency.results)) v.error("results subject can not contain wildcards");
  }
  if (e.response_threshold < 0) v.error("negative response threshold is invalid");
  if (e.response_threshold > 0 && e.type !== "service") v.error("response threshold only valid for services");
  subject(e.subject, v);
  const pos = e.account_token_position;
  if (pos > 0) {
    const tokens = e.subject.split(".");
    if (!hasWildcards(e.subject)) v.error(`Account Token Position can only be used with wildcard subjects: ${e.subject}`);
    else if (pos > tokens.length) v.error(`Account Token Position ${pos} exceeds length of subject '${e.subject}'`);
    else if (tokens[pos - 1] !== "*") {
      v.error(`Account Token Position ${pos} matches '${tokens[pos - 1]}' but must match a * in: ${e.subject}`);
    }
  }
  info(e.description, e.info_url, v);
}

function exportsIssues(exports: Export[], v: Issues): void {
  for (const e of exports) exportIssues(e, v);
  for (const kind of ["service", "stream"] as const) {
    // Untyped exports count with the streams, as in the Go library.
    const subjects = exports.filter((e) => (kind === "service" ? e.type === "service" : e.type !== "service")).map((e) => e.subject);
    const seen = new Set<string>();
    subjects.forEach((ns, i) =>
      subjects.forEach((s, j) => {
        if (i !== j && isContainedIn(ns, s) && !seen.has(s)) {
          seen.add(s);
          v.error(`${kind} export subject ${JSON.stringify(s)} already exports ${JSON.stringify(ns)}`);
        }
      }),
    );
  }
}

export function validateAccount(c: AccountClaims): Issues {
  const v = new Issues();
  validateTimes(c, v);
  const a = c.nats;
  importsIssues(a.imports, c.sub, v);
  exportsIssues(a.exports, v);
  permissions(a.default_permissions, v);
  for (const [from, dests] of Object.entries(a.mappings)) {
    subject(from, v);
    let total = 0;
    for (const d of dests) {
      subject(d.subject, v);
      if (hasWildcards(d.subject)) {
        v.error(`Subject ${JSON.stringify(d.subject)} in weighted mapping ${JSON.stringify(from)} is not allowed to contains wildcard`);
      }
      // uint8 arithmetic, as in Go.
      total = (total + (d.weight === 0 ? 100 : d.weight)) & 255;
    }
    if (total > 100) v.error(`Mapping ${JSON.stringify(from)} exceeds 100% among all of it's weighted to mappings`);
  }
  const l = a.limits;
  const limitsEmpty = Object.values(l).every((x) => x === 0 || x === false);
  const tooMany = "the account contains more imports than allowed by the operator";
  if (!limitsEmpty && l.imports >= 0 && a.imports.length > l.imports) v.error(tooMany);
  if (l.imports !== -1 && a.imports.length > l.imports) v.error(tooMany);
  if (l.exports !== -1) {
    if (a.exports.length > l.exports) v.error("the account contains more exports than allowed by the operator");
    if (!l.wildcards) {
      for (const e of a.exports) {
        if (hasWildcards(e.subject)) v.error("the account contains wildcard exports that are not allowed by the operator");
      }
    }
  }
  for (const k of a.signing_keys) {
    const key = typeof k === "string" ? k : k.key;
    if (isValidPublicKey(key, "A")) continue;
    v.error(typeof k === "string" ? `${JSON.stringify(k)} is not a valid account signing key` : `${key} is not an account public key`);
  }
  info(a.description, a.info_url, v);
  if (c.iss.startsWith("A") && !limitsEmpty) v.warn("self-signed account JWTs shouldn't contain operator limits");
  return v;
}
