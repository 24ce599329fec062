// The native (C via bun:ffi) trie: the shared suite, a randomized cross-check
// against the TypeScript trie, C-side memory accounting, scale, and the
// library loader's fallbacks. Needs native/build/ (bun build.ts or
// bun native/build.ts); without it only the "unavailable" checks run.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  NativeSublist,
  extractNativeLibrary,
  loadNativeSublist,
  nativeSublistStatus,
  openNativeLibrary,
  resolveNativeLibrary,
} from "../../src/sublist/native.ts";
import { TrieSublist } from "../../src/sublist/trie.ts";
import { createSublist, describeSublistImpl } from "../../src/sublist/index.ts";
import type { SublistResult } from "../../src/sublist/types.ts";
import {
  bruteMatch,
  describeSublistSuite,
  normalize,
  prng,
  randomPatternOf,
  randomSubjectOf,
  sub,
  takeRandom,
  type TSub,
} from "./suite.ts";
import { describeCachedSublistSuite } from "./cached-suite.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const LIB = `${ROOT}native/build/libsublist-${process.platform}-${process.arch}.so`;
const EMBED = `${ROOT}native/build/embed.ts`;
/** Built (and not disabled with NATS_BUN_NATIVE=off). */
const built = existsSync(LIB) && existsSync(EMBED) && readFileSync(EMBED, "utf8").includes("import p from");
const available = loadNativeSublist() !== null;

test("native library status", () => {
  const st = nativeSublistStatus();
  if (built) {
    // built: it must load in this environment
    expect(st).toEqual({ loaded: true, path: LIB });
  } else {
    expect(st.loaded).toBe(false);
    expect(st.reason).toMatch(/not built|NATS_BUN_NATIVE=off/);
  }
});

