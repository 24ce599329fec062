// Monitoring a two-node cluster, nats-bun pair against a nats-server 2.9.10
// pair in the same topology: /routez (with subs=1 and subs=detail), the
// /varz cluster section and route counts, /connz without routes, /subsz
// counting the peer's interest. No system account, so the only traffic on
// the route is the test's.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { makePKI } from "../helpers/certs.ts";
import { freePort, routesCreated, startNode, type Node } from "../helpers/cluster.ts";
import type { Impl } from "../helpers/leaf.ts";
import { haveReference } from "../helpers/servers.ts";

const pki = makePKI();
const TLS = `tls { cert_file: "${pki.routeCert}", key_file: "${pki.routeKey}", ca_file: "${pki.ca}", timeout: 3 }`;
const MONITOR_RE = /Starting http monitor on [^\s]+:(\d+)/;

const nodes: Node[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const n of nodes) await n.server.stop();
});

type Json = Record<string, unknown>;

interface Cluster {
  a: Node;
  b: Node;
  get(path: string): Promise<Json>;
}

async function until(pred: () => boolean | Promise<boolean>, ms = 6000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not met in time");
}

/** Node A (monitored, dials B) and node B, of one implementation, routes over TLS. */
async function cluster(impl: Impl): Promise<Cluster> {
  const pa = freePort();
  const pb = freePort();
  const a = await startNode(impl, "M", pa, [pb], "no_system_account: true\nhttp_port: -1", TLS);
  const b = await startNode(impl, "M", pb, [pa], "no_system_account: true", TLS);
  nodes.push(a, b);
  await routesCreated(a, 1);
  const port = Number(MONITOR_RE.exec(a.server.log())![1]);
  const get = async (path: string): Promise<Json> => (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as Json;
  await until(async () => (await get("/routez")).num_routes === 1);
  return { a, b, get };
}

async function client(n: Node): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${n.server.port}` });
  conns.push(nc);
  return nc;
}

/** What each endpoint says once B has two subscriptions and A's client published 3 + 2 messages to them. */
interface Snapshot {
  routez: Json;
  subs: Json;
  detail: Json;
  varz: Json;
  connz: Json;
  subszBefore: Json;
  subsz: Json;
}

async function scenario(impl: Impl): Promise<Snapshot> {
  const c = await cluster(impl);
  const subszBefore = await c.get("/subsz");
  const nb = await client(c.b);
  let got = 0;
  nb.subscribe("foo", { callback: () => void got++ });
  nb.subscribe("bar", { queue: "q", callback: () => void got++ });
  await nb.flush();
  await until(async () => ((await c.get("/routez")).routes as Json[])[0]!.subscriptions === 2);
  const na = await client(c.a);
  for (let i = 0; i < 3; i++) na.publish("foo", "hello");
  for (let i = 0; i < 2; i++) na.publish("bar", "hi");
  await na.flush();
  await until(() => got === 5);
  // The first PING between servers comes within 1.2 s: the RTT is measured by then.
  await Bun.sleep(1300);
  return {
    routez: await c.get("/routez"),
    subs: await c.get("/routez?subs=1"),
    detail: await c.get("/routez?subs=detail"),
    varz: await c.get("/varz"),
    connz: await c.get("/connz"),
    subszBefore,
    subsz: await c.get("/subsz"),
  };
}

const route = (j: Json): Json => (j.routes as Json[])[0]!;

describe("monitoring a two-node cluster", async () => {
  const ours = await scenario("ours");
  const ref = haveReference ? await scenario("ref") : null;

  test("/routez: the route, its counters and its peer", () => {
    for (const s of ref === null ? [ours] : [ours, ref]) {
      expect(s.routez.num_routes).toBe(1);
      const r = route(s.routez);
      expect(r.is_configured).toBe(r.did_solicit);
      expect(r.ip).toBe("127.0.0.1");
      expect(r.rtt).toMatch(/^[\d.]+(µs|ms|ns)$/);
      expect(r.subscriptions).toBe(2);
      expect(r.pending_size).toBe(0);
      expect(r.out_msgs).toBe(5);
      expect(r.in_msgs).toBe(0);
      expect(r.subscriptions_list).toBeUndefined();
    }
    if (ref === null) return;
    expect(Object.keys(ours.routez)).toEqual(Object.keys(ref.routez));
    expect(Object.keys(route(ours.routez))).toEqual(Object.keys(route(ref.routez)));
    expect(route(ours.routez).out_bytes).toBe(route(ref.routez).out_bytes as number);
    expect(route(ours.routez).in_bytes).toBe(route(ref.routez).in_bytes as number);
  });

  test("/routez?subs=1 and subs=detail list the peer's interest", () => {
    const list = (s: Snapshot): string[] => ((route(s.subs).subscriptions_list as string[]) ?? []).sort();
    const detail = (s: Snapshot): Json[] =>
      (route(s.detail).subscriptions_list_detail as Json[]).map((d): Json => ({ ...d, cid: typeof d.cid })).sort((x, y) => String(x.sid).localeCompare(String(y.sid)));
    expect(list(ours)).toEqual(["bar", "foo"]);
    expect(detail(ours)).toEqual([
      { subject: "bar", qgroup: "q", sid: "$G bar q", msgs: expect.any(Number), cid: "number" },
      { subject: "foo", sid: "$G foo", msgs: expect.any(Number), cid: "number" },
    ]);
    expect((route(ours.detail).subscriptions_list_detail as Json[]).every((d) => d.cid === route(ours.detail).rid)).toBe(true);
    if (ref === null) return;
    expect(list(ours)).toEqual(list(ref));
    expect(detail(ours)).toEqual(detail(ref));
    expect(Object.keys(route(ours.detail))).toEqual(Object.keys(route(ref.detail)));
  });

  test("/varz: the cluster section and the route counts", () => {
    const cl = ours.varz.cluster as Json;
    expect(cl).toEqual({
      name: "M",
      addr: "127.0.0.1",
      cluster_port: expect.any(Number),
      auth_timeout: 4,
      urls: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
      tls_timeout: 3,
      tls_required: true,
      tls_verify: true,
    });
    expect(ours.varz.routes).toBe(1);
    expect(ours.varz.remotes).toBe(1);
    if (ref === null) return;
    const refCl = ref.varz.cluster as Json;
    expect(Object.keys(cl)).toEqual(Object.keys(refCl));
    expect({ ...cl, cluster_port: 0, urls: [] }).toEqual({ ...refCl, cluster_port: 0, urls: [] });
    expect(ref.varz.routes).toBe(1);
    expect(ref.varz.remotes).toBe(1);
  });

  test("/connz lists the client, not the route", () => {
    for (const s of ref === null ? [ours] : [ours, ref]) {
      expect(s.connz.num_connections).toBe(1);
      expect((s.connz.connections as Json[]).length).toBe(1);
    }
  });

  test("/subsz counts the peer's subscriptions", () => {
    const delta = (s: Snapshot): number => (s.subsz.num_subscriptions as number) - (s.subszBefore.num_subscriptions as number);
    expect(delta(ours)).toBe(2);
    if (ref !== null) expect(delta(ref)).toBe(2);
  });
});

describe("/routez shows the cluster permissions", () => {
  const conf = 'permissions { import: { allow: ["foo.>"] }, export: { allow: ["bar.>"], deny: ["bar.secret"] } }';
  for (const impl of haveReference ? (["ours", "ref"] as Impl[]) : (["ours"] as Impl[])) {
    test(impl, async () => {
      const n = await startNode(impl, "P", freePort(), [], "http_port: -1", conf);
      nodes.push(n);
      const port = Number(MONITOR_RE.exec(n.server.log())![1]);
      const rz = (await (await fetch(`http://127.0.0.1:${port}/routez`)).json()) as Json;
      expect(Object.keys(rz)).toEqual(["server_id", "now", "import", "export", "num_routes", "routes"]);
      expect(rz.import).toEqual({ allow: ["foo.>"] });
      expect(rz.export).toEqual({ allow: ["bar.>"], deny: ["bar.secret"] });
    });
  }
});
