// The cluster block on a config reload (nats-server 2.9.10 reload.go
// clusterOption, routesOption, reloadAuthorization): host and port cannot
// change (refused earlier, in diffOptions); a new name is taken; routes
// added are dialed and routes removed are closed and not dialed again;
// accepted routes whose credentials no longer pass the cluster
// authorization are closed. New cluster permissions go to every route
// (reloadClusterPermissions): the peer's interest no longer exported is
// dropped, the peer gets the new INFO, and this server's interest that may
// now be imported is sent (RS+), what may not any more withdrawn (RS-).

import type { Account } from "../accounts/account.ts";
import type { CompiledPermissions } from "../auth/permissions.ts";
import type { Client } from "../client/client.ts";
import { sameValue } from "../config/reload.ts";
import { leafAuthViolation } from "../leafnode/connect.ts";
import { redactedURL } from "../leafnode/url.ts";
import { ClosedReason } from "../protocol/closed.ts";
import type { Logger } from "../server/logger.ts";
import { routeAuthorized } from "./connect.ts";
import type { ClusterOptions, RouteURL } from "./options.ts";
import { dropRouteSubsWhere } from "./interest.ts";
import { canExport, canImport, compileRoutePermissions } from "./permissions.ts";
import { sendSubsWhere } from "./propagate.ts";

export interface RouteReloadHost {
  readonly logger: Logger;
  readonly clusterName: string;
  readonly routes: ReadonlyMap<number, Client>;
  readonly accounts: ReadonlyMap<string, Account>;
  /** The cluster permissions in force (set by setClusterOptions). */
  readonly routePerms: CompiledPermissions | null;
  /** The INFO this server sends on route connections. */
  routeInfoLine(withNonce: boolean): string;
  /** Replaces the cluster options (the name kept as the server uses it when none is configured now). */
  setClusterOptions(next: ClusterOptions): void;
  /** The cluster name changed (the options hold the new one): clients are told, dialed leaf connections close. */
  clusterRenamed(name: string): void;
  /** Dials a configured route (forever), or stops dialing one. */
  solicitRoute(url: RouteURL): void;
  forgetRoute(url: RouteURL): void;
}

export function reloadCluster(host: RouteReloadHost, prev: ClusterOptions, next: ClusterOptions): void {
  const log = host.logger;
  const blockChanged = !sameValue({ ...prev, routes: [] }, { ...next, routes: [] });
  const name = host.clusterName;
  host.setClusterOptions(next);
  if (blockChanged) {
    if (next.name !== "" && next.name !== name) host.clusterRenamed(next.name);
    log.notice("Reloaded: cluster");
  }
  const removed = prev.routes.filter((u) => !next.routes.some((v) => sameValue(u, v)));
  const added = next.routes.filter((u) => !prev.routes.some((v) => sameValue(u, v)));
  if (removed.length + added.length > 0) {
    for (const url of removed) {
      host.forgetRoute(url);
      for (const r of [...host.routes.values()]) {
        const ru = r.route!.url;
        if (r.route!.didSolicit && ru !== null && sameValue(ru, url)) {
          r.close(ClosedReason.RouteRemoved);
          log.notice(`Removed route ${redactedURL(url)}`);
        }
      }
    }
    for (const url of added) host.solicitRoute(url);
    log.notice("Reloaded: cluster routes");
  }
  // The cluster block carries the route authorization (an auth change in 2.9.10): accepted routes are checked again.
  if (blockChanged) for (const r of [...host.routes.values()]) if (!r.route!.didSolicit) recheck(r);
  if (!sameValue(prev.permissions, next.permissions)) newPermissions(host, compileRoutePermissions(prev.permissions));
}

function newPermissions(host: RouteReloadHost, before: CompiledPermissions | null): void {
  const after = host.routePerms;
  const info = host.routeInfoLine(false);
  for (const r of host.routes.values()) {
    if (r.closed) continue;
    r.route!.perms = after;
    if (!r.route!.registered) continue;
    dropRouteSubsWhere(r, (s) => !canExport(after, s));
    r.denyFilter = after !== null && [...r.route!.subs.values()].some(({ sub }) => after.needsDeliveryFilter(sub.subject, null));
    r.sendProto(info);
    sendSubsWhere(r, host.accounts.values(), (s) => canImport(after, s) && !canImport(before, s));
    sendSubsWhere(r, host.accounts.values(), (s) => !canImport(after, s) && canImport(before, s), true);
  }
}

function recheck(c: Client): void {
  const ok = routeAuthorized(c);
  if (ok instanceof Promise) void ok.then((good) => !good && !c.closed && leafAuthViolation(c, c.route!.user));
  else if (!ok) leafAuthViolation(c, c.route!.user);
}
