// The topology of test/route/lnoc*.test.ts: hub H1+H2 (routes), leaf
// cluster X1+X2 (routes), X1 -> H1 and X2 -> H2 leaf node connections, with
// the checks that each message reaches each subscriber once.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { freePort, routesCreated, startNode, until, type Node } from "./cluster.ts";
import { leafConnected, type Impl } from "./leaf.ts";

const nodes: Node[] = [];
const conns: NatsConnection[] = [];

async function client(n: Node): Promise<NatsConnection> {
  const c = await connect({ servers: `127.0.0.1:${n.server.port}` });
  conns.push(c);
  return c;
}

/** Counts messages per subscription; `settle` waits until the counts reach `want`, then a while longer for any extra copy. */
class Counter {
  n = 0;
  readonly cb = (): void => void this.n++;
  async settle(want: number): Promise<number> {
    await until(() => this.n >= want);
    await Bun.sleep(300);
    return this.n;
  }
}

/** Publishes on `subject` until every counter counts one (interest takes a while to cross two clusters), then zeroes it. */
async function primed(pub: NatsConnection, subject: string, counters: Counter[]): Promise<void> {
  await until(async () => {
    pub.publish(subject);
    await pub.flush();
    await Bun.sleep(50);
    return counters.every((c) => c.n > 0);
  });
  await Bun.sleep(300);
  for (const c of counters) c.n = 0;
}

/** Registers the suite for each [H1, H2, leaf cluster] pairing. */
export function lnocSuite(pairings: Array<[Impl, Impl, Impl]>): void {
  afterAll(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    for (const n of nodes) await n.server.stop();
  });
  for (const [h1i, h2i, li] of pairings) {
    describe(`hub cluster H1 ${h1i} + H2 ${h2i}, leaf cluster ${li}`, async () => {
      const [h1p, h2p, x1p, x2p, l1, l2] = [freePort(), freePort(), freePort(), freePort(), freePort(), freePort()];
      const h1 = await startNode(h1i, "H", h1p, [h2p], `leafnodes { listen: "127.0.0.1:${l1}" }`);
      const h2 = await startNode(h2i, "H", h2p, [h1p], `leafnodes { listen: "127.0.0.1:${l2}" }`);
      const x1 = await startNode(li, "X", x1p, [x2p], `leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${l1}" }] }`);
      const x2 = await startNode(li, "X", x2p, [x1p], `leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${l2}" }] }`);
      nodes.push(h1, h2, x1, x2);
      await routesCreated(h1, 1);
      await routesCreated(x1, 1);
      for (const n of [h1, h2, x1, x2]) await leafConnected(n.server);

      test("a message published in the leaf cluster reaches a subscriber there, and on each hub node, once", async () => {
        const [sx, sh1, sh2, pub] = [await client(x2), await client(h1), await client(h2), await client(x1)];
        const counters = [new Counter(), new Counter(), new Counter()];
        let hdrsOK = 0;
        const check = (c: Counter) => (_: unknown, m: { headers?: { get(k: string): string } }) => {
          c.cb();
          if (m.headers?.get("K") === "v") hdrsOK++;
        };
        sx.subscribe("foo", { callback: check(counters[0]!) });
        sh1.subscribe("foo", { callback: check(counters[1]!) });
        sh2.subscribe("foo", { callback: check(counters[2]!) });
        for (const s of [sx, sh1, sh2]) await s.flush();
        await primed(pub, "foo", counters);
        hdrsOK = 0;
        const h = headers();
        h.set("K", "v");
        for (let i = 0; i < 10; i++) pub.publish("foo", "x", { headers: h });
        await pub.flush();
        for (const c of counters) expect(await c.settle(10)).toBe(10);
        expect(hdrsOK).toBe(30);
      });

      test("a message published on a hub node reaches the leaf cluster's subscriber once", async () => {
        const [sx, pub] = [await client(x2), await client(h1)];
        const c = new Counter();
        sx.subscribe("bar", { callback: c.cb });
        await sx.flush();
        await primed(pub, "bar", [c]);
        for (let i = 0; i < 10; i++) pub.publish("bar");
        await pub.flush();
        expect(await c.settle(10)).toBe(10);
      });

      test("a queue group spread over the leaf cluster gets each message once", async () => {
        const [q1, q2, pub] = [await client(x1), await client(x2), await client(x2)];
        const c = new Counter();
        q1.subscribe("baz", { queue: "q", callback: c.cb });
        q2.subscribe("baz", { queue: "q", callback: c.cb });
        for (const s of [q1, q2]) await s.flush();
        await primed(pub, "baz", [c]);
        for (let i = 0; i < 20; i++) pub.publish("baz");
        await pub.flush();
        expect(await c.settle(20)).toBe(20);
      });
    });
  }
}
