// Shrinks a differing scenario: tries removals (chunks of steps, then single
// steps, users, accounts, imports, exports, permission entries) and keeps each
// one while the scenario still differs in the same way (the first tag of the
// original difference), re-running both servers every time.

import { check, type Bins, type Verdict } from "./compare.ts";
import { importAuth } from "./generate.ts";
import { valid, type Scenario } from "./scenario.ts";

export interface Shrunk {
  scenario: Scenario;
  verdict: Verdict & { kind: "differ" };
  runs: number;
}

const clone = (s: Scenario): Scenario => structuredClone(s);

/** Removes what a removal left dangling: users of gone accounts, their steps, uncovered imports. */
function tidy(s: Scenario): Scenario {
  if (!s.plain) {
    const names = new Set(s.accounts.map((a) => a.name));
    s.users = s.users.filter((u) => names.has(u.account));
    for (const a of s.accounts) {
      for (const e of a.exports) if (e.accounts !== null) e.accounts = e.accounts.filter((n) => names.has(n));
      a.exports = a.exports.filter((e) => e.accounts === null || e.accounts.length > 0);
    }
    // An import survives only while an export still covers it (else the config is refused).
    for (const a of s.accounts) a.imports = a.imports.filter((im) => importAuth(s.accounts, a.name, im) === "ok");
  }
  const users = new Set(s.users.map((u) => u.name));
  s.steps = s.steps.filter((st) => users.has(st.client));
  return s;
}

/**
 * A family of edits, addressed by index into the current scenario. Indices
 * are tried from the last to the first, so a kept removal never shifts the
 * ones still to try.
 */
interface Phase {
  name: string;
  count(s: Scenario): number;
  /** The edited copy, or null when the edit does not apply. */
  apply(s: Scenario, i: number): Scenario | null;
}

/** Flat index over a list of lists (imports of all accounts, entries of all users...). */
function locate(lengths: number[], i: number): [number, number] {
  for (let k = 0; k < lengths.length; k++) {
    if (i < lengths[k]!) return [k, i];
    i -= lengths[k]!;
  }
  return [-1, -1];
}
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** A removal that drops one publish step's header or reply subject. */
function clearPubField(name: string, field: "header" | "reply"): Phase {
  return {
    name,
    count: (s) => s.steps.length,
    apply: (s, i) => {
      const st = s.steps[i]!;
      if (st.op !== "pub" || st[field] === null) return null;
      const c = clone(s);
      c.steps[i] = { ...st, [field]: null };
      return c;
    },
  };
}

const PERM_FIELDS = ["pubAllow", "pubDeny", "subAllow", "subDeny"] as const;
const permEntries = (s: Scenario): Array<[number, (typeof PERM_FIELDS)[number], number]> =>
  s.users.flatMap((u, ui) => PERM_FIELDS.flatMap((f) => (u.perms?.[f] ?? []).map((_, i) => [ui, f, i] as [number, (typeof PERM_FIELDS)[number], number])));

const PHASES: Phase[] = [
  { name: "account", count: (s) => s.accounts.length, apply: (s, i) => tidy(((c) => (c.accounts.splice(i, 1), c))(clone(s))) },
  { name: "user", count: (s) => s.users.length, apply: (s, i) => tidy(((c) => (c.users.splice(i, 1), c))(clone(s))) },
  {
    name: "import",
    count: (s) => sum(s.accounts.map((a) => a.imports.length)),
    apply: (s, i) => {
      const c = clone(s);
      const [a, k] = locate(c.accounts.map((x) => x.imports.length), i);
      c.accounts[a]!.imports.splice(k, 1);
      return c;
    },
  },
  {
    name: "export",
    count: (s) => sum(s.accounts.map((a) => a.exports.length)),
    apply: (s, i) => {
      const c = clone(s);
      const [a, k] = locate(c.accounts.map((x) => x.exports.length), i);
      c.accounts[a]!.exports.splice(k, 1);
      return tidy(c);
    },
  },
  {
    name: "permissions",
    count: (s) => s.users.length,
    apply: (s, i) => (s.users[i]!.perms === null ? null : ((c) => ((c.users[i]!.perms = null), c))(clone(s))),
  },
  {
    name: "permission entry",
    count: (s) => permEntries(s).length,
    apply: (s, i) => {
      const [u, f, k] = permEntries(s)[i]!;
      const c = clone(s);
      c.users[u]!.perms![f].splice(k, 1);
      return c;
    },
  },
  {
    name: "allow_responses",
    count: (s) => s.users.length,
    apply: (s, i) => (s.users[i]!.perms?.allowResponses == null ? null : ((c) => ((c.users[i]!.perms!.allowResponses = null), c))(clone(s))),
  },
  clearPubField("header", "header"),
  clearPubField("reply subject", "reply"),
  {
    name: "no_responders:false",
    count: (s) => s.users.length,
    apply: (s, i) => (s.users[i]!.noResponders ? null : ((c) => ((c.users[i]!.noResponders = true), c))(clone(s))),
  },
];

/**
 * Shrinks `s` (which gave `first`) within `maxRuns` re-runs of both servers.
 * A candidate is kept when it still differs with the original's first tag.
 */
export async function shrink(
  s: Scenario,
  first: Verdict & { kind: "differ" },
  bins: Bins,
  maxRuns = 150,
  log: (msg: string) => void = () => {},
): Promise<Shrunk> {
  const target = first.tags[0]!;
  let best: Shrunk = { scenario: s, verdict: first, runs: 0 };
  let runs = 0;
  /** Runs a candidate; keeps it when it still shows the target difference. */
  const attempt = async (c: Scenario | null, what: string): Promise<boolean> => {
    if (c === null || runs >= maxRuns || !valid(c) || c.users.length === 0) return false;
    runs++;
    const v = await check(c, bins);
    if (v.kind !== "differ" || !v.tags.includes(target)) return false;
    best = { scenario: c, verdict: v, runs };
    log(`shrink: -${what}: ${c.steps.length} steps, ${c.users.length} users, ${c.accounts.length} accounts (run ${runs})`);
    return true;
  };
  let progress = true;
  while (progress && runs < maxRuns) {
    progress = false;
    // Steps first, in chunks (halves, quarters, ... single steps): the cheapest big win.
    for (let size = Math.max(1, Math.floor(best.scenario.steps.length / 2)); size >= 1; size = Math.floor(size / 2)) {
      for (let at = best.scenario.steps.length - size; at >= 0 && runs < maxRuns; at -= size) {
        const c = clone(best.scenario);
        c.steps.splice(at, size);
        if (await attempt(c, `${size} step(s)`)) progress = true;
      }
      if (size === 1) break;
    }
    for (const ph of PHASES) {
      for (let i = ph.count(best.scenario) - 1; i >= 0 && runs < maxRuns; i--) {
        if (i >= ph.count(best.scenario)) continue; // a tidy() took more than one
        if (await attempt(ph.apply(best.scenario, i), ph.name)) progress = true;
      }
    }
  }
  best.runs = runs;
  return best;
}
