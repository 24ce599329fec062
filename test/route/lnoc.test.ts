import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference } from "../helpers/servers.ts";
import { freePort, routesCreated, startNode, until, type Node } from "../helpers/cluster.ts";
import { leafConnected, type Impl } from "../helpers/leaf.ts";

const nodes: Node[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const n of nodes) await n.server.stop();
});

for (const [hi, li] of [["ours", "ours"], ["ref", "ref"], ["ours", "ref"], ["ref", "ours"]] as Array<[Impl, Impl]>) {
  describe(`hub cluster ${hi}, leaf cluster ${li}`, async () => {
    const [h1p, h2p, x1p, x2p, l1, l2] = [freePort(), freePort(), freePort(), freePort(), freePort(), freePort()];
    const h1 = await startNode(hi, "H", h1p, [h2p], `leafnodes { listen: "127.0.0.1:${l1}" }`);
    const h2 = await startNode(hi, "H", h2p, [h1p], `leafnodes { listen: "127.0.0.1:${l2}" }`);
    const x1 = await startNode(li, "X", x1p, [x2p], `leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${l1}" }] }`);
    const x2 = await startNode(li, "X", x2p, [x1p], `leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${l2}" }] }`);
    nodes.push(h1, h2, x1, x2);
    await routesCreated(h1, 1); await routesCreated(x1, 1);
    await leafConnected(h1.server); await leafConnected(h2.server); await leafConnected(x1.server); await leafConnected(x2.server);
    test("a message published in the leaf cluster reaches a subscriber there once", async () => {
      const sub = await connect({ servers: `127.0.0.1:${x2.server.port}` });
      const pub = await connect({ servers: `127.0.0.1:${x1.server.port}` });
      conns.push(sub, pub);
      let got = 0;
      sub.subscribe("foo", { callback: () => void got++ });
      await sub.flush();
      await Bun.sleep(1000);
      await until(async () => { pub.publish("foo"); await pub.flush(); await Bun.sleep(50); return got > 0; });
      await Bun.sleep(500);
      got = 0;
      for (let i = 0; i < 10; i++) pub.publish("foo");
      await pub.flush();
      await Bun.sleep(500);
      expect(got).toBe(10);
    });
  });
}
