// Differential test of accounts and permissions, the long run: random
// scenarios (seeded) on nats-server 2.9.10 and nats-bun side by side; every
// difference is shrunk and printed. See test/difftest/ and bench/README.md.
//
//   bun bench/difftest.ts [--seed N] [--trials N] [--minutes M] [--ours PATH] [--ref PATH]
//                         [--shrink-runs N] [--shrink-all]

import { existsSync } from "node:fs";
import { check, report, type Bins } from "../test/difftest/compare.ts";
import { generate } from "../test/difftest/generate.ts";
import { shrink } from "../test/difftest/shrink.ts";
import { NATS_BUN, NATS_SERVER } from "../test/helpers/servers.ts";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const seed = Number(flag("seed") ?? Date.now() % 1_000_000);
const minutes = flag("minutes") === undefined ? Infinity : Number(flag("minutes"));
const trials = Number(flag("trials") ?? (minutes === Infinity ? 200 : 1e9));
const shrinkRuns = Number(flag("shrink-runs") ?? 150);
// By default only the first case of each kind of difference is shrunk (shrinking costs up to 150 runs).
const shrinkAll = process.argv.includes("--shrink-all");
const bins: Bins = { ref: flag("ref") ?? NATS_SERVER, ours: flag("ours") ?? NATS_BUN };
for (const b of [bins.ref, bins.ours]) if (!existsSync(b)) throw new Error(`missing server binary ${b}`);

const started = Date.now();
const deadline = started + minutes * 60_000;
let done = 0;
let skipped = 0;
let differences = 0;
/** First tag → the seed that first showed it. */
const kinds = new Map<string, number>();
let trialMs = 0;

console.log(`difftest: seed ${seed}, ${trials === 1e9 ? "until the deadline" : `${trials} trials`}; ref ${bins.ref}, ours ${bins.ours}`);
for (let i = 0; i < trials && Date.now() < deadline; i++) {
  const s = generate(seed + i);
  const t0 = performance.now();
  const v = await check(s, bins);
  trialMs += performance.now() - t0;
  done++;
  if (v.kind === "skipped") skipped++;
  if (v.kind === "differ") {
    differences++;
    const kind = v.tags[0]!;
    const seen = kinds.get(kind);
    // Does it reproduce? A difference that comes and goes is worth knowing as such.
    const again = await check(s, bins);
    const flaky = again.kind !== "differ" ? " (FLAKY: a re-run showed no difference)" : "";
    if (seen !== undefined && !shrinkAll) {
      console.log(`seed ${s.seed}: difference [${v.tags.join(", ")}]${flaky}, same kind as seed ${seen}`);
    } else {
      kinds.set(kind, seen ?? s.seed);
      const small = await shrink(s, v, bins, shrinkRuns);
      console.log(`\n=== difference #${differences}, seed ${s.seed} [${kind}]${flaky}: shrunk in ${small.runs} runs ===`);
      console.log(report(small.scenario, small.verdict));
      console.log(`replay the unshrunk case: bun bench/difftest.ts --seed ${s.seed} --trials 1\n`);
    }
  }
  if (done % 25 === 0) {
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`progress: ${done} trials, ${differences} differences, ${skipped} skipped, ${secs} s, ${(trialMs / done).toFixed(0)} ms/trial`);
  }
}
console.log(`kinds of difference: ${kinds.size === 0 ? "none" : [...kinds].map(([k, sd]) => `${k} (first seed ${sd})`).join("; ")}`);
console.log(`difftest: ${done} trials, ${differences} differences (${skipped} skipped: config refused by both, an import cycle, or 2.9.10 crashed), ${(trialMs / Math.max(1, done)).toFixed(0)} ms/trial`);
process.exit(differences > 0 ? 1 : 0);
