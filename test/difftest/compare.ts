// Runs a scenario on both servers and compares what the clients got, with
// the allowed differences applied; also the deny-list safety check on ours.

import { denyCovers, formatStep, hasStreamImport, formatUsers, renderConf, type Scenario, type Step, type User } from "./scenario.ts";
import { deliveryKey, runScenario, type Delivery, type RunResult, type StepOutcome } from "./run.ts";
import { subjectsCollide } from "../../src/sublist/subject.ts";

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

/**
 * How deliveries are grouped for comparison. Members of one queue group are
 * interchangeable, so queue deliveries count under `queue:<account>:<name>`.
 * Both servers group queue subscriptions by NAME across subjects and, for
 * stream imports, across the imports' shadow subscriptions in the exporting
 * account, then pick one member at random. So:
 * - in an account with stream imports, the subject of a queue delivery
 *   depends on the member picked (each import renames differently): it is
 *   not compared;
 * - a queue name used in several accounts gets a message once across all the
 *   accounts it reaches, in one of them at random: such deliveries count
 *   under `queue:*:<name>`, without subject.
 */
interface Grouping {
  users: Map<string, User>;
  sharedQueues: Set<string>;
  importing: Set<string>;
}

function grouping(s: Scenario): Grouping {
  const users = new Map(s.users.map((u) => [u.name, u]));
  const accountsOf = new Map<string, Set<string>>();
  for (const st of s.steps) {
    if (st.op !== "sub" || st.queue === null) continue;
    const set = accountsOf.get(st.queue) ?? accountsOf.set(st.queue, new Set()).get(st.queue)!;
    set.add(users.get(st.client)?.account ?? "?");
  }
  return {
    users,
    sharedQueues: new Set([...accountsOf].filter(([, a]) => a.size > 1).map(([q]) => q)),
    importing: new Set(s.accounts.filter((a) => hasStreamImport(s, a.name)).map((a) => a.name)),
  };
}

