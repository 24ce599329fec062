// Micro-benchmark for the subject index, both tries side by side:
//   bun bench/sublist.ts            TypeScript trie, and the native (C via
//                                   bun:ffi) one when native/build/ is there
//   bun bench/sublist.ts ts         TypeScript trie only
//   bun bench/sublist.ts native     native trie only (fails if unavailable)
//
// 20,000 subscriptions (10k literal, 10k wildcard incl. queue subs, one `>`).
// Prints matches/sec with the match cache on (hits: a Map lookup, no trie
// walk and, for native, no FFI call) and off (one trie walk / FFI call per
// match), for literal and wildcard subjects, for cache hits on subjects
// freshly decoded from bytes as the protocol parser makes them, for a
// high-cardinality stream (every subject distinct: miss + cache churn), for
// a fan-out case where each match returns ~1,000 subscriptions, and for cache
// hits while the other trie is live in the same process (as in the server,
// where accounts use one trie and permissions the TypeScript one).
//
// Each (case, trie) cell runs in its own process (this script re-run with
// `--one <case> <ts|native>`), so that neither trie's measurement is skewed
// by call sites the other one made polymorphic in the same JIT (except in
// the "both tries live" case, which measures exactly that).

import { TrieSublist } from "../src/sublist/trie.ts";
import { NativeSublist, nativeSublistStatus } from "../src/sublist/native.ts";
import type { SubLike, Sublist } from "../src/sublist/types.ts";

type Impl = "ts" | "native";

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

/** Median of 3 rounds of `iterations` matches over `subjects` (after a warm-up). */
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
  return rates.sort((a, b) => a - b)[1]!;
}

/** As rate(), but each subject string is freshly decoded from bytes, as the
 * protocol parser produces them (the Map lookup must hash the new string). */
function rateDecoded(sl: Sublist<Sub>, subjects: string[], iterations: number): number {
  const buf = Buffer.from(subjects.join(" "), "latin1");
  const bounds: number[] = [];
  let pos = 0;
  for (const s of subjects) {
    bounds.push(pos, pos + s.length);
    pos += s.length + 1;
  }
  const n = subjects.length;
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 200_000); i++) {
    const j = (i % n) * 2;
    sink += sl.match(buf.toString("latin1", bounds[j]!, bounds[j + 1]!)).psubs.length;
  }
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < iterations; i++) {
      const j = (i % n) * 2;
      sink += sl.match(buf.toString("latin1", bounds[j]!, bounds[j + 1]!)).psubs.length;
    }
    rates.push(iterations / ((Bun.nanoseconds() - t0) / 1e9));
  }
  if (sink < 0) console.log(sink);
  return rates.sort((a, b) => a - b)[1]!;
}

// Hot sets small enough to stay in the cache; larger working sets for the
// uncached walk.
const litHot = Array.from({ length: 500 }, (_, i) => `orders.${i * 17}.created`);
const wcHot = Array.from({ length: 500 }, (_, i) => `sensor.${(i * 7) % 5000}.${(i * 13) % 4990}`);
const litAll = Array.from({ length: 10_000 }, (_, i) => `orders.${i}.created`);
const wcAll = Array.from({ length: 10_000 }, (_, i) => `sensor.${(i * 7) % 5000}.${(i * 13) % 4990}`);
const distinct = () => Array.from({ length: 1_000_000 }, (_, i) => `sensor.${i % 5000}.x${i}`);
const fanSubjects = Array.from({ length: 1000 }, (_, i) => `fan.${i}.out`);

