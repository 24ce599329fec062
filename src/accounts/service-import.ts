// Service imports and their responses, as the reference runs them
// (client.go processServiceImport, accounts.go addRespServiceImport).
//
// A service import is an internal subscription in the importer on the local
// subject. A request it matches is re-published in the exporter under the
// exported subject, with the reply rewritten to a fresh `_R_.` subject; that
// subject is itself an internal subscription in the exporter (a response
// mapping) that carries the answer back to the requester's reply subject for
// as long as the response type allows. What such a message may trigger next:
// - no stream import shadows (a request or response is not re-exported as a
//   stream; routeMsg skips shadows when a hop is present);
// - further service imports, but never one of an export it already went
//   through (the hop lists them), which ends loops and keeps a response from
//   leaving again through the requester's own import.

import type { ExportDef } from "../auth/types.ts";
import type { Client } from "../client/client.ts";
import type { Forwarder, Hop } from "../delivery/subscription.ts";
import { Subscription } from "../delivery/subscription.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { latin1 } from "../protocol/text.ts";
import { routeMsg } from "../delivery/route.ts";
import { isValidLiteralSubject, subjectHasWildcard, subjectIsSubsetMatch } from "../sublist/subject.ts";
import type { Account } from "./account.ts";
import { forwarded } from "../delivery/forwarded.ts";
import { SubjectMapping } from "./mapping.ts";
import { updateAccountRoutes } from "../route/propagate.ts";

/** How often expired response mappings are swept. */
const SWEEP_MS = 1000;
const DEFAULT_RESPONSE_THRESHOLD = 2 * 60 * 1000;

export class ServiceImport implements Forwarder {
  readonly serverLocal = true;
  /** Local subject -> exported subject. */
  private readonly mapping: SubjectMapping;
  private readonly literal: boolean;

  constructor(
    private readonly exporter: Account,
    /** The subject the importer publishes on (may hold wildcards). */
    local: string,
    exported: string,
    /** The export it goes through: its identity ends chains. */
    private readonly exp: ExportDef,
  ) {
    this.mapping = new SubjectMapping(local, exported);
    this.literal = !subjectHasWildcard(local);
  }

  forward(pa: PubArgs, subject: string, account: Account, from: Client | null, hop: Hop | null): void {
    if (hop !== null && hop.exports.includes(this.exp)) return;
    const exporter = this.exporter;
    // A literal import always sends to its exported subject; a wildcard one
    // takes the subject's tokens by position, as the reference does, even
    // from a subject the local pattern does not cover (a stream import's
    // shadow hands over the subject as published). One too short to fill
    // the pattern goes nowhere (2.9.10 panics on it).
    let to = this.literal ? this.mapping.to : this.mapping.map(subject);
    if (!this.literal && !isValidLiteralSubject(to)) return;
    if (exporter.mapper !== null) to = exporter.mapper.map(to);

    let response: ResponseEntry | null = null;
    const reply = replyOf(pa);
    if (reply !== null) response = responses(exporter).add(account, reply, this.exp);
    // The responder learns which account asked (Nats-Request-Info).
    const info = requestInfo(pa, hop, from, account);
    const fwd = info === null ? forwarded(pa, to, response?.subject ?? null) : forwarded(pa, to, response?.subject ?? null, info.data, info.hdr);
    const next: Hop = { subject: to, exports: hop === null ? [this.exp] : [...hop.exports, this.exp] };
    // Nobody got the request: nobody will answer, so the mapping goes now.
    if (routeMsg(from, exporter, fwd, to, next) === 0 && response !== null) response.drop();
  }
}

/** The message's reply subject; the server's own messages carry an empty one (system.ts), which is none. */
function replyOf(pa: PubArgs): string | null {
  return pa.replyStart < 0 || pa.replyEnd === pa.replyStart ? null : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
}

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");
const INFO_HEADER = "Nats-Request-Info";

/**
 * The request's header block with `Nats-Request-Info` set. On the first
 * service import it names the publisher's account and RTT (in ns, as Go's
 * time.Duration, left out when unknown); a further import in a chain keeps
 * that and adds the account it passed through (`svc`), as the reference does,
 * or leaves the message as it is when it has no such header to extend.
 */
