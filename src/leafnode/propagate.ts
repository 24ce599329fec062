// Telling leaf node connections of interest (nats-server 2.9.10 leafnode.go
// updateLeafNodes, updateSmap, initLeafNodeSmapAndSendSubs): what this
// side's account subscribes to goes to the other side with LS+/LS-, counted
// per key so only changes go out (0 <-> 1 for plain interest, every change
// for queues), from a spoke only its local interest.

import type { Account } from "../accounts/account.ts";
import type { Client } from "../client/client.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { nuid } from "../server/identity.ts";
import { subOrigin } from "../route/state.ts";
import { leafCanSubscribe } from "./permissions.ts";

export const LDS_PREFIX = "$LDS.";

/** The account's loop detection subject, made on first use. */
export function loopDetectionSubject(acc: Account): string {
  if (acc.lds === "") acc.lds = LDS_PREFIX + nuid();
  return acc.lds;
}

/** The key interest is counted under: `subject` or `subject queue`. */
export function keyOf(sub: Subscription): string {
  return sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
}

/** Loop detection and gateway reply subjects pass permission checks. */
export function exemptFromPerms(subject: string): boolean {
  return subject.startsWith(LDS_PREFIX) || subject.startsWith("_GR_.") || subject.startsWith("$GR.");
}

/**
 * A subscription of `acc` came (delta > 0) or went: every other leaf node
 * connection bound to the account hears of it, unless it came from the
 * cluster that connection leads to (through that cluster's leaf node
 * connection here or one to a peer route) or the connection may not have it.
 */
export function updateLeafNodes(acc: Account, sub: Subscription, delta: number): void {
  const from = sub.client;
  const origin = subOrigin(sub);
  for (const ln of acc.leafs) {
    if (ln === from) continue;
    const leaf = ln.leaf!;
    let skip = (origin !== "" && origin === leaf.remoteCluster) || !leafCanSubscribe(ln.perms, sub.subject);
    if (skip && sub.subject.startsWith(LDS_PREFIX)) skip = false;
    if (!skip) updateSmap(ln, sub, delta);
  }
}

/** A spoke only tells its hub of local interest: clients, the server's own, and leaf nodes it is the hub of (not its routes' interest). */
function isLocalFor(ln: Client, sub: Subscription): boolean {
  if (!ln.leaf!.isSpoke) return true;
  const sc = sub.client;
  if (sc === null) return true;
  if (sc.route !== null) return false;
  return sc.leaf === null || !sc.leaf.isSpoke;
}

function updateSmap(ln: Client, sub: Subscription, delta: number): void {
  const smap = ln.leaf!.smap;
  if (smap === null || !isLocalFor(ln, sub)) return;
  const key = keyOf(sub);
  const n = smap.get(key) ?? 0;
  const update = sub.queue !== null || n === 0 || n + delta <= 0;
  const m = n + delta;
  if (m > 0) smap.set(key, m);
  else smap.delete(key);
  if (update) sendSubUpdate(ln, key, m);
}

function sendSubUpdate(ln: Client, key: string, n: number): void {
  // A spoke only sends what its hub allows it to subscribe to.
  if (ln.leaf!.isSpoke && !exemptFromPerms(key) && !leafCanSubscribe(ln.perms, subjectOf(key))) return;
  ln.sendProto(subLine(key, n));
}

function subjectOf(key: string): string {
  const sp = key.indexOf(" ");
  return sp < 0 ? key : key.slice(0, sp);
}

function subLine(key: string, n: number): string {
  if (n <= 0) return `LS- ${key}\r\n`;
  return key.includes(" ") ? `LS+ ${key} ${n}\r\n` : `LS+ ${key}\r\n`;
}

/**
 * Once bound: the account's interest as it stands (all of it to a spoke's
 * hub side, only local interest from a spoke), its imported services, the
 * sources of its subject mappings, and its loop detection subject. From now on changes follow.
 */
export function sendInitialInterest(c: Client): void {
  const acc = c.account;
  const leaf = c.leaf!;
  const rc = leaf.remoteCluster;
  const smap = new Map<string, number>();
  for (const sub of acc.sublist.all()) {
    if (sub.client === c || !isLocalFor(c, sub)) continue;
    if (!leafCanSubscribe(c.perms, sub.subject)) continue;
    const origin = subOrigin(sub);
    if (origin !== "" && origin === rc) continue;
    const key = keyOf(sub);
    smap.set(key, (smap.get(key) ?? 0) + (sub.queue !== null ? sub.weight : 1));
  }
  // Imported services and mapping sources, which a hub sends whatever the permissions say (2.9.10).
  const extra = [...acc.serviceImports.map((s) => s.subject), ...(acc.mapper?.sources() ?? [])];
  for (const src of extra) {
    if (leaf.isSpoke && !leafCanSubscribe(c.perms, src)) continue;
    smap.set(src, (smap.get(src) ?? 0) + 1);
  }
  const lds = loopDetectionSubject(acc);
  smap.set(lds, (smap.get(lds) ?? 0) + 1);
  leaf.smap = smap;
  let out = "";
  for (const [key, n] of smap) out += subLine(key, n);
  c.sendProto(out);
}
