// CONNECT on the route port (nats-server 2.9.10 route.go
// processRouteConnect, and isRouterAuthorized): clients and gateways that
// came to the wrong port are told so, the cluster authorization is checked,
// and the cluster names must match (a server whose name is generated takes
// the other's).

import type { Client } from "../client/client.ts";
import { checkSecret } from "../auth/authenticate.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { ParseError } from "../protocol/errors.ts";
import { leafAuthViolation } from "../leafnode/connect.ts";
import { goJSONSyntaxError } from "../protocol/gojson.ts";
import { utf8Text } from "../protocol/text.ts";
import type { RouteHost } from "./state.ts";

interface RouteConnect {
  user?: unknown;
  pass?: unknown;
  name?: unknown;
  cluster?: unknown;
  headers?: unknown;
  lang?: unknown;
  gateway?: unknown;
  cluster_dynamic?: unknown;
  lnoc?: unknown;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** What the route code needs to check a CONNECT: the cluster's authorization user (empty: none). */
export interface RouteAuth {
  user: string;
  password: string;
}

export function processRouteConnect(c: Client, arg: Uint8Array): void {
  let proto: RouteConnect;
  try {
    const v = JSON.parse(utf8Text(arg)) as unknown;
    proto = v !== null && typeof v === "object" ? (v as RouteConnect) : {};
  } catch {
    throw new ParseError("protocol_violation", goJSONSyntaxError(arg) ?? "invalid JSON");
  }
  c.connectReceived = true;
  c.parser.connectRequired = false;
  c.lastActivity = Date.now();
  c.clearAuthTimer();
  const route = c.route!;
  const log = c.server.logger;
  if (str(proto.lang) !== "") {
    c.sendErr("attempted to connect to route port");
    log.error(`${c.label()} - attempted to connect to route port`);
    c.close(ClosedReason.WrongPort);
    // The reference logs the error its CONNECT handler returns once more, after the close.
    log.error(`${c.label()} - attempted to connect to route port`);
    return;
  }
  if (str(proto.gateway) !== "") {
    const text = `Rejecting connection from gateway ${JSON.stringify(proto.gateway)} on the Route port`;
    log.error(`${c.label()} - ${text}`);
    c.sendErr(text);
    c.close(ClosedReason.WrongGateway);
    log.error(`${c.label()} - wrong gateway`);
    return;
  }
  route.user = str(proto.user);
  route.pass = str(proto.pass);
  const ok = routeAuthorized(c);
  if (ok instanceof Promise) {
    c.setAuthPending(true);
    void ok.then((good) => {
      if (c.closed) return;
      c.setAuthPending(false);
      if (good) accept(c, proto);
      else leafAuthViolation(c, route.user);
    });
    return;
  }
  if (ok) accept(c, proto);
  else leafAuthViolation(c, route.user);
}

/**
 * Whether the credentials of an accepted route's CONNECT pass the cluster
 * authorization (2.9.10 isRouterAuthorized); asked again after a reload.
 */
export function routeAuthorized(c: Client): boolean | Promise<boolean> {
  const route = c.route!;
  const auth = routeAuth(route.host);
  if (auth === null) return true;
  if (route.user !== auth.user) return false;
  const r = checkSecret(route.pass, auth.password, { ok: true, user: null, name: auth.user, account: "", permissions: null }, auth.user);
  return r instanceof Promise ? r.then((x) => x.ok) : r.ok;
}

function accept(c: Client, proto: RouteConnect): void {
  const route = c.route!;
  const host = route.host;
  const theirs = str(proto.cluster);
  const ours = host.clusterName;
  if (theirs !== ours) {
    // A generated name gives way to a configured one, or to a larger generated one.
    const dynamic = proto.cluster_dynamic === true;
    if (host.clusterDynamic && (!dynamic || ours < theirs)) {
      host.adoptClusterName(theirs, !dynamic, c);
    } else {
      const text = `Rejecting connection, cluster name ${JSON.stringify(theirs)} does not match ${JSON.stringify(ours)}`;
      const log = c.server.logger;
      log.error(`${c.label()} - ${text}`);
      c.sendErr(text);
      c.close(ClosedReason.ClusterNameConflict);
      log.error(`${c.label()} - cluster name from remote server conflicts`);
      return;
    }
  }
  c.authenticated = true;
  route.remoteId = str(proto.name);
  route.lnoc = proto.lnoc === true;
  c.headers = host.headersSupported && proto.headers === true;
}

/** The cluster authorization user, if one is configured. */
function routeAuth(host: RouteHost): RouteAuth | null {
  const cred = host.routeCredentials;
  return cred === null || cred.user === "" ? null : cred;
}
