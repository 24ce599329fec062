// /healthz: nats-server 2.9.10's health probe. Without JetStream (we do
// not run it) a listening server is healthy whatever the options ask;
// 2.9.10 answers in compact JSON.

import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { goMarshal } from "./json.ts";
import { decodeBool } from "./query.ts";

export interface HealthzOptions {
  "js-enabled-only"?: boolean;
  "js-server-only"?: boolean;
}

export interface HealthStatus {
  status: string;
  error?: string;
}

export function healthz(_host: MonitorHost, _opts: HealthzOptions = {}): HealthStatus {
  // The JetStream checks of 2.9.10 only apply with JetStream enabled.
  return { status: "ok" };
}

/** `js-enabled` is the deprecated spelling of `js-enabled-only`. */
export function healthzQuery(q: URLSearchParams, warn: (text: string) => void = () => {}): HealthzOptions {
  const jsEnabled = decodeBool(q, "js-enabled");
  if (jsEnabled) warn("Healthcheck: js-enabled deprecated, use js-enabled-only instead");
  const jsEnabledOnly = decodeBool(q, "js-enabled-only");
  return { "js-enabled-only": jsEnabledOnly || jsEnabled, "js-server-only": decodeBool(q, "js-server-only") };
}

/** Counted before decoding, as 2.9.10. (Its 503 for an unhealthy server needs JetStream to happen.) */
export const handleHealthz: EndpointHandler = (req) => {
  req.count();
  const log = req.host.logger;
  return jsonReply(req, healthz(req.host, healthzQuery(req.query, (text) => log.warn(text))), 200, goMarshal);
};
