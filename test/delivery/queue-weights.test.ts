// A queue group spread over a cluster: a route stands for as many members as
// its weight (RS+ ... <weight>), so a publisher's server picks the other
// node about as often as that node's share of the members, as 2.9.10 does.
// Counts only, with margins far outside chance (1000 messages, 9 of 10
// members remote: about 900 go over the route; an even pick would send 500).

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

async function client(n: Node): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${n.server.port}` });
  conns.push(nc);
  return nc;
}

const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ours"],
      ["ours", "ref"],
      ["ref", "ref"],
    ]
  : [["ours", "ours"]];

for (const [ia, ib] of PAIRS) {
  describe(`queue weights over a route (publisher on ${ia}, most members on ${ib})`, async () => {
    const pa = freePort();
    const pb = freePort();
    const a = await startNode(ia, "C1", pa, [pb]);
    const b = await startNode(ib, "C1", pb, [pa]);
    nodes.push(a, b);
    await routesCreated(a, 1);
    await routesCreated(b, 1);

    test("the route gets its members' share", async () => {
      const local = await client(a);
      let here = 0;
      local.subscribe("work", { queue: "q", callback: () => void here++ });
      await local.flush();
      const remote = await client(b);
      let there = 0;
      for (let i = 0; i < 9; i++) remote.subscribe("work", { queue: "q", callback: () => void there++ });
      await remote.flush();
      const pub = await client(a);
      // The route's weight has arrived once a message goes over it.
      await until(async () => {
        pub.publish("work");
        await pub.flush();
        await Bun.sleep(20);
        return there > 0;
      });
      await Bun.sleep(200);
      here = there = 0;
      for (let i = 0; i < 1000; i++) pub.publish("work");
      await pub.flush();
      await until(() => here + there === 1000);
      expect(there).toBeGreaterThan(750);
    });
  });
}
