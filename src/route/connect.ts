// CONNECT on the route port (nats-server 2.9.10 route.go
// processRouteConnect, and isRouterAuthorized): clients and gateways that
// came to the wrong port are told so, the cluster authorization is checked,
// and the cluster names must match (a server whose name is generated takes
// the other's).

import type { Client } from "../client/client.ts";
import { checkSecret } from "../auth/authenticate.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { ERR, ParseError } from "../protocol/errors.ts";
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
  const host = route.host;
  const log = c.server.logger;
  if (str(proto.lang) !== "") {
    c.sendErr("attempted to connect to route port");
    log.error(`${c.label()} - attempted to connect to route port`);
    c.close(ClosedReason.WrongPort);
    return;
  }
  if (str(proto.gateway) !== "") {
    const text = `Rejecting connection from gateway ${JSON.stringify(proto.gateway)} on the Route port`;
    log.error(`${c.label()} - ${text}`);
    c.sendErr(text);
    c.close(ClosedReason.WrongGateway);
    return;
  }
  const auth = routeAuth(host);
  if (auth !== null) {
    const ok = str(proto.user) === auth.user ? checkSecret(str(proto.pass), auth.password, { ok: true, user: null, name: auth.user, account: "", permissions: null }, auth.user) : null;
    if (ok === null || ok instanceof Promise || !ok.ok) {
      if (ok instanceof Promise) {
        c.setAuthPending(true);
        void ok.then((r) => {
          if (c.closed) return;
          c.setAuthPending(false);
          if (r.ok) accept(c, proto);
          else refuse(c);
        });
        return;
      }
      refuse(c);
      return;
    }
  }
  accept(c, proto);
}

function refuse(c: Client): void {
  c.server.logger.error(`${c.label()} - authentication error - User "${c.userName}"`);
  c.sendErr(ERR.authViolation);
  c.close(ClosedReason.AuthenticationViolation);
}

function accept(c: Client, proto: RouteConnect): void {
  const route = c.route!;
  const host = route.host;
  const theirs = str(proto.cluster);
  if (theirs !== host.clusterName) {
    const text = `Rejecting connection, cluster name ${JSON.stringify(theirs)} does not match ${JSON.stringify(host.clusterName)}`;
    c.server.logger.error(`${c.label()} - ${text}`);
    c.sendErr(text);
    c.close(ClosedReason.ClusterNameConflict);
    return;
  }
  c.authenticated = true;
  route.remoteId = str(proto.name);
  c.headers = host.headersSupported && proto.headers === true;
}

/** The cluster authorization user, if one is configured. */
function routeAuth(host: RouteHost): RouteAuth | null {
  const cred = host.routeCredentials;
  return cred === null || cred.user === "" ? null : cred;
}
