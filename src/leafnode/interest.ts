// Interest a leaf node connection announces (nats-server 2.9.10 leafnode.go
// processLeafSub, processLeafUnsub): what the other side subscribes to
// becomes a subscription of this connection in its bound account (one per
// subject, or per subject and queue with the group's weight), and is passed
// on to other leaf nodes (propagate.ts) and, on a hub, to routes.

import { addShadows } from "../accounts/stream-import.ts";
import type { Client } from "../client/client.ts";
import { Subscription } from "../delivery/subscription.ts";
import { ERR, ParseError } from "../protocol/errors.ts";
import { parseSize, splitArgs } from "../protocol/parser.ts";
import { latin1 } from "../protocol/text.ts";
import { isValidSubject, subjectHasWildcard } from "../sublist/subject.ts";
import { handleLeafNodeLoop, leafPermViolation } from "./errors.ts";
import { exemptFromPerms, LDS_PREFIX, updateLeafNodes } from "./propagate.ts";
import { updateRouteSubs } from "../route/propagate.ts";

const tokens = new Int32Array(3 * 2);

/** LS+ <subject> [<queue> <weight>] */
export function processLeafSub(c: Client, arg: Uint8Array): void {
  const t = splitArgs(arg, tokens);
  if (t !== 1 && t !== 3) throw new ParseError("protocol_violation", `processLeafSub Parse Error: '${latin1(arg)}'`);
  const subject = latin1(arg.subarray(tokens[0]!, tokens[1]!));
  const queue = t === 3 ? latin1(arg.subarray(tokens[2]!, tokens[3]!)) : null;
  const weight = t === 3 ? parseSize(arg, tokens[4]!, tokens[5]!) : 1;
  const acc = c.account;
  if (subject.startsWith(LDS_PREFIX) && subject === acc.lds) {
    handleLeafNodeLoop(c, true);
    return;
  }
  // The hub checks that the other side may receive what this interest asks for.
  if (!exemptFromPerms(subject) && c.perms !== null && !subjectHasWildcard(subject) && !c.perms.canPublish(subject)) {
    leafPermViolation(c, false, subject);
    return;
  }
  const key = queue === null ? subject : `${subject} ${queue}`;
  const old = c.subs.get(key);
  // max_subscriptions holds for a leaf node connection too (2.9.10 subsAtLimit): refused, the connection stays.
  const max = c.server.options.maxSubscriptions;
  if (old === undefined && max > 0 && c.subs.size >= max) {
    c.server.logger.error(`${c.label()} - ${ERR.maxSubscriptions}`);
    c.sendErr(ERR.maxSubscriptions);
    return;
  }
  // A new queue interest counts with its weight, as it will when it goes.
  let delta = queue === null ? 1 : Math.max(weight, 1);
  let sub: Subscription;
  if (old === undefined) {
    if (!isValidSubject(subject)) {
      c.server.logger.error(`${c.label()} - Could not insert subscription: sublist: invalid subject`);
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
  // A hub treats its leaf nodes' interest as its own: the routes hear of it.
  if (acc.routeMap !== null && old === undefined) updateRouteSubs(acc, c.server.routes.values(), sub, 1);
}

/** LS- <subject> [<queue>]: the argument is the key as LS+ made it; anything else names no subscription (2.9.10 has no error for it). */
export function processLeafUnsub(c: Client, arg: Uint8Array): void {
  const key = latin1(arg).trim().split(/[ \t]+/).join(" ");
  const sub = c.subs.get(key);
  if (sub !== undefined) c.unsubscribe(sub);
}
