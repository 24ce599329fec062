// A differential-test scenario: accounts, users with permissions, exports and
// imports (rendered as a NATS config file), and the protocol steps the users'
// connections take. Kept structured (not as config text) so the shrinker can
// drop single entries and render again.

// The test suite's own matcher (independent of the server's), for the deny check.
import { bruteMatches } from "../sublist/suite.ts";

export interface Perms {
  pubAllow: string[];
  pubDeny: string[];
  /** Entries may carry a queue name: "a.* q1". */
  subAllow: string[];
  subDeny: string[];
  allowResponses: null | true | { max: number };
}

export interface User {
  name: string;
  /** Account name, or "$G" when the scenario has no accounts block. */
  account: string;
  perms: Perms | null;
  /** CONNECT's "no_responders" flag. */
  noResponders: boolean;
}

export interface Export {
  kind: "stream" | "service";
  subject: string;
  /** Only these accounts may import it (null: everyone). */
  accounts: string[] | null;
  /** Service exports only. */
  responseStream: boolean;
}

export interface Import {
  kind: "stream" | "service";
  /** The exporting account. */
  from: string;
  subject: string;
  /** Stream imports only. */
  prefix: string | null;
  to: string | null;
}

export interface Account {
  name: string;
  exports: Export[];
  imports: Import[];
}

export type Step =
  | { op: "sub"; client: string; subject: string; queue: string | null; sid: number }
  | { op: "unsub"; client: string; sid: number; max: number | null }
  | { op: "pub"; client: string; subject: string; reply: string | null; header: string | null; payload: string }
  /** Publish `payload` to the reply subject of the last message received with a reply. */
  | { op: "reply"; client: string; payload: string };

export interface Scenario {
  seed: number;
  /** true: plain `authorization { users }`, every user in the global account. */
  plain: boolean;
  accounts: Account[];
  users: User[];
  steps: Step[];
}

// ---- subjects ------------------------------------------------------------

/** Is every subject `sub` matches also matched by `sup`? (import covered by export) */
export function subjectSubset(sub: string, sup: string): boolean {
  const a = sub.split(".");
  const b = sup.split(".");
  for (let i = 0; i < b.length; i++) {
    const t = b[i]!;
    if (i >= a.length) return false;
    if (t === ">") return true;
    const u = a[i]!;
    if (u === ">") return false;
    if (t === "*") continue;
    if (u !== t) return false;
  }
  return a.length === b.length;
}

/**
 * Does this user's subscribe deny list cover a delivery of `subject`? A plain
 * entry covers every subscription; a queue entry "subj q" only deliveries to a
 * queue subscription of group q.
 */
export function denyCovers(user: User | undefined, subject: string, queue: string | null): boolean {
  for (const entry of user?.perms?.subDeny ?? []) {
    const [pat, q] = entry.split(" ");
    if (q !== undefined && q !== queue) continue;
    if (bruteMatches(subject, pat!)) return true;
  }
  return false;
}

// ---- invariants ------------------------------------------------------------

/**
 * Rules that keep the two servers' output comparable (the generator obeys
 * them; the shrinker refuses candidates that break them):
 * - a client with a queue subscription never replies (which member got the
 *   request is random);
 * - UNSUB with a max only in accounts without stream imports (the servers
 *   count stream-imported messages differently on purpose), and never on a
 *   queue subscription (which member gets a message is random, and members
 *   of a group may match different subjects, so the count is too), nor for a
 *   user with a subscribe deny list (2.9.10 counts the messages it leaks);
 * - all members of one queue group in one account have the same subscribe
 *   deny list (else dropping 2.9.10's leaks would depend on the random member).
 */
export function valid(s: Scenario): boolean {
  const userOf = new Map(s.users.map((u) => [u.name, u]));
  const queueClients = new Set<string>();
  const groupDeny = new Map<string, string>();
  const queueSids = new Set<number>();
  for (const st of s.steps) {
    const u = userOf.get(st.client);
    if (u === undefined) return false;
    if (st.op === "sub" && st.queue !== null) {
      queueClients.add(st.client);
      queueSids.add(st.sid);
      const key = `${u.account}/${st.queue}`;
      const deny = JSON.stringify([...(u.perms?.subDeny ?? [])].sort());
      if ((groupDeny.get(key) ?? deny) !== deny) return false;
      groupDeny.set(key, deny);
    }
    if (st.op === "unsub" && st.max !== null && (hasStreamImport(s, u.account) || queueSids.has(st.sid))) return false;
    // 2.9.10 counts the denied messages it leaks toward the max; ours filters them.
    if (st.op === "unsub" && st.max !== null && (u.perms?.subDeny.length ?? 0) > 0) return false;
  }
  return !s.steps.some((st) => st.op === "reply" && queueClients.has(st.client));
}

