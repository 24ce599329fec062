// Monitoring with real leaf node connections, nats-bun against nats-server
// 2.9.10 in the same topology: /leafz (with subs and an account filter) on
// the hub and on the leaf, the `leafnodes` count and `leaf` block of /varz,
// /connz, which does not list leaf nodes until they closed, and the
// account's view: /accstatz, /accountz and its system events.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient } from "../helpers/raw.ts";
import { writeConf } from "../helpers/conf.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { binOf, leafPair, leafPort, type Impl, type LeafPair } from "../helpers/leaf.ts";

const MON_RE = /Starting http monitor on [^\s]+:(\d+)/;
const pairs: LeafPair[] = [];
const conns: NatsConnection[] = [];
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const p of pairs) await p.stop();
  for (const s of servers) await s.stop();
});

async function get(s: RunningServer, path: string): Promise<Record<string, unknown>> {
  await s.waitLog(MON_RE);
  const port = Number(MON_RE.exec(s.log())![1]);
  return (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as Record<string, unknown>;
}

interface LeafInfo {
  account: string;
  ip: string;
  port: number;
  rtt: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

async function leafs(s: RunningServer, query = "?subs=1"): Promise<LeafInfo[]> {
  return ((await get(s, `/leafz${query}`)).leafs as LeafInfo[] | null) ?? [];
}

async function until(pred: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not met in time");
}

/** What a topology shows, with the values that differ between runs (ids, ports, times, $LDS subjects) normalised. */
interface Seen {
  hubLeafz: unknown;
  leafLeafz: unknown;
  hubKeys: string[];
  filtered: unknown;
  hubVarz: unknown;
  leafVarz: unknown;
  hubConnz: unknown;
}

/**
 * A hub and a leaf, a subscriber on each side, three messages hub -> leaf
 * and one leaf -> hub, then what the monitoring endpoints of both say.
 */
async function observe(hubImpl: Impl, leafImpl: Impl): Promise<Seen> {
  const pair = await leafPair(hubImpl, leafImpl, "http_port: -1\nleafnodes { port: -1, authorization { timeout: 3 } }", (url) => `leafnodes { remotes: [{ url: "${url}", deny_imports: ["x.>"], deny_exports: ["y.>"] }] }`, {
    leafConf: "http_port: -1",
  });
  pairs.push(pair);
  const hub = await connect({ servers: `127.0.0.1:${pair.hub.port}` });
  const leaf = await connect({ servers: `127.0.0.1:${pair.leaf.port}` });
  conns.push(hub, leaf);
  let atLeaf = 0;
  let atHub = 0;
  leaf.subscribe("foo", { callback: () => void atLeaf++ });
  leaf.subscribe("bar", { queue: "q" });
  hub.subscribe("hubsub", { callback: () => void atHub++ });
  await leaf.flush();
  await hub.flush();
  const has = async (s: RunningServer, subject: string): Promise<boolean> => (await leafs(s))[0]?.subscriptions_list?.includes(subject) === true;
  await until(async () => (await has(pair.hub, "bar")) && (await has(pair.leaf, "hubsub")));
  for (let i = 0; i < 3; i++) hub.publish("foo", "hello");
  leaf.publish("hubsub", "x");
  await until(async () => atLeaf === 3 && atHub === 1);
  // The RTT comes with the first PING/PONG, about a second after the link.
  await until(async () => (await leafs(pair.hub))[0]!.rtt !== "0s" && (await leafs(pair.leaf))[0]!.rtt !== "0s");
  const norm = (l: LeafInfo[], otherLeafPort: number | null): unknown =>
    l.map((x) => {
      expect(x.rtt).toMatch(/^\d+(\.\d+)?(ns|µs|ms|s)$/);
      expect(x.port).toBeGreaterThan(0);
      if (otherLeafPort !== null) expect(x.port).toBe(otherLeafPort);
      return { ...x, port: 0, rtt: "", subscriptions_list: x.subscriptions_list?.map((s) => s.replace(/^\$LDS\..*/, "$LDS")).sort() };
    });
  const hubLeafz = await get(pair.hub, "/leafz?subs=1");
  const hubVarz = await get(pair.hub, "/varz");
  const leafVarz = await get(pair.leaf, "/varz");
  const connz = await get(pair.hub, "/connz");
  expect((hubVarz.leaf as { port: number }).port).toBe(pair.hubLeafPort);
  return {
    hubLeafz: norm(hubLeafz.leafs as LeafInfo[], null),
    leafLeafz: norm(await leafs(pair.leaf), pair.hubLeafPort),
    hubKeys: Object.keys(hubLeafz),
    filtered: { none: await get(pair.hub, "/leafz?acc=X").then((z) => [z.leafnodes, z.leafs]), g: await leafs(pair.hub, "?acc=$G").then((l) => l.length) },
    hubVarz: { leaf: { ...(hubVarz.leaf as object), port: 0 }, leafnodes: hubVarz.leafnodes },
    leafVarz: { leaf: leafVarz.leaf, leafnodes: leafVarz.leafnodes },
    hubConnz: { num: connz.num_connections, kinds: (connz.connections as Array<{ kind?: string }>).map((c) => c.kind ?? "") },
  };
}

const EXPECTED: Seen = {
  hubLeafz: [
    {
      account: "$G",
      ip: "127.0.0.1",
      port: 0,
      rtt: "",
      in_msgs: 1,
      out_msgs: 3,
      in_bytes: 1,
      out_bytes: 15,
      subscriptions: 6,
      subscriptions_list: ["$LDS", "$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.STATZ", "$SYS.REQ.SERVER.PING.CONNZ", "bar", "foo"],
    },
  ],
  leafLeafz: [
    {
      account: "$G",
      ip: "127.0.0.1",
      port: 0,
      rtt: "",
      in_msgs: 3,
      out_msgs: 1,
      in_bytes: 15,
      out_bytes: 1,
      subscriptions: 5,
      subscriptions_list: ["$LDS", "$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.STATZ", "$SYS.REQ.SERVER.PING.CONNZ", "hubsub"],
    },
  ],
  hubKeys: ["server_id", "now", "leafnodes", "leafs"],
  filtered: { none: [0, null], g: 1 },
  hubVarz: { leaf: { host: "0.0.0.0", port: 0, auth_timeout: 3, tls_timeout: 2 }, leafnodes: 1 },
  leafVarz: { leaf: { remotes: [{ local_account: "$G", urls: [], deny: { exports: ["y.>"], imports: ["x.>"] } }] }, leafnodes: 1 },
  hubConnz: { num: 1, kinds: ["Client"] },
};

const TOPOLOGIES: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ref", "ref"],
    ]
  : [["ours", "ours"]];

describe("monitoring with a leaf node connected", () => {
  for (const [hubImpl, leafImpl] of TOPOLOGIES) {
    test(`hub ${hubImpl}, leaf ${leafImpl}: /leafz, /varz and /connz`, async () => {
      const seen = await observe(hubImpl, leafImpl);
      // The remote's URL carries the hub's port: checked apart.
      const remotes = (seen.leafVarz as { leaf: { remotes: Array<{ urls: string[] }> } }).leaf.remotes;
      expect(remotes[0]!.urls).toHaveLength(1);
      expect(remotes[0]!.urls[0]).toMatch(/^127\.0\.0\.1:\d+$/);
      remotes[0]!.urls = [];
      expect(seen).toEqual(EXPECTED);
    });
  }
});

describe("closed leaf node connections", () => {
  const impls: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];
  test("are kept with the clients for /connz?state=closed, with the CONNECT's name and version", async () => {
    const seen = await Promise.all(
      impls.map(async (impl) => {
        const s = await startServer(["-c", writeConf("http_port: -1\nleafnodes { port: -1 }\n")], { bin: binOf(impl) });
        servers.push(s);
        const port = await leafPort(s);
        const c = await RawClient.connect(port);
        await c.waitFor("\r\n");
        c.write(`CONNECT {"version":"2.9.10","server_id":"NX","name":"spoke1","cluster":"spoke1","headers":true}\r\n`);
        await c.waitFor(/LS\+ \$LDS/);
        await c.transact("LS+ foo\r\nLS+ bar q 2\r\nLMSG x 2\r\nhi\r\n");
        c.close();
        const bad = await RawClient.connect(port);
        await bad.waitFor("\r\n");
        bad.write("LS+ foo\r\n");
        await bad.waitClosed();
        let z: Record<string, unknown> = {};
        await until(async () => {
          z = await get(s, "/connz?state=closed&subs=detail");
          return z.num_connections === 2;
        });
        // cids differ (2.9.10 numbers its internal clients too), ports and times are the run's.
        // uptime, idle and rtt are times too: a second boundary under load changes them.
        return (z.connections as Array<Record<string, unknown>>).map(({ cid: _c, port: _p, start: _s, last_activity: _l, stop: _t, uptime: _u, idle: _i, rtt: _r, subscriptions_list_detail: d, ...rest }): Record<string, unknown> => ({
          ...rest,
          // 2.9.10 lists them in Go map order: compare them sorted.
          subs: (d as Array<Record<string, unknown>> | undefined)?.map(({ cid: _x, ...sd }) => sd).sort((x, y) => String(x.sid).localeCompare(String(y.sid))),
        }));
      }),
    );
    const ours = seen[0]!;
    if (seen.length > 1) expect(ours).toEqual(seen[1]!);
    expect(ours.map((c) => [c.kind, c.reason, c.name, c.subscriptions])).toEqual([
      ["Leafnode", "Client Closed", "spoke1", 2],
      ["Leafnode", "Authentication Failure", undefined, 0],
    ]);
  });
});

