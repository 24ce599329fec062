// Interest across a leaf node connection (nats-server 2.9.10 leafnode.go
// processLeafSub, processLeafUnsub, initLeafNodeSmapAndSendSubs,
// updateLeafNodes, updateSmap): what the other side subscribes to becomes a
// subscription of this connection in its bound account (one per subject, or
// per subject and queue with the group's weight); what this side's account
// subscribes to is told to the other side with LS+/LS-, counted per key so
// only changes go out (0 <-> 1 for plain interest, every change for queues).

import type { Account } from "../accounts/account.ts";
import { addShadows } from "../accounts/stream-import.ts";
import type { Client } from "../client/client.ts";
import { Subscription } from "../delivery/subscription.ts";
import { ParseError } from "../protocol/errors.ts";
import { goQuoteBytes } from "../protocol/gojson.ts";
import { parseSize, splitArgs } from "../protocol/parser.ts";
import { latin1 } from "../protocol/text.ts";
import { isValidSubject } from "../sublist/subject.ts";
import { nuid } from "../server/identity.ts";
import { handleLeafNodeLoop, leafPermViolation } from "./errors.ts";

export const LDS_PREFIX = "$LDS.";

const tokens = new Int32Array(3 * 2);

/** The account's loop detection subject, made on first use. */
export function loopDetectionSubject(acc: Account): string {
  if (acc.lds === "") acc.lds = LDS_PREFIX + nuid();
  return acc.lds;
}

/** The key interest is counted under: `subject` or `subject queue`. */
function keyOf(sub: Subscription): string {
  return sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
}

/** Loop detection and gateway reply subjects pass permission checks. */
function exemptFromPerms(subject: string): boolean {
  return subject.startsWith(LDS_PREFIX) || subject.startsWith("_GR_.") || subject.startsWith("$GR.");
}

/** LS+ <subject> [<queue> <weight>] */
export function processLeafSub(c: Client, arg: Uint8Array): void {
  const t = splitArgs(arg, tokens);
  if (t !== 1 && t !== 3) throw new ParseError("protocol_violation", `processLeafSub Parse Error: ${goQuoteBytes(arg)}`);
  const subject = latin1(arg.subarray(tokens[0]!, tokens[1]!));
  const queue = t === 3 ? latin1(arg.subarray(tokens[2]!, tokens[3]!)) : null;
  const weight = t === 3 ? parseSize(arg, tokens[4]!, tokens[5]!) : 1;
  const acc = c.account;
  if (subject.startsWith(LDS_PREFIX) && subject === acc.lds) {
    handleLeafNodeLoop(c, true);
    return;
  }
  // The hub checks that the other side may receive what this interest asks for.
  if (!exemptFromPerms(subject) && c.perms !== null && !subject.includes("*") && !subject.includes(">") && !c.perms.canPublish(subject)) {
    leafPermViolation(c, false, subject);
    return;
  }
  const key = queue === null ? subject : `${subject} ${queue}`;
  const old = c.subs.get(key);
  let delta = 1;
  let sub: Subscription;
  if (old === undefined) {
    if (!isValidSubject(subject)) {
      c.server.logger.error(`${c.label()} - Could not insert subscription: invalid subject`);
      c.sendErr("Invalid Subscription");
      return;
    }
    sub = new Subscription(c, subject, queue, key);
    if (queue !== null) sub.weight = Math.max(weight, 1);
    c.subs.set(key, sub);
    acc.sublist.insert(sub);
    addShadows(acc, sub);
  } else {
    if (queue === null) return;
    sub = old;
    const w = Math.max(weight, 1);
    delta = w - old.weight;
    old.weight = w;
  }
  if (delta !== 0) updateLeafNodes(acc, sub, delta);
}

/** LS- <subject> [<queue>]: the argument is the key as LS+ made it. */
export function processLeafUnsub(c: Client, arg: Uint8Array): void {
  const t = splitArgs(arg, tokens);
  if (t !== 1 && t !== 2) throw new ParseError("protocol_violation", `processLeafUnsub Parse Error: ${goQuoteBytes(arg)}`);
  const key = t === 1 ? latin1(arg.subarray(tokens[0]!, tokens[1]!)) : `${latin1(arg.subarray(tokens[0]!, tokens[1]!))} ${latin1(arg.subarray(tokens[2]!, tokens[3]!))}`;
  const sub = c.subs.get(key);
  if (sub !== undefined) c.unsubscribe(sub);
}

/**
 * A subscription of `acc` came (delta > 0) or went: every other leaf node
 * connection bound to the account hears of it, unless it came from the
 * cluster that connection leads to or the connection may not have it.
 */
export function updateLeafNodes(acc: Account, sub: Subscription, delta: number): void {
  const from = sub.client;
  const origin = from?.leaf?.remoteCluster ?? "";
  for (const ln of acc.leafs) {
    if (ln === from) continue;
    const leaf = ln.leaf!;
    let skip = (origin !== "" && origin === leaf.remoteCluster) || (ln.perms !== null && !ln.perms.canSubscribe(sub.subject, null));
    if (skip && sub.subject.startsWith(LDS_PREFIX)) skip = false;
    if (!skip) updateSmap(ln, sub, delta);
  }
}

/** A spoke only tells its hub of local interest: clients, the server's own, and leaf nodes it is the hub of. */
function isLocalFor(ln: Client, sub: Subscription): boolean {
  if (!ln.leaf!.isSpoke) return true;
  const sc = sub.client;
  return sc === null || sc.leaf === null || !sc.leaf.isSpoke;
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
  if (ln.leaf!.isSpoke && !exemptFromPerms(key) && ln.perms !== null && !ln.perms.canSubscribe(subjectOf(key), null)) return;
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
 * hub side, only local interest from a spoke), the sources of its subject
 * mappings, and its loop detection subject. From now on changes follow.
 */
export function sendInitialInterest(c: Client): void {
  const acc = c.account;
  const leaf = c.leaf!;
  const rc = leaf.remoteCluster;
  const smap = new Map<string, number>();
  for (const sub of acc.sublist.all()) {
    if (sub.client === c || !isLocalFor(c, sub)) continue;
    if (c.perms !== null && !c.perms.canSubscribe(sub.subject, null)) continue;
    const origin = sub.client?.leaf?.remoteCluster ?? "";
    if (origin !== "" && origin === rc) continue;
    const key = keyOf(sub);
    smap.set(key, (smap.get(key) ?? 0) + (sub.queue !== null ? sub.weight : 1));
  }
  for (const src of acc.mapper?.sources() ?? []) {
    if (leaf.isSpoke && c.perms !== null && !c.perms.canSubscribe(src, null)) continue;
    smap.set(src, (smap.get(src) ?? 0) + 1);
  }
  const lds = loopDetectionSubject(acc);
  smap.set(lds, (smap.get(lds) ?? 0) + 1);
  leaf.smap = smap;
  let out = "";
  for (const [key, n] of smap) out += subLine(key, n);
  c.sendProto(out);
}
