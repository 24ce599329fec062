// Publish and subscribe permissions, compiled once per user and shared by
// that user's connections. Rules from the reference (client.go
// canSubscribe / pubAllowedFullCheck / checkDenySub).

import { TrieSublist } from "../sublist/trie.ts";
import type { Sublist, SubLike } from "../sublist/types.ts";
import { subjectHasWildcard, subjectsCollide } from "../sublist/subject.ts";
import type { Permissions, ResponsePermission } from "./types.ts";
import { wireSubject } from "../protocol/text.ts";

interface Entry extends SubLike {}

/** Publish (and delivery-deny) results are cached per subject; a cache is dropped when full. */
const PUB_CACHE_MAX = 1024;

/** Reply prefixes only the server itself may use (reference client.go). */
const RESERVED_REPLY_PREFIXES = ["_R_.", "_GR_.", "$JS.ACK."];

/** Config entries in the wire form; "subject queue" entries carry the queue. */
function entries(list: string[] | null): Entry[] | null {
  if (list === null) return null;
  return list.map((raw) => {
    const item = wireSubject(raw);
    const sp = item.indexOf(" ");
    return sp < 0 ? { subject: item, queue: null } : { subject: item.slice(0, sp), queue: item.slice(sp + 1).trim() };
  });
}

function compile(list: Entry[] | null): Sublist<Entry> | null {
  if (list === null) return null;
  // Permission lists are small and matched with wildcard tokens taken
  // literally (a SUB to "foo.*" is checked as the subject "foo.*"), which the
  // TypeScript trie does exactly as the reference does.
  const sl = new TrieSublist<Entry>({ cache: false });
  for (const e of list) sl.insert(e);
  return sl;
}

export class CompiledPermissions {
  private readonly pubAllow: Sublist<Entry> | null;
  private readonly pubDeny: Sublist<Entry> | null;
  private readonly subAllow: Sublist<Entry> | null;
  private readonly subDeny: Sublist<Entry> | null;
  /** Deny entries, for spotting subscriptions that overlap them. */
  private readonly subDenyList: readonly Entry[];
  readonly response: ResponsePermission | null;
  private pubCache = new Map<string, boolean>();
  private readonly denyCache = new Map<string, boolean>();
  private readonly queueDenyCache = new Map<string, boolean>();

  constructor(readonly source: Permissions) {
    this.pubAllow = compile(entries(source.publish?.allow ?? null));
    this.pubDeny = compile(entries(source.publish?.deny ?? null));
    this.subAllow = compile(entries(source.subscribe?.allow ?? null));
    const deny = entries(source.subscribe?.deny ?? null);
    this.subDeny = compile(deny);
    this.subDenyList = deny ?? [];
    this.response = source.response;
  }

  /** Publish allow/deny only (reply-subject grants are checked by the caller). */
  canPublish(subject: string): boolean {
    if (this.pubAllow === null && this.pubDeny === null) return true;
    const cached = this.pubCache.get(subject);
    if (cached !== undefined) return cached;
    let allowed = true;
    if (this.pubAllow !== null) allowed = this.pubAllow.match(subject).psubs.length > 0;
    if (allowed && this.pubDeny !== null) allowed = this.pubDeny.match(subject).psubs.length === 0;
    if (this.pubCache.size >= PUB_CACHE_MAX) this.pubCache = new Map();
    this.pubCache.set(subject, allowed);
    return allowed;
  }

  canSubscribe(subject: string, queue: string | null): boolean {
    let allowed = true;
    if (this.subAllow !== null) {
      const r = this.subAllow.match(subject);
      allowed = r.psubs.length > 0;
      // A queue entry allows queue subscriptions with that queue name.
      if (queue !== null && r.qsubs.length > 0) allowed = queueListed(queue, r.qsubs);
    }
    if (allowed && this.subDeny !== null) {
      const r = this.subDeny.match(subject);
      allowed = r.psubs.length === 0;
      if (queue !== null && r.qsubs.length > 0) allowed = !queueListed(queue, r.qsubs);
    }
    return allowed;
  }

  /**
   * A subscription allowed despite a deny list may still receive denied
   * subjects: a wildcard that can match a subject some deny entry matches
   * ("*.*" and "b.>" both match "b.b"), or a queue subscription that a queue
   * entry names. Those messages are filtered at delivery (deniesDelivery).
   * 2.9.10 only filters a wildcard that contains a deny entry, and so leaks
   * "b.b" to "*.*"; later servers test for a collision, as here.
   */
  needsDeliveryFilter(subject: string, queue: string | null): boolean {
    if (this.subDeny === null) return false;
    const wildcard = subjectHasWildcard(subject);
    if (!wildcard && queue === null) return false;
    for (const d of this.subDenyList) {
      if (d.queue !== null && d.queue !== queue) continue;
      if (subjectsCollide(d.subject, subject)) return true;
    }
    return false;
  }

  /**
   * True when a message on `subject` must not reach a filtered subscription
   * with that queue (null for a plain one): a plain deny entry matches it, or
   * a queue entry for that queue does. Cached like publish checks.
   */
  deniesDelivery(subject: string, queue: string | null): boolean {
    if (this.subDeny === null) return false;
    const cache = queue === null ? this.denyCache : this.queueDenyCache;
    const key = queue === null ? subject : queue + " " + subject;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const r = this.subDeny.match(subject);
    const denied = r.psubs.length > 0 || (queue !== null && queueListed(queue, r.qsubs));
    if (cache.size >= PUB_CACHE_MAX) cache.clear();
    cache.set(key, denied);
    return denied;
  }
}

function queueListed(queue: string, groups: readonly (readonly Entry[])[]): boolean {
  for (const g of groups) for (const e of g) if (e.queue === queue) return true;
  return false;
}

/** Reply subjects a client may not use (`Permissions Violation for Publish with Reply of`). */
export function isReservedReply(reply: string): boolean {
  for (const p of RESERVED_REPLY_PREFIXES) if (reply.startsWith(p)) return true;
  return false;
}

/** Gateway-routed subjects may not be published by clients. */
export function isReservedPublish(subject: string): boolean {
  return subject.charCodeAt(0) === 95 /* _ */ && subject.startsWith("_GR_.");
}

/** One compiled object per distinct Permissions, so a user's clients share the cache. */
const compiled = new WeakMap<Permissions, CompiledPermissions>();
export function compilePermissions(p: Permissions | null): CompiledPermissions | null {
  if (p === null) return null;
  let c = compiled.get(p);
  if (c === undefined) {
    c = new CompiledPermissions(p);
    compiled.set(p, c);
  }
  return c;
}
