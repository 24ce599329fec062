// Differential test of accounts and permissions, the short run: fixed seeds,
// each a random scenario (accounts, users, permissions, exports, imports and
// 15-40 protocol steps) run on nats-server 2.9.10 and on nats-bun, compared
// delivery by delivery. A difference is shrunk and printed in full.
// The long run is bench/difftest.ts.

import { expect, test } from "bun:test";
import { check, report, type Bins } from "./compare.ts";
import { generate } from "./generate.ts";
import { shrink } from "./shrink.ts";
import { haveReference, NATS_BUN, NATS_SERVER } from "../helpers/servers.ts";

const FIRST_SEED = Number(process.env.DIFFTEST_SEED ?? 1);
const TRIALS = Number(process.env.DIFFTEST_TRIALS ?? 300);
/** Shrinking stops starting new cases after this long (each takes up to SHRINK_RUNS runs of ~40 ms). */
const SHRINK_BUDGET_MS = 30_000;
const SHRINK_RUNS = 100;

test.skipIf(!haveReference)(
  `accounts and permissions behave as in nats-server 2.9.10 (seeds ${FIRST_SEED}..${FIRST_SEED + TRIALS - 1})`,
  async () => {
    const bins: Bins = { ref: NATS_SERVER, ours: process.env.DIFFTEST_OURS ?? NATS_BUN };
    const started = Date.now();
    const found: string[] = [];
    /** First tag of each kind of difference already shrunk: one case per kind is enough here. */
    const kinds = new Set<string>();
    for (let seed = FIRST_SEED; seed < FIRST_SEED + TRIALS; seed++) {
      const s = generate(seed);
      const v = await check(s, bins);
      if (v.kind !== "differ") continue;
      const kind = v.tags[0]!;
      if (kinds.has(kind) || Date.now() - started > SHRINK_BUDGET_MS) {
        found.push(`seed ${seed}: [${v.tags.join(", ")}] (not shrunk; replay: bun bench/difftest.ts --seed ${seed} --trials 1)`);
        continue;
      }
      kinds.add(kind);
      const small = await shrink(s, v, bins, SHRINK_RUNS);
      found.push(`seed ${seed} [${kind}], shrunk in ${small.runs} runs:\n${report(small.scenario, small.verdict)}`);
    }
    if (found.length > 0) console.error(`difftest: ${found.length} of ${TRIALS} scenarios differ\n\n${found.join("\n\n")}`);
    // The full cases are printed above; the assertion lists their first lines.
    expect(found.map((f) => f.split("\n")[0])).toEqual([]);
  },
  90_000,
);
