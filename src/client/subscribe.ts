// SUB and UNSUB. Rules from the reference (client.go processSub/processUnsub).

import { ERR, ParseError } from "../protocol/errors.ts";
import { splitArgs, parseSize } from "../protocol/parser.ts";
import { goQuote, latin1 } from "../protocol/text.ts";
import { goQuoteBytes } from "../protocol/gojson.ts";
import { isValidQueueName, isValidSubject, numTokens } from "../sublist/subject.ts";
import type { Client } from "./client.ts";
import { Subscription } from "../delivery/subscription.ts";
import { addShadows, removeShadows } from "../accounts/stream-import.ts";
import { responseInterestGone } from "../accounts/service-import.ts";
import { updateLeafNodes } from "../leafnode/propagate.ts";
import { updateRouteSubs } from "../route/propagate.ts";

const tokens = new Int32Array(4 * 2);
/** A queue name reserved for the server's own use. */
const RESERVED_QUEUE = "_sys_";

/** SUB <subject> [queue] <sid> */
export function processSub(c: Client, arg: Uint8Array): void {
  const t = splitArgs(arg, tokens);
  // Wrong argument count closes without an -ERR.
  if (t !== 2 && t !== 3) throw new ParseError("protocol_violation", `processSub Parse Error: ${goQuoteBytes(arg)}`);
  const subject = latin1(arg.subarray(tokens[0]!, tokens[1]!));
  const queue = t === 3 ? latin1(arg.subarray(tokens[2]!, tokens[3]!)) : null;
  const sidAt = (t - 1) * 2;
  const sid = latin1(arg.subarray(tokens[sidAt]!, tokens[sidAt + 1]!));

  // Refusals below leave the connection open and send no +OK; they come in
  // the reference's order (processSubEx): permissions, tokens, the limit,
  // then the subject itself, which only a new sid gets checked for.
  if (queue === RESERVED_QUEUE || (c.perms !== null && !c.perms.canSubscribe(subject, queue))) {
    subPermissionViolation(c, subject, queue, sid);
    return;
  }
  const maxTokens = c.server.options.maxSubTokens;
  if (maxTokens > 0 && numTokens(subject) > maxTokens) {
    c.sendErr(`Permissions Violation for Subscription to ${goQuote(subject)}, too many tokens`);
    return;
  }
  const max = maxSubscriptions(c);
  if (max !== 0 && (max < 0 || c.subs.size >= max)) {
    c.server.logger.error(`${c.label()} - Maximum Subscriptions Exceeded (max ${max})`);
    c.sendErr(ERR.maxSubscriptions);
    return;
  }
  // A duplicate sid is a no-op that still answers +OK.
  if (!c.subs.has(sid)) {
    // Queue names are any non-blank token run (the reference does not check them as subjects).
    if (!isValidSubject(subject) || (queue !== null && !isValidQueueName(queue))) {
      c.sendErr(ERR.invalidSubject);
      return;
    }
    const sub = new Subscription(c, subject, queue, sid);
    // A subscription that overlaps a deny entry turns on the client's delivery filter.
    if (c.perms !== null && !c.denyFilter) c.denyFilter = c.perms.needsDeliveryFilter(subject, queue);
    c.subs.set(sid, sub);
    c.account.sublist.insert(sub);
    addShadows(c.account, sub);
    if (c.account.leafs.size > 0) updateLeafNodes(c.account, sub, 1);
    if (c.account.routeMap !== null) updateRouteSubs(c.account, c.server.routes.values(), sub, 1);
  }
  if (c.opts.verbose) c.sendOK();
}

/** UNSUB <sid> [max_msgs] */
export function processUnsub(c: Client, arg: Uint8Array): void {
  const t = splitArgs(arg, tokens);
  if (t !== 1 && t !== 2) throw new ParseError("protocol_violation", `processUnsub Parse Error: ${goQuoteBytes(arg)}`);
  const sid = latin1(arg.subarray(tokens[0]!, tokens[1]!));
  // An invalid max unsubscribes at once, like a plain UNSUB.
  const max = t === 2 ? parseSize(arg, tokens[2]!, tokens[3]!) : -1;
  const sub = c.subs.get(sid);
  if (sub !== undefined) {
    if (max > 0 && max > sub.delivered) sub.max = max;
    else removeSub(sub);
  }
  if (c.opts.verbose) c.sendOK();
}

/** The tightest of the server's, the account's and a JWT user's limit; 0 = unlimited, -1 = none allowed. */
function maxSubscriptions(c: Client): number {
  const server = c.server.options.maxSubscriptions;
  const account = c.account.limits.maxSubscriptions;
  const user = c.jwtLimits?.maxSubs ?? 0;
  if (account < 0 || user < 0) return -1;
  let max = server;
  if (account > 0 && (max === 0 || account < max)) max = account;
  if (user > 0 && (max === 0 || user < max)) max = user;
  return max;
}

export function subPermissionViolation(c: Client, subject: string, queue: string | null, sid: string): void {
  const q = queue === null ? "" : `, Queue: "${queue}"`;
  c.server.logger.error(`${c.label()} - Subscription Violation - User "${c.userName}", Subject "${subject}"${q}, SID ${sid}`);
  const using = queue === null ? "" : ` using queue ${goQuote(queue)}`;
  c.sendErr(`Permissions Violation for Subscription to ${goQuote(subject)}${using}`);
}

/** The client's delivery filter, from its subscriptions under its current permissions. */
export function refreshDenyFilter(c: Client): void {
  c.denyFilter = false;
  const perms = c.perms;
  if (perms === null) return;
  for (const sub of c.subs.values()) {
    if (perms.needsDeliveryFilter(sub.subject, sub.queue)) {
      c.denyFilter = true;
      return;
    }
  }
}

export function removeSub(sub: Subscription): void {
  const c = sub.client;
  if (c === null || c.subs.get(sub.sid) !== sub) return;
  c.subs.delete(sub.sid);
  c.account.sublist.remove(sub);
  removeShadows(sub);
  responseInterestGone(c.account, sub.subject);
  // What the subscription counted for (a leaf node's queue interest: its weight), so the counts come back to zero.
  if (c.account.leafs.size > 0) updateLeafNodes(c.account, sub, -sub.weight);
  if (c.account.routeMap !== null) updateRouteSubs(c.account, c.server.routes.values(), sub, -1);
}

export function removeAllSubs(c: Client): void {
  c.account.sublist.removeBatch(c.subs.values());
  for (const sub of c.subs.values()) removeShadows(sub);
  for (const sub of c.subs.values()) responseInterestGone(c.account, sub.subject);
  if (c.account.leafs.size > 0) for (const sub of c.subs.values()) updateLeafNodes(c.account, sub, -sub.weight);
  if (c.account.routeMap !== null) for (const sub of c.subs.values()) updateRouteSubs(c.account, c.server.routes.values(), sub, -1);
  c.subs.clear();
}
