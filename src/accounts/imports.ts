// Exports and imports: the only way messages cross accounts.
//
// A stream import is an internal subscription in the exporter's subject space
// that re-publishes matching messages into the importer under the mapped
// subject. A service import is an internal subscription in the importer on
// the local subject; it re-publishes requests into the exporter with the reply
// rewritten to a `_R_.` subject, and that reply is itself mapped back to the
// requester for as long as the response type allows (reference accounts.go).

import { randomBytes } from "node:crypto";
import type { AccountDef, ExportDef, ImportDef } from "../auth/types.ts";
import type { Forwarder } from "../client/subscription.ts";
import type { Client } from "../client/client.ts";
import { Subscription } from "../client/subscription.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { latin1, latin1Bytes, wireSubject } from "../protocol/text.ts";
import { routeMsg } from "../client/publish.ts";
import { subjectIsSubsetMatch } from "../sublist/subject.ts";
import type { Account } from "./account.ts";
import { SubjectMapping } from "./mapping.ts";

/** Forwards between accounts stop after this many hops (import cycles). */
const MAX_HOPS = 8;
/** How often expired response mappings are swept. */
const SWEEP_MS = 1000;
const DEFAULT_RESPONSE_THRESHOLD = 2 * 60 * 1000;

export interface AccountLookup {
  accountFor(name: string): Account;
}

/** Installs every configured import; returns what it installed, for removal on reload. */
export function wireImports(lookup: AccountLookup, defs: Iterable<AccountDef>): InstalledImports {
  const installed = new InstalledImports();
  const byName = new Map<string, AccountDef>();
  for (const d of defs) byName.set(d.name, d);
  for (const def of byName.values()) {
    const importer = lookup.accountFor(def.name);
    for (const imp of def.imports) {
      const exporter = lookup.accountFor(imp.account);
      const exp = findExport(byName.get(imp.account), imp);
      // Config subjects in the one-char-per-byte form clients' subjects take.
      const subject = wireSubject(imp.subject);
      const to = wireSubject(imp.to);
      if (imp.kind === "stream") {
        // Listens in the exporter on the imported subject.
        const fwd = new StreamImport(importer, new SubjectMapping(subject, to));
        installed.add(exporter, new Subscription(null, subject, null, "", fwd));
      } else {
        // Listens in the importer on its local subject.
        const fwd = new ServiceImport(importer, exporter, new SubjectMapping(to, subject), exp);
        installed.add(importer, new Subscription(null, to, null, "", fwd));
      }
    }
  }
  return installed;
}

function findExport(exporter: AccountDef | undefined, imp: ImportDef): ExportDef | undefined {
  return exporter?.exports.find((e) => e.kind === imp.kind && subjectIsSubsetMatch(imp.subject, e.subject));
}

export class InstalledImports {
  private readonly subs: [Account, Subscription][] = [];

  add(account: Account, sub: Subscription): void {
    account.sublist.insert(sub);
    this.subs.push([account, sub]);
  }

  remove(): void {
    for (const [account, sub] of this.subs) account.sublist.remove(sub);
    this.subs.length = 0;
  }
}

/** The PubArgs of a message under a new subject and reply, same payload (imports, mappings). */
export function forwarded(pa: PubArgs, subject: string, reply: string | null, data?: Uint8Array, hdr?: number): PubArgs {
  const buf = latin1Bytes(reply === null ? subject : subject + reply);
  return {
    buf,
    subjectStart: 0,
    subjectEnd: subject.length,
    replyStart: reply === null ? -1 : subject.length,
    replyEnd: reply === null ? -1 : buf.length,
    hdr: hdr ?? pa.hdr,
    size: data === undefined ? pa.size : data.length,
    data: data ?? pa.data,
    dataStart: data === undefined ? pa.dataStart : 0,
  };
}

function replyOf(pa: PubArgs): string | null {
  return pa.replyStart < 0 ? null : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
}

class StreamImport implements Forwarder {
  constructor(
    private readonly importer: Account,
    private readonly mapping: SubjectMapping,
  ) {}

  forward(pa: PubArgs, subject: string, depth: number): boolean {
    if (depth >= MAX_HOPS) return false;
    const to = this.mapping.map(subject);
    return routeMsg(null, this.importer, forwarded(pa, to, replyOf(pa)), to, depth + 1) > 0;
  }
}

class ServiceImport implements Forwarder {
  constructor(
    private readonly importer: Account,
    private readonly exporter: Account,
    private readonly mapping: SubjectMapping,
    private readonly exp: ExportDef | undefined,
  ) {}

