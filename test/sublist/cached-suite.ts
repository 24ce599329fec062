// Tests of what both tries (TrieSublist, NativeSublist) add to the Sublist
// interface through CachedSublist (removeBatch, hasInterest, cacheCount,
// cacheEnabled) and of the inspection methods both have (all, numNodes,
// numLevels). Call describeCachedSublistSuite() from a *.test.ts file, next
// to describeSublistSuite() (suite.ts) for the interface itself.

import { describe, expect, test } from "bun:test";
import type { CachedSublist, CachedSublistOptions } from "../../src/sublist/cached.ts";
import { normalize, prng, sub, takeRandom, type TSub } from "./suite.ts";

export interface TrieUnderTest extends CachedSublist<TSub> {
  /** Every stored subscription (order unspecified). */
  all(): TSub[];
  /** Number of trie nodes below the root. */
  numNodes(): number;
  /** Depth of the deepest subscription path. */
  numLevels(): number;
}

export interface CachedSuiteHooks<T extends TrieUnderTest> {
  /** What subscribe/unsubscribe churn must leave as it found it (default
   * numNodes(); the native trie adds its C heap blocks). */
  footprint?: (sl: T) => unknown;
  /** Called after each test (e.g. NativeSublist.close). */
  dispose?: (sl: T) => void;
}

