// Clusters for tests: servers of either implementation joined by routes on
// ports picked up front (a route URL must name its peer's port).

import type { NatsConnection } from "@nats-io/transport-node";
import { writeConf } from "./conf.ts";
import { binOf, type Impl } from "./leaf.ts";
import { startServer, type RunningServer } from "./servers.ts";

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

export interface Node {
  impl: Impl;
  server: RunningServer;
  clusterPort: number;
}

/** Starts one node of cluster `name` on `clusterPort`, routing to `routes` (cluster ports), with `extra` config (`clusterExtra` inside the cluster block). */
export async function startNode(impl: Impl, name: string, clusterPort: number, routes: number[], extra = "", clusterExtra = ""): Promise<Node> {
  const urls = routes.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ");
  const conf = `${extra}\ncluster { name: ${name}, listen: "127.0.0.1:${clusterPort}", routes: [${urls}]\n${clusterExtra}\n}\n`;
  const server = await startServer(["-c", writeConf(conf)], { bin: binOf(impl) });
  return { impl, server, clusterPort };
}

/** Waits until the node's /routez-free evidence shows `n` routes registered: both binaries log "Route connection created" per connection; the INFO exchange follows, so interest is checked by the caller. */
export async function routesCreated(node: Node, n: number, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((node.server.log().match(/Route connection created/g) ?? []).length >= n) return;
    await Bun.sleep(20);
  }
  throw new Error(`fewer than ${n} routes; log:\n${node.server.log()}`);
}

/** Polls `pred` until it holds (or throws after `ms`). */
export async function until(pred: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not met in time");
}

/** Subscribes `sub` to `subject` and publishes from `pub` until a message arrives (interest takes a moment to cross). */
export async function flows(pub: NatsConnection, sub: NatsConnection, subject: string, ms = 8000): Promise<void> {
  let got = 0;
  const s = sub.subscribe(subject, { callback: () => void got++ });
  await sub.flush();
  await until(async () => {
    pub.publish(subject);
    await pub.flush();
    await Bun.sleep(30);
    return got > 0;
  }, ms);
  s.unsubscribe();
}
