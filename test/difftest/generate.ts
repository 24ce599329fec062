// Seeded scenario generator: the same seed always gives the same scenario, so
// a difference is replayed with its seed alone.

import { hasStreamImport, subjectSubset, valid, type Account, type Export, type Import, type Perms, type Scenario, type Step, type User } from "./scenario.ts";
import { prng } from "../sublist/suite.ts";

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;

// A small alphabet so that subscriptions, permissions and exports overlap often.
const TOKENS = ["a", "b", "q", "x"] as const;
const QUEUES = ["q1", "q2"] as const;

/** 1-3 tokens, each sometimes `*`; the last sometimes `>`. */
function pattern(r: Rand): string {
  const n = int(r, 1, 3);
  const t: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i === n - 1 && chance(r, 0.2)) t.push(">");
    else t.push(chance(r, 0.2) ? "*" : pick(r, TOKENS));
  }
  return t.join(".");
}

/** A literal subject `pat` matches. */
function instantiate(r: Rand, pat: string): string {
  return pat
    .split(".")
    .flatMap((t) => (t === "*" ? [pick(r, TOKENS)] : t === ">" ? Array.from({ length: int(r, 1, 2) }, () => pick(r, TOKENS)) : [t]))
    .join(".");
}

/** A subject covered by `pat` (an import of an export), often `pat` itself. */
function narrow(r: Rand, pat: string): string {
  if (chance(r, 0.5)) return pat;
  return pat
    .split(".")
    .flatMap((t) => {
      if (t === "*") return [chance(r, 0.5) ? pick(r, TOKENS) : "*"];
      if (t === ">") return chance(r, 0.4) ? [">"] : chance(r, 0.5) ? [pick(r, TOKENS)] : [pick(r, TOKENS), ">"];
      return [t];
    })
    .join(".");
}

/** A wildcard subject that overlaps `pat` (a deny entry) without always containing it. */
function overlap(r: Rand, pat: string): string {
  const t = pat.split(".").map((x) => (x !== ">" && chance(r, 0.5) ? "*" : x));
  if (t.at(-1) === ">" && chance(r, 0.5)) t[t.length - 1] = "*";
  if (t.at(-1) !== ">" && chance(r, 0.3)) t.push(chance(r, 0.5) ? "*" : ">");
  return t.join(".");
}

/** A renamed subject with the same wildcards in the same places (a valid `to:`). */
function rename(r: Rand, subj: string): string {
  const out = subj.split(".").map((t) => (t === "*" || t === ">" ? t : pick(r, TOKENS)));
  if (out.join(".") === subj) out.unshift("x");
  return out.join(".");
}

/** Permissions; entries often name subjects that matter in the user's account. */
function perms(r: Rand, pool: Pools): Perms {
  const subject = (from: string[]): string => (from.length > 0 && chance(r, 0.5) ? pick(r, from) : pattern(r));
  const entries = (from: string[], queues: boolean): string[] =>
    Array.from({ length: int(r, 1, 3) }, () => subject(from) + (queues && chance(r, 0.2) ? ` ${pick(r, QUEUES)}` : ""));
  const p: Perms = {
    pubAllow: chance(r, 0.4) ? entries(pool.pub, false) : [],
    pubDeny: chance(r, 0.3) ? entries(pool.pub, false) : [],
    subAllow: chance(r, 0.35) ? entries(pool.sub, true) : [],
    subDeny: chance(r, 0.5) ? entries(pool.sub, true) : [],
    allowResponses: chance(r, 0.25) ? (chance(r, 0.6) ? true : { max: 1 }) : null,
  };
  // Responses go to inboxes; let most users with a subscribe allow list receive them.
  if (p.subAllow.length > 0 && chance(r, 0.6)) p.subAllow.push("_INBOX.>");
  return p;
}

/**
 * Would importing `kind` from `exporter` into `importer` close a cycle of such
 * imports? 2.9.10 refuses some cycles and accepts others depending on map
 * order, so the generator makes none.
 */
function importCycle(accounts: Account[], importer: string, exporter: string, kind: Import["kind"]): boolean {
  const edges = (name: string): string[] =>
    accounts.find((a) => a.name === name)?.imports.filter((i) => i.kind === kind).map((i) => i.from) ?? [];
  const seen = new Set<string>();
  const stack = [exporter];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === importer) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...edges(n));
  }
  return false;
}

