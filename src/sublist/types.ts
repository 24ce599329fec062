// The one interface subject matching lives behind. Both tries implement it
// through CachedSublist (cached.ts): the TypeScript one (trie.ts) and the
// native C one via bun:ffi (native.ts).

/** What the index needs to know of a subscription; the server's own
 * subscription objects satisfy this and come back unchanged from match(). */
export interface SubLike {
  /** Subscribed subject, possibly with `*` / `>` tokens. */
  readonly subject: string;
  /** Queue group name, or null for a plain subscription. */
  readonly queue: string | null;
}

/** Matches for one published subject. Arrays are owned by the index (they may
 * be cached and shared between calls): callers must not mutate them. */
export interface SublistResult<S extends SubLike> {
  /** Plain subscriptions: each gets one copy. */
  readonly psubs: readonly S[];
  /** Queue subscriptions grouped by queue name (as Go's sublist does: members
   * of the same queue under different matching patterns, e.g. `foo.*` and
   * `foo.bar`, share one group for this subject): each group gets one copy,
   * delivered to one member chosen by the caller. Groups are never empty. */
  readonly qsubs: readonly (readonly S[])[];
}

export interface SublistStats {
  numSubs: number;
  numCache: number;
  numInserts: number;
  numRemoves: number;
  numMatches: number;
  cacheHitRate: number;
  maxFanout: number;
  avgFanout: number;
}

export interface Sublist<S extends SubLike> {
  /** Adds a subscription. The subject must already be valid (see subject.ts). */
  insert(sub: S): void;
  /** Removes a subscription (by identity). Returns false if it was not there. */
  remove(sub: S): boolean;
  /** Removes many subscriptions at once (e.g. a closing connection's): like
   * Go's RemoveBatch, cached results are flushed once rather than updated per
   * subscription. Returns how many were found and removed. */
  removeBatch(subs: Iterable<S>): number;
  /** All subscriptions whose subject matches the literal `subject`. */
  match(subject: string): SublistResult<S>;
  /** Number of subscriptions stored. */
  count(): number;
  /** Every stored subscription, in no particular order (monitoring's /subsz). */
  all(): S[];
  stats(): SublistStats;
}
