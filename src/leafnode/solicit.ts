// The soliciting side of a leaf node connection (nats-server 2.9.10
// leafnode.go processLeafnodeInfo, leafNodeResumeConnectProcess,
// sendLeafConnect, leafNodeFinishConnectProcess): the hub speaks first; its
// INFO must come from a leaf node port (a client id and leafnode_urls), then
// this side does the TLS handshake if the remote or the hub requires TLS
// (src/leafnode/tls.ts) and sends CONNECT (credentials from the .creds file, a signature
// callback or the URL's user and password) and, once the hub answers with
// connect_info, registers the connection and sends its local interest.

import { compilePermissions } from "../auth/permissions.ts";
import type { Client } from "../client/client.ts";
import { startFirstPing } from "../client/ping.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { ParseError } from "../protocol/errors.ts";
import { goJSONSyntaxError } from "../protocol/gojson.ts";
import { utf8Text } from "../protocol/text.ts";
import { VERSION } from "../server/version.ts";
import { withDenies } from "./permissions.ts";
import { permsFromInfo } from "./info.ts";
import { sendInitialInterest } from "./propagate.ts";
import { registerLeaf } from "./register.ts";
import { SignError } from "./creds.ts";

/** How long the hub has to send the INFO with connect_info after CONNECT. */
const CONNECT_PROCESS_TIMEOUT = 2000;

interface LeafInfo {
  server_id?: string;
  server_name?: string;
  client_id?: number;
  leafnode_urls?: unknown;
  ws_connect_urls?: unknown;
  nonce?: string;
  headers?: boolean;
  cluster?: string;
  tls_required?: boolean;
  info_on_connect?: boolean;
  connect_info?: boolean;
  import?: unknown;
  export?: unknown;
  remote_account?: string;
}

/** INFO on a leaf node connection: only the soliciting side acts on it (the first, then connect_info). */
export function processLeafInfo(c: Client, arg: Uint8Array): void {
  let info: LeafInfo;
  try {
    info = JSON.parse(utf8Text(arg)) as LeafInfo;
  } catch {
    throw new ParseError("protocol_violation", goJSONSyntaxError(arg) ?? "invalid JSON");
  }
  const leaf = c.leaf!;
  const remote = leaf.remote;
  let first = false;
  if (!leaf.infoReceived) {
    leaf.infoReceived = true;
    first = true;
    if (remote !== null && (!info.client_id || !Array.isArray(info.leafnode_urls))) {
      c.server.logger.error(`${c.label()} - attempted to connect to wrong port`);
      c.close(ClosedReason.WrongPort);
      return;
    }
    c.nonce = typeof info.nonce === "string" ? info.nonce : null;
    if (info.tls_required === true) remote?.requireTLS();
    c.headers = leaf.host.headersSupported && info.headers === true;
    leaf.remoteServer = info.server_name || info.server_id || "";
    leaf.remoteCluster = info.cluster ?? "";
  }
  if (remote === null) return;
  remote.learnURLs(info.leafnode_urls, info.ws_connect_urls);
  if (info.import !== undefined || info.export !== undefined) {
    c.perms = compilePermissions(withDenies(permsFromInfo(info.import, info.export), remote.opts.denyExports, remote.opts.denyImports));
  }
  if (first) {
    if (leaf.timer !== null) clearTimeout(leaf.timer);
    leaf.timer = null;
    remote.secure(c, () => resumeConnect(c, info));
    return;
  }
  if (info.connect_info === true) finishConnect(c);
}

/** CONNECT (over TLS when required), then registration now or on the INFO with connect_info. */
function resumeConnect(c: Client, info: LeafInfo): void {
  if (!sendConnect(c)) return;
  c.server.logger.debug(`${c.label()} - Remote leafnode connect msg sent`);
  if (info.info_on_connect !== true || info.connect_info === true) {
    finishConnect(c);
    return;
  }
  c.leaf!.timer = setTimeout(staleConnect, CONNECT_PROCESS_TIMEOUT, c);
}

function staleConnect(c: Client): void {
  c.leaf!.timer = null;
  if (c.closed) return;
  c.server.logger.debug(`${c.label()} - Stale Leaf Node Connection - Closing`);
  c.sendErr("Stale Leaf Node Connection - Closing");
  c.close(ClosedReason.StaleConnection);
}

/** CONNECT with this remote's credentials; false (and closed) when they cannot be used. */
function sendConnect(c: Client): boolean {
  const leaf = c.leaf!;
  const remote = leaf.remote!;
  const host = leaf.host;
  const ro = remote.opts;
  const cinfo: Record<string, unknown> = { version: VERSION };
  const signed = remote.sign(c);
  if (signed instanceof SignError) {
    c.server.logger.error(`${c.label()} - ${signed.message}`);
    if (signed.fatal) {
      c.close(ClosedReason.WriteError);
      return false;
    }
    // 2.9.10 returns before writing CONNECT, yet carries on: the hub's authorization timeout ends it.
    return true;
  }
  if (signed !== null) {
    cinfo.jwt = signed.jwt;
    cinfo.sig = signed.sig;
  } else {
    const u = remote.userInfo();
    if (u !== null) {
      cinfo.user = u.username;
      if (u.password !== null) cinfo.pass = u.password;
    }
  }
  // Over WebSocket, TLS belongs to the upgrade: CONNECT says false (2.9.10).
  cinfo.tls_required = remote.tlsRequired && c.connectionType !== "LEAFNODE_WS";
  cinfo.server_id = host.id;
  cinfo.name = host.name;
  if (ro.hub) cinfo.is_hub = true;
  // A server without a cluster goes by its name (2.9.10).
  cinfo.cluster = host.clusterName || host.name;
  if (c.headers) cinfo.headers = true;
  if (ro.denyImports.length > 0) cinfo.deny_pub = ro.denyImports;
  // Not traced: it carries the password or signature (2.9.10 does not trace it either).
  c.out.latin1(`CONNECT ${JSON.stringify(cinfo)}\r\n`);
  c.queued();
  return true;
}

/** Registered with its account, local interest sent, keepalive started. */
function finishConnect(c: Client): void {
  const leaf = c.leaf!;
  if (leaf.smap !== null || c.closed) return;
  if (leaf.timer !== null) clearTimeout(leaf.timer);
  leaf.timer = null;
  c.authenticated = true;
  registerLeaf(c, false);
  sendInitialInterest(c);
  startFirstPing(c);
  leaf.remote!.connected(c);
}
