// Leaf node connections over WebSocket between nats-bun and nats-server
// 2.9.10: a hub's websocket port takes leaf nodes on `/leafnode...` paths,
// a remote with ws:// or wss:// URLs dials it (its URL path appended to
// `/leafnode`), with or without compression; messages flow both ways. A hub
// without a leaf node port refuses, the websocket block's no_auth_user
// binds leaf nodes that present nothing, and its allowed_connection_types
// see LEAFNODE_WS.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { makePKI } from "../helpers/certs.ts";
import { binOf, leafConnected, leafPair, type Impl, type LeafPair } from "../helpers/leaf.ts";
import { wsPort } from "../helpers/ws.ts";

const conns: NatsConnection[] = [];
const servers: Array<LeafPair | RunningServer> = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of servers) await s.stop();
});

async function client(s: RunningServer, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${s.port}`, ...opts });
  conns.push(nc);
  return nc;
}

async function until(pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(20);
  }
  throw new Error("condition not met in time");
}

/** Publishes on `pub` until `sub` received on the subject (interest crosses the link asynchronously). */
async function crosses(pub: NatsConnection, sub: NatsConnection, subject: string, payload: string | Uint8Array = "x"): Promise<void> {
  let got = 0;
  sub.subscribe(subject, { callback: () => void got++ });
  await sub.flush();
  await until(async () => {
    pub.publish(subject, payload);
    await pub.flush();
    await Bun.sleep(30);
    return got > 0;
  });
}

/** The hub's ws:// URL (with `path`). */
const wsURL =
  (path = "") =>
  async (hub: RunningServer): Promise<string> =>
    `ws://127.0.0.1:${await wsPort(hub)}${path}`;

const WS_HUB = "websocket { port: -1, no_tls: true }\nleafnodes { port: -1 }";

const PAIRINGS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ref", "ours"],
      ["ours", "ref"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

for (const [hubImpl, leafImpl] of PAIRINGS) {
  describe(`over WebSocket: hub ${hubImpl}, leaf ${leafImpl}`, async () => {
    const pair = await leafPair(hubImpl, leafImpl, WS_HUB, (url) => `leafnodes { remotes: [{ url: "${url}" }] }`, { hubURL: wsURL() });
    servers.push(pair);

    test("both sides name it a websocket leaf connection", () => {
      expect(pair.hub.log()).toMatch(/ - lid_ws:\d+ - Leafnode connection created \n/);
      expect(pair.leaf.log()).toMatch(/127\.0\.0\.1:\d+ - lid_ws:\d+ - Leafnode connection created for account: \$G \n/);
    });

    test("messages both ways with headers, request/reply", async () => {
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      const atHub: string[] = [];
      const atLeaf: string[] = [];
      hub.subscribe("up.>", { callback: (_e, m) => void atHub.push(`${m.subject}:${m.string()}:${m.headers?.get("X-K") ?? ""}`) });
      leaf.subscribe("down.>", { callback: (_e, m) => void atLeaf.push(`${m.subject}:${m.string()}:${m.headers?.get("X-K") ?? ""}`) });
      await crosses(leaf, hub, "up.prime");
      await crosses(hub, leaf, "down.prime");
      const h = headers();
      h.set("X-K", "v");
      leaf.publish("up.a", "from leaf", { headers: h });
      hub.publish("down.b", "from hub", { headers: h });
      await until(() => atHub.includes("up.a:from leaf:v") && atLeaf.includes("down.b:from hub:v"));
      hub.subscribe("svc", { callback: (_e, m) => void m.respond(`hub got ${m.string()}`) });
      await hub.flush();
      let reply = "";
      await until(async () => {
        reply = await leaf.request("svc", "q", { timeout: 300 }).then((m) => m.string()).catch(() => "");
        return reply !== "";
      });
      expect(reply).toBe("hub got q");
    });

    test("a burst of large messages from each side arrives whole and in order", async () => {
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      await crosses(leaf, hub, "bulk.prime.up");
      await crosses(hub, leaf, "bulk.prime.down");
      const big = new Uint8Array(64 * 1024).map((_, i) => i % 251);
      const up: number[] = [];
      const down: number[] = [];
      const whole = (d: Uint8Array): boolean => d.length === big.length && d[1000] === big[1000] && d[big.length - 1] === big[big.length - 1];
      hub.subscribe("bulk.up", { callback: (_e, m) => void up.push(whole(m.data) ? Number(m.headers?.get("N")) : -1) });
      leaf.subscribe("bulk.down", { callback: (_e, m) => void down.push(whole(m.data) ? Number(m.headers?.get("N")) : -1) });
      await crosses(leaf, hub, "bulk.up.ready");
      await crosses(hub, leaf, "bulk.down.ready");
      await hub.flush();
      await leaf.flush();
      await Bun.sleep(100);
      for (let i = 0; i < 100; i++) {
        const h = headers();
        h.set("N", String(i));
        leaf.publish("bulk.up", big, { headers: h });
        hub.publish("bulk.down", big, { headers: h });
      }
      await until(() => up.length >= 100 && down.length >= 100, 10000);
      const want = Array.from({ length: 100 }, (_, i) => i);
      expect(up).toEqual(want);
      expect(down).toEqual(want);
    });
  });
}

const CROSS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ref", "ours"],
      ["ours", "ref"],
    ]
  : [["ours", "ours"]];

describe("a URL path, compression and no_masking", () => {
  test.each(CROSS)("hub %s, leaf %s", async (hubImpl, leafImpl) => {
    const pair = await leafPair(
      hubImpl,
      leafImpl,
      "websocket { port: -1, no_tls: true, compression: true }\nleafnodes { port: -1 }",
      (url) => `leafnodes { remotes: [{ url: "${url}", ws_compression: true, ws_no_masking: true }] }`,
      { hubURL: wsURL("/some/path") },
    );
    servers.push(pair);
    const hub = await client(pair.hub);
    const leaf = await client(pair.leaf);
    // Compressible payloads both ways.
    await crosses(leaf, hub, "c.up", "a".repeat(10000));
    await crosses(hub, leaf, "c.down", "b".repeat(10000));
  });
});

describe("the accepting side's rules", () => {
  test.each(haveReference ? (["ref", "ours"] as Impl[]) : (["ours"] as Impl[]))("hub %s without a leaf node port refuses", async (hubImpl) => {
    const hub = await startServer(["-c", writeConf("websocket { port: -1, no_tls: true }\n")], { bin: binOf(hubImpl) });
    servers.push(hub);
    const leaf = await startServer(["-c", writeConf(`leafnodes { remotes: [{ url: "${await wsURL()(hub)}" }] }\n`)], { bin: binOf("ours") });
    servers.push(leaf);
    await hub.waitLog("[ERR] Not configured to accept leaf node connections", 5000);
    // The leaf saw the upgrade go through, then the connection drop; it keeps trying.
    await leaf.waitLog(/Leafnode connection closed: Client Closed/, 5000);
    expect(leaf.log()).not.toContain("JetStream Not Extended");
  });

  const AUTH = `accounts {
  A { users: [{ user: a, password: a }] }
  B { users: [{ user: b, password: b }] }
  C { users: [{ user: c, password: c, allowed_connection_types: ["LEAFNODE"] }] }
}
no_auth_user: a
leafnodes { port: -1 }`;

  test.each(haveReference ? (["ref", "ours"] as Impl[]) : (["ours"] as Impl[]))("hub %s: the websocket no_auth_user binds a leaf node that presents nothing", async (hubImpl) => {
    const pair = await leafPair(hubImpl, "ours", `${AUTH}\nwebsocket { port: -1, no_tls: true, no_auth_user: b }`, (url) => `leafnodes { remotes: [{ url: "${url}" }] }`, {
      hubURL: wsURL(),
    });
    servers.push(pair);
    const inB = await client(pair.hub, { user: "b", pass: "b" });
    const leaf = await client(pair.leaf);
    await crosses(leaf, inB, "bound.b");
    // On the leaf node port, the server's no_auth_user still applies.
    const tcpLeaf = await startServer(["-c", writeConf(`leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${pair.hubLeafPort}" }] }\n`)], { bin: binOf("ours") });
    servers.push(tcpLeaf);
    const inA = await client(pair.hub, { user: "a", pass: "a" });
    await crosses(await client(tcpLeaf), inA, "bound.a");
  });

  test.each(haveReference ? (["ref", "ours"] as Impl[]) : (["ours"] as Impl[]))("hub %s: a no_auth_user limited to LEAFNODE refuses LEAFNODE_WS", async (hubImpl) => {
    const pair = await leafPair(hubImpl, "ours", `${AUTH}\nwebsocket { port: -1, no_tls: true, no_auth_user: c }`, (url) => `leafnodes { remotes: [{ url: "${url}" }] }`, {
      hubURL: wsURL(),
      waitLink: false,
    });
    servers.push(pair);
    await pair.hub.waitLog(/lid_ws:\d+ - authentication error/, 5000);
    await pair.leaf.waitLog("Leafnode Error 'Authorization Violation'", 5000);
    expect(pair.hub.log()).not.toContain("JetStream Not Extended");
  });
});

/** How a start ends: "started", or the last line logged before exiting. */
async function startOutcome(impl: Impl, conf: string): Promise<string> {
  try {
    const s = await startServer(["-c", conf], { bin: binOf(impl) });
    await s.stop();
    return "started";
  } catch (e) {
    const last = (e as Error).message.trim().split("\n").at(-1) ?? "";
    return last.replace(/^nats-(server|bun): /, "");
  }
}

describe("configuration", () => {
  test("a remote mixing websocket and other URLs is refused at startup", async () => {
    const conf = writeConf('leafnodes { remotes: [{ urls: ["ws://127.0.0.1:1", "nats://127.0.0.1:2"] }] }\n');
    const want = 'remote leaf node configuration cannot have a mix of websocket and non-websocket urls: ["ws://127.0.0.1:1" "nats://127.0.0.1:2"]';
    expect(await startOutcome("ours", conf)).toBe(want);
    if (haveReference) expect(await startOutcome("ref", conf)).toBe(want);
  });
});

describe("wss with the remote's ca_file", () => {
  const pki = makePKI();
  test.each(CROSS)("hub %s, leaf %s", async (hubImpl, leafImpl) => {
    const pair = await leafPair(
      hubImpl,
      leafImpl,
      `websocket { port: -1, tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}" } }\nleafnodes { port: -1 }`,
      (url) => `leafnodes { remotes: [{ url: "${url}", tls { ca_file: "${pki.ca}" } }] }`,
      { hubURL: async (hub) => `wss://127.0.0.1:${await wsPort(hub)}` },
    );
    servers.push(pair);
    const hub = await client(pair.hub);
    const leaf = await client(pair.leaf);
    await crosses(leaf, hub, "tls.up");
    await crosses(hub, leaf, "tls.down");
    await leafConnected(pair.hub);
  });
});