function makeAccounts(r: Rand): Account[] {
  const names = ["A", "B", "C", "D"].slice(0, int(r, 2, 4));
  const accounts: Account[] = names.map((name) => ({ name, exports: [], imports: [] }));
  for (const a of accounts) {
    const n = int(r, 0, 3);
    for (let i = 0; i < n; i++) {
      const kind = chance(r, 0.5) ? "stream" : "service";
      const others = names.filter((x) => x !== a.name);
      const e: Export = {
        kind,
        subject: pattern(r),
        accounts: chance(r, 0.2) ? others.filter(() => chance(r, 0.5)).slice(0, 2) : null,
        responseStream: kind === "service" && chance(r, 0.25),
      };
      if (e.accounts !== null && e.accounts.length === 0) e.accounts = [pick(r, others)];
      // One export per subject and kind (2.9.10 keeps them in a map by subject).
      if (!a.exports.some((x) => x.kind === e.kind && x.subject === e.subject)) a.exports.push(e);
    }
  }
  for (const a of accounts) {
    const n = int(r, 0, 3);
    for (let i = 0; i < n; i++) {
      const offers = accounts.flatMap((x) =>
        x.name === a.name ? [] : x.exports.filter((e) => e.accounts === null || e.accounts.includes(a.name)).map((e) => ({ from: x.name, e })),
      );
      if (offers.length === 0) break;
      const { from, e } = pick(r, offers);
      const subject = narrow(r, e.subject);
      if (a.imports.some((i) => i.kind === e.kind && i.from === from && i.subject === subject)) continue;
      if (importCycle(accounts, a.name, from, e.kind)) continue;
      const im: Import = { kind: e.kind, from, subject, prefix: null, to: null };
      if (importAuth(accounts, a.name, im) !== "ok") continue;
      const roll = r();
      if (e.kind === "stream" && roll < 0.3) im.prefix = "p";
      else if (roll < 0.55) im.to = rename(r, subject);
      // Two service imports may not share a local subject (both servers refuse that).
      const local = (i: Import): string => i.to ?? i.subject;
      if (im.kind === "service" && a.imports.some((i) => i.kind === "service" && local(i) === local(im))) continue;
      a.imports.push(im);
    }
  }
  return accounts;
}

/** Subject patterns that matter in one account: what to publish on, and what to subscribe to. */
interface Pools {
  pub: string[];
  sub: string[];
}

function pools(accounts: Account[], account: string): Pools {
  const a = accounts.find((x) => x.name === account);
  const pub: string[] = [];
  const sub: string[] = [">", "_INBOX.>"];
  // Flows out: what others import from here (streams and services), and calls into services imported here.
  for (const x of accounts) for (const i of x.imports) if (i.from === account) pub.push(i.subject);
  for (const e of a?.exports ?? []) pub.push(e.subject);
  for (const i of a?.imports ?? []) if (i.kind === "service") pub.push(i.to ?? i.subject);
  // Flows in: stream imports under their local names, requests to exported services.
  for (const i of a?.imports ?? []) if (i.kind === "stream") sub.push(i.to ?? (i.prefix !== null ? `${i.prefix}.${i.subject}` : i.subject));
  for (const e of a?.exports ?? []) if (e.kind === "service") sub.push(e.subject);
  for (const x of accounts) for (const i of x.imports) if (i.from === account) sub.push(i.subject);
  return { pub, sub };
}

