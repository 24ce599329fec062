import { describe, expect, test } from "bun:test";
import { TrieSublist, tokenHash } from "../../src/sublist/trie.ts";
import { createSublist } from "../../src/sublist/index.ts";
import { describeSublistSuite, normalize, prng, sub, type TSub } from "./suite.ts";

describeSublistSuite("TrieSublist (cache)", () => new TrieSublist<TSub>(), { cached: true });
describeSublistSuite("TrieSublist (no cache)", () => new TrieSublist<TSub>({ cache: false }), { cached: false });
// A tiny cache forces constant eviction while the suite runs.
describeSublistSuite("TrieSublist (cache max 4)", () => new TrieSublist<TSub>({ cacheMax: 4 }), {
  cached: true,
  cacheMax: 4,
});
describeSublistSuite("createSublist()", () => createSublist<TSub>(), { cached: true });
describeSublistSuite("createSublist({cache:false})", () => createSublist<TSub>({ cache: false }), { cached: false });

describe("TrieSublist specifics", () => {
  test("removal prunes empty nodes", () => {
    const sl = new TrieSublist<TSub>();
    expect(sl.numNodes()).toBe(0);
    const a = sub("foo.bar.baz");
    const b = sub("foo.*.baz");
    const c = sub("foo.>");
    const d = sub("foo.bar.baz", "q");
    for (const s of [a, b, c, d]) sl.insert(s);
    // foo, bar, baz, *, baz(under *), >
    expect(sl.numNodes()).toBe(6);
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

  test("removing an intermediate sub keeps nodes that still have children", () => {
    const sl = new TrieSublist<TSub>();
    const a = sub("foo");
    const b = sub("foo.bar");
    sl.insert(a);
    sl.insert(b);
    sl.remove(a);
    expect(sl.numNodes()).toBe(2);
    sl.remove(b);
    expect(sl.numNodes()).toBe(0);
  });

  test("memory does not grow with subscribe/unsubscribe churn", () => {
    const sl = new TrieSublist<TSub>();
    const keep = sub("keep.*");
    sl.insert(keep);
    const base = sl.numNodes();
    for (let i = 0; i < 20_000; i++) {
      const s = sub(`_INBOX.${i}.${i % 7}`, i % 3 === 0 ? "q" : null);
      sl.insert(s);
      sl.match(`_INBOX.${i}.${i % 7}`);
      expect(sl.remove(s)).toBe(true);
    }
    expect(sl.numNodes()).toBe(base);
    expect(sl.count()).toBe(1);
    expect(sl.cacheCount()).toBeLessThanOrEqual(1024);
  });

  test("invalid subjects are rejected on insert without touching the trie", () => {
    const sl = new TrieSublist<TSub>();
    for (const bad of ["", "foo.", ".foo", "foo..bar", "foo.>.bar", ">.foo"]) {
      expect(() => sl.insert(sub(bad))).toThrow();
    }
    expect(sl.count()).toBe(0);
    expect(sl.numNodes()).toBe(0);
    expect(sl.stats().numInserts).toBe(0);
  });

  test("removeBatch removes and flushes the cache", () => {
    const sl = new TrieSublist<TSub>();
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
  });

  test("hasInterest", () => {
    const sl = new TrieSublist<TSub>();
    expect(sl.hasInterest("foo.bar")).toBe(false);
    const a = sub("foo.*", "q");
    sl.insert(a);
    expect(sl.hasInterest("foo.bar")).toBe(true);
    expect(sl.hasInterest("foo")).toBe(false);
    expect(sl.hasInterest("foo..bar")).toBe(false);
    sl.match("foo.bar");
    expect(sl.hasInterest("foo.bar")).toBe(true);
    sl.remove(a);
    expect(sl.hasInterest("foo.bar")).toBe(false);
  });

  test("all() lists every subscription", () => {
    const sl = new TrieSublist<TSub>();
    const subs = [sub("a"), sub("a.b"), sub("a.*"), sub("a.>"), sub(">"), sub("a", "q"), sub("a", "q"), sub("a", "r")];
    for (const s of subs) sl.insert(s);
    expect(
      sl
        .all()
        .map((s) => s.id)
        .sort((x, y) => x - y),
    ).toEqual(subs.map((s) => s.id).sort((x, y) => x - y));
  });

  test("cache disabled: stats show no cache and match still correct", () => {
    const sl = new TrieSublist<TSub>({ cache: false });
    expect(sl.cacheEnabled).toBe(false);
    sl.insert(sub("foo.*"));
    const r1 = sl.match("foo.bar");
    const r2 = sl.match("foo.bar");
    expect(r1).not.toBe(r2);
    expect(r1.psubs.length).toBe(1);
    expect(sl.stats().numCache).toBe(0);
    expect(sl.stats().cacheHitRate).toBe(0);
  });

  test("subscribing to an unrelated literal does not flush cached results", () => {
    const sl = new TrieSublist<TSub>();
    sl.insert(sub("foo.*"));
    const r = sl.match("foo.bar");
    for (let i = 0; i < 100; i++) sl.insert(sub(`other.${i}`));
    for (let i = 0; i < 100; i++) sl.insert(sub(`bar.*.${i}`));
    expect(sl.match("foo.bar")).toBe(r); // still the cached object
    expect(sl.stats().cacheHitRate).toBeCloseTo(0.5, 10);
  });

  test("a large node switches to indexed removal correctly", () => {
    const sl = new TrieSublist<TSub>();
    const rnd = prng(99);
    const live: TSub[] = [];
    for (let i = 0; i < 3000; i++) {
      if (live.length === 0 || rnd() < 0.6) {
        const s = rnd() < 0.5 ? sub("big.node") : sub("big.node", "grp");
        sl.insert(s);
        live.push(s);
      } else {
        const j = Math.floor(rnd() * live.length);
        const s = live[j]!;
        live[j] = live[live.length - 1]!;
        live.pop();
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
});

describe("TrieSublist token hash collisions", () => {
  // Find a few groups of distinct tokens sharing a hash (birthday search).
  function findCollisions(groups: number): string[][] {
    const seen = new Map<number, string>();
    const out: string[][] = [];
    for (let i = 0; out.length < groups; i++) {
      const t = `t${i}`;
      const h = tokenHash(t);
      const prev = seen.get(h);
      if (prev !== undefined) out.push([prev, t]);
      else seen.set(h, t);
    }
    return out;
  }

  test("colliding literal tokens are kept apart", () => {
    const pairs = findCollisions(3);
    for (const [a, b] of pairs) expect(tokenHash(a!)).toBe(tokenHash(b!));
    const sl = new TrieSublist<TSub>();
    const subs: TSub[] = [];
    for (const [a, b] of pairs) {
      const sa = sub(`x.${a}.y`);
      const sb = sub(`x.${b}.y`);
      const sa2 = sub(`x.${a}`);
      const sb2 = sub(`x.${b}`, "q");
      subs.push(sa, sb, sa2, sb2);
      for (const s of [sa, sb, sa2, sb2]) sl.insert(s);
      expect(normalize(sl.match(`x.${a}.y`)).p).toEqual([sa.id]);
      expect(normalize(sl.match(`x.${b}.y`)).p).toEqual([sb.id]);
      expect(normalize(sl.match(`x.${a}`))).toEqual({ p: [sa2.id], q: {} });
      expect(normalize(sl.match(`x.${b}`))).toEqual({ p: [], q: { q: [sb2.id] } });
    }
    // remove in an order that unlinks both chain heads and chain members
    for (const [i, s] of subs.entries()) {
      expect(sl.remove(s)).toBe(true);
      for (const t of subs.slice(i + 1)) {
        const r = normalize(sl.match(t.subject));
        expect(t.queue === null ? r.p : r.q[t.queue]).toContain(t.id);
      }
      expect(sl.match(s.subject).psubs.length + sl.match(s.subject).qsubs.length).toBe(
        subs.slice(i + 1).filter((t) => t.subject === s.subject).length,
      );
    }
    expect(sl.numNodes()).toBe(0);
    // and the reverse: insert b first, remove a (the tail) first
    const [a, b] = pairs[0]!;
    const sb = sub(`${b}`);
    const sa = sub(`${a}`);
    sl.insert(sb);
    sl.insert(sa);
    expect(sl.remove(sb)).toBe(true);
    expect(normalize(sl.match(a!)).p).toEqual([sa.id]);
    expect(sl.match(b!).psubs.length).toBe(0);
    expect(sl.remove(sb)).toBe(false);
    expect(sl.remove(sa)).toBe(true);
    expect(sl.numNodes()).toBe(0);
    // insert a then b (b becomes the chain head), remove the head first
    sl.insert(sa);
    sl.insert(sb);
    expect(sl.remove(sb)).toBe(true);
    expect(normalize(sl.match(a!)).p).toEqual([sa.id]);
    expect(sl.match(b!).psubs.length).toBe(0);
    sl.insert(sb);
    expect(normalize(sl.match(b!)).p).toEqual([sb.id]);
    expect(sl.remove(sa)).toBe(true);
    expect(sl.remove(sb)).toBe(true);
    expect(sl.numNodes()).toBe(0);
  });
});
