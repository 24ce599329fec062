// Micro-benchmark for the subject index: `bun bench/sublist.ts`
// Prints matches/sec with 20,000 subscriptions for literal and wildcard
// subjects, with the match cache on (hits) and off (trie walk every time),
// plus a high-cardinality case (every subject distinct: miss + cache churn).

import { TrieSublist } from "../src/sublist/trie.ts";
import type { SubLike, Sublist } from "../src/sublist/types.ts";

class Sub implements SubLike {
  constructor(
    readonly subject: string,
    readonly queue: string | null = null,
  ) {}
}

function populate(sl: Sublist<Sub>): void {
  // 10,000 literal subs, 10,000 wildcard subs (some queue subs), 20,000 total
  for (let i = 0; i < 10_000; i++) sl.insert(new Sub(`orders.${i}.created`));
  for (let i = 0; i < 5_000; i++) sl.insert(new Sub(`sensor.${i}.*`, i % 4 === 0 ? "workers" : null));
  for (let i = 0; i < 4_990; i++) sl.insert(new Sub(`sensor.*.${i}`));
  for (let i = 0; i < 9; i++) sl.insert(new Sub(`sensor.${i}.>`));
  sl.insert(new Sub(">"));
}

function bench(label: string, sl: Sublist<Sub>, subjects: string[], iterations: number): void {
  let sink = 0;
  const n = subjects.length;
  // warm-up
  for (let i = 0; i < Math.min(iterations, 200_000); i++) sink += sl.match(subjects[i % n]!).psubs.length;
  // median of 3 rounds
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < iterations; i++) sink += sl.match(subjects[i % n]!).psubs.length;
    rates.push(iterations / ((Bun.nanoseconds() - t0) / 1e9));
  }
  const rate = rates.sort((a, b) => a - b)[1]!;
  console.log(
    `${label.padEnd(46)} ${Math.round(rate).toLocaleString("en-US").padStart(13)} matches/sec  (${(1e9 / rate).toFixed(0)} ns/match${sink < 0 ? "" : ""})`,
  );
}

const cached = new TrieSublist<Sub>();
const uncached = new TrieSublist<Sub>({ cache: false });
populate(cached);
populate(uncached);
console.log(`subscriptions: ${cached.count()}`);

// Hot set small enough to stay in the cache.
const litHot = Array.from({ length: 500 }, (_, i) => `orders.${i * 17}.created`);
const wcHot = Array.from({ length: 500 }, (_, i) => `sensor.${(i * 7) % 5000}.${(i * 13) % 4990}`);
// Larger working sets for the uncached walk.
const litAll = Array.from({ length: 10_000 }, (_, i) => `orders.${i}.created`);
const wcAll = Array.from({ length: 10_000 }, (_, i) => `sensor.${(i * 7) % 5000}.${(i * 13) % 4990}`);

bench("literal, cache hit", cached, litHot, 5_000_000);
bench("wildcard, cache hit", cached, wcHot, 5_000_000);
bench("literal, no cache (trie walk)", uncached, litAll, 2_000_000);
bench("wildcard, no cache (trie walk)", uncached, wcAll, 2_000_000);

// Cache hits when each subject string is freshly decoded from bytes, as the
// protocol parser produces them (the Map lookup must hash the new string).
{
  const buf = Buffer.from(litHot.join(" "), "latin1");
  const bounds: number[] = [];
  let pos = 0;
  for (const s of litHot) {
    bounds.push(pos, pos + s.length);
    pos += s.length + 1;
  }
  const nb = litHot.length;
  let sink = 0;
  const iterations = 3_000_000;
  for (let i = 0; i < 200_000; i++) {
    const j = (i % nb) * 2;
    sink += cached.match(buf.toString("latin1", bounds[j]!, bounds[j + 1]!)).psubs.length;
  }
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < iterations; i++) {
      const j = (i % nb) * 2;
      sink += cached.match(buf.toString("latin1", bounds[j]!, bounds[j + 1]!)).psubs.length;
    }
    rates.push(iterations / ((Bun.nanoseconds() - t0) / 1e9));
  }
  const rate = rates.sort((a, b) => a - b)[1]!;
  console.log(
    `${"literal, cache hit, subject decoded per call".padEnd(46)} ${Math.round(rate).toLocaleString("en-US").padStart(13)} matches/sec  (${(1e9 / rate).toFixed(0)} ns/match incl. decode${sink < 0 ? "" : ""})`,
  );
}

// Every subject distinct: miss, trie walk, cache insert and eviction.
const distinct = Array.from({ length: 1_000_000 }, (_, i) => `sensor.${i % 5000}.x${i}`);
bench("wildcard, all-distinct subjects (cache on)", cached, distinct, 1_000_000);
bench("wildcard, all-distinct subjects (cache off)", uncached, distinct, 1_000_000);
console.log(`cache entries after run: ${cached.stats().numCache}`);
