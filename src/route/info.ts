// INFO on a route connection (nats-server 2.9.10 route.go processRouteInfo,
// addRoute, forwardNewRouteInfoToKnownServers, processImplicitRoute): the
// first INFO names the peer; a route to itself, another cluster, a second
// server of the same name or a second connection to the same peer is
// closed; otherwise the route is registered, sent this server's interest,
// announced to the other routes (gossip), and the peer's client URLs go to
// this server's clients. A later INFO about another server is a route to
// dial (implicit); one saying lame duck takes the peer's URLs away.

import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { ParseError } from "../protocol/errors.ts";
import { goJSONSyntaxError } from "../protocol/gojson.ts";
import { utf8Text } from "../protocol/text.ts";
import { hostPort } from "../config/address.ts";
import { parseRouteURL } from "./options.ts";
import { sendSubsToRoute, sendSubsWhere } from "./propagate.ts";
import { compileRoutePermissions, canExport, canImport } from "./permissions.ts";
import type { SubjectPermission } from "../auth/types.ts";

export interface RouteInfo {
  server_id?: string;
  server_name?: string;
  host?: string;
  port?: number;
  ip?: string;
  headers?: boolean;
  cluster?: string;
  cluster_dynamic?: boolean;
  connect_urls?: string[];
  ws_connect_urls?: string[];
  ldm?: boolean;
  auth_required?: boolean;
  export?: SubjectPermission;
  lnoc?: boolean;
  [k: string]: unknown;
}

export function processRouteInfo(c: Client, arg: Uint8Array): void {
  let info: RouteInfo;
  try {
    info = JSON.parse(utf8Text(arg)) as RouteInfo;
  } catch {
    throw new ParseError("protocol_violation", goJSONSyntaxError(arg) ?? "invalid JSON");
  }
  const route = c.route!;
  const host = route.host;
  const log = c.server.logger;
  const id = info.server_id ?? "";
  if (id === host.id) {
    route.remoteId = id;
    c.close(ClosedReason.DuplicateRoute);
    return;
  }
  if (info.cluster !== undefined && info.cluster !== "" && info.cluster !== host.clusterName) {
    if (host.clusterDynamic && (info.cluster_dynamic !== true || host.clusterName < info.cluster)) {
      host.adoptClusterName(info.cluster, false, c);
    } else {
      c.close(ClosedReason.ClusterNameConflict);
      return;
    }
  }
  if (route.infoReceived) {
    if (route.remoteId !== "" && id !== route.remoteId) {
      const u = urlOf(info);
      if (u === null || host.routesById.has(id)) return;
      // As 2.9.10's processImplicitRoute: a peer that asks for credentials gets this server's own cluster ones.
      const cred = host.routeCredentials;
      if (info.auth_required === true && cred !== null) u.user = { username: cred.user, password: cred.password };
      host.connectImplicitRoute(u);
      return;
    }
    if (info.ldm === true) {
      route.connectURLs = [];
      route.wsConnectURLs = [];
      host.clientURLsChanged();
    } else {
      remoteExportChanged(c, info.export ?? null);
    }
    return;
  }
  if (!route.didSolicit && info.server_name === host.name) {
    log.error(`${c.label()} - Remote server has a duplicate name: ${JSON.stringify(info.server_name)}`);
    c.close(ClosedReason.DuplicateServerName);
    return;
  }
  route.infoReceived = true;
  c.headers = host.headersSupported && info.headers === true;
  route.remoteId = id;
  route.remoteName = info.server_name ?? "";
  route.lnoc = info.lnoc === true;
  route.remoteExport = info.export ?? null;
  route.connectURLs = Array.isArray(info.connect_urls) ? info.connect_urls : [];
  route.wsConnectURLs = Array.isArray(info.ws_connect_urls) ? info.ws_connect_urls : [];
  // A route's INFO carries at most one: the peer's own leaf node URL.
  route.leafnodeURL = Array.isArray(info.leafnode_urls) && info.leafnode_urls.length === 1 && typeof info.leafnode_urls[0] === "string" ? info.leafnode_urls[0] : "";
  route.peerImport = info.import;
  route.peerExport = info.export;
  route.url ??= urlOf(info);
  if (host.routesById.has(id)) {
    log.debug(`${c.label()} - Detected duplicate remote route ${JSON.stringify(id)}`);
    c.close(ClosedReason.DuplicateRoute);
    return;
  }
  host.routesById.set(id, c);
  route.registered = true;
  c.authenticated = true;
  log.debug(`${c.label()} - Registering remote route ${JSON.stringify(id)}`);
  sendSubsToRoute(c, host.accounts.values());
  log.debug(`${c.label()} - Sent local subscriptions to route`);
  if (host.routesById.size > 1) forwardToOtherRoutes(c, info);
  if (route.connectURLs.length > 0 || route.wsConnectURLs.length > 0) host.clientURLsChanged();
  if (route.leafnodeURL !== "") host.leafnodeURLsChanged();
}

/** Where the peer's routes listen: its advertised `ip`, or its host and port. */
function urlOf(info: RouteInfo): ReturnType<typeof parseRouteURL> {
  if (typeof info.ip === "string" && info.ip !== "") return parseRouteURL(info.ip);
  if (typeof info.host !== "string" || typeof info.port !== "number") return null;
  return parseRouteURL(`nats-route://${hostPort(info.host, info.port)}/`);
}

/** Gossip: the other routes learn of the new peer, at the address it was reached from unless it advertises one. */
function forwardToOtherRoutes(c: Client, info: RouteInfo): void {
  const host = c.route!.host;
  const fwd: RouteInfo = { ...info };
  if (typeof fwd.ip !== "string" || fwd.ip === "") fwd.ip = `nats-route://${hostPort(c.host, info.port ?? 0)}/`;
  const line = `INFO ${JSON.stringify(fwd)}\r\n`;
  for (const r of host.routesById.values()) if (r !== c) r.sendProto(line);
}

/**
 * The peer reloaded its cluster permissions (2.9.10 updateRemoteRoutePerms):
 * interest it did not export before but does now is sent again.
 */
function remoteExportChanged(c: Client, next: SubjectPermission | null): void {
  const route = c.route!;
  const toPerms = (p: SubjectPermission | null) => compileRoutePermissions(p === null ? null : { import: null, export: p });
  const before = toPerms(route.remoteExport);
  const after = toPerms(next);
  route.remoteExport = next;
  const host = route.host;
  sendSubsWhere(c, host.accounts.values(), (s) => canExport(after, s) && !canExport(before, s) && canImport(route.perms, s));
}
