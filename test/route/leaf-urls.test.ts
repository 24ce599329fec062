// A hub cluster tells its leaf nodes every node's leaf node URL (route INFO
// `leafnode_urls`, then an async INFO on the leaf connections), so a leaf
// configured with one hub node fails over to another when that one stops.

import { afterAll, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { freePort, routesCreated, startNode, until, type Node } from "../helpers/cluster.ts";
import { leafConnected, leafPort } from "../helpers/leaf.ts";

const nodes: Node[] = [];
const extra: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of extra) await s.stop();
  for (const n of nodes) await n.server.stop();
});

for (const other of haveReference ? (["ref", "ours"] as const) : (["ours"] as const)) {
  test(`a leaf of hub node ours fails over to the other hub node (${other})`, async () => {
    const p1 = freePort();
    const p2 = freePort();
    const h1 = await startNode("ours", "HUB", p1, [p2], "leafnodes { port: -1 }");
    const h2 = await startNode(other, "HUB", p2, [p1], "leafnodes { port: -1 }");
    nodes.push(h1, h2);
    await routesCreated(h1, 1);
    await leafPort(h2.server);
    const leaf = await startServer(["-c", writeConf(`leafnodes { reconnect: 1, remotes: [{ url: "nats-leaf://127.0.0.1:${await leafPort(h1.server)}" }] }\n`)]);
    extra.push(leaf);
    await leafConnected(leaf);
    const lc = await connect({ servers: `127.0.0.1:${leaf.port}` });
    conns.push(lc);
    let got = 0;
    lc.subscribe("after.failover", { callback: () => void got++ });
    await lc.flush();
    await Bun.sleep(300);
    await h1.server.stop();
    await leafConnected(leaf, 2, 10_000);
    const hc = await connect({ servers: `127.0.0.1:${h2.server.port}` });
    conns.push(hc);
    await until(async () => {
      hc.publish("after.failover", "x");
      await hc.flush();
      await Bun.sleep(50);
      return got > 0;
    }, 10_000);
  });
}
