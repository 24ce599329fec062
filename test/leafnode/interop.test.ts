// Leaf nodes between nats-bun and nats-server 2.9.10 in every pairing (ours
// as leaf, ours as hub, ours on both sides): messages both ways with
// headers, request/reply, a queue group spread over hub and leaf that
// delivers each message once, account binding through the leafnodes
// users, wrong credentials, deny lists, and a hub restart.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { binOf, leafConnected, leafPair, leafPort, type Impl, type LeafPair } from "../helpers/leaf.ts";

const conns: NatsConnection[] = [];
const pairs: LeafPair[] = [];
const extra: RunningServer[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const p of pairs) await p.stop();
  for (const s of extra) await s.stop();
});

async function client(s: RunningServer, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${s.port}`, ...opts });
  conns.push(nc);
  return nc;
}

/** Waits until `pred` holds (interest crosses the link asynchronously). */
async function until(pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(20);
  }
  throw new Error("condition not met in time");
}

/** Publishes until the subscription got one (interest propagation), then returns. */
async function primed(pub: NatsConnection, subject: string, got: () => number): Promise<void> {
  await until(async () => {
    pub.publish(subject, "prime");
    await pub.flush();
    await Bun.sleep(30);
    return got() > 0;
  });
}

const PAIRINGS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ref", "ours"],
      ["ours", "ref"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

for (const [hubImpl, leafImpl] of PAIRINGS) {
  describe(`hub ${hubImpl}, leaf ${leafImpl}`, async () => {
    const pair = await leafPair(hubImpl, leafImpl, "leafnodes { port: -1 }", (url) => `leafnodes { remotes: [{ url: "${url}" }] }`);
    pairs.push(pair);

    test("messages both ways, with headers", async () => {
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      const atHub: string[] = [];
      const atLeaf: string[] = [];
      hub.subscribe("up.>", { callback: (_e, m) => void atHub.push(`${m.subject}:${m.string()}:${m.headers?.get("X-K") ?? ""}`) });
      leaf.subscribe("down.>", { callback: (_e, m) => void atLeaf.push(`${m.subject}:${m.string()}:${m.headers?.get("X-K") ?? ""}`) });
      await hub.flush();
      await leaf.flush();
      await primed(leaf, "up.prime", () => atHub.length);
      await primed(hub, "down.prime", () => atLeaf.length);
      const h = headers();
      h.set("X-K", "v");
      leaf.publish("up.a", "from leaf", { headers: h });
      hub.publish("down.b", "from hub", { headers: h });
      await until(() => atHub.includes("up.a:from leaf:v") && atLeaf.includes("down.b:from hub:v"));
    });

    test("request on the leaf, responder on the hub, and the other way", async () => {
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      hub.subscribe("svc.hub", { callback: (_e, m) => void m.respond(`hub got ${m.string()}`) });
      leaf.subscribe("svc.leaf", { callback: (_e, m) => void m.respond(`leaf got ${m.string()}`) });
      await hub.flush();
      await leaf.flush();
      let r1 = "";
      let r2 = "";
      await until(async () => {
        r1 = await leaf.request("svc.hub", "x", { timeout: 300 }).then((m) => m.string()).catch(() => "");
        r2 = await hub.request("svc.leaf", "y", { timeout: 300 }).then((m) => m.string()).catch(() => "");
        return r1 !== "" && r2 !== "";
      });
      expect(r1).toBe("hub got x");
      expect(r2).toBe("leaf got y");
    });

    test("a queue group on both sides gets each message once", async () => {
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      let hubGot = 0;
      let leafGot = 0;
      for (let i = 0; i < 2; i++) hub.subscribe("work", { queue: "g", callback: () => void hubGot++ });
      for (let i = 0; i < 2; i++) leaf.subscribe("work", { queue: "g", callback: () => void leafGot++ });
      await hub.flush();
      await leaf.flush();
      await Bun.sleep(300);
      for (let i = 0; i < 100; i++) hub.publish("work", String(i));
      for (let i = 0; i < 100; i++) leaf.publish("work", String(i));
      await hub.flush();
      await leaf.flush();
      await until(() => hubGot + leafGot >= 200);
      await Bun.sleep(300);
      expect(hubGot + leafGot).toBe(200);
      // Local members are preferred: each side's publisher fed its own members.
      expect(hubGot).toBe(100);
      expect(leafGot).toBe(100);
    });

    test("a queue group only on the other side still gets the messages", async () => {
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      let got = 0;
      leaf.subscribe("remote.work", { queue: "g2", callback: () => void got++ });
      await leaf.flush();
      await primed(hub, "remote.work", () => got);
      const before = got;
      for (let i = 0; i < 50; i++) hub.publish("remote.work", String(i));
      await hub.flush();
      await until(() => got - before >= 50);
      await Bun.sleep(200);
      expect(got - before).toBe(50);
    });
  });
}

describe("account binding and credentials", () => {
  const hubConf = `accounts { A: { users: [{user: a, password: a}] }, B: { users: [{user: b, password: b}] } }
leafnodes { port: -1, authorization { users: [{user: leafa, password: pwa, account: A}, {user: leafb, password: pwb, account: B}] } }`;
  const leafConf = "accounts { LOCAL: { users: [{user: l, password: l}] } }";
  for (const [hubImpl, leafImpl] of PAIRINGS) {
    test(`leaf user bound to A on the hub (${hubImpl}), local account LOCAL on the leaf (${leafImpl})`, async () => {
      const pair = await leafPair(hubImpl, leafImpl, hubConf, (url) => `leafnodes { remotes: [{ url: "${url.replace("://", "://leafa:pwa@")}", account: LOCAL }] }`, { leafConf });
      pairs.push(pair);
      const hubA = await client(pair.hub, { user: "a", pass: "a" });
      const hubB = await client(pair.hub, { user: "b", pass: "b" });
      const leaf = await client(pair.leaf, { user: "l", pass: "l" });
      let a = 0;
      let b = 0;
      hubA.subscribe("x", { callback: () => void a++ });
      hubB.subscribe("x", { callback: () => void b++ });
      await hubA.flush();
      await hubB.flush();
      await primed(leaf, "x", () => a);
      await Bun.sleep(200);
      expect(b).toBe(0);
    });
  }

  for (const hubImpl of (haveReference ? ["ours", "ref"] : ["ours"]) as Impl[]) {
    test(`a wrong password is refused by the hub (${hubImpl}) and retried`, async () => {
      const pair = await leafPair(hubImpl, "ours", hubConf, (url) => `leafnodes { reconnect: 1, remotes: [{ url: "${url.replace("://", "://leafa:wrong@")}" }] }`, {
        waitLink: false,
      });
      pairs.push(pair);
      await pair.leaf.waitLog("Leafnode Error 'Authorization Violation'", 5000);
      await pair.hub.waitLog(/authentication error/, 5000);
      // A second attempt after the reconnect interval.
      const first = pair.hub.log().split("authentication error").length;
      await until(() => pair.hub.log().split("authentication error").length > first, 5000);
    });
  }
});

