// Telling routes of this server's interest (nats-server 2.9.10 route.go
// updateRouteSubscriptionMap, sendSubsToRoute): what its own connections
// subscribe to (its clients and services, leaf nodes it is the hub of) is
// counted per account and key, and told to every route with RS+/RS- when a
// count comes or goes (queue groups: on every change, with the count as
// weight). A change a leaf node of a named cluster made goes as LS+/LS- to
// routes that understand it (lnoc), so the peers keep it from that cluster's
// other leaf node connections; the whole interest sent to a new route is
// plain RS+, as 2.9.10 sends it.

import type { Account } from "../accounts/account.ts";
import type { Client } from "../client/client.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { canImport } from "./permissions.ts";

/** The key interest is counted under: `subject` or `subject queue`. */
function keyOf(sub: Subscription): string {
  return sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
}

/** Interest this server speaks for on routes: its clients and services, and leaf nodes it is the hub of. */
function isLocal(sub: Subscription): boolean {
  const c = sub.client;
  if (c === null) return sub.target.forwarder?.serverLocal !== true;
  if (c.route !== null) return false;
  return c.leaf === null || !c.leaf.isSpoke;
}

/** Local interest of an account by key, counted as the routes are told of it. */
function buildRouteMap(acc: Account): Map<string, number> {
  const m = new Map<string, number>();
  for (const sub of acc.sublist.all()) {
    if (!isLocal(sub)) continue;
    const key = keyOf(sub);
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

function subLine(acc: string, key: string, n: number): string {
  if (n <= 0) return `RS- ${acc} ${key}\r\n`;
  return key.includes(" ") ? `RS+ ${acc} ${key} ${n}\r\n` : `RS+ ${acc} ${key}\r\n`;
}

/** The leaf-origin form (2.9.10 addRouteSubOrUnsubProtoToBuf): LS+ names the cluster, LS- does not. */
function originSubLine(origin: string, acc: string, key: string, n: number): string {
  if (n <= 0) return `LS- ${acc} ${key}\r\n`;
  return key.includes(" ") ? `LS+ ${origin} ${acc} ${key} ${n}\r\n` : `LS+ ${origin} ${acc} ${key}\r\n`;
}

/** A newly registered route gets the whole of this server's interest (what it may import), account by account. */
export function sendSubsToRoute(c: Client, accounts: Iterable<Account>): void {
  sendSubsWhere(c, accounts, (subject) => canImport(c.route!.perms, subject));
}

/** RS+ (or RS- when `remove`) for this server's interest whose subject passes `pick`. */
export function sendSubsWhere(c: Client, accounts: Iterable<Account>, pick: (subject: string) => boolean, remove = false): void {
  let out = "";
  for (const acc of accounts) {
    acc.routeMap ??= buildRouteMap(acc);
    for (const [key, n] of acc.routeMap) if (pick(key.split(" ")[0]!)) out += subLine(acc.name, key, remove ? 0 : n);
  }
  if (out !== "") c.sendProto(out);
}

/** Interest that changed outside a connection's SUB (a stream import's shadow, a response mapping): the account's routes hear of it. */
export function updateAccountRoutes(acc: Account, sub: Subscription, delta: number): void {
  if (acc.routeMap !== null && acc.routes !== null) updateRouteSubs(acc, acc.routes.values(), sub, delta);
}

/**
 * A local subscription came (delta > 0) or went: the account's count for
 * its key changes, and every route hears of it when plain interest starts
 * or ends, and on every change of a queue group's count.
 */
export function updateRouteSubs(acc: Account, routes: Iterable<Client>, sub: Subscription, delta: number): void {
  const rm = acc.routeMap;
  if (rm === null || !isLocal(sub)) return;
  const key = keyOf(sub);
  const n = rm.get(key) ?? 0;
  const m = n + delta;
  if (m > 0) rm.set(key, m);
  else rm.delete(key);
  if (sub.queue === null && n > 0 && m > 0) return;
  if (n === 0 && m <= 0) return;
  const line = subLine(acc.name, key, m);
  const origin = sub.client?.leaf?.remoteCluster ?? "";
  const lnocLine = origin === "" ? line : originSubLine(origin, acc.name, key, m);
  for (const r of routes) {
    const route = r.route!;
    if (route.registered && canImport(route.perms, sub.subject)) r.sendProto(route.lnoc ? lnocLine : line);
  }
}