function requestInfo(pa: PubArgs, hop: Hop | null, from: Client | null, account: Account): { data: Uint8Array; hdr: number } | null {
  let json: string;
  if (hop !== null && pa.hdr >= 0) {
    const prev = headerValue(pa, INFO_HEADER);
    if (prev === null) return null;
    let ci: Record<string, unknown>;
    try {
      ci = JSON.parse(prev) as Record<string, unknown>;
    } catch {
      return null;
    }
    json = JSON.stringify({ acc: ci.acc, svc: account.name, rtt: ci.rtt });
  } else {
    const rtt = Math.round((from?.rtt ?? 0) * 1e6);
    json = JSON.stringify({ acc: from?.account.name ?? account.name, rtt: rtt > 0 ? rtt : undefined });
  }
  return withHeader(pa, INFO_HEADER, json);
}

/** The value of header `name` in the message's header block, or null. */
function headerValue(pa: PubArgs, name: string): string | null {
  const block = dec.decode(pa.data.subarray(pa.dataStart, pa.dataStart + pa.hdr));
  const at = block.indexOf(`\r\n${name}:`);
  if (at < 0) return null;
  const start = at + name.length + 3;
  const end = block.indexOf("\r\n", start);
  return block.slice(start, end < 0 ? block.length : end).trim();
}

/** The payload with header `name: value` replacing any earlier one, at the end of the block. */
function withHeader(pa: PubArgs, name: string, value: string): { data: Uint8Array; hdr: number } {
  let head = "NATS/1.0\r\n";
  if (pa.hdr > 2) {
    // The block without its closing blank line, minus any old value.
    head = dec.decode(pa.data.subarray(pa.dataStart, pa.dataStart + pa.hdr - 2));
    const at = head.indexOf(`\r\n${name}:`);
    if (at >= 0) {
      const end = head.indexOf("\r\n", at + 2);
      head = head.slice(0, at + 2) + (end < 0 ? "" : head.slice(end + 2));
    }
  }
  const bytes = enc.encode(`${head}${name}: ${value}\r\n\r\n`);
  const payload = pa.data.subarray(pa.dataStart + Math.max(pa.hdr, 0), pa.dataStart + pa.size);
  const data = new Uint8Array(bytes.length + payload.length);
  data.set(bytes);
  data.set(payload, bytes.length);
  return { data, hdr: bytes.length };
}

/** Response mappings of one account that answers requests: `_R_.` reply -> requester. */
class ResponseMap {
  private readonly entries = new Map<string, ResponseEntry>();
  private readonly prefix = `_R_.${token(6)}.`;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(readonly account: Account) {
    // One wildcard tells the routes of every response subject here (2.9.10's
    // `_R_.<prefix>.>`), so the answer to a request this server forwarded to
    // a responder elsewhere comes back; the mappings themselves stay local.
    const sub = new Subscription(null, `${this.prefix}>`, null, "", RESPONSE_WILDCARD);
    account.sublist.insert(sub);
    updateAccountRoutes(account, sub, 1);
  }

  /** Maps a new `_R_.` subject here to `reply` in `requester`. */
  add(requester: Account, reply: string, exp: ExportDef): ResponseEntry {
    const subject = this.prefix + token(6);
    const entry = new ResponseEntry(this, subject, requester, reply, exp);
    this.entries.set(subject, entry);
    this.account.sublist.insert(entry.sub);
    noteTarget(entry);
    if (this.sweeper === null) this.sweeper = setInterval(sweep, SWEEP_MS, this);
    return entry;
  }