interface Case {
  label: string;
  cache: boolean;
  subjects: () => string[];
  iterations: number;
  /** 1,000 extra subs on `fan.*.out` (half plain, half in 10 queue groups). */
  fan?: boolean;
  /** Subjects decoded from bytes per call (rateDecoded). */
  decode?: boolean;
  /** The other trie populated and matched in the same process first. */
  both?: boolean;
}
const cases: Case[] = [
  { label: "literal, cache on (hits)", cache: true, subjects: () => litHot, iterations: 5_000_000 },
  { label: "wildcard, cache on (hits)", cache: true, subjects: () => wcHot, iterations: 5_000_000 },
  { label: "literal, hits, both tries live", cache: true, both: true, subjects: () => litHot, iterations: 5_000_000 },
  { label: "literal, hits, subject decoded", cache: true, decode: true, subjects: () => litHot, iterations: 3_000_000 },
  { label: "literal, cache off", cache: false, subjects: () => litAll, iterations: 2_000_000 },
  { label: "wildcard, cache off", cache: false, subjects: () => wcAll, iterations: 2_000_000 },
  { label: "all-distinct subjects, cache on", cache: true, subjects: distinct, iterations: 1_000_000 },
  { label: "all-distinct subjects, cache off", cache: false, subjects: distinct, iterations: 1_000_000 },
  { label: "fan-out ~1000/match, cache off", cache: false, fan: true, subjects: () => fanSubjects, iterations: 100_000 },
];

function make(impl: Impl, cache: boolean): Sublist<Sub> {
  return impl === "native" ? new NativeSublist<Sub>({ cache }) : new TrieSublist<Sub>({ cache });
}

function runOne(c: Case, impl: Impl): number {
  if (c.both) {
    // the other trie: populated, matched with and without its cache
    const other: Impl = impl === "native" ? "ts" : "native";
    for (const cache of [true, false]) {
      const o = make(other, cache);
      populate(o);
      rate(o, cache ? wcHot : litAll, 200_000);
    }
  }
  const sl = make(impl, c.cache);
  populate(sl);
  if (c.fan) for (let i = 0; i < 1000; i++) sl.insert(new Sub("fan.*.out", i % 2 ? `g${i % 10}` : null));
  return (c.decode ? rateDecoded : rate)(sl, c.subjects(), c.iterations);
}

const argv = process.argv.slice(2);
if (argv[0] === "--one") {
  console.log(String(runOne(cases[Number(argv[1])]!, argv[2] as Impl)));
  process.exit(0);
}

const only = argv[0];
if (only !== undefined && only !== "ts" && only !== "native") {
  console.error("usage: bun bench/sublist.ts [ts|native]");
  process.exit(2);
}
const st = nativeSublistStatus();
if (only === "native" && !st.loaded) {
  console.error(`native trie unavailable: ${st.reason}`);
  process.exit(1);
}
const impls: Impl[] = only !== undefined ? [only] : st.loaded ? ["ts", "native"] : ["ts"];
console.log(st.loaded ? `native library: ${st.path}` : `native trie unavailable: ${st.reason}`);
console.log(`subscriptions: 20,000 (+1,000 for fan-out); median of 3 rounds, one process per cell\n`);

function child(i: number, impl: Impl): number {
  const r = Bun.spawnSync([process.execPath, import.meta.path, "--one", String(i), impl], {
    stdout: "pipe",
    stderr: "inherit",
  });
  if (r.exitCode !== 0) throw new Error(`bench child failed: case ${i} ${impl}`);
  return Number(r.stdout.toString().trim());
}

const fmt = (r: number) => `${Math.round(r).toLocaleString("en-US").padStart(12)} ${`(${(1e9 / r).toFixed(0)} ns)`.padStart(9)}`;
const head = impls.map((impl) => `${impl === "ts" ? "TS" : "native"} matches/s`.padStart(22)).join(" ");
console.log(`${"case".padEnd(34)} ${head}${impls.length === 2 ? "  native/TS" : ""}`);
for (let i = 0; i < cases.length; i++) {
  if (cases[i]!.both && !st.loaded) continue; // needs both tries
  const r = impls.map((impl) => child(i, impl));
  const ratio = r.length === 2 ? `  ${(r[1]! / r[0]!).toFixed(2)}x` : "";
  console.log(`${cases[i]!.label.padEnd(34)} ${r.map(fmt).join(" ")}${ratio}`);
}
