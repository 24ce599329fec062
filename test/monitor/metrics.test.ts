// /metrics: valid Prometheus text, prometheus-nats-exporter's names, values
// equal to /varz's taken at the same moment, and the same metric names the
// exporter would make of nats-server 2.9.10's /varz for the same config.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { varzFamilies } from "../../src/monitor/exporter.ts";
import { writeConf } from "../helpers/conf.ts";
import { monitorBase } from "../helpers/monitor.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Scraped {
  type: Map<string, string>;
  samples: Map<string, { labels: Record<string, string>; value: number }[]>;
}

/** A strict reader of the text format: HELP then TYPE before each family's samples, valid names and labels. */
function parseExposition(text: string): Scraped {
  const out: Scraped = { type: new Map(), samples: new Map() };
  expect(text.endsWith("\n")).toBe(true);
  let current = "";
  for (const line of text.slice(0, -1).split("\n")) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|untyped)$/.exec(line);
    if (help !== null) {
      expect(help[1]).toMatch(NAME);
      expect(out.type.has(help[1]!)).toBe(false);
      current = help[1]!;
      continue;
    }
    if (type !== null) {
      expect(type[1]).toBe(current);
      out.type.set(current, type[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    expect(m[1]).toBe(current);
    expect(out.type.has(current)).toBe(true);
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2]!.matchAll(/([^=,]+)="((?:[^"\\]|\\.)*)"/g)) {
      expect(k).toMatch(LABEL);
      labels[k!] = v!;
    }
    const value = Number(m[3]);
    expect(Number.isNaN(value) && m[3] !== "NaN").toBe(false);
    const list = out.samples.get(current) ?? [];
    list.push({ labels, value });
    out.samples.set(current, list);
  }
  return out;
}

const CONF = "http_port: -1\nserver_name: metrics-test\n";

describe("/metrics", () => {
  let server: RunningServer;
  let base: string;
  const clients: NatsConnection[] = [];

  beforeAll(async () => {
    server = await startServer(["-c", writeConf(CONF)]);
    base = await monitorBase(server);
    for (let i = 0; i < 3; i++) {
      const nc = await connect({ servers: `127.0.0.1:${server.port}`, name: `m${i}` });
      nc.subscribe(`m.${i}`, { callback: () => {} });
      nc.subscribe("m.all", { callback: () => {} });
      clients.push(nc);
    }
    clients[0]!.publish("m.all", "hello");
    await Promise.all(clients.map((nc) => nc.flush()));
  });

  afterAll(async () => {
    await Promise.all(clients.map((nc) => nc.close()));
    await server?.stop();
  });

  test("Prometheus text with the exporter's names, equal to /varz", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    const scraped = parseExposition(await res.text());
    const v = (await (await fetch(`${base}/varz`)).json()) as Record<string, unknown>;

    const one = (name: string): { labels: Record<string, string>; value: number } => {
      const s = scraped.samples.get(name);
      if (s === undefined) throw new Error(`${name} missing`);
      expect(s.length).toBe(1);
      return s[0]!;
    };
    for (const k of ["connections", "subscriptions", "total_connections", "max_payload", "port", "slow_consumers"]) {
      expect(one(`gnatsd_varz_${k}`).value).toBe(v[k] as number);
      expect(one(`gnatsd_varz_${k}`).labels).toEqual({ server_id: v.server_id as string });
    }
    // Counters as the exporter types them: varz numbers are gauges, connz sums of traffic counters.
    for (const k of ["in_msgs", "out_msgs", "in_bytes", "out_bytes", "mem", "cpu", "cores", "routes", "leafnodes"]) {
      expect(scraped.type.get(`gnatsd_varz_${k}`)).toBe("gauge");
    }
    expect(one("gnatsd_varz_in_msgs").value).toBeGreaterThanOrEqual(1);
    expect(one("gnatsd_varz_version").labels).toEqual({ server_id: v.server_id as string, value: "2.9.10" });
    expect(one("gnatsd_varz_server_name").labels.value).toBe("metrics-test");
    expect(one("gnatsd_varz_start").value).toBe(Date.parse((v.start as string).replace(/(\.\d{3})\d+/, "$1")));
    expect(scraped.samples.has("gnatsd_varz_now")).toBe(false);
    expect(scraped.samples.has("gnatsd_varz_uptime")).toBe(false);

    expect(one("gnatsd_connz_num_connections").value).toBe(3);
    expect(one("gnatsd_connz_total").value).toBe(3);
    expect(one("gnatsd_connz_subscriptions").value).toBe(6);
    expect(one("gnatsd_connz_limit").value).toBe(1024);
    expect(scraped.type.get("gnatsd_connz_in_msgs")).toBe("counter");
    expect(one("gnatsd_connz_in_msgs").value).toBe(1);

    // Not counted in http_req_stats: /varz keeps 2.9.10's keys.
    expect(Object.keys(v.http_req_stats as object)).toEqual(["/varz"]);
  });

  test.skipIf(!haveReference)("the names the exporter makes of 2.9.10's /varz", async () => {
    const ref = await startServer(["-c", writeConf(CONF)], { bin: NATS_SERVER });
    try {
      const refVarz = (await (await fetch(`${await monitorBase(ref)}/varz`)).json()) as Record<string, unknown>;
      const ours = parseExposition(await (await fetch(`${base}/metrics`)).text());
      // http_req_stats depends on the requests each server had.
      const names = (all: Iterable<string>): string[] =>
        [...all].filter((n) => n.startsWith("gnatsd_varz_") && !n.startsWith("gnatsd_varz_http_req_stats")).sort();
      expect(names(ours.type.keys())).toEqual(names(varzFamilies(refVarz, "x").map((f) => f.name)));
    } finally {
      await ref.stop();
    }
  });
});