  drop(entry: ResponseEntry): void {
    if (!this.entries.delete(entry.subject)) return;
    this.account.sublist.remove(entry.sub);
    forgetTarget(entry);
    if (this.entries.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  sweepExpired(now: number): void {
    for (const e of this.entries.values()) if (now > e.expires) this.drop(e);
  }

  list(): ResponseEntry[] {
    return [...this.entries.values()];
  }
}

function sweep(m: ResponseMap): void {
  m.sweepExpired(Date.now());
}

/** The routes' view of the response subjects: it takes nothing itself (each mapping has its own subscription). */
const RESPONSE_WILDCARD: Forwarder = { forward: () => false };

class ResponseEntry implements Forwarder {
  readonly serverLocal = true;
  readonly sub: Subscription;
  expires: number;
  private readonly singleton: boolean;
  private readonly thresholdMs: number;

  constructor(
    private readonly owner: ResponseMap,
    readonly subject: string,
    readonly requester: Account,
    readonly reply: string,
    /** The export the request went through (responses share its identity). */
    private readonly exp: ExportDef,
  ) {
    this.sub = new Subscription(null, subject, null, "", this);
    this.singleton = exp.responseType === "singleton";
    this.thresholdMs = exp.responseThresholdMs ?? DEFAULT_RESPONSE_THRESHOLD;
    this.expires = Date.now() + this.thresholdMs;
  }

  drop(): void {
    this.owner.drop(this);
  }

  forward(pa: PubArgs, subject: string, account: Account, from: Client | null, hop: Hop | null): void {
    if (hop !== null && hop.exports.includes(this.exp)) return;
    const now = Date.now();
    if (now > this.expires) {
      this.drop();
      return;
    }
    let to = this.reply;
    const requester = this.requester;
    if (requester.mapper !== null) to = requester.mapper.map(to);
    // A response that itself asks for a reply gets a mapping the other way.
    const reply = replyOf(pa);
    const back = reply === null ? null : responses(requester).add(account, reply, this.exp);
    const next: Hop = { subject, exports: hop === null ? [this.exp] : [...hop.exports, this.exp] };
    const delivered = routeMsg(from, requester, forwarded(pa, to, back?.subject ?? null), to, next) > 0;
    if (!delivered && back !== null) back.drop();
    // Singleton: one response; stream/chunked: until quiet for the threshold
    // or an empty message ends it (reference).
    if (!delivered || this.singleton || pa.size === 0) this.drop();
    else this.expires = now + this.thresholdMs;
  }
}

/**
 * Response mappings by the requester's account and reply subject: when the
 * last subscription there that could take a reply goes, the mappings to it go
 * too (reference checkForReverseEntries), so a later subscriber does not get
 * an answer meant for one that left.
 */
const targets = new WeakMap<Account, Map<string, Set<ResponseEntry>>>();

function noteTarget(e: ResponseEntry): void {
  let m = targets.get(e.requester);
  if (m === undefined) targets.set(e.requester, (m = new Map()));
  let set = m.get(e.reply);
  if (set === undefined) m.set(e.reply, (set = new Set()));
  set.add(e);
}

function forgetTarget(e: ResponseEntry): void {
  const m = targets.get(e.requester);
  const set = m?.get(e.reply);
  if (set === undefined) return;
  set.delete(e);
  if (set.size === 0) m!.delete(e.reply);
}

/** A subscription on `subject` left `account`: drops response mappings to replies nobody there can take now. */
export function responseInterestGone(account: Account, subject: string): void {
  const m = targets.get(account);
  if (m === undefined || m.size === 0) return;
  if (!subjectHasWildcard(subject)) {
    const set = m.get(subject);
    if (set !== undefined) dropIfUnheard(account, subject, set);
    return;
  }
  for (const [reply, set] of [...m]) if (subjectIsSubsetMatch(reply, subject)) dropIfUnheard(account, reply, set);
}

function dropIfUnheard(account: Account, reply: string, set: Set<ResponseEntry>): void {
  const r = account.sublist.match(reply);
  // The routes' wildcard for this account's own response subjects takes nothing: it is no one to answer.
  if (r.qsubs.length > 0 || r.psubs.some((s) => s.forwarder !== RESPONSE_WILDCARD)) return;
  for (const e of [...set]) e.drop();
}

/** The response mappings alive in an account that answers requests (2.9.10's exports.responses, for /accountz). */
export function responseMappings(account: Account): ReadonlyArray<{ readonly subject: string; readonly requester: Account; readonly reply: string }> {
  return responseMaps.get(account)?.list() ?? [];
}

const responseMaps = new WeakMap<Account, ResponseMap>();
function responses(account: Account): ResponseMap {
  let m = responseMaps.get(account);
  if (m === undefined) {
    m = new ResponseMap(account);
    responseMaps.set(account, m);
  }
  return m;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function token(n: number): string {
  const b = crypto.getRandomValues(new Uint8Array(n));
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[b[i]! % ALPHABET.length];
  return s;
}