export function describeCachedSublistSuite<T extends TrieUnderTest>(
  name: string,
  make: (opts?: CachedSublistOptions) => T,
  hooks: CachedSuiteHooks<T> = {},
): void {
  const footprint = hooks.footprint ?? ((sl: T) => sl.numNodes());

  /** A test on a fresh trie made with `opts`, disposed of afterwards. */
  function withTrie(title: string, opts: CachedSublistOptions | undefined, body: (sl: T) => void): void {
    test(title, () => {
      const sl = make(opts);
      try {
        body(sl);
      } finally {
        hooks.dispose?.(sl);
      }
    });
  }

  describe(`${name}: trie shape`, () => {
    withTrie("removal prunes empty nodes", undefined, (sl) => {
      expect(sl.numNodes()).toBe(0);
      const a = sub("foo.bar.baz");
      const b = sub("foo.*.baz");
      const c = sub("foo.>");
      const d = sub("foo.bar.baz", "q");
      for (const s of [a, b, c, d]) sl.insert(s);
      expect(sl.numNodes()).toBe(6); // foo, bar, baz, *, baz(under *), >
      expect(sl.numLevels()).toBe(3);
      sl.remove(a);
      expect(sl.numNodes()).toBe(6); // d still holds foo.bar.baz
      sl.remove(d);
      expect(sl.numNodes()).toBe(4);
      sl.remove(b);
      expect(sl.numNodes()).toBe(2);
      sl.remove(c);
      expect(sl.numNodes()).toBe(0);
      expect(sl.numLevels()).toBe(0);
    });

    withTrie("removing an intermediate sub keeps nodes that still have children", undefined, (sl) => {
      const a = sub("foo");
      const b = sub("foo.bar");
      for (const s of [a, b]) sl.insert(s);
      sl.remove(a);
      expect(sl.numNodes()).toBe(2);
      sl.remove(b);
      expect(sl.numNodes()).toBe(0);
    });

    withTrie("memory does not grow with subscribe/match/unsubscribe churn", undefined, (sl) => {
      sl.insert(sub("keep.*"));
      // warm whatever scratch buffers matching and queue groups use
      const warm = sub("keep.x", "q");
      sl.insert(warm);
      sl.match("keep.x");
      sl.remove(warm);
      const base = footprint(sl);
      for (let i = 0; i < 20_000; i++) {
        const s = sub(`_INBOX.${i}.${i % 7}`, i % 3 === 0 ? `q${i % 11}` : null);
        sl.insert(s);
        sl.match(`_INBOX.${i}.${i % 7}`);
        expect(sl.remove(s)).toBe(true);
      }
      expect(footprint(sl)).toEqual(base);
      expect(sl.count()).toBe(1);
      expect(sl.cacheCount()).toBeLessThanOrEqual(1024);
    });

    withTrie("invalid subjects are rejected on insert without touching the trie", undefined, (sl) => {
      for (const bad of ["", "foo.", ".foo", "foo..bar", "foo.>.bar", ">.foo"]) {
        expect(() => sl.insert(sub(bad))).toThrow("invalid subject");
      }
      expect(sl.count()).toBe(0);
      expect(sl.numNodes()).toBe(0);
      expect(sl.stats().numInserts).toBe(0);
    });

    withTrie("a large node switches to indexed removal correctly", undefined, (sl) => {
      const rnd = prng(99);
      const live: TSub[] = [];
      for (let i = 0; i < 3000; i++) {
        if (live.length === 0 || rnd() < 0.6) {
          const s = rnd() < 0.5 ? sub("big.node") : sub("big.node", "grp");
          sl.insert(s);
          live.push(s);
        } else {
          const s = takeRandom(live, rnd);
          expect(sl.remove(s)).toBe(true);
          expect(sl.remove(s)).toBe(false);
        }
      }
      const got = normalize(sl.match("big.node"));
      const wantP = live.filter((s) => s.queue === null).map((s) => s.id).sort((a, b) => a - b);
      const wantQ = live.filter((s) => s.queue !== null).map((s) => s.id).sort((a, b) => a - b);
      expect(got.p).toEqual(wantP);
      expect(got.q.grp ?? []).toEqual(wantQ);
    });

    withTrie("all() lists every subscription", undefined, (sl) => {
      const subs = [sub("a"), sub("a.b"), sub("a.*"), sub("a.>"), sub(">"), sub("a", "q"), sub("a", "q"), sub("a", "r")];
      for (const s of subs) sl.insert(s);
      const byId = (x: number, y: number) => x - y;
      expect(sl.all().map((s) => s.id).sort(byId)).toEqual(subs.map((s) => s.id).sort(byId));
    });
  });

  describe(`${name}: cache`, () => {
    withTrie("removeBatch removes and flushes the cache", undefined, (sl) => {
      const subs = Array.from({ length: 50 }, (_, i) => sub(i % 2 ? "foo.*" : "foo.bar"));
      const other = sub("foo.>");
      for (const s of subs) sl.insert(s);
      sl.insert(other);
      expect(sl.match("foo.bar").psubs.length).toBe(51);
      expect(sl.removeBatch([...subs, sub("nope")])).toBe(50);
      expect(sl.cacheCount()).toBe(0);
      expect(sl.count()).toBe(1);
      expect(normalize(sl.match("foo.bar")).p).toEqual([other.id]);
      expect(sl.stats().numRemoves).toBe(50);
      // nothing found: the cache stays
      expect(sl.removeBatch(subs)).toBe(0);
      expect(sl.cacheCount()).toBe(1);
    });

    withTrie("hasInterest", undefined, (sl) => {
      expect(sl.hasInterest("foo.bar")).toBe(false);
      const a = sub("foo.*", "q");
      sl.insert(a);
      expect(sl.hasInterest("foo.bar")).toBe(true);
      expect(sl.hasInterest("foo")).toBe(false);
      expect(sl.hasInterest("foo..bar")).toBe(false);
      expect(sl.cacheCount()).toBe(0); // never fills the cache
      sl.match("foo.bar");
      expect(sl.hasInterest("foo.bar")).toBe(true);
      sl.remove(a);
      expect(sl.hasInterest("foo.bar")).toBe(false);
    });

    withTrie("cache disabled: stats show no cache and match still correct", { cache: false }, (sl) => {
      expect(sl.cacheEnabled).toBe(false);
      sl.insert(sub("foo.*"));
      const r1 = sl.match("foo.bar");
      const r2 = sl.match("foo.bar");
      expect(r1).not.toBe(r2);
      expect(r1.psubs.length).toBe(1);
      expect(sl.stats().numCache).toBe(0);
      expect(sl.stats().cacheHitRate).toBe(0);
      expect(sl.hasInterest("foo.bar")).toBe(true);
    });

    withTrie("subscribing to an unrelated literal does not flush cached results", undefined, (sl) => {
      expect(sl.cacheEnabled).toBe(true);
      sl.insert(sub("foo.*"));
      const r = sl.match("foo.bar");
      for (let i = 0; i < 100; i++) sl.insert(sub(`other.${i}`));
      for (let i = 0; i < 100; i++) sl.insert(sub(`bar.*.${i}`));
      expect(sl.match("foo.bar")).toBe(r); // still the cached object
      expect(sl.stats().cacheHitRate).toBeCloseTo(0.5, 10);
    });
  });
}