describe("a leaf node connection in its account", () => {
  const hubConf = "http_port: -1\naccounts { A: { users: [{ user: a, password: a }] }, SYS: { users: [{ user: sys, password: sys }] } }\nsystem_account: SYS\nleafnodes { port: -1 }\n";
  const impls: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];
  test("/accstatz, /accountz and the account's events count it as a leaf node, not a client", async () => {
    const seen = await Promise.all(
      impls.map(async (impl) => {
        const hub = await startServer(["-c", writeConf(hubConf)], { bin: binOf(impl) });
        servers.push(hub);
        const sys = await connect({ servers: `127.0.0.1:${hub.port}`, user: "sys", pass: "sys" });
        conns.push(sys);
        const events: string[] = [];
        sys.subscribe("$SYS.ACCOUNT.A.>", {
          callback: (_e, m) => {
            const j = m.json<{ client?: Record<string, unknown>; conns?: number; leafnodes?: number }>();
            const c = j.client;
            events.push(`${m.subject} ${c !== undefined ? `${c.kind} ${c.acc} ${c.user} ${c.client_type ?? ""}` : `${j.conns} ${j.leafnodes}`}`);
          },
        });
        await sys.flush();
        // The leaf presents one of the hub's client users (no leafnodes users): 2.9.10 reports a CONNECT too.
        const leaf = await startServer(["-c", writeConf(`leafnodes { remotes: [{ url: "nats-leaf://a:a@127.0.0.1:${await leafPort(hub)}" }] }\n`)], { bin: binOf("ref") });
        servers.push(leaf);
        await until(async () => ((await get(hub, "/leafz")).leafnodes as number) === 1);
        const statz = async (q: string): Promise<unknown> =>
          ((await get(hub, `/accstatz${q}`)).account_statz as Array<Record<string, unknown>>)
            .filter((a) => a.acc === "A")
            .map((a) => [a.conns, a.leafnodes, a.total_conns]);
        const used = await statz("");
        const all = await statz("?unused=1");
        const acc = (await get(hub, "/accountz?acc=A")).account_detail as Record<string, unknown>;
        await leaf.stop();
        await until(async () => events.some((e) => e.includes("DISCONNECT")));
        return { used, all, counts: [acc.leafnode_connections, acc.client_connections], events };
      }),
    );
    const ours = seen[0]!;
    // 2.9.10 sends the last CONNS and the DISCONNECT from different goroutines: either may come first.
    const unordered = (x: (typeof seen)[number]): unknown => ({ ...x, events: [...x.events].sort() });
    if (seen.length > 1) expect(unordered(ours)).toEqual(unordered(seen[1]!));
    expect(ours).toEqual({
      used: [],
      all: [[0, 1, 1]],
      counts: [1, 0],
      events: [
        "$SYS.ACCOUNT.A.SERVER.CONNS 0 1",
        "$SYS.ACCOUNT.A.CONNECT Leafnode A a ",
        "$SYS.ACCOUNT.A.SERVER.CONNS 0 0",
        "$SYS.ACCOUNT.A.DISCONNECT Leafnode A a ",
      ],
    });
  });
});