describe("deny lists", () => {
  for (const [hubImpl, leafImpl] of PAIRINGS) {
    test(`deny_exports and deny_imports on the remote (hub ${hubImpl}, leaf ${leafImpl})`, async () => {
      const pair = await leafPair(hubImpl, leafImpl, "leafnodes { port: -1 }", (url) => `leafnodes { remotes: [{ url: "${url}", deny_exports: ["secret.out"], deny_imports: ["secret.in"] }] }`);
      pairs.push(pair);
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      const atHub: string[] = [];
      const atLeaf: string[] = [];
      hub.subscribe(">", { callback: (_e, m) => void atHub.push(m.subject) });
      leaf.subscribe(">", { callback: (_e, m) => void atLeaf.push(m.subject) });
      await hub.flush();
      await leaf.flush();
      await primed(leaf, "open.up", () => atHub.filter((s) => s === "open.up").length);
      await primed(hub, "open.down", () => atLeaf.filter((s) => s === "open.down").length);
      leaf.publish("secret.out", "no");
      hub.publish("secret.in", "no");
      leaf.publish("open.up", "yes");
      hub.publish("open.down", "yes");
      await leaf.flush();
      await hub.flush();
      await Bun.sleep(300);
      expect(atHub).not.toContain("secret.out");
      expect(atLeaf).not.toContain("secret.in");
    });
  }
});

describe("hub restart", () => {
  for (const hubImpl of (haveReference ? ["ref", "ours"] : ["ours"]) as Impl[]) {
    test(`the leaf (ours) reconnects to a restarted hub (${hubImpl}) and traffic resumes`, async () => {
      // A fixed leaf port so the restarted hub is found again.
      const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = probe.port;
      probe.stop(true);
      const hubConf = writeConf(`leafnodes { port: ${port} }\n`);
      let hub = await startServer(["-c", hubConf], { bin: binOf(hubImpl) });
      const leaf = await startServer(["-c", writeConf(`leafnodes { reconnect: 1, remotes: [{ url: "nats-leaf://127.0.0.1:${port}" }] }\n`)]);
      extra.push(leaf);
      await leafConnected(leaf);
      const leafClient = await client(leaf);
      let got = 0;
      leafClient.subscribe("after.restart", { callback: () => void got++ });
      await leafClient.flush();
      await hub.stop();
      hub = await startServer(["-c", hubConf], { bin: binOf(hubImpl) });
      extra.push(hub);
      await leafPort(hub);
      await leafConnected(leaf, 2, 10_000);
      const hubClient = await client(hub);
      await primed(hubClient, "after.restart", () => got);
    });
  }
});
