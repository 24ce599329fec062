// What every trie does the same way around its own storage: the match cache
// (see cache.ts), the counters behind stats(), and the shape of insert /
// remove / removeBatch / match / hasInterest.
//
// A trie extends CachedSublist and supplies only the raw operations on its
// storage (insertSub / removeSub / matchSub); this class keeps the cache
// coherent around them:
//
//   insert(sub):  insertSub(sub), then cache.onInsert(sub)
//   remove(sub):  removeSub(sub), then cache.onRemove(sub)
//   removeBatch:  removeSub() for each, then one cache flush (Go's RemoveBatch)
//   match(subj):  cache.get(subj), else matchSub(subj) and cache.put
//
// A cache hit is a Map lookup (two at most) returning the stored (shared,
// immutable) result, with no allocation and no call into the trie.

import type { SubLike, Sublist, SublistResult, SublistStats } from "./types.ts";
import { CACHE_MAX, EMPTY_RESULT, MatchCache } from "./cache.ts";

/** Options every trie takes. */
export interface CachedSublistOptions {
  /** Cache match results (default true). `false` = disable_sublist_cache. */
  cache?: boolean;
  /** Maximum number of cached results (default 1024, as Go). */
  cacheMax?: number;
}

export abstract class CachedSublist<S extends SubLike> implements Sublist<S> {
  private readonly cache: MatchCache<S> | null;
  private n = 0;
  private inserts = 0;
  private removes = 0;
  private matches = 0;
  private cacheHits = 0;

  constructor(opts: CachedSublistOptions = {}) {
    this.cache = opts.cache !== false ? new MatchCache<S>(opts.cacheMax ?? CACHE_MAX) : null;
  }

  /**
   * Adds `sub` to the trie. Returns false (and changes nothing) if this very
   * object is already there; throws (and changes nothing) if the subject is
   * invalid.
   */
  protected abstract insertSub(sub: S): boolean;

  /** Removes `sub` (by identity) from the trie. Returns false if it was not there. */
  protected abstract removeSub(sub: S): boolean;

  /**
   * Walks the trie for the literal `subject`. Returns null if the subject has
   * an empty token (nothing can match it; such results are not cached), and
   * EMPTY_RESULT rather than an empty result of its own when nothing matches.
   */
  protected abstract matchSub(subject: string): SublistResult<S> | null;

  /** Every stored subscription (order unspecified). */
  abstract all(): S[];

  get cacheEnabled(): boolean {
    return this.cache !== null;
  }

  insert(sub: S): void {
    if (!this.insertSub(sub)) return; // same sub object inserted twice: no-op
    this.n++;
    this.inserts++;
    if (this.cache !== null) this.cache.onInsert(sub);
  }

  remove(sub: S): boolean {
    if (!this.removeSub(sub)) return false;
    this.n--;
    this.removes++;
    if (this.cache !== null) this.cache.onRemove(sub);
    return true;
  }

  /**
   * Removes many subscriptions (e.g. a closing connection's). Like Go's
   * RemoveBatch, the cache is flushed once instead of being updated per sub.
   * Returns how many were found and removed.
   */
  removeBatch(subs: Iterable<S>): number {
    let removed = 0;
    for (const sub of subs) if (this.removeSub(sub)) removed++;
    this.n -= removed;
    this.removes += removed;
    if (removed > 0 && this.cache !== null) this.cache.clear();
    return removed;
  }

  match(subject: string): SublistResult<S> {
    this.matches++;
    const cache = this.cache;
    if (cache !== null) {
      const r = cache.get(subject);
      if (r !== undefined) {
        this.cacheHits++;
        return r;
      }
    }
    const r = this.matchSub(subject);
    if (r === null) return EMPTY_RESULT; // empty token: nothing matches; not cached
    if (cache !== null) cache.put(subject, r);
    return r;
  }

  /** True if anything matches `subject` (uses the cache, never fills it). */
  hasInterest(subject: string): boolean {
    const cache = this.cache;
    const r = (cache !== null ? cache.get(subject) : undefined) ?? this.matchSub(subject);
    return r !== null && (r.psubs.length > 0 || r.qsubs.length > 0);
  }

  count(): number {
    return this.n;
  }

  /** Number of cached match results. */
  cacheCount(): number {
    return this.cache === null ? 0 : this.cache.size;
  }

  /** Drops all cached results. */
  clearCache(): void {
    if (this.cache !== null) this.cache.clear();
  }

  /** Forgets every subscription's count and cached result, for a trie whose
   * storage was just dropped whole (the statistics counters stay). */
  protected resetContents(): void {
    this.n = 0;
    this.clearCache();
  }

  stats(): SublistStats {
    const st: SublistStats = {
      numSubs: this.n,
      numCache: this.cacheCount(),
      numInserts: this.inserts,
      numRemoves: this.removes,
      numMatches: this.matches,
      cacheHitRate: this.matches > 0 ? this.cacheHits / this.matches : 0,
      maxFanout: 0,
      avgFanout: 0,
    };
    if (this.cache !== null) {
      const f = this.cache.fanout();
      st.maxFanout = f.maxFanout;
      st.avgFanout = f.avgFanout;
    }
    return st;
  }
}