describe.skipIf(!available)("NativeSublist", () => {
  describeSublistSuite("NativeSublist (cache)", () => new NativeSublist<TSub>(), { cached: true });
  describeSublistSuite("NativeSublist (no cache)", () => new NativeSublist<TSub>({ cache: false }), { cached: false });
  describeSublistSuite("NativeSublist (cache max 4)", () => new NativeSublist<TSub>({ cacheMax: 4 }), {
    cached: true,
    cacheMax: 4,
  });
  describeSublistSuite("createSublist({impl:'native'})", () => createSublist<TSub>({ impl: "native" }), {
    cached: true,
  });

  describeCachedSublistSuite("NativeSublist", (opts) => new NativeSublist<TSub>(opts), {
    footprint: (sl) => {
      const d = sl.debug();
      return { nodes: d.nodes, queueNames: d.queueNames, heapBlocks: d.heapBlocks };
    },
    dispose: (sl) => sl.close(),
  });

  describe("NativeSublist specifics", () => {
    test("emptying the trie frees all C memory", () => {
      const sl = new NativeSublist<TSub>();
      const base = sl.debug().heapBlocks;
      const subs = [sub("foo.bar.baz"), sub("foo.*.baz"), sub("foo.>"), sub("foo.bar.baz", "q")];
      for (const s of subs) sl.insert(s);
      expect(sl.debug()).toMatchObject({ nodes: 6, levels: 3, queueNames: 1, groups: 1, subs: 4 });
      sl.remove(subs[3]!);
      expect(sl.debug()).toMatchObject({ nodes: 6, queueNames: 0, groups: 0, subs: 3 });
      for (const s of subs.slice(0, 3)) sl.remove(s);
      expect(sl.debug()).toMatchObject({ nodes: 0, levels: 0, queueNames: 0, groups: 0, subs: 0 });
      // scratch buffers grown by matching stay, everything else is gone
      sl.match("x.y.z");
      expect(sl.debug().heapBlocks).toBe(base + 5);
      sl.close();
    });

    test("ids are reused: the id table does not grow with churn", () => {
      const sl = new NativeSublist<TSub>({ cache: false });
      const live: TSub[] = [];
      for (let i = 0; i < 100; i++) {
        const s = sub(`a.${i}`);
        sl.insert(s);
        live.push(s);
      }
      for (let round = 0; round < 50; round++) {
        for (const s of live.splice(0, 50)) sl.remove(s);
        for (let i = 0; i < 50; i++) {
          const s = sub(`b.${round}.${i}`, i % 2 ? "q" : null);
          sl.insert(s);
          live.push(s);
        }
      }
      expect((sl as unknown as { subs: unknown[] }).subs.length).toBe(100);
      for (const s of live) {
        const r = normalize(sl.match(s.subject));
        expect(s.queue === null ? r.p : r.q[s.queue]).toEqual([s.id]);
      }
      sl.close();
    });

    test("a failed insert does not burn an id", () => {
      const sl = new NativeSublist<TSub>();
      expect(() => sl.insert(sub("foo..bar"))).toThrow("invalid subject");
      const a = sub("ok");
      sl.insert(a);
      expect((sl as unknown as { subs: unknown[] }).subs.length).toBe(1);
      sl.close();
    });

    test("results bigger than the out buffer (grow and retry)", () => {
      const sl = new NativeSublist<TSub>({ cache: false });
      const subs: TSub[] = [];
      for (let i = 0; i < 3000; i++) subs.push(sub(i % 3 === 0 ? "big.*" : "big.one"));
      for (let i = 0; i < 3000; i++) subs.push(sub(i % 2 ? "big.>" : "big.one", `g${i % 700}`));
      for (const s of subs) sl.insert(s);
      const got = normalize(sl.match("big.one"));
      expect(got).toEqual(bruteMatch(subs, "big.one"));
      expect(Object.keys(got.q).length).toBe(700);
      // smaller results still fine after the buffer grew
      expect(normalize(sl.match("big.two"))).toEqual(bruteMatch(subs, "big.two"));
      sl.close();
    });

    test("100k literal children under one node", () => {
      const sl = new NativeSublist<TSub>({ cache: false });
      const subs: TSub[] = [];
      for (let i = 0; i < 100_000; i++) {
        const s = sub(`dev.${i}.state`);
        subs.push(s);
        sl.insert(s);
      }
      expect(sl.numNodes()).toBe(1 + 2 * 100_000);
      const t0 = performance.now();
      for (let i = 0; i < 100_000; i++) {
        const r = sl.match(`dev.${i}.state`);
        if (r.psubs.length !== 1 || r.psubs[0] !== subs[i]) throw new Error(`bad match at ${i}`);
      }
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(2000); // O(1) child lookup; a linear scan would take minutes
      expect(sl.match("dev.100000.state").psubs.length).toBe(0);
      // remove every other one (shrinks and rehashes the child table as it goes)
      for (let i = 0; i < 100_000; i += 2) expect(sl.remove(subs[i]!)).toBe(true);
      for (let i = 0; i < 100_000; i += 997) {
        expect(sl.match(`dev.${i}.state`).psubs.length).toBe(i % 2);
      }
      for (let i = 1; i < 100_000; i += 2) sl.remove(subs[i]!);
      expect(sl.numNodes()).toBe(0);
      sl.close();
    });

    test("very deep subjects do not overflow any stack", () => {
      const sl = new NativeSublist<TSub>({ cache: false });
      const depth = 20_000;
      const lit = Array.from({ length: depth }, (_, i) => `t${i % 10}`).join(".");
      const stars = Array.from({ length: depth }, () => "*").join(".");
      const a = sub(lit);
      const b = sub(stars);
      const c = sub(`${stars.slice(0, -2)}.>`);
      for (const s of [a, b, c]) sl.insert(s);
      expect(normalize(sl.match(lit)).p).toEqual([a.id, b.id, c.id]);
      expect(sl.numLevels()).toBe(depth);
      for (const s of [a, b, c]) sl.remove(s);
      expect(sl.numNodes()).toBe(0);
      sl.close();
    });

    test("non-ASCII subjects (latin1 from the wire, and any UTF-16) stay distinct", () => {
      const nat = new NativeSublist<TSub>({ cache: false });
      const ts = new TrieSublist<TSub>({ cache: false });
      // "Ã©" (two latin1 chars) has the same bytes as the UTF-8 of "é"; lone
      // surrogates vs U+FFFD; a surrogate pair vs its halves.
      const tokens = ["é", "Ã©", "\u00ff", "\u0100", "\ud800", "\udc00", "\ufffd", "\ud83d\ude00", "\ud83d", "ü*", "x>"];
      const subs: TSub[] = [];
      for (const t of tokens) {
        for (const pat of [`a.${t}`, `a.${t}.*`, `${t}.>`]) {
          const s = sub(pat, subs.length % 3 === 0 ? t : null);
          subs.push(s);
          nat.insert(s);
          ts.insert(s);
        }
      }
      for (const t of tokens) {
        for (const subj of [`a.${t}`, `a.${t}.x`, `${t}.y`, `a.${t}${t}`]) {
          expect(normalize(nat.match(subj))).toEqual(normalize(ts.match(subj)));
        }
      }
      for (const s of subs) expect(nat.remove(s)).toBe(true);
      expect(nat.numNodes()).toBe(0);
      expect(nat.debug().queueNames).toBe(0);
      nat.close();
    });

    test("plain subs come out in the Go server's walk order", () => {
      // nats-server 2.9.10 delivers a.b to `*.b`, then `a.>`, then `a.*`
      // (transcript test "wildcards"): the `*` branch is walked first.
      const sl = new NativeSublist<TSub>({ cache: false });
      const s1 = sub("a.*");
      const s2 = sub("a.>");
      const s3 = sub("*.b");
      const s4 = sub("a.b.c");
      for (const s of [s1, s2, s3, s4]) sl.insert(s);
      expect(sl.match("a.b").psubs.map((s) => s.id)).toEqual([s3.id, s2.id, s1.id]);
      expect(sl.match("a.b.c").psubs.map((s) => s.id)).toEqual([s2.id, s4.id]);
      sl.close();
    });

    test("close() frees the trie; use afterwards throws", () => {
      const sl = new NativeSublist<TSub>({ cache: false });
      sl.insert(sub("a.b"));
      sl.close();
      sl.close(); // idempotent
      expect(() => sl.match("a.b")).toThrow("after close");
      expect(() => sl.insert(sub("x"))).toThrow("after close");
    });

    test("many tries collected without close() are freed by the finalizer", () => {
      // Just exercise the path: allocate and drop; a crash or leak-driven OOM fails.
      for (let i = 0; i < 2000; i++) {
        const sl = new NativeSublist<TSub>();
        sl.insert(sub(`x.${i}`));
        sl.match(`x.${i}`);
      }
      Bun.gc(true);
    });
  });

  describe("native vs TypeScript trie, randomized", () => {
    const toks = ["a", "b", "c", "dd", "eee", "f1", "g"];
    const queues = ["q1", "q2", "q3", "q4"];

    /** psub ids in result order; queue name -> member ids in result order. */
    function ordered(r: SublistResult<TSub>): { p: number[]; q: Record<string, number[]> } {
      normalize(r); // structural checks
      const q: Record<string, number[]> = {};
      for (const g of [...r.qsubs].sort((a, b) => (a[0]!.queue! < b[0]!.queue! ? -1 : 1))) {
        q[g[0]!.queue!] = g.map((x) => x.id);
      }
      return { p: r.psubs.map((x) => x.id), q };
    }

    const pattern = (rnd: () => number) => randomPatternOf(rnd, toks, 6, 0.28);
    const subject = (rnd: () => number) => randomSubjectOf(rnd, toks, 7, { star: 0.02, fwc: 0.04, empty: 0.05 });

    for (const [seed, cached] of [
      [11, true],
      [12, false],
      [13, true],
      [14, false],
      [99, true],
    ] as const) {
      test(`seed ${seed} (${cached ? "cache" : "no cache"}): 10000 random operations agree`, () => {
        const rnd = prng(seed);
        const nat = new NativeSublist<TSub>({ cache: cached });
        const ts = new TrieSublist<TSub>({ cache: cached });
        const live: TSub[] = [];
        let checks = 0;
        for (let op = 0; op < 10_000; op++) {
          const x = rnd();
          if (x < 0.4 || live.length === 0) {
            // sometimes many subs with the same pattern
            const p = live.length > 0 && rnd() < 0.1 ? live[Math.floor(rnd() * live.length)]!.subject : pattern(rnd);
            const s = sub(p, rnd() < 0.4 ? queues[Math.floor(rnd() * queues.length)]! : null);
            nat.insert(s);
            ts.insert(s);
            live.push(s);
          } else if (x < 0.65) {
            const s = takeRandom(live, rnd);
            expect(nat.remove(s)).toBe(true);
            expect(ts.remove(s)).toBe(true);
            expect(nat.remove(s)).toBe(false);
          } else {
            const subj = subject(rnd);
            // Same members, and the same order: plain subs in Go's walk order
            // (which the TS trie follows), queue members in order per group.
            const got = JSON.stringify(ordered(nat.match(subj)));
            const want = JSON.stringify(ordered(ts.match(subj)));
            if (got !== want) throw new Error(`op ${op}: ${subj}: native ${got} ts ${want}`);
            checks++;
          }
          if (op % 500 === 0) {
            expect(nat.count()).toBe(ts.count());
            expect(nat.numNodes()).toBe(ts.numNodes());
          }
        }
        expect(checks).toBeGreaterThan(2500);
        expect(nat.numLevels()).toBe(ts.numLevels());
        for (const s of live) expect(nat.remove(s)).toBe(true);
        expect(nat.debug()).toMatchObject({ nodes: 0, queueNames: 0, groups: 0, subs: 0 });
        nat.close();
      });
    }
  });
});