function makeSteps(r: Rand, s: Scenario): Step[] {
  const steps: Step[] = [];
  const n = int(r, 15, 40);
  // A client that may join queue groups never replies (see valid()).
  const queueClients = new Set(s.users.filter(() => chance(r, 0.3)).map((u) => u.name));
  const sids = new Map<string, number[]>();
  const queueSids = new Set<number>();
  const groupDeny = new Map<string, string>();
  /** Patterns subscribed so far, per account: publishing on them makes deliveries likely. */
  const subbed = new Map<string, string[]>();
  let inbox = 0;
  let requested = false;
  for (let i = 0; i < n; i++) {
    const u = pick(r, s.users);
    const c = u.name;
    const pool = pools(s.accounts, u.account);
    const roll = r();
    const mine = sids.get(c) ?? [];
    if (requested && !queueClients.has(c) && chance(r, 0.5)) {
      // Right after a request, someone likely got it: answer.
      steps.push({ op: "reply", client: c, payload: `r${i}` });
    } else if (roll < (i < 6 ? 0.6 : 0.28)) {
      // Wildcards next to a deny entry are where deny filtering goes wrong.
      const deny = (u.perms?.subDeny ?? []).map((e) => e.split(" ")[0]!);
      const subject = deny.length > 0 && chance(r, 0.3) ? overlap(r, pick(r, deny)) : chance(r, 0.7) ? pick(r, pool.sub) : pattern(r);
      let queue: string | null = null;
      if (queueClients.has(c) && chance(r, 0.6)) {
        queue = pick(r, QUEUES);
        // Members of a group share one deny list (see valid()).
        const key = `${u.account}/${queue}`;
        const denyList = JSON.stringify([...(u.perms?.subDeny ?? [])].sort());
        if ((groupDeny.get(key) ?? denyList) !== denyList) queue = null;
        else groupDeny.set(key, denyList);
      }
      const sid = i + 1;
      sids.set(c, [...mine, sid]);
      if (queue !== null) queueSids.add(sid);
      subbed.set(u.account, [...(subbed.get(u.account) ?? []), subject]);
      steps.push({ op: "sub", client: c, subject, queue, sid });
    } else if (roll < 0.36 && mine.length > 0) {
      const sid = pick(r, mine);
      const maxAllowed = !hasStreamImport(s, u.account) && !queueSids.has(sid) && (u.perms?.subDeny.length ?? 0) === 0;
      const max = maxAllowed && chance(r, 0.5) ? int(r, 1, 2) : null;
      steps.push({ op: "unsub", client: c, sid, max });
    } else if (roll < 0.45 && !queueClients.has(c)) {
      steps.push({ op: "reply", client: c, payload: `r${i}` });
    } else {
      const denied = s.users.filter((x) => x.account === u.account).flatMap((x) => (x.perms?.subDeny ?? []).map((e) => e.split(" ")[0]!));
      const from = [...pool.pub, ...pool.pub, ...(subbed.get(u.account) ?? []), ...denied];
      const subject = instantiate(r, from.length > 0 && chance(r, 0.8) ? pick(r, from) : pattern(r));
      const rr = r();
      const reply = rr < 0.35 ? null : rr < 0.8 ? `_INBOX.${++inbox}.${c}` : instantiate(r, pattern(r));
      const header = chance(r, 0.2) ? `X-T: h${i}` : null;
      steps.push({ op: "pub", client: c, subject, reply, header, payload: `m${i}` });
    }
    const last = steps.at(-1)!;
    requested = last.op === "pub" && last.reply !== null;
  }
  return steps;
}

export function generate(seed: number): Scenario {
  const r = prng(seed);
  const plain = chance(r, 0.15);
  const accounts = plain ? [] : makeAccounts(r);
  const users: User[] = [];
  const mkUser = (name: string, account: string): User => ({
    name,
    account,
    perms: chance(r, 0.45) ? perms(r, pools(accounts, account)) : null,
    noResponders: !chance(r, 0.15),
  });
  if (plain) {
    const n = int(r, 2, 4);
    for (let i = 1; i <= n; i++) users.push(mkUser(`u${i}`, "$G"));
  } else {
    for (const a of accounts) {
      const n = int(r, 1, 2);
      for (let i = 1; i <= n; i++) users.push(mkUser(`${a.name.toLowerCase()}${i}`, a.name));
    }
  }
  const s: Scenario = { seed, plain, accounts, users, steps: [] };
  s.steps = makeSteps(r, s);
  if (!valid(s)) throw new Error(`generator broke an invariant for seed ${seed}`);
  return s;
}

/**
 * How 2.9.10 judges an import: an export of the same subject decides; else
 * the first covering export in Go map order, which is random. So when the
 * covering exports disagree about the importer, the outcome is random, and
 * the generator (and the shrinker) keep only imports that are plainly "ok".
 */
export function importAuth(accounts: Account[], importer: string, im: Import): "ok" | "refused" | "random" {
  const exps = accounts.find((a) => a.name === im.from)?.exports.filter((e) => e.kind === im.kind) ?? [];
  const allows = (e: Export): boolean => e.accounts === null || e.accounts.includes(importer);
  const exact = exps.filter((e) => e.subject === im.subject);
  const deciding = exact.length > 0 ? exact : exps.filter((e) => subjectSubset(im.subject, e.subject));
  if (deciding.length === 0 || !deciding.some(allows)) return "refused";
  return deciding.every(allows) ? "ok" : "random";
}