  forward(pa: PubArgs, subject: string, depth: number, origin: Client | null): boolean {
    if (depth >= MAX_HOPS) return false;
    const to = this.mapping.map(subject);
    const reply = replyOf(pa);
    let mapped: ResponseEntry | null = null;
    if (reply !== null) {
      const threshold = this.exp?.responseThresholdMs ?? DEFAULT_RESPONSE_THRESHOLD;
      mapped = responses(this.exporter).add(this.importer, reply, this.exp?.responseType ?? "singleton", threshold);
    }
    // The responder learns which account asked (Nats-Request-Info).
    const { data, hdr } = withRequestInfo(pa, this.importer.name, origin?.rtt ?? 0);
    const fwd = forwarded(pa, to, mapped?.subject ?? null, data, hdr);
    const delivered = routeMsg(null, this.exporter, fwd, to, depth + 1) > 0;
    // Nobody got the request: nobody will answer, so the mapping goes now.
    if (!delivered && mapped !== null) mapped.drop();
    return delivered;
  }
}

const enc = new TextEncoder();

/**
 * Adds `Nats-Request-Info: {"acc":...,"rtt":...}` (the requester's round-trip
 * time in ns, as Go's time.Duration) to the header block, creating one if needed.
 */
function withRequestInfo(pa: PubArgs, account: string, rttMs: number): { data: Uint8Array; hdr: number } {
  const line = enc.encode(`Nats-Request-Info: ${JSON.stringify({ acc: account, rtt: Math.round(rttMs * 1e6) })}\r\n`);
  const payload = pa.data.subarray(pa.dataStart + Math.max(pa.hdr, 0), pa.dataStart + pa.size);
  let head: Uint8Array;
  if (pa.hdr > 0) {
    // Keep the existing block, insert before its closing blank line.
    const block = pa.data.subarray(pa.dataStart, pa.dataStart + pa.hdr - 2);
    head = new Uint8Array(block.length + line.length + 2);
    head.set(block);
    head.set(line, block.length);
  } else {
    const start = enc.encode("NATS/1.0\r\n");
    head = new Uint8Array(start.length + line.length + 2);
    head.set(start);
    head.set(line, start.length);
  }
  head[head.length - 2] = 13;
  head[head.length - 1] = 10;
  const data = new Uint8Array(head.length + payload.length);
  data.set(head);
  data.set(payload, head.length);
  return { data, hdr: head.length };
}

/** Response mappings of one exporting account: `_R_.` reply → requester. */
class ResponseMap {
  private readonly entries = new Map<string, ResponseEntry>();
  private readonly prefix = `_R_.${token(6)}.`;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly exporter: Account) {}

  add(importer: Account, reply: string, type: ExportDef["responseType"], thresholdMs: number): ResponseEntry {
    const subject = this.prefix + token(6);
    const entry = new ResponseEntry(this, subject, importer, reply, type === "singleton", thresholdMs);
    this.entries.set(subject, entry);
    this.exporter.sublist.insert(entry.sub);
    if (this.sweeper === null) this.sweeper = setInterval(sweep, SWEEP_MS, this);
    return entry;
  }

  drop(entry: ResponseEntry): void {
    if (!this.entries.delete(entry.subject)) return;
    this.exporter.sublist.remove(entry.sub);
    if (this.entries.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  sweepExpired(now: number): void {
    for (const e of this.entries.values()) if (now > e.expires) this.drop(e);
  }
}

function sweep(m: ResponseMap): void {
  m.sweepExpired(Date.now());
}

class ResponseEntry implements Forwarder {
  readonly sub: Subscription;
  expires: number;

  drop(): void {
    this.owner.drop(this);
  }

  constructor(
    private readonly owner: ResponseMap,
    readonly subject: string,
    private readonly importer: Account,
    private readonly reply: string,
    private readonly singleton: boolean,
    private readonly thresholdMs: number,
  ) {
    this.sub = new Subscription(null, subject, null, "", this);
    this.expires = Date.now() + thresholdMs;
  }

  forward(pa: PubArgs, _subject: string, depth: number): boolean {
    if (depth >= MAX_HOPS) return false;
    // Singleton: one response; stream/chunked: until quiet for the threshold.
    const now = Date.now();
    // An empty message ends a stream or chunked response (reference).
    if (this.singleton || now > this.expires || pa.size === 0) this.drop();
    if (now > this.expires) return false;
    this.expires = now + this.thresholdMs;
    return routeMsg(null, this.importer, forwarded(pa, this.reply, null), this.reply, depth + 1) > 0;
  }
}

const responseMaps = new WeakMap<Account, ResponseMap>();
function responses(exporter: Account): ResponseMap {
  let m = responseMaps.get(exporter);
  if (m === undefined) {
    m = new ResponseMap(exporter);
    responseMaps.set(exporter, m);
  }
  return m;
}


const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function token(n: number): string {
  const b = randomBytes(n);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[b[i]! % ALPHABET.length];
  return s;
}