describe("native library loading", () => {
  test("createSublist picks native under auto, TS when asked", () => {
    const auto = createSublist<TSub>();
    const ts = createSublist<TSub>({ impl: "ts" });
    expect(ts).toBeInstanceOf(TrieSublist);
    if (available) {
      expect(auto).toBeInstanceOf(NativeSublist);
      expect(createSublist<TSub>({ impl: "native", cache: false })).toBeInstanceOf(NativeSublist);
      expect(describeSublistImpl()).toBe(`Using native subject trie (${nativeSublistStatus().path})`);
    } else {
      expect(auto).toBeInstanceOf(TrieSublist);
      expect(() => createSublist<TSub>({ impl: "native" })).toThrow("native subject trie unavailable");
      expect(describeSublistImpl()).toStartWith("Native subject trie unavailable (");
      expect(describeSublistImpl()).toEndWith("), using the TypeScript trie");
    }
    expect(describeSublistImpl("ts")).toBe("Using the TypeScript subject trie");
  });

  test("not built / disabled at build time", () => {
    expect(resolveNativeLibrary({ libPath: null }).status).toEqual({ loaded: false, reason: "native library not built" });
    expect(resolveNativeLibrary({ libPath: null, disabled: "off because" }).status.reason).toBe("off because");
  });

  test("built for another CPU", () => {
    const other = process.arch === "arm64" ? "x64" : "arm64";
    const r = resolveNativeLibrary({ libPath: LIB, platform: process.platform, arch: other });
    expect(r.lib).toBeNull();
    expect(r.status.reason).toContain(`built for ${process.platform}-${other}, running on`);
  });

  test("missing file: both dlopen and extraction fail, with reasons", () => {
    const r = resolveNativeLibrary({ libPath: "/nonexistent/libsublist.so" });
    expect(r.lib).toBeNull();
    expect(r.status.loaded).toBe(false);
    expect(r.status.reason).toContain("/nonexistent/libsublist.so");
    expect(r.status.reason).toContain("extracting to");
  });

  test("a file that is not a shared library", () => {
    const dir = mkdtempSync(join(tmpdir(), "sl-test-"));
    try {
      const bad = join(dir, "bad.so");
      writeFileSync(bad, "not an ELF file");
      expect("error" in openNativeLibrary(bad)).toBe(true);
      const r = resolveNativeLibrary({ libPath: bad });
      expect(r.lib).toBeNull();
      expect(r.status.reason).toContain("bad.so");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(!available)("extraction into a temp dir works and leaves nothing behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "sl-test-"));
    try {
      const r = extractNativeLibrary(LIB, dir);
      if (!("lib" in r)) throw new Error(r.error);
      expect(r.path.startsWith(dir)).toBe(true);
      expect(readdirSync(dir)).toEqual([]); // copy deleted after dlopen
      const sl = new NativeSublist<TSub>({ lib: r.lib });
      const a = sub("x.*");
      sl.insert(a);
      expect(normalize(sl.match("x.y")).p).toEqual([a.id]);
      sl.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(!available)("extraction into a missing temp dir fails cleanly", () => {
    const r = extractNativeLibrary(LIB, "/nonexistent-tmp-dir");
    expect("error" in r).toBe(true);
  });
});
