// Leaf node topologies for tests: a hub with a leaf node port and a leaf
// soliciting it, either binary on either side, and waiting for the link.

import { writeConf } from "./conf.ts";
import { NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "./servers.ts";

const LEAF_RE = /Listening for leafnode connections on [^\s]+:(\d+)/;

export type Impl = "ours" | "ref";

export function binOf(impl: Impl): string {
  return impl === "ours" ? NATS_BUN : NATS_SERVER;
}

/** The leaf node port a server logged. */
export async function leafPort(s: RunningServer): Promise<number> {
  await s.waitLog(LEAF_RE);
  return Number(LEAF_RE.exec(s.log())![1]);
}

/** Waits until `s` has logged `n` registered leaf node connections (both binaries log the JetStream deny line on registration). */
export async function leafConnected(s: RunningServer, n = 1, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((s.log().match(/JetStream Not Extended/g) ?? []).length >= n) return;
    await Bun.sleep(20);
  }
  throw new Error(`no leaf node connection; log:\n${s.log()}`);
}

export interface LeafPair {
  hub: RunningServer;
  leaf: RunningServer;
  hubLeafPort: number;
  stop(): Promise<void>;
}

/**
 * A hub (`hubConf` plus a leaf node port) and a leaf whose remote is given
 * by `remote(url)` (the hub's nats-leaf:// URL, or what `opts.hubURL` makes
 * of the running hub, e.g. its ws:// URL), started and linked.
 */
export async function leafPair(
  hubImpl: Impl,
  leafImpl: Impl,
  hubConf: string,
  remote: (url: string) => string,
  opts: { leafConf?: string; waitLink?: boolean; hubURL?: (hub: RunningServer) => Promise<string> } = {},
): Promise<LeafPair> {
  const hub = await startServer(["-c", writeConf(`${hubConf}\n`)], { bin: binOf(hubImpl) });
  const hubLeafPort = await leafPort(hub);
  const url = opts.hubURL !== undefined ? await opts.hubURL(hub) : `nats-leaf://127.0.0.1:${hubLeafPort}`;
  const leaf = await startServer(["-c", writeConf(`${opts.leafConf ?? ""}\n${remote(url)}\n`)], { bin: binOf(leafImpl) });
  if (opts.waitLink !== false) {
    await leafConnected(hub);
    await leafConnected(leaf);
  }
  return {
    hub,
    leaf,
    hubLeafPort,
    async stop() {
      await leaf.stop();
      await hub.stop();
    },
  };
}