export function hasStreamImport(s: Scenario, account: string): boolean {
  return s.accounts.some((a) => a.name === account && a.imports.some((i) => i.kind === "stream"));
}

// ---- rendering -------------------------------------------------------------

const q = (x: string): string => JSON.stringify(x);
const list = (xs: string[]): string => `[${xs.map(q).join(", ")}]`;

function renderPerms(p: Perms): string {
  const parts: string[] = [];
  const side = (name: string, allow: string[], deny: string[]): void => {
    const kv: string[] = [];
    if (allow.length > 0) kv.push(`allow: ${list(allow)}`);
    if (deny.length > 0) kv.push(`deny: ${list(deny)}`);
    if (kv.length > 0) parts.push(`${name}: {${kv.join(", ")}}`);
  };
  side("publish", p.pubAllow, p.pubDeny);
  side("subscribe", p.subAllow, p.subDeny);
  if (p.allowResponses === true) parts.push("allow_responses: true");
  else if (p.allowResponses !== null) parts.push(`allow_responses: {max: ${p.allowResponses.max}}`);
  return `{${parts.join(", ")}}`;
}

function renderUser(u: User): string {
  const perms = u.perms === null ? "" : `, permissions: ${renderPerms(u.perms)}`;
  return `{user: ${u.name}, password: p${perms}}`;
}

function renderExport(e: Export): string {
  let t = `{${e.kind}: ${q(e.subject)}`;
  if (e.accounts !== null) t += `, accounts: [${e.accounts.join(", ")}]`;
  if (e.responseStream) t += ", response_type: stream";
  return t + "}";
}

function renderImport(i: Import): string {
  let t = `{${i.kind}: {account: ${i.from}, subject: ${q(i.subject)}}`;
  if (i.prefix !== null) t += `, prefix: ${q(i.prefix)}`;
  if (i.to !== null) t += `, to: ${q(i.to)}`;
  return t + "}";
}

/** The scenario's NATS config file. */
export function renderConf(s: Scenario): string {
  if (s.plain) {
    return `authorization {\n  users: [\n${s.users.map((u) => `    ${renderUser(u)}\n`).join("")}  ]\n}\n`;
  }
  let t = "accounts {\n";
  for (const a of s.accounts) {
    t += `  ${a.name}: {\n`;
    const users = s.users.filter((u) => u.account === a.name);
    if (users.length > 0) t += `    users: [\n${users.map((u) => `      ${renderUser(u)}\n`).join("")}    ]\n`;
    if (a.exports.length > 0) t += `    exports: [\n${a.exports.map((e) => `      ${renderExport(e)}\n`).join("")}    ]\n`;
    if (a.imports.length > 0) t += `    imports: [\n${a.imports.map((i) => `      ${renderImport(i)}\n`).join("")}    ]\n`;
    t += "  }\n";
  }
  return t + "}\n";
}

/** One step as a line a human can replay by hand. */
export function formatStep(st: Step): string {
  switch (st.op) {
    case "sub":
      return `${st.client}: SUB ${st.subject}${st.queue === null ? "" : " " + st.queue} ${st.sid}`;
    case "unsub":
      return `${st.client}: UNSUB ${st.sid}${st.max === null ? "" : " " + st.max}`;
    case "pub": {
      const op = st.header === null ? "PUB" : "HPUB";
      const hdr = st.header === null ? "" : ` [${st.header}]`;
      return `${st.client}: ${op} ${st.subject}${st.reply === null ? "" : " " + st.reply} ${st.payload}${hdr}`;
    }
    case "reply":
      return `${st.client}: REPLY ${st.payload} (to the reply of its last message that had one)`;
  }
}

/** Users' CONNECT flags that differ from the defaults, for the printout. */
export function formatUsers(s: Scenario): string {
  return s.users.map((u) => `${u.name}@${u.account}${u.noResponders ? "" : " no_responders:false"}`).join(", ");
}
