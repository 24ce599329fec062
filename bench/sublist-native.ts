// Native (C via bun:ffi) vs TypeScript subject trie: `bun bench/sublist-native.ts`
// (needs native/build/: `bun build.ts` or `bun native/build.ts`).
//
// Same 20,000 subscriptions as bench/sublist.ts (10k literal, 10k wildcard
// incl. queue subs, one `>`). Prints matches/sec for each trie with the
// match cache on (hits: no FFI at all for native) and off (one FFI call per
// match), for literal and wildcard subjects, for a high-cardinality stream
// (every subject distinct: miss + cache churn), and for a fan-out case where
// each match returns ~1,000 subscriptions.
//
// Each (case, trie) pair runs in its own process (this script re-run with
// `--one <case> <ts|native>`), so that neither trie's measurement is skewed
// by call sites the other one made polymorphic in the same JIT.

import { TrieSublist } from "../src/sublist/trie.ts";
import { NativeSublist, nativeSublistStatus } from "../src/sublist/native.ts";
import type { SubLike, Sublist } from "../src/sublist/types.ts";

class Sub implements SubLike {
  constructor(
    readonly subject: string,
    readonly queue: string | null = null,
  ) {}
}

function populate(sl: Sublist<Sub>): void {
  for (let i = 0; i < 10_000; i++) sl.insert(new Sub(`orders.${i}.created`));
  for (let i = 0; i < 5_000; i++) sl.insert(new Sub(`sensor.${i}.*`, i % 4 === 0 ? "workers" : null));
  for (let i = 0; i < 4_990; i++) sl.insert(new Sub(`sensor.*.${i}`));
  for (let i = 0; i < 9; i++) sl.insert(new Sub(`sensor.${i}.>`));
  sl.insert(new Sub(">"));
}

function rate(sl: Sublist<Sub>, subjects: string[], iterations: number): number {
  let sink = 0;
  const n = subjects.length;
  for (let i = 0; i < Math.min(iterations, 200_000); i++) {
    const r = sl.match(subjects[i % n]!);
    sink += r.psubs.length + r.qsubs.length;
  }
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < iterations; i++) {
      const r = sl.match(subjects[i % n]!);
      sink += r.psubs.length + r.qsubs.length;
    }
    rates.push(iterations / ((Bun.nanoseconds() - t0) / 1e9));
  }
  if (sink < 0) console.log(sink);
  return rates.sort((a, b) => a - b)[1]!; // median of 3
}

const litHot = Array.from({ length: 500 }, (_, i) => `orders.${i * 17}.created`);
const wcHot = Array.from({ length: 500 }, (_, i) => `sensor.${(i * 7) % 5000}.${(i * 13) % 4990}`);
const litAll = Array.from({ length: 10_000 }, (_, i) => `orders.${i}.created`);
const wcAll = Array.from({ length: 10_000 }, (_, i) => `sensor.${(i * 7) % 5000}.${(i * 13) % 4990}`);
const distinct = () => Array.from({ length: 1_000_000 }, (_, i) => `sensor.${i % 5000}.x${i}`);
const fanSubjects = Array.from({ length: 1000 }, (_, i) => `fan.${i}.out`);

interface Case {
  label: string;
  cache: boolean;
  /** 1,000 extra subs on `fan.*.out` (half plain, half in 10 queue groups). */
  fan?: boolean;
  subjects: () => string[];
  iterations: number;
}
const cases: Case[] = [
  { label: "literal, cache on (hits)", cache: true, subjects: () => litHot, iterations: 5_000_000 },
  { label: "wildcard, cache on (hits)", cache: true, subjects: () => wcHot, iterations: 5_000_000 },
  { label: "literal, cache off", cache: false, subjects: () => litAll, iterations: 2_000_000 },
  { label: "wildcard, cache off", cache: false, subjects: () => wcAll, iterations: 2_000_000 },
  { label: "all-distinct subjects, cache on", cache: true, subjects: distinct, iterations: 1_000_000 },
  { label: "all-distinct subjects, cache off", cache: false, subjects: distinct, iterations: 1_000_000 },
  { label: "fan-out ~1000/match, cache off", cache: false, fan: true, subjects: () => fanSubjects, iterations: 100_000 },
];

function runOne(c: Case, impl: "ts" | "native"): number {
  const sl: Sublist<Sub> =
    impl === "native" ? new NativeSublist<Sub>({ cache: c.cache }) : new TrieSublist<Sub>({ cache: c.cache });
  populate(sl);
  if (c.fan) for (let i = 0; i < 1000; i++) sl.insert(new Sub("fan.*.out", i % 2 ? `g${i % 10}` : null));
  return rate(sl, c.subjects(), c.iterations);
}

const argv = process.argv.slice(2);
if (argv[0] === "--one") {
  const c = cases[Number(argv[1])]!;
  console.log(String(runOne(c, argv[2] as "ts" | "native")));
  process.exit(0);
}

const st = nativeSublistStatus();
if (!st.loaded) {
  console.error(`native trie unavailable: ${st.reason}`);
  process.exit(1);
}
console.log(`native library: ${st.path}`);
console.log(`subscriptions: 20,000 (+1,000 for fan-out); median of 3 rounds, one process per cell\n`);

function child(i: number, impl: string): number {
  const r = Bun.spawnSync([process.execPath, import.meta.path, "--one", String(i), impl], {
    stdout: "pipe",
    stderr: "inherit",
  });
  if (r.exitCode !== 0) throw new Error(`bench child failed: case ${i} ${impl}`);
  return Number(r.stdout.toString().trim());
}

const fmt = (r: number) => Math.round(r).toLocaleString("en-US").padStart(12);
console.log(`${"case".padEnd(34)} ${"TS matches/s".padStart(12)} ${"native m/s".padStart(12)}  native/TS`);
for (let i = 0; i < cases.length; i++) {
  const t = child(i, "ts");
  const n = child(i, "native");
  console.log(
    `${cases[i]!.label.padEnd(34)} ${fmt(t)} ${fmt(n)}  ${(n / t).toFixed(2)}x  (${(1e9 / t).toFixed(0)} vs ${(1e9 / n).toFixed(0)} ns/match)`,
  );
}
