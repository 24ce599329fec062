// The INFO a leaf node port sends (nats-server 2.9.10 copyLeafNodeInfo,
// setLeafNodeInfoHostPortAndIP, sendPermsAndAccountInfo): always
// auth_required, a nonce and info_on_connect in the first one; after a
// good CONNECT a second one with connect_info, the bound account and the
// permissions the other side enforces for itself.

import { networkInterfaces } from "node:os";
import type { Client } from "../client/client.ts";
import type { Permissions, SubjectPermission } from "../auth/types.ts";
import { RUNTIME_VERSION, VERSION } from "../server/version.ts";
import { hostPort } from "../config/address.ts";
import { goMarshal } from "../monitor/json.ts";
import type { LeafHost } from "./state.ts";

/** A wildcard listen address is advertised as the first address others can reach (not loopback). */
function advertisedHost(host: string): string {
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && a.family === "IPv4") return a.address;
    }
  }
  return "127.0.0.1";
}

/** `host:port` other servers reach this leaf port at (advertise wins). */
export function leafnodeURL(host: LeafHost): string {
  const lo = host.leafnodeOptions!;
  if (lo.advertise !== "") return lo.advertise;
  return hostPort(advertisedHost(lo.host), host.leafnodePort);
}

/**
 * The INFO line for `c`: the first one (with the nonce), or the one after
 * CONNECT (with the bound user's permissions); for no connection, the one
 * every leaf node connection gets when the cluster's leaf node URLs change.
 */
export function leafInfoLine(host: LeafHost, c: Client | null, afterConnect: boolean, userPerms: Permissions | null = null): string {
  const lo = host.leafnodeOptions!;
  const url = leafnodeURL(host);
  const sep = url.lastIndexOf(":");
  const info: Record<string, unknown> = {
    server_id: host.id,
    server_name: host.name,
    version: VERSION,
    proto: 1,
    go: RUNTIME_VERSION,
    host: url.slice(0, sep).replace(/^\[|\]$/g, ""),
    port: Number(url.slice(sep + 1)),
    headers: host.headersSupported,
    auth_required: true,
  };
  if (lo.tls !== null) {
    info.tls_required = true;
    if (lo.tls.verify) info.tls_verify = true;
  }
  info.max_payload = host.options.maxPayload;
  info.ip = url;
  if (c !== null) info.client_id = c.cid;
  if (!afterConnect && c !== null && c.nonce !== null) info.nonce = c.nonce;
  if (host.clusterName !== "") info.cluster = host.clusterName;
  // The bound user's permissions as configured, from the other side's view (it swaps nothing).
  if (userPerms?.subscribe) info.import = permJSON(userPerms.subscribe);
  if (userPerms?.publish) info.export = permJSON(userPerms.publish);
  info.info_on_connect = true;
  if (afterConnect) info.connect_info = true;
  info.leafnode_urls = host.leafnodeURLs();
  if (afterConnect && c !== null) info.remote_account = c.account.name;
  return `INFO ${goMarshal(info)} \r\n`;
}

/** A SubjectPermission as nats-server's JSON has it (allow/deny omitted when empty). */
function permJSON(p: SubjectPermission): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (p.allow !== null && p.allow.length > 0) out.allow = p.allow;
  if (p.deny !== null && p.deny.length > 0) out.deny = p.deny;
  return out;
}

/** Permissions from the hub's INFO, from this side's view: what it may send (export) and receive (import). */
export function permsFromInfo(imp: unknown, exp: unknown): Permissions {
  return { publish: subjectPerm(exp), subscribe: subjectPerm(imp), response: null };
}

function subjectPerm(v: unknown): SubjectPermission | null {
  if (v === null || typeof v !== "object") return null;
  const o = v as { allow?: unknown; deny?: unknown };
  const list = (x: unknown): string[] | null => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : null);
  return { allow: list(o.allow), deny: list(o.deny) };
}
