// Interest a route announces (nats-server 2.9.10 route.go processRemoteSub,
// processRemoteUnsub): what a peer subscribes to becomes a subscription of
// the route connection in the account it names, passed on to the leaf nodes
// this server is the hub of (LS+ names the leaf node cluster it came from,
// whose connections here are not told); it goes when the peer unsubscribes
// or the route closes.

import type { Account } from "../accounts/account.ts";
import type { Client } from "../client/client.ts";
import { Subscription } from "../delivery/subscription.ts";
import { ParseError } from "../protocol/errors.ts";
import { parseSize, splitArgs } from "../protocol/parser.ts";
import { latin1, utf8Text } from "../protocol/text.ts";
import { isValidSubject } from "../sublist/subject.ts";
import { updateLeafNodes } from "../leafnode/propagate.ts";
import { canExport } from "./permissions.ts";

const tokens = new Int32Array(5 * 2);

/** RS+ <account> <subject> [<queue> <weight>], or with `withOrigin` LS+ <origin> <account> ... */
export function processRouteSub(c: Client, arg: Uint8Array, withOrigin: boolean): void {
  const o = withOrigin ? 1 : 0;
  const t = splitArgs(arg, tokens) - o;
  if (t !== 2 && t !== 4) throw new ParseError("protocol_violation", `processRemoteSub Parse Error: '${utf8Text(arg)}'`);
  const tok = (i: number): string => latin1(arg.subarray(tokens[(i + o) * 2]!, tokens[(i + o) * 2 + 1]!));
  const origin = withOrigin ? latin1(arg.subarray(tokens[0]!, tokens[1]!)) : "";
  const accName = tok(0);
  const subject = tok(1);
  const queue = t === 4 ? tok(2) : null;
  const weight = t === 4 ? Math.max(parseSize(arg, tokens[(3 + o) * 2]!, tokens[(3 + o) * 2 + 1]!), 1) : 1;
  const route = c.route!;
  const acc = route.host.lookupAccount(accName);
  if (acc === null) {
    c.server.logger.error(`${c.label()} - Unknown account ${JSON.stringify(accName)} for remote subject ${JSON.stringify(subject)}`);
    return;
  }
  if (!canExport(route.perms, subject)) {
    c.server.logger.debug(`${c.label()} - Can not export ${JSON.stringify(subject)}, ignoring remote subscription request`);
    return;
  }
  // A wildcard that takes in a denied export: such messages are held back at delivery (2.9.10's msg deny filter).
  if (route.perms !== null && !c.denyFilter) c.denyFilter = route.perms.needsDeliveryFilter(subject, null);
  const key = queue === null ? `${accName} ${subject}` : `${accName} ${subject} ${queue}`;
  const old = route.subs.get(key);
  if (old === undefined) {
    if (!isValidSubject(subject)) {
      c.server.logger.error(`${c.label()} - Could not insert subscription: invalid subject`);
      c.sendErr("Invalid Subscription");
      return;
    }
    const sub = new Subscription(c, subject, queue, key);
    sub.weight = weight;
    route.subs.set(key, { account: acc, sub, origin });
    acc.sublist.insert(sub);
    if (acc.leafs.size > 0) updateLeafNodes(acc, sub, weight);
  } else if (queue !== null) {
    const delta = weight - old.sub.weight;
    old.sub.weight = weight;
    if (delta !== 0 && acc.leafs.size > 0) updateLeafNodes(acc, old.sub, delta);
  }
}

/** RS- <account> <subject> [<queue>] */
export function processRouteUnsub(c: Client, arg: Uint8Array): void {
  const t = splitArgs(arg, tokens);
  if (t !== 2 && t !== 3) throw new ParseError("protocol_violation", `processRemoteUnsub parse error: '${utf8Text(arg)}'`);
  const parts = [];
  for (let i = 0; i < t; i++) parts.push(latin1(arg.subarray(tokens[i * 2]!, tokens[i * 2 + 1]!)));
  const route = c.route!;
  const key = parts.join(" ");
  const entry = route.subs.get(key);
  if (entry === undefined) return;
  removeRouteSub(entry.account, entry.sub);
  route.subs.delete(key);
}

/** Takes the subscription out; its entry in the route's subs still names its origin for the leaf nodes' update. */
function removeRouteSub(acc: Account, sub: Subscription): void {
  acc.sublist.remove(sub);
  // Its weight, as counted when it came and changed: the leaf nodes' counts come back to zero.
  if (acc.leafs.size > 0) updateLeafNodes(acc, sub, -sub.weight);
}

/** The peer's interest on subjects that fail `drop` goes (cluster permissions reloaded). */
export function dropRouteSubsWhere(c: Client, drop: (subject: string) => boolean): void {
  const route = c.route!;
  for (const [key, { account, sub }] of route.subs) {
    if (!drop(sub.subject)) continue;
    removeRouteSub(account, sub);
    route.subs.delete(key);
  }
}

/** The route closed: its peer's interest goes. */
export function removeRouteSubs(c: Client): void {
  const route = c.route!;
  for (const { account, sub } of route.subs.values()) removeRouteSub(account, sub);
  route.subs.clear();
}