function bucket(o: StepOutcome, g: Grouping): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (k: string, v: string): void => void (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  for (const d of o.deliveries) {
    const account = g.users.get(d.client)?.account ?? "?";
    if (d.queue === null) add(d.client, deliveryKey(d));
    else if (g.sharedQueues.has(d.queue)) add(`queue:*:${d.queue}`, deliveryKey(d, { sid: false, subject: false }));
    else add(`queue:${account}:${d.queue}`, deliveryKey(d, { sid: false, subject: !g.importing.has(account) }));
  }
  // -ERR texts may quote a `_R_` subject; its random tokens differ.
  for (const [c, errs] of Object.entries(o.errs)) for (const e of errs) add(c, e.replace(/_R_\.[^"' ]*/g, "_R_"));
  return m;
}

/** The payload a delivery's text ends with. */
const payloadOf = (item: string): string => item.slice(item.lastIndexOf(" ") + 1);

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
/**
 * 2.9.10 leaks denied subjects through overlapping wildcard subscriptions;
 * ours filters them, as later servers do. Later servers also filter a queue
 * member's delivery by the subject as published (through a stream import it
 * arrives under another name; a service import's is checked under its own),
 * once the client's filter is on: any of its wildcard or queue subscriptions
 * overlaps a deny entry (2.9.10 needs a wildcard that contains one).
 */
function dropLeaks(o: StepOutcome, users: Map<string, User>, steps: readonly Step[], at: number): StepOutcome {
  const step = steps[at];
  const published = step?.op === "pub" ? step.subject : null;
  const leak = (d: Delivery): boolean => {
    const u = users.get(d.client);
    if (denyCovers(u, d.subject, d.queue)) return true;
    if (d.queue === null || published === null || !denyCovers(u, published, d.queue)) return false;
    // A service import's delivery (it carries the request info) is checked under its own subject.
    if (d.hdr?.includes("Nats-Request-Info") ?? false) return false;
    return filterOn(u, steps, at);
  };
  return { ...o, deliveries: o.deliveries.filter((d) => !leak(d)) };
}

/** Has one of the user's subscriptions before step `at` switched its delivery filter on? */
function filterOn(u: User | undefined, steps: readonly Step[], at: number): boolean {
  const deny = u?.perms?.subDeny ?? [];
  for (let i = 0; i < at; i++) {
    const st = steps[i]!;
    if (st.op !== "sub" || st.client !== u?.name) continue;
    if (st.queue === null && !/(^|\.)[*>](\.|$)/.test(st.subject)) continue;
    for (const entry of deny) {
      const [pat, q] = entry.split(" ");
      if (q !== undefined && q !== st.queue) continue;
      if (subjectsCollide(pat!, st.subject)) return true;
    }
  }
  return false;
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
  // 2.9.10 finds import cycles or not depending on map order; the generator avoids them, the shrinker may not.
  const cycle = [ref.refused, ours.refused].find((r) => r !== null && /cycle/i.test(r));
  if (cycle !== undefined) return { kind: "skipped", reason: `an import cycle: ${cycle}` };
  if (ref.refused !== null || ours.refused !== null) {
    const tags = [ref.refused !== null ? "config:only-2.9.10-refuses" : "config:only-ours-refuses"];
    return { kind: "differ", tags, diffs: [], ref, ours };
  }
  // 2.9.10 panics (and exits) on some service imports fed by stream imports; nothing to compare.
  if (/^panic: /m.test(ref.log)) return { kind: "skipped", reason: "2.9.10 crashed (a Go panic)" };
  const g = grouping(s);
  const users = g.users;
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
    const refStep = dropLeaks(refAll[i]!, users, s.steps, i - 1);
    // A request whose only taker was a leak in 2.9.10 reached nobody on ours: a 503 is right then.
    const leaked = refStep.deliveries.length < refAll[i]!.deliveries.length;
    // A queue group whose member 2.9.10 picked was a leak gets the message on ours through
    // another member: one delivery of that payload to the group is right then.
    const queueLeaks = bucket({ ...refAll[i]!, errs: {}, deliveries: refAll[i]!.deliveries.filter((d) => d.queue !== null && !refStep.deliveries.includes(d)) }, g);
    const a = bucket(refStep, g);
    const b = bucket(o, g);
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const missing = minus(a.get(key) ?? [], b.get(key) ?? []);
      const excused = (queueLeaks.get(key) ?? []).map(payloadOf);
      const extra = minus(b.get(key) ?? [], a.get(key) ?? []).filter((e) => {
        if (leaked && e.includes("NATS/1.0 503")) return false;
        const k = excused.indexOf(payloadOf(e));
        if (k < 0) return true;
        excused.splice(k, 1);
        return false;
      });
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
  // The listing shows raw deliveries (who, which sid and queue, real subject); the summary the compared form.
  const side = (o: StepOutcome, leaks: boolean): string[] => {
    const lines = o.deliveries.map((d) => {
      const leak = leaks && denyCovers(users.get(d.client), d.subject, d.queue) ? "   (2.9.10 deny leak: dropped)" : "";
      return `${d.client}${d.queue === null ? "" : ` [queue ${d.queue}]`}: ${deliveryKey(d)}${leak}`;
    });
    for (const [c, errs] of Object.entries(o.errs)) for (const e of errs) lines.push(`${c}: ${e}`);
    return lines.sort();
  };
  const refAll = [v.ref.setup, ...v.ref.steps];
  const oursAll = [v.ours.setup, ...v.ours.steps];
  out.push("--- steps, with what each server delivered (!! marks a differing step) ---");
  for (let i = -1; i < s.steps.length; i++) {
    const st = s.steps[i];
    const mark = v.diffs.some((d) => d.step === i) ? "!!" : "  ";
    const r = side(refAll[i + 1]!, true);
    const o = side(oursAll[i + 1]!, false);
    if (st === undefined && r.length === 0 && o.length === 0) continue;
    const note = oursAll[i + 1]!.note;
    out.push(`${mark}${String(i).padStart(3)} ${st === undefined ? "(connect)" : formatStep(st)}${note === null ? "" : ` [ours: ${note}]`}`);
    for (const l of r) out.push(`        2.9.10: ${l}`);
    for (const l of o) out.push(`        ours:   ${l}`);
  }
  // A closed connection may be a crash: show the end of that server's log.
  for (const [name, r] of [["2.9.10", v.ref], ["ours", v.ours]] as const) {
    const all = [r.setup, ...r.steps].flatMap((o) => Object.values(o.errs).flat());
    if (all.some((e) => e === "CLOSED" || e.startsWith("CONNECT FAILED"))) out.push(`--- ${name} log (end) ---`, ...r.log.trimEnd().split("\n").slice(-15));
  }
  out.push("--- summary ---");
  for (const d of v.diffs) {
    out.push(`step ${d.step} ${d.key}:`);
    for (const m of d.missing) out.push(`   only 2.9.10: ${m}`);
    for (const e of d.extra) out.push(`   only ours:   ${e}`);
  }
  return out.join("\n");
}
