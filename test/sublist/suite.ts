// Implementation-independent test suite for the Sublist interface, and the
// helpers the sublist tests share. Call describeSublistSuite() from a
// *.test.ts file with a factory for the implementation under test (see
// cached-suite.ts for the tests of what both tries add to the interface).

import { describe, expect, test } from "bun:test";
import type { SubLike, Sublist, SublistResult } from "../../src/sublist/types.ts";

let nextId = 1;

export class TSub implements SubLike {
  readonly id: number;
  constructor(
    readonly subject: string,
    readonly queue: string | null = null,
  ) {
    this.id = nextId++;
  }
  toString(): string {
    return `${this.subject}${this.queue === null ? "" : " " + this.queue}#${this.id}`;
  }
}

export function sub(subject: string, queue: string | null = null): TSub {
  return new TSub(subject, queue);
}

export interface SuiteOptions {
  /** Whether the implementation caches match results (enables cache tests). */
  cached: boolean;
  /** Upper bound the cache must stay within (default 1024). */
  cacheMax?: number;
}

/** Canonical form of a result: sorted psub ids and queue name -> sorted ids.
 * Also checks structural invariants of the result. */
export function normalize(r: SublistResult<TSub>): { p: number[]; q: Record<string, number[]> } {
  const p = r.psubs.map((s) => s.id).sort((a, b) => a - b);
  for (const s of r.psubs) {
    if (s.queue !== null) throw new Error(`queue sub ${s} in psubs`);
  }
  const q: Record<string, number[]> = {};
  for (const g of r.qsubs) {
    if (g.length === 0) throw new Error("empty queue group in result");
    const name = g[0]!.queue;
    if (name === null) throw new Error(`plain sub ${g[0]} in qsubs`);
    for (const s of g) {
      if (s.queue !== name) throw new Error(`group ${name} contains ${s}`);
    }
    if (q[name] !== undefined) throw new Error(`queue ${name} appears in two groups`);
    q[name] = g.map((s) => s.id).sort((a, b) => a - b);
  }
  return { p, q: sortKeys(q) };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

function ids(subs: TSub[]): number[] {
  return subs.map((s) => s.id).sort((a, b) => a - b);
}

/** Reference: does pattern (with wildcards) match subject (tokens literal)? */
const splitMemo = new Map<string, string[]>();
function splitMemoized(s: string): string[] {
  let t = splitMemo.get(s);
  if (t === undefined) {
    t = s.split(".");
    if (splitMemo.size > 100_000) splitMemo.clear();
    splitMemo.set(s, t);
  }
  return t;
}

export function bruteMatches(subject: string, pattern: string): boolean {
  const st = splitMemoized(subject);
  const pt = splitMemoized(pattern);
  if (st.some((t) => t === "")) return false;
  for (let i = 0; i < pt.length; i++) {
    const p = pt[i]!;
    if (p === ">") return st.length > i;
    if (i >= st.length) return false;
    if (p !== "*" && p !== st[i]) return false;
  }
  return st.length === pt.length;
}

/** Reference matcher over a plain list of subs, grouped like Go (by queue name). */
export function bruteMatch(subs: Iterable<TSub>, subject: string): { p: number[]; q: Record<string, number[]> } {
  const p: number[] = [];
  const q: Record<string, number[]> = {};
  for (const s of subs) {
    if (!bruteMatches(subject, s.subject)) continue;
    if (s.queue === null) p.push(s.id);
    else (q[s.queue] ??= []).push(s.id);
  }
  p.sort((a, b) => a - b);
  for (const k of Object.keys(q)) q[k]!.sort((a, b) => a - b);
  return { p, q: sortKeys(q) };
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Removes a random element of `live` (the last one takes its place) and
 * returns it. */
export function takeRandom<T>(live: T[], rnd: () => number): T {
  const i = Math.floor(rnd() * live.length);
  const s = live[i]!;
  live[i] = live[live.length - 1]!;
  live.pop();
  return s;
}

/** A random subscription subject of 1..maxTokens tokens from `toks`, each a
 * `*` with probability `pStar`; the last one a `>` with probability 0.12. */
export function randomPatternOf(rnd: () => number, toks: readonly string[], maxTokens: number, pStar: number): string {
  const n = 1 + Math.floor(rnd() * maxTokens);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = rnd();
    if (i === n - 1 && x < 0.12) parts.push(">");
    else if (x < pStar) parts.push("*");
    else parts.push(toks[Math.floor(rnd() * toks.length)]!);
  }
  return parts.join(".");
}

/** Cumulative probabilities of the odd tokens in randomSubjectOf(): a token
 * is `*` if x < star, else `>` if x < fwc, else empty if x < empty. */
export interface OddTokens {
  star: number;
  fwc: number;
  empty?: number;
}

/** A random published subject of 1..maxTokens tokens from `toks`, with the
 * occasional `*`, `>` or empty token (see OddTokens). */
export function randomSubjectOf(rnd: () => number, toks: readonly string[], maxTokens: number, odd: OddTokens): string {
  const n = 1 + Math.floor(rnd() * maxTokens);
  const empty = odd.empty ?? odd.fwc;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = rnd();
    if (x < odd.star) parts.push("*");
    else if (x < odd.fwc) parts.push(">");
    else if (x < empty) parts.push("");
    else parts.push(toks[Math.floor(rnd() * toks.length)]!);
  }
  return parts.join(".");
}

