import { describe, expect, test } from "bun:test";
import { TrieSublist, tokenHash } from "../../src/sublist/trie.ts";
import { createSublist } from "../../src/sublist/index.ts";
import { describeSublistSuite, normalize, sub, type TSub } from "./suite.ts";
import { describeCachedSublistSuite } from "./cached-suite.ts";

describeSublistSuite("TrieSublist (cache)", () => new TrieSublist<TSub>(), { cached: true });
describeSublistSuite("TrieSublist (no cache)", () => new TrieSublist<TSub>({ cache: false }), { cached: false });
// A tiny cache forces constant eviction while the suite runs.
describeSublistSuite("TrieSublist (cache max 4)", () => new TrieSublist<TSub>({ cacheMax: 4 }), {
  cached: true,
  cacheMax: 4,
});
describeSublistSuite("createSublist()", () => createSublist<TSub>(), { cached: true });
describeSublistSuite("createSublist({cache:false})", () => createSublist<TSub>({ cache: false }), { cached: false });

describeCachedSublistSuite("TrieSublist", (opts) => new TrieSublist<TSub>(opts));

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
