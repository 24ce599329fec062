// Imports across a cluster: a service import is done once, on the server its
// requester is on (its subscription is no interest to tell routes of), and a
// stream import's subscriber on another node gets what the exporter publishes
// (its shadow is interest the routes hear of, and lose when it goes).

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference } from "../helpers/servers.ts";
import { freePort, routesCreated, startNode, until, type Node } from "../helpers/cluster.ts";
import type { Impl } from "../helpers/leaf.ts";

const nodes: Node[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const n of nodes) await n.server.stop();
});

const ACCOUNTS = `accounts {
  A: { users: [{user: a, password: a}], exports: [{service: "svc"}, {stream: "feed.>"}] }
  B: { users: [{user: b, password: b}], imports: [{service: {account: A, subject: "svc"}}, {stream: {account: A, subject: "feed.>"}}] }
}`;

async function client(n: Node, user: string): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${n.server.port}`, user, pass: user });
  conns.push(nc);
  return nc;
}

const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ours"],
      ["ours", "ref"],
      ["ref", "ours"],
      ["ref", "ref"],
    ]
  : [["ours", "ours"]];

for (const [i1, i2] of PAIRS) {
  describe(`imports across routes (${i1} + ${i2})`, async () => {
    const p1 = freePort();
    const p2 = freePort();
    const n1 = await startNode(i1, "C1", p1, [p2], ACCOUNTS);
    const n2 = await startNode(i2, "C1", p2, [p1], ACCOUNTS);
    nodes.push(n1, n2);
    await routesCreated(n1, 1);
    await routesCreated(n2, 1);

    test("a request through a service import reaches the responder once", async () => {
      const responder = await client(n1, "a");
      let seen = 0;
      responder.subscribe("svc", { callback: (_e, m) => { seen++; m.respond("ok"); } });
      await responder.flush();
      const requester = await client(n2, "b");
      await until(async () => {
        try {
          await requester.request("svc", "hi", { timeout: 300 });
          return true;
        } catch {
          return false;
        }
      });
      seen = 0;
      for (let i = 0; i < 5; i++) await requester.request("svc", "x", { timeout: 2000 });
      await responder.flush();
      await Bun.sleep(100);
      expect(seen).toBe(5);
    });

    test("a stream import's subscriber on the other node gets the exporter's messages, and stops getting them", async () => {
      const sub = await client(n2, "b");
      let got = 0;
      const s = sub.subscribe("feed.x", { callback: () => void got++ });
      await sub.flush();
      const pub = await client(n1, "a");
      await until(async () => {
        pub.publish("feed.x", "p");
        await pub.flush();
        await Bun.sleep(30);
        return got > 0;
      });
      s.unsubscribe();
      await sub.flush();
      // Once the shadow's interest is gone from n1, a request there finds no responders (a stale one would hang).
      await until(async () => {
        try {
          await pub.request("feed.x", "anyone?", { timeout: 500 });
          return false;
        } catch (e) {
          return /no responders|503/i.test(`${(e as Error).message} ${(e as Error).name}`);
        }
      });
      expect(got).toBeGreaterThan(0);
    });
  });
}
