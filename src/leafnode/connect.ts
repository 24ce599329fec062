// CONNECT on a leaf node port (nats-server 2.9.10 processLeafNodeConnect):
// clients and gateways that came to the wrong port are told so, the
// credentials pick the account, then the connection is registered (an older
// one from the same remote server is replaced), told its permissions and
// bound account in a second INFO, and sent the account's interest.

import { compilePermissions } from "../auth/permissions.ts";
import type { AuthResult } from "../auth/authenticate.ts";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { ERR, ParseError } from "../protocol/errors.ts";
import { goJSONSyntaxError } from "../protocol/gojson.ts";
import { goQuote, utf8Text } from "../protocol/text.ts";
import { startFirstPing } from "../client/ping.ts";
import { authenticateLeaf } from "./auth.ts";
import { leafInfoLine } from "./info.ts";
import { sendInitialInterest } from "./propagate.ts";
import { acceptedPermissions } from "./permissions.ts";
import { registerLeaf } from "./register.ts";
import { minVersionMet } from "./util.ts";

/** The fields of a leaf node's CONNECT (leafConnectInfo). */
interface LeafConnect {
  version?: unknown;
  jwt?: unknown;
  sig?: unknown;
  user?: unknown;
  pass?: unknown;
  name?: unknown;
  is_hub?: unknown;
  cluster?: unknown;
  headers?: unknown;
  deny_pub?: unknown;
  gateway?: unknown;
  lang?: unknown;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function processLeafConnect(c: Client, arg: Uint8Array): void {
  let proto: LeafConnect;
  try {
    const v = JSON.parse(utf8Text(arg)) as unknown;
    proto = v !== null && typeof v === "object" ? (v as LeafConnect) : {};
  } catch {
    throw new ParseError("protocol_violation", goJSONSyntaxError(arg) ?? "invalid JSON");
  }
  c.connectReceived = true;
  c.parser.connectRequired = false;
  // What /connz and the account's events show of it, as 2.9.10 keeps the CONNECT's name, version and user.
  c.opts.name = str(proto.name);
  c.opts.version = str(proto.version);
  c.opts.user = str(proto.user);
  c.lastActivity = Date.now();
  c.clearAuthTimer();
  const host = c.leaf!.host;
  const lo = host.leafnodeOptions!;
  const creds = { user: str(proto.user), pass: str(proto.pass), jwt: str(proto.jwt), sig: str(proto.sig) };
  const ws = c.connectionType === "LEAFNODE_WS";
  // Over WebSocket, the websocket block's no_auth_user replaces the server's (2.9.10).
  const noAuthUser = (ws ? host.websocketNoAuthUser : "") || host.auth.noAuthUser;
  // verify_and_map maps the leaf node port's client certificates (not a websocket's).
  const certIds = !ws && lo.tls?.verifyAndMap ? (c.certIdentities ?? []) : null;
  const r = authenticateLeaf(lo, host.auth, host, creds, c.nonce, ws ? "LEAFNODE_WS" : "LEAFNODE", c.host, noAuthUser, certIds);
  if (r instanceof Promise) {
    c.setAuthPending(true);
    void r.then((res) => {
      if (c.closed) return;
      c.setAuthPending(false);
      afterAuth(c, proto, res);
    });
    return;
  }
  afterAuth(c, proto, r);
}

function afterAuth(c: Client, proto: LeafConnect, r: AuthResult): void {
  const host = c.leaf!.host;
  const log = c.server.logger;
  const account = r.ok ? host.lookupAccount(r.account) : null;
  if (!r.ok || account === null) {
    leafAuthViolation(c, str(proto.user));
    return;
  }
  // Bound first, as 2.9.10 authenticates before it looks at what kind of peer this is.
  c.bindAccount(account);
  c.authenticated = true;
  c.userName = r.name;
  // A client speaks `lang`; a leaf node never does.
  if (str(proto.lang) !== "") {
    c.sendErr("attempted to connect to leaf node port");
    log.error(`${c.label()} - attempted to connect to leaf node port`);
    c.close(ClosedReason.WrongPort);
    // 2.9.10's read loop logs the error CONNECT returned once more.
    log.error(`${c.label()} - attempted to connect to leaf node port`);
    return;
  }
  // The same cluster on both sides would be a loop through the routes.
  const cluster = str(proto.cluster);
  if (cluster !== "" && cluster === host.clusterName) {
    c.sendErr("remote leafnode has same cluster name");
    log.error(`${c.label()} - remote leafnode has same cluster name`);
    c.close(ClosedReason.ClusterNamesIdentical);
    log.error(`${c.label()} - remote leafnode has same cluster name`);
    return;
  }
  if (str(proto.gateway) !== "") {
    const text = `Rejecting connection from gateway ${JSON.stringify(proto.gateway)} on the leafnode port`;
    log.error(`${c.label()} - ${text}`);
    c.sendErr(text);
    c.close(ClosedReason.WrongGateway);
    log.error(`${c.label()} - wrong gateway`);
    return;
  }
  const mv = host.leafnodeOptions!.minVersion;
  if (mv !== "" && !minVersionMet(str(proto.version), mv)) {
    c.sendProto(leafInfoLine(host, c, true, r.permissions));
    const text = `connection rejected since minimum version required is ${JSON.stringify(mv)}`;
    c.sendErr(text);
    log.error(`${c.label()} - ${text}`);
    // Nothing more is read from it (2.9.10 holds its read loop until the close): no interest or messages from a refused peer.
    c.setAuthPending(true);
    setTimeout(() => c.close(ClosedReason.MinimumVersionRequired), 5000).unref();
    return;
  }
  const leaf = c.leaf!;
  c.headers = host.headersSupported && proto.headers === true;
  leaf.remoteServer = str(proto.name);
  if (proto.is_hub === true) leaf.isSpoke = true;
  leaf.remoteCluster = str(proto.cluster);
  const denyPub = Array.isArray(proto.deny_pub) ? proto.deny_pub.filter((x): x is string => typeof x === "string") : [];
  c.perms = compilePermissions(acceptedPermissions(r.permissions, denyPub));
  startFirstPing(c);
  const la = host.leafnodeOptions!.authorization;
  registerLeaf(c, true, la.users.length === 0 && la.user === "");
  c.sendProto(leafInfoLine(host, c, true, r.permissions));
  sendInitialInterest(c);
}

/**
 * Refused credentials, logged as 2.9.10's authViolation does: the user is
 * named when the server has client users (an nkey when it has nkeys), and
 * nobody in operator mode.
 */
export function leafAuthViolation(c: Client, user: string): void {
  const a = c.server.auth;
  const who = a.trust !== undefined ? "" : a.nkeys.size > 0 ? ' - Nkey ""' : a.users.size > 0 ? ` - User ${goQuote(user)}` : "";
  c.server.logger.error(`${c.label()} - authentication error${who}`);
  c.sendErr(ERR.authViolation);
  c.close(ClosedReason.AuthenticationViolation);
}
