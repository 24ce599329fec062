// A bounded cache of match results keyed by the published subject.
//
// It sits in front of both matchers (the TypeScript trie and the native one,
// through cached.ts):
//
//   let r = cache.get(subject);            // hit: one Map lookup, no allocation
//   if (r === undefined) { r = slowMatch(subject); cache.put(subject, r); }
//   ...
//   cache.onInsert(sub);                    // after adding sub to the matcher
//   cache.onRemove(sub);                    // after removing sub from the matcher
//
// Invalidation follows Go's sublist: only entries whose key the changed
// subscription's subject matches are touched, so subscribing to `foo.bar`
// does not flush the cache.
//  * insert: matching entries are replaced by a copy with the new sub added
//    (cached results are shared with callers and never mutated in place);
//  * remove: matching entries are dropped and recomputed on the next match.
// A literal subscription subject can only match the one key equal to it, so
// that is a single Map operation; a wildcard one scans the (bounded) cache.
//
// Bounding: at most `max` entries (Go's slCacheMax = 1024). Go drops random
// entries down to 512 when over; here the cache is two generations of
// max/2 entries each: when the young one fills it becomes the old one and the
// previous old generation is discarded whole, so each rotation evicts the
// oldest ~512 entries (like Go's sweep, but FIFO) at O(1) cost. Millions of
// distinct published subjects therefore never hold more than `max` entries,
// and a hit is one Map lookup (two if the entry is in the old generation).

import type { SubLike, SublistResult } from "./types.ts";
import { subjectIsLiteral, subjectMatchesPattern } from "./subject.ts";

export const CACHE_MAX = 1024;

/** The one shared result for "no subscribers". */
export const EMPTY_RESULT: SublistResult<never> = Object.freeze({
  psubs: Object.freeze([]) as readonly never[],
  qsubs: Object.freeze([]) as readonly (readonly never[])[],
});

/** Index of the queue group for `queue` in `qsubs`, or -1. Groups are
 * identified by queue name (see the note in trie.ts). */
export function findQueueSlot<S extends SubLike>(queue: string, qsubs: readonly (readonly S[])[]): number {
  for (let i = 0; i < qsubs.length; i++) {
    const g = qsubs[i]!;
    if (g.length > 0 && g[0]!.queue === queue) return i;
  }
  return -1;
}

/** A new result equal to `r` plus `sub` (r is left untouched). */
export function resultWithSub<S extends SubLike>(r: SublistResult<S>, sub: S): SublistResult<S> {
  const q = sub.queue;
  if (q === null) {
    const psubs = r.psubs.slice();
    psubs.push(sub);
    return { psubs, qsubs: r.qsubs };
  }
  // queue groups: copy the outer array and the one group that changes
  const qsubs = r.qsubs.slice();
  const i = findQueueSlot(q, qsubs);
  if (i >= 0) {
    const g = qsubs[i]!.slice();
    g.push(sub);
    qsubs[i] = g;
  } else {
    qsubs.push([sub]);
  }
  return { psubs: r.psubs, qsubs };
}

export interface FanoutStats {
  maxFanout: number;
  avgFanout: number;
}

export class MatchCache<S extends SubLike> {
  // Two generations: new entries go to `young`; when it holds `gen` entries
  // it becomes `old` and the previous `old` is dropped whole (cheaper than
  // deleting entries one by one: no tombstones, no rehash). A key is never in
  // both maps since put() is only called after get() missed.
  private young = new Map<string, SublistResult<S>>();
  private old = new Map<string, SublistResult<S>>();
  private readonly gen: number;
  /** Upper bound on size. */
  readonly max: number;

  constructor(max: number = CACHE_MAX) {
    if (!(max >= 2)) throw new RangeError("cache max must be >= 2");
    this.gen = Math.floor(max / 2);
    this.max = this.gen * 2;
  }

  /** Cached result for `subject`, or undefined. */
  get(subject: string): SublistResult<S> | undefined {
    const r = this.young.get(subject);
    return r !== undefined ? r : this.old.get(subject);
  }

  /** Stores a result computed after get() missed; may evict older entries.
   * Do not store subjects with empty tokens (nothing can match them). */
  put(subject: string, r: SublistResult<S>): void {
    const young = this.young;
    young.set(subject, r);
    if (young.size >= this.gen) {
      this.old = young;
      this.young = new Map();
    }
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  /** Call after `sub` has been added to the matcher. */
  onInsert(sub: S): void {
    if (this.young.size !== 0) insertInto(this.young, sub);
    if (this.old.size !== 0) insertInto(this.old, sub);
  }

  /** Call after `sub` has been removed from the matcher. */
  onRemove(sub: S): void {
    if (this.young.size !== 0) removeFrom(this.young, sub);
    if (this.old.size !== 0) removeFrom(this.old, sub);
  }

  /** Fan-out over the cached results, as Go's /subsz reports it: per entry
   * len(psubs) + len(qsubs) (a queue group counts once). */
  fanout(): FanoutStats {
    let tot = 0;
    let max = 0;
    let n = 0;
    for (const m of [this.young, this.old]) {
      for (const r of m.values()) {
        const l = r.psubs.length + r.qsubs.length;
        tot += l;
        if (l > max) max = l;
        n++;
      }
    }
    return { maxFanout: max, avgFanout: tot > 0 ? tot / n : 0 };
  }
}

function insertInto<S extends SubLike>(map: Map<string, SublistResult<S>>, sub: S): void {
  const subject = sub.subject;
  if (subjectIsLiteral(subject)) {
    const r = map.get(subject);
    if (r !== undefined) map.set(subject, resultWithSub(r, sub));
    return;
  }
  // Replacing the value of an existing key during iteration is safe.
  for (const [key, r] of map) {
    if (subjectMatchesPattern(key, subject)) map.set(key, resultWithSub(r, sub));
  }
}

function removeFrom<S extends SubLike>(map: Map<string, SublistResult<S>>, sub: S): void {
  const subject = sub.subject;
  if (subjectIsLiteral(subject)) {
    map.delete(subject);
    return;
  }
  // Deleting the current key during Map iteration is safe.
  for (const key of map.keys()) {
    if (subjectMatchesPattern(key, subject)) map.delete(key);
  }
}
