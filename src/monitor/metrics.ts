// /metrics (ours, not in nats-server 2.9.10): the Prometheus text format
// with the names prometheus-nats-exporter gives the same numbers (its
// default `gnatsd` namespace), so dashboards and alerts made for the
// exporter work on a scrape of the server itself. Values come from the
// /varz and /connz builders, read once per scrape; the exporter's rules are
// in exporter.ts. Not counted in http_req_stats: 2.9.10 has no such path,
// and /varz's keys stay its own.

import { connz } from "./connz.ts";
import { exposition, NAMESPACE, varzFamilies, type Family } from "./exporter.ts";
import type { MonitorHost } from "./host.ts";
import type { EndpointHandler } from "./reply.ts";
import { varz } from "./varz.ts";

/** The connz collector's summary: sums over the default /connz page. */
function connzFamilies(host: MonitorHost, serverId: string): Family[] {
  const z = connz(host, {});
  const sum = { pending_bytes: 0, subscriptions: 0, in_bytes: 0, out_bytes: 0, in_msgs: 0, out_msgs: 0 };
  for (const c of z.connections ?? []) {
    sum.pending_bytes += c.pending_bytes;
    sum.subscriptions += c.subscriptions;
    sum.in_bytes += c.in_bytes;
    sum.out_bytes += c.out_bytes;
    sum.in_msgs += c.in_msgs;
    sum.out_msgs += c.out_msgs;
  }
  const family = (key: string, type: Family["type"], value: number): Family => ({
    name: `${NAMESPACE}_connz_${key}`,
    help: key,
    type,
    samples: [{ labels: [["server_id", serverId]], value }],
  });
  return [
    family("num_connections", "gauge", z.num_connections),
    family("total", "gauge", z.total),
    family("offset", "gauge", z.offset),
    family("limit", "gauge", z.limit),
    family("pending_bytes", "gauge", sum.pending_bytes),
    family("subscriptions", "gauge", sum.subscriptions),
    family("in_bytes", "counter", sum.in_bytes),
    family("out_bytes", "counter", sum.out_bytes),
    family("in_msgs", "counter", sum.in_msgs),
    family("out_msgs", "counter", sum.out_msgs),
  ];
}

/** The scrape: /varz and /connz as the exporter would turn them into metrics. */
export function metrics(host: MonitorHost): string {
  // Through JSON, so the walk sees exactly what /varz answers (omitted fields, times as strings).
  const v = JSON.parse(JSON.stringify(varz(host, {}))) as Record<string, unknown>;
  const serverId = String(v.server_id);
  return exposition([...varzFamilies(v, serverId), ...connzFamilies(host, serverId)]);
}

export const handleMetrics: EndpointHandler = (req) => ({
  status: 200,
  body: metrics(req.host),
  contentType: "text/plain; version=0.0.4; charset=utf-8",
});
