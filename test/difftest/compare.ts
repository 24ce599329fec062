// Runs a scenario on both servers and compares what the clients got, with
// the allowed differences applied; also the deny-list safety check on ours.

import { denyCovers, formatStep, formatUsers, renderConf, type Scenario, type User } from "./scenario.ts";
import { deliveryKey, runScenario, type Delivery, type RunResult, type StepOutcome } from "./run.ts";

export interface Bins {
  ref: string;
  ours: string;
}

export interface Difference {
  /** Step index, -1 for the connection phase. */
  step: number;
  /** A client name, or `queue:<account>:<queue>` for a queue group. */
  key: string;
  /** Deliveries (or -ERR lines) only the reference had / only ours had. */
  missing: string[];
  extra: string[];
}

export type Verdict =
  | { kind: "same" }
  | { kind: "skipped"; reason: string }
  | {
      kind: "differ";
      /** Coarse tags of what differs; the shrinker keeps a candidate only if it still shows the first. */
      tags: string[];
      diffs: Difference[];
      ref: RunResult;
      ours: RunResult;
    };

/** Where a delivery is compared: the client, or its queue group (members are interchangeable). */
function groupKey(d: Delivery, users: Map<string, User>): string {
  return d.queue === null ? d.client : `queue:${users.get(d.client)?.account ?? "?"}:${d.queue}`;
}

function bucket(o: StepOutcome, users: Map<string, User>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (k: string, v: string): void => void (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  for (const d of o.deliveries) add(groupKey(d, users), deliveryKey(d, d.queue === null));
  // -ERR texts may quote a `_R_` subject; its random tokens differ.
  for (const [c, errs] of Object.entries(o.errs)) for (const e of errs) add(c, e.replace(/_R_\.[^"' ]*/g, "_R_"));
  return m;
}

/** Multiset difference a − b. */
function minus(a: string[], b: string[]): string[] {
  const left = [...b];
  return a.filter((x) => {
    const i = left.indexOf(x);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/** 2.9.10 leaks denied subjects through overlapping wildcard subscriptions; ours must not. */
function dropLeaks(o: StepOutcome, users: Map<string, User>): StepOutcome {
  return { ...o, deliveries: o.deliveries.filter((d) => !denyCovers(users.get(d.client), d.subject, d.queue)) };
}

function tagOf(side: "missing" | "extra", key: string, item: string): string {
  if (!item.includes(" reply=")) return `${side}-err:${item.replace(/".*"/, '"…"')}`;
  const feats = [key.startsWith("queue:") ? "queue" : "client"];
  if (item.includes("reply=_R_")) feats.push("_R_-reply");
  if (/ r\d+$/.test(item)) feats.push("response");
  if (item.includes("503")) feats.push("no-responders");
  if (item.includes("Nats-Request-Info")) feats.push("request-info");
  return `${side}:${feats.join("+")}`;
}

export function compareRuns(s: Scenario, ref: RunResult, ours: RunResult): Verdict {
  if (ref.refused !== null && ours.refused !== null) return { kind: "skipped", reason: `both refuse the config: ${ref.refused}` };
  if (ref.refused !== null && /cycle/i.test(ref.refused)) return { kind: "skipped", reason: `2.9.10 refuses a cycle: ${ref.refused}` };
  if (ref.refused !== null || ours.refused !== null) {
    const tags = [ref.refused !== null ? "config:only-2.9.10-refuses" : "config:only-ours-refuses"];
    return { kind: "differ", tags, diffs: [], ref, ours };
  }
  const users = new Map(s.users.map((u) => [u.name, u]));
  const diffs: Difference[] = [];
  const tags: string[] = [];
  // Safety first: our server never delivers what a deny list covers.
  const all = [ours.setup, ...ours.steps];
  all.forEach((o, i) => {
    for (const d of o.deliveries) {
      if (denyCovers(users.get(d.client), d.subject, d.queue)) {
        tags.push(`deny-violation:${d.queue === null ? "client" : "queue"}`);
        diffs.push({ step: i - 1, key: `${d.client} (DENY VIOLATION)`, missing: [], extra: [deliveryKey(d)] });
      }
    }
  });
  const refAll = [ref.setup, ...ref.steps];
  all.forEach((o, i) => {
    const a = bucket(dropLeaks(refAll[i]!, users), users);
    const b = bucket(o, users);
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const missing = minus(a.get(key) ?? [], b.get(key) ?? []);
      const extra = minus(b.get(key) ?? [], a.get(key) ?? []);
      if (missing.length === 0 && extra.length === 0) continue;
      diffs.push({ step: i - 1, key, missing, extra });
      for (const m of missing) tags.push(tagOf("missing", key, m));
      for (const e of extra) tags.push(tagOf("extra", key, e));
    }
  });
  return diffs.length === 0 ? { kind: "same" } : { kind: "differ", tags: [...new Set(tags)], diffs, ref, ours };
}

/** Runs the scenario on both servers at once (2 cores) and compares. */
export async function check(s: Scenario, bins: Bins): Promise<Verdict> {
  const [ref, ours] = await Promise.all([runScenario(s, bins.ref), runScenario(s, bins.ours)]);
  return compareRuns(s, ref, ours);
}

/** A human-readable account of a differing scenario: config, steps, both delivery sets. */
export function report(s: Scenario, v: Verdict): string {
  const out: string[] = [];
  out.push(`seed ${s.seed}; users: ${formatUsers(s)}`);
  out.push("--- config ---", renderConf(s).trimEnd());
  if (v.kind !== "differ") return out.join("\n");
  out.push(`--- differences: ${v.tags.join(", ")} ---`);
  if (v.ref.refused !== null || v.ours.refused !== null) {
    out.push(`2.9.10: ${v.ref.refused ?? "accepts"}`, `ours:   ${v.ours.refused ?? "accepts"}`);
    return out.join("\n");
  }
  const users = new Map(s.users.map((u) => [u.name, u]));
  const side = (o: StepOutcome): string[] => {
    const lines: string[] = [];
    for (const [k, vs] of [...bucket(o, users)].sort()) lines.push(`${k}: ${vs.sort().join(" | ")}`);
    return lines;
  };
  const refAll = [v.ref.setup, ...v.ref.steps];
  const oursAll = [v.ours.setup, ...v.ours.steps];
  out.push("--- steps (deliveries: 2.9.10 with its deny leaks dropped / ours) ---");
  for (let i = -1; i < s.steps.length; i++) {
    const st = s.steps[i];
    const mark = v.diffs.some((d) => d.step === i) ? "!!" : "  ";
    const r = side(dropLeaks(refAll[i + 1]!, users));
    const o = side(oursAll[i + 1]!);
    if (st === undefined && r.length === 0 && o.length === 0) continue;
    const note = oursAll[i + 1]!.note;
    out.push(`${mark}${String(i).padStart(3)} ${st === undefined ? "(connect)" : formatStep(st)}${note === null ? "" : ` [ours: ${note}]`}`);
    for (const l of r) out.push(`        ref:  ${l}`);
    for (const l of o) out.push(`        ours: ${l}`);
  }
  out.push("--- summary ---");
  for (const d of v.diffs) {
    out.push(`step ${d.step} ${d.key}:`);
    for (const m of d.missing) out.push(`   only 2.9.10: ${m}`);
    for (const e of d.extra) out.push(`   only ours:   ${e}`);
  }
  return out.join("\n");
}