export function describeSublistSuite(
  name: string,
  factory: () => Sublist<TSub>,
  opts: SuiteOptions,
): void {
  const cacheMax = opts.cacheMax ?? 1024;

  describe(`${name}: literal`, () => {
    test("matches exact subject only", () => {
      const sl = factory();
      const a = sub("foo.bar");
      sl.insert(a);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual([a.id]);
      expect(sl.match("foo").psubs.length).toBe(0);
      expect(sl.match("foo.bar.baz").psubs.length).toBe(0);
      expect(sl.match("foo.baz").psubs.length).toBe(0);
      expect(sl.match("Foo.bar").psubs.length).toBe(0); // case-sensitive
      expect(sl.count()).toBe(1);
    });

    test("single token and long subjects", () => {
      const sl = factory();
      const a = sub("foo");
      const long = Array.from({ length: 40 }, (_, i) => `t${i}`).join(".");
      const b = sub(long);
      sl.insert(a);
      sl.insert(b);
      expect(ids([...sl.match("foo").psubs])).toEqual([a.id]);
      expect(ids([...sl.match(long).psubs])).toEqual([b.id]);
    });

    test("tokens that merely contain wildcard characters are literal", () => {
      const sl = factory();
      const a = sub("foo*.bar");
      const b = sub("f>o.b*r");
      sl.insert(a);
      sl.insert(b);
      expect(ids([...sl.match("foo*.bar").psubs])).toEqual([a.id]);
      expect(sl.match("fooX.bar").psubs.length).toBe(0);
      expect(ids([...sl.match("f>o.b*r").psubs])).toEqual([b.id]);
      expect(sl.match("fXo.bar").psubs.length).toBe(0);
    });

    test("nothing matches an empty list or malformed subjects", () => {
      const sl = factory();
      expect(normalize(sl.match("foo"))).toEqual({ p: [], q: {} });
      sl.insert(sub(">"));
      sl.insert(sub("*"));
      for (const bad of ["", ".", "foo.", ".foo", "foo..bar"]) {
        const r = sl.match(bad);
        expect(r.psubs.length + r.qsubs.length).toBe(0);
      }
    });

    test("duplicate subjects from different subs are all returned", () => {
      const sl = factory();
      const a = sub("foo.bar");
      const b = sub("foo.bar");
      const c = sub("foo.bar");
      sl.insert(a);
      sl.insert(b);
      sl.insert(c);
      expect(sl.count()).toBe(3);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, b, c]));
      expect(sl.remove(b)).toBe(true);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, c]));
    });

    test("inserting the same sub object twice is a no-op", () => {
      const sl = factory();
      const a = sub("foo");
      sl.insert(a);
      sl.insert(a);
      expect(sl.count()).toBe(1);
      expect(sl.match("foo").psubs.length).toBe(1);
      expect(sl.remove(a)).toBe(true);
      expect(sl.remove(a)).toBe(false);
      expect(sl.count()).toBe(0);
    });
  });

  describe(`${name}: wildcards`, () => {
    test("* matches exactly one token", () => {
      const sl = factory();
      const a = sub("foo.*");
      const b = sub("*.bar");
      const c = sub("*");
      const d = sub("foo.*.baz");
      for (const s of [a, b, c, d]) sl.insert(s);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, b]));
      expect(ids([...sl.match("foo.baz").psubs])).toEqual(ids([a]));
      expect(ids([...sl.match("foo").psubs])).toEqual(ids([c]));
      expect(ids([...sl.match("foo.x.baz").psubs])).toEqual(ids([d]));
      expect(sl.match("foo.bar.baz.x").psubs.length).toBe(0);
      expect(sl.match("x.y.z").psubs.length).toBe(0);
    });

    test("> matches one or more trailing tokens", () => {
      const sl = factory();
      const a = sub("foo.>");
      const b = sub(">");
      const c = sub("foo.bar.>");
      for (const s of [a, b, c]) sl.insert(s);
      expect(ids([...sl.match("foo").psubs])).toEqual(ids([b])); // foo.> does not match foo
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, b]));
      expect(ids([...sl.match("foo.bar.baz").psubs])).toEqual(ids([a, b, c]));
      expect(ids([...sl.match("foo.bar.baz.1.2.3").psubs])).toEqual(ids([a, b, c]));
      expect(ids([...sl.match("bar.foo").psubs])).toEqual(ids([b]));
    });

    test("mixed wildcards and literals", () => {
      const sl = factory();
      const subs = {
        lit: sub("a.b.c"),
        p1: sub("a.*.c"),
        p2: sub("*.b.*"),
        p3: sub("*.*.*"),
        f1: sub("a.>"),
        f2: sub("*.b.>"),
        f3: sub("a.*.>"),
        none1: sub("a.b"),
        none2: sub("a.b.c.d"),
        none3: sub("a.*.d"),
        none4: sub("b.>"),
      };
      for (const s of Object.values(subs)) sl.insert(s);
      const want = [subs.lit, subs.p1, subs.p2, subs.p3, subs.f1, subs.f2, subs.f3];
      expect(ids([...sl.match("a.b.c").psubs])).toEqual(ids(want));
      expect(ids([...sl.match("a.b.c.d").psubs])).toEqual(ids([subs.none2, subs.f1, subs.f2, subs.f3]));
      expect(ids([...sl.match("a.x.d").psubs])).toEqual(ids([subs.none3, subs.p3, subs.f1, subs.f3]));
    });

    test("wildcard tokens in a published subject are matched literally", () => {
      // Non-pedantic clients may publish to `foo.*`; Go's trie then returns the
      // subs whose own token there is a wildcard (or a trailing `>`).
      const sl = factory();
      const a = sub("foo.*");
      const b = sub("foo.>");
      const c = sub(">");
      const d = sub("foo.bar");
      const e = sub("*.*");
      for (const s of [a, b, c, d, e]) sl.insert(s);
      expect(ids([...sl.match("foo.*").psubs])).toEqual(ids([a, b, c, e]));
      expect(ids([...sl.match("foo.>").psubs])).toEqual(ids([a, b, c, e]));
    });
  });

  describe(`${name}: queues`, () => {
    test("queue subs with the same name form one group", () => {
      const sl = factory();
      const q1 = sub("foo", "workers");
      const q2 = sub("foo", "workers");
      const q3 = sub("foo", "workers");
      for (const s of [q1, q2, q3]) sl.insert(s);
      const r = sl.match("foo");
      expect(r.psubs.length).toBe(0);
      expect(r.qsubs.length).toBe(1);
      expect(normalize(r).q).toEqual({ workers: ids([q1, q2, q3]) });
    });

    test("different queue names are different groups; plain subs unaffected", () => {
      const sl = factory();
      const p1 = sub("foo");
      const p2 = sub("foo");
      const a1 = sub("foo", "a");
      const a2 = sub("foo", "a");
      const b1 = sub("foo", "b");
      for (const s of [p1, a1, b1, p2, a2]) sl.insert(s);
      const r = sl.match("foo");
      expect(r.qsubs.length).toBe(2);
      expect(normalize(r)).toEqual({ p: ids([p1, p2]), q: { a: ids([a1, a2]), b: ids([b1]) } });
    });

    test("queue groups across wildcard and literal patterns (Go groups by queue name)", () => {
      const sl = factory();
      const lit = sub("foo.bar", "q");
      const pwc = sub("foo.*", "q");
      const fwc = sub("foo.>", "q");
      const other = sub("foo.*", "r");
      for (const s of [lit, pwc, fwc, other]) sl.insert(s);
      // one group per queue name, regardless of which pattern matched
      expect(normalize(sl.match("foo.bar")).q).toEqual({ q: ids([lit, pwc, fwc]), r: ids([other]) });
      expect(normalize(sl.match("foo.baz")).q).toEqual({ q: ids([pwc, fwc]), r: ids([other]) });
      expect(normalize(sl.match("foo.baz.x")).q).toEqual({ q: ids([fwc]) });
    });

    test("removing queue members shrinks and finally drops the group", () => {
      const sl = factory();
      const q1 = sub("foo", "g");
      const q2 = sub("foo", "g");
      sl.insert(q1);
      sl.insert(q2);
      expect(normalize(sl.match("foo")).q).toEqual({ g: ids([q1, q2]) });
      expect(sl.remove(q1)).toBe(true);
      expect(normalize(sl.match("foo")).q).toEqual({ g: ids([q2]) });
      expect(sl.remove(q2)).toBe(true);
      const r = sl.match("foo");
      expect(r.qsubs.length).toBe(0);
      expect(sl.count()).toBe(0);
    });

    test("a queue sub is not removed via a plain sub and vice versa", () => {
      const sl = factory();
      const q = sub("foo", "g");
      const p = sub("foo");
      sl.insert(q);
      expect(sl.remove(p)).toBe(false);
      expect(sl.remove(sub("foo", "g"))).toBe(false);
      expect(sl.remove(sub("foo", "h"))).toBe(false);
      expect(sl.count()).toBe(1);
      expect(sl.remove(q)).toBe(true);
    });
  });

  describe(`${name}: removal`, () => {
    test("remove returns true once, then false", () => {
      const sl = factory();
      const a = sub("foo.bar");
      sl.insert(a);
      expect(sl.remove(a)).toBe(true);
      expect(sl.remove(a)).toBe(false);
      expect(sl.count()).toBe(0);
      expect(sl.match("foo.bar").psubs.length).toBe(0);
    });

    test("removing an unknown sub returns false and changes nothing", () => {
      const sl = factory();
      const a = sub("foo.bar");
      sl.insert(a);
      expect(sl.remove(sub("foo.bar"))).toBe(false); // same subject, different object
      expect(sl.remove(sub("foo.baz"))).toBe(false);
      expect(sl.remove(sub("foo"))).toBe(false);
      expect(sl.remove(sub("foo.bar.baz"))).toBe(false);
      expect(sl.remove(sub("foo.*"))).toBe(false);
      expect(sl.remove(sub(">"))).toBe(false);
      expect(sl.count()).toBe(1);
      expect(sl.stats().numRemoves).toBe(0);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual([a.id]);
    });

    test("removing a prefix subscription keeps deeper ones", () => {
      const sl = factory();
      const a = sub("foo");
      const b = sub("foo.bar");
      const c = sub("foo.bar.baz");
      for (const s of [a, b, c]) sl.insert(s);
      expect(sl.remove(b)).toBe(true);
      expect(ids([...sl.match("foo").psubs])).toEqual([a.id]);
      expect(ids([...sl.match("foo.bar.baz").psubs])).toEqual([c.id]);
      expect(sl.remove(a)).toBe(true);
      expect(ids([...sl.match("foo.bar.baz").psubs])).toEqual([c.id]);
      expect(sl.remove(c)).toBe(true);
      expect(sl.count()).toBe(0);
    });

    test("wildcard removal", () => {
      const sl = factory();
      const a = sub("foo.*");
      const b = sub("foo.>");
      const c = sub("*.>");
      for (const s of [a, b, c]) sl.insert(s);
      expect(sl.remove(b)).toBe(true);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, c]));
      expect(sl.remove(a)).toBe(true);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([c]));
      expect(sl.remove(c)).toBe(true);
      expect(sl.match("foo.bar").psubs.length).toBe(0);
    });

    test("many subs on one node: removal order does not matter", () => {
      const sl = factory();
      const subs = Array.from({ length: 200 }, () => sub("x.y"));
      for (const s of subs) sl.insert(s);
      const rnd = prng(7);
      const order = subs.slice().sort(() => rnd() - 0.5);
      const live = new Set(subs);
      for (let i = 0; i < order.length; i++) {
        expect(sl.remove(order[i]!)).toBe(true);
        live.delete(order[i]!);
        if (i % 37 === 0) expect(ids([...sl.match("x.y").psubs])).toEqual(ids([...live]));
      }
      expect(sl.count()).toBe(0);
    });
  });

  describe(`${name}: result sharing and cache coherence`, () => {
    test("insert after match is visible (literal, *, >, queue)", () => {
      const sl = factory();
      expect(sl.match("foo.bar").psubs.length).toBe(0);
      const a = sub("foo.bar");
      sl.insert(a);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual([a.id]);
      const b = sub("foo.*");
      sl.insert(b);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, b]));
      const c = sub(">");
      sl.insert(c);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual(ids([a, b, c]));
      const q = sub("foo.bar", "g");
      sl.insert(q);
      const q2 = sub("*.bar", "g");
      sl.insert(q2);
      expect(normalize(sl.match("foo.bar"))).toEqual({ p: ids([a, b, c]), q: { g: ids([q, q2]) } });
    });

    test("remove after match disappears (literal, *, >, queue)", () => {
      const sl = factory();
      const a = sub("foo.bar");
      const b = sub("foo.*");
      const c = sub(">");
      const q = sub("*.bar", "g");
      for (const s of [a, b, c, q]) sl.insert(s);
      expect(normalize(sl.match("foo.bar"))).toEqual({ p: ids([a, b, c]), q: { g: [q.id] } });
      sl.remove(q);
      expect(normalize(sl.match("foo.bar"))).toEqual({ p: ids([a, b, c]), q: {} });
      sl.remove(b);
      expect(normalize(sl.match("foo.bar"))).toEqual({ p: ids([a, c]), q: {} });
      sl.remove(c);
      expect(normalize(sl.match("foo.bar"))).toEqual({ p: ids([a]), q: {} });
      sl.remove(a);
      expect(normalize(sl.match("foo.bar"))).toEqual({ p: [], q: {} });
    });

    test("unrelated inserts and removes leave other results correct", () => {
      const sl = factory();
      const a = sub("foo.bar");
      sl.insert(a);
      expect(sl.match("foo.bar").psubs.length).toBe(1);
      const x = sub("baz.*");
      const y = sub("foo.baz");
      sl.insert(x);
      sl.insert(y);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual([a.id]);
      sl.remove(x);
      sl.remove(y);
      expect(ids([...sl.match("foo.bar").psubs])).toEqual([a.id]);
    });

    test("results already handed out are not mutated by later changes", () => {
      const sl = factory();
      const a = sub("foo");
      const q = sub("foo", "g");
      sl.insert(a);
      sl.insert(q);
      const r1 = sl.match("foo");
      const snap = normalize(r1);
      const b = sub("foo");
      const q2 = sub("foo", "g");
      const w = sub(">");
      sl.insert(b);
      sl.insert(q2);
      sl.insert(w);
      sl.remove(a);
      expect(normalize(r1)).toEqual(snap);
      expect(normalize(sl.match("foo"))).toEqual({ p: ids([b, w]), q: { g: ids([q, q2]) } });
    });

    test("repeated match of the same subject is stable", () => {
      const sl = factory();
      const a = sub("a.b");
      const b = sub("a.*");
      sl.insert(a);
      sl.insert(b);
      const first = normalize(sl.match("a.b"));
      for (let i = 0; i < 10; i++) expect(normalize(sl.match("a.b"))).toEqual(first);
    });

    if (opts.cached) {
      test("cache hit returns the identical result object", () => {
        const sl = factory();
        sl.insert(sub("foo.*"));
        const r1 = sl.match("foo.bar");
        const r2 = sl.match("foo.bar");
        expect(r2).toBe(r1);
      });

      test("cache stays bounded under 100k distinct subjects", () => {
        const sl = factory();
        const w = sub("device.*.temp");
        sl.insert(w);
        for (let i = 0; i < 100_000; i++) {
          const r = sl.match(`device.${i}.temp`);
          if (r.psubs.length !== 1) throw new Error(`bad result at ${i}`);
          if (i % 1000 === 0) expect(sl.stats().numCache).toBeLessThanOrEqual(cacheMax);
        }
        expect(sl.stats().numCache).toBeLessThanOrEqual(cacheMax);
        expect(sl.stats().numCache).toBeGreaterThan(0);
        // still coherent after many evictions
        sl.remove(w);
        expect(sl.match("device.99999.temp").psubs.length).toBe(0);
        expect(sl.match("device.5.temp").psubs.length).toBe(0);
      });
    }
  });

  describe(`${name}: stats`, () => {
    test("counts inserts, removes, matches and subs", () => {
      const sl = factory();
      const s0 = sl.stats();
      expect(s0).toEqual({
        numSubs: 0,
        numCache: 0,
        numInserts: 0,
        numRemoves: 0,
        numMatches: 0,
        cacheHitRate: 0,
        maxFanout: 0,
        avgFanout: 0,
      });
      const a = sub("foo");
      const b = sub("foo.*");
      const c = sub("foo.bar");
      const q1 = sub("foo.bar", "g");
      const q2 = sub("foo.bar", "g");
      for (const s of [a, b, c, q1, q2]) sl.insert(s);
      sl.remove(a);
      sl.remove(a); // not found: not counted
      const st = sl.stats();
      expect(st.numSubs).toBe(4);
      expect(st.numInserts).toBe(5);
      expect(st.numRemoves).toBe(1);
      expect(sl.count()).toBe(4);
      sl.match("foo.bar");
      sl.match("foo.bar");
      sl.match("foo.baz");
      sl.match("foo.bar");
      const st2 = sl.stats();
      expect(st2.numMatches).toBe(4);
      if (opts.cached) {
        // foo.bar: 2 psubs + 1 queue group = 3; foo.baz: 1
        expect(st2.numCache).toBe(2);
        expect(st2.cacheHitRate).toBeCloseTo(2 / 4, 10);
        expect(st2.maxFanout).toBe(3);
        expect(st2.avgFanout).toBeCloseTo(2, 10);
      } else {
        expect(st2.numCache).toBe(0);
        expect(st2.cacheHitRate).toBe(0);
        expect(st2.maxFanout).toBe(0);
        expect(st2.avgFanout).toBe(0);
      }
    });
  });

  describe(`${name}: randomized against a brute-force matcher`, () => {
    const toks = ["a", "b", "c", "dd"];
    const queues = ["q1", "q2", "q3"];
    const randomPattern = (rnd: () => number) => randomPatternOf(rnd, toks, 4, 0.3);
    // occasionally a wildcard-looking token, as a non-pedantic publisher may send
    const randomSubject = (rnd: () => number) => randomSubjectOf(rnd, toks, 5, { star: 0.03, fwc: 0.05 });

    for (const seed of [1, 2, 3, 42, 1234]) {
      test(`seed ${seed}: 6000 random subscribe/unsubscribe/match operations`, () => {
        const rnd = prng(seed);
        const sl = factory();
        const live: TSub[] = [];
        const removed: TSub[] = [];
        const seen = new Set<string>();
        let matches = 0;
        for (let op = 0; op < 6000; op++) {
          const x = rnd();
          if (x < 0.35) {
            const s = sub(randomPattern(rnd), rnd() < 0.4 ? queues[Math.floor(rnd() * queues.length)]! : null);
            sl.insert(s);
            live.push(s);
          } else if (x < 0.6) {
            if (live.length > 0 && rnd() < 0.85) {
              const s = takeRandom(live, rnd);
              expect(sl.remove(s)).toBe(true);
              removed.push(s);
            } else if (removed.length > 0 && rnd() < 0.5) {
              expect(sl.remove(removed[Math.floor(rnd() * removed.length)]!)).toBe(false);
            } else {
              expect(sl.remove(sub(randomPattern(rnd)))).toBe(false);
            }
          } else {
            const subject = randomSubject(rnd);
            seen.add(subject);
            matches++;
            const got = normalize(sl.match(subject));
            const want = bruteMatch(live, subject);
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              throw new Error(
                `mismatch for ${subject} at op ${op}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}\n` +
                  `live: ${live.map(String).join(", ")}`,
              );
            }
          }
          expect(sl.count()).toBe(live.length);
          // Periodically re-check every subject seen so far (mostly cache hits).
          if (op % 1500 === 1499) {
            for (const subject of seen) {
              matches++;
              const got = JSON.stringify(normalize(sl.match(subject)));
              const want = JSON.stringify(bruteMatch(live, subject));
              if (got !== want) throw new Error(`recheck mismatch for ${subject}: got ${got} want ${want}`);
            }
          }
        }
        expect(sl.stats().numMatches).toBe(matches);
        // drain everything: the index ends empty
        for (const s of live) expect(sl.remove(s)).toBe(true);
        expect(sl.count()).toBe(0);
        for (const subject of seen) {
          const r = sl.match(subject);
          expect(r.psubs.length + r.qsubs.length).toBe(0);
        }
      });
    }
  });
}
