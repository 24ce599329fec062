// /gatewayz: nats-server 2.9.10's Gatewayz as a server without gateways
// answers it (we serve none): no name/host/port, both maps empty.

import { goTime } from "../server/system.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { decodeBool } from "./query.ts";

export interface GatewayzOptions {
  name?: string;
  accounts?: boolean;
  account_name?: string;
}

/** RemoteGatewayz (its connection is a /connz ConnInfo). */
export interface RemoteGatewayz {
  configured: boolean;
  connection?: unknown;
  accounts?: unknown[];
}

export interface Gatewayz {
  server_id: string;
  now: string;
  name?: string;
  host?: string;
  port?: number;
  outbound_gateways: Record<string, RemoteGatewayz>;
  inbound_gateways: Record<string, RemoteGatewayz[]>;
}

export function gatewayz(host: MonitorHost, _opts: GatewayzOptions = {}): Gatewayz {
  return { server_id: host.id, now: goTime(new Date()), outbound_gateways: {}, inbound_gateways: {} };
}

/** `acc_name` implies `accs`. */
export function gatewayzQuery(q: URLSearchParams): GatewayzOptions {
  const accounts = decodeBool(q, "accs");
  const accountName = q.get("acc_name") ?? "";
  return { name: q.get("gw_name") ?? "", accounts: accounts || accountName !== "", account_name: accountName };
}

/** Counted before decoding, as 2.9.10. */
export const handleGatewayz: EndpointHandler = (req) => {
  req.count();
  return jsonReply(req, gatewayz(req.host, gatewayzQuery(req.query)));
};
