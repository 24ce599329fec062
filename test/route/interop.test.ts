// Routes between nats-bun and nats-server 2.9.10: two-node clusters in
// every pairing (each side soliciting), messages and request/reply across
// nodes, a queue group spread over both delivering once, no responders
// across nodes, three nodes meshing by gossip from one seed route, and an
// official client learning the other node's URL and failing over to it.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference } from "../helpers/servers.ts";
import { freePort, routesCreated, startNode, type Node } from "../helpers/cluster.ts";
import type { Impl } from "../helpers/leaf.ts";

const nodes: Node[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const n of nodes) await n.server.stop();
});

async function client(n: Node, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${n.server.port}`, ...opts });
  conns.push(nc);
  return nc;
}

async function until(pred: () => boolean | Promise<boolean>, ms = 6000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not met in time");
}

async function primed(pub: NatsConnection, subject: string, got: () => number): Promise<void> {
  await until(async () => {
    pub.publish(subject, "prime");
    await pub.flush();
    await Bun.sleep(30);
    return got() > 0;
  });
}

const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

for (const [ia, ib] of PAIRS) {
  describe(`two nodes: ${ia} + ${ib}, each soliciting`, async () => {
    const pa = freePort();
    const pb = freePort();
    const a = await startNode(ia, "C1", pa, [pb]);
    const b = await startNode(ib, "C1", pb, [pa]);
    nodes.push(a, b);
    await routesCreated(a, 1);
    await routesCreated(b, 1);

    test("messages both ways and request/reply across nodes", async () => {
      const ca = await client(a);
      const cb = await client(b);
      const atA: string[] = [];
      const atB: string[] = [];
      ca.subscribe("to.a", { callback: (_e, m) => void atA.push(m.string()) });
      cb.subscribe("to.b", { callback: (_e, m) => void atB.push(m.string()) });
      cb.subscribe("svc.b", { callback: (_e, m) => void m.respond(`b says ${m.string()}`) });
      await ca.flush();
      await cb.flush();
      await primed(cb, "to.a", () => atA.length);
      await primed(ca, "to.b", () => atB.length);
      const r = await ca.request("svc.b", "hi", { timeout: 2000 });
      expect(r.string()).toBe("b says hi");
    });

    test("a queue group over both nodes gets each message once, local members first", async () => {
      const ca = await client(a);
      const cb = await client(b);
      let onA = 0;
      let onB = 0;
      for (let i = 0; i < 2; i++) ca.subscribe("jobs", { queue: "w", callback: () => void onA++ });
      for (let i = 0; i < 2; i++) cb.subscribe("jobs", { queue: "w", callback: () => void onB++ });
      await ca.flush();
      await cb.flush();
      await Bun.sleep(400);
      for (let i = 0; i < 100; i++) ca.publish("jobs", String(i));
      await ca.flush();
      await until(() => onA + onB >= 100);
      await Bun.sleep(300);
      expect(onA + onB).toBe(100);
    });

    test("no responders across nodes: a 503 only when nobody anywhere listens", async () => {
      const ca = await client(a);
      const cb = await client(b);
      cb.subscribe("only.on.b", { callback: (_e, m) => void m.respond("here") });
      await cb.flush();
      await until(async () => (await ca.request("only.on.b", "", { timeout: 300 }).then((m) => m.string()).catch(() => "")) === "here");
      await expect(ca.request("nobody.anywhere", "", { timeout: 1000 })).rejects.toThrow(/no responders/i);
    });
  });
}

describe("three nodes from one seed route", () => {
  const impls: Array<[Impl, Impl, Impl]> = haveReference ? [["ours", "ref", "ours"], ["ref", "ours", "ref"]] : [["ours", "ours", "ours"]];
  for (const [ia, ib, ic] of impls) {
    test(`${ia} and ${ic} both route to seed ${ib} and find each other`, async () => {
      const pa = freePort();
      const pb = freePort();
      const pc = freePort();
      const b = await startNode(ib, "C3", pb, []);
      const a = await startNode(ia, "C3", pa, [pb]);
      const c = await startNode(ic, "C3", pc, [pb]);
      nodes.push(a, b, c);
      // Gossip: A and C each end up with two routes.
      await routesCreated(a, 2, 10_000);
      await routesCreated(c, 2, 10_000);
      const ca = await client(a);
      const cc = await client(c);
      let got = 0;
      cc.subscribe("mesh", { callback: () => void got++ });
      await cc.flush();
      await primed(ca, "mesh", () => got);
    });
  }
});

describe("clients learn the cluster", () => {
  test("a client of one node gets the other's URL and fails over to it", async () => {
    const pa = freePort();
    const pb = freePort();
    const a = await startNode("ours", "C4", pa, [pb]);
    const b = await startNode(haveReference ? "ref" : "ours", "C4", pb, [pa]);
    nodes.push(a, b);
    await routesCreated(a, 1);
    const nc = await client(a, { reconnectTimeWait: 100, maxReconnectAttempts: 50 });
    await until(() => (nc as unknown as { protocol: { servers: { getServers(): unknown[] } } }).protocol.servers.getServers().length > 1);
    let reconnected = false;
    void (async () => {
      for await (const s of nc.status()) if (s.type === "reconnect") reconnected = true;
    })();
    await a.server.stop();
    await until(() => reconnected, 10_000);
    expect(nc.getServer()).toContain(String(b.server.port));
  });
});
