// Bad input and faults on routes, nats-bun against nats-server 2.9.10: what
// a raw connection on the route port is told (-ERR), logged and whether it
// is closed; the soliciting side of a refused route; peers that vanish
// (kill -9), flap or come back; the dynamic cluster name.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { RawClient } from "../helpers/raw.ts";
import { flows, freePort, routesCreated, startNode, until, type Node } from "../helpers/cluster.ts";
import { binOf, type Impl } from "../helpers/leaf.ts";

const IMPLS: Impl[] = haveReference ? ["ref", "ours"] : ["ours"];
const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of running) await s.stop();
});

async function client(port: number): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false });
  conns.push(nc);
  return nc;
}

/** The connection-level ERR/INF lines after the route port opened, without times, pids, addresses and cids. */
function connLines(log: string): string[] {
  const from = log.indexOf("Listening for route connections");
  return log
    .slice(from)
    .split("\n")
    .filter((l) => / - rid:\d+ - /.test(l) && /\[(ERR|INF)\]/.test(l))
    .map((l) => l.replace(/^.*?\[(ERR|INF)\] [^ ]+ - rid:\d+ - /, "[$1] "));
}

interface Probe {
  closed: boolean;
  /** What the server sent after its INFO, without the RS+ of its interest. */
  text: string;
  log: string[];
}

async function probe(impl: Impl, conf: string, send: string): Promise<Probe> {
  const port = freePort();
  const s = await startServer(["-c", writeConf(conf.replace("PORT", String(port)))], { bin: binOf(impl) });
  running.push(s);
  await s.waitLog("Listening for route connections");
  const rc = await RawClient.connect(port);
  await rc.waitFor(/^INFO .*\r\n/);
  // A PING after the input: a connection still open answers it.
  rc.write(`${send}PING\r\n`);
  await rc.waitFor((t) => rc.closed || /^PONG\r\n/m.test(t), 3000).catch(() => undefined);
  await Bun.sleep(100);
  const text = rc.text.replace(/^INFO .*\r\n/, "").replace(/^(RS\+|PING|PONG).*\r\n/gm, "");
  const closed = rc.closed;
  rc.close();
  // The server stays up and serves clients.
  const nc = await client(s.port);
  await nc.flush();
  await s.stop();
  return { closed, text, log: connLines(s.log()) };
}

const NAMED = `cluster { name: Y, listen: "127.0.0.1:PORT" }`;
const AUTH = `cluster { name: Y, listen: "127.0.0.1:PORT", authorization { user: ru, password: rp, timeout: 1 } }`;
const JOIN = `CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"NFAKE","cluster":"Y"}\r\nINFO {"server_id":"NFAKE","cluster":"Y","headers":true}\r\n`;
const CASES: Array<[string, string, string]> = [
  ["another cluster name", NAMED, `CONNECT {"echo":true,"tls_required":false,"headers":true,"name":"NFAKE","cluster":"X"}\r\n`],
  ["wrong route password", AUTH, `CONNECT {"echo":true,"name":"NFAKE","cluster":"Y","user":"ru","pass":"bad"}\r\n`],
  ["no route credentials", AUTH, `CONNECT {"echo":true,"name":"NFAKE","cluster":"Y"}\r\n`],
  ["an op before CONNECT with authorization", AUTH, `PING\r\n`],
  ["a client CONNECT (lang)", NAMED, `CONNECT {"lang":"node","verbose":false}\r\n`],
  ["a gateway CONNECT", NAMED, `CONNECT {"gateway":"G1"}\r\n`],
  ["CONNECT with bad JSON", NAMED, `CONNECT {bad\r\n`],
  ["garbage first", NAMED, `HELLO WORLD\r\n`],
  ["garbage after joining", NAMED, `${JOIN}FOO bar\r\n`],
  ["RMSG without subject", NAMED, `${JOIN}RMSG $G\r\n`],
  ["RMSG with a bad size", NAMED, `${JOIN}RMSG $G foo x\r\n`],
  ["RMSG with a bad reply indicator", NAMED, `${JOIN}RMSG $G foo ? q 2\r\nhi\r\n`],
  ["RS+ with three arguments", NAMED, `${JOIN}RS+ $G foo bar\r\n`],
  ["RS- without a subject", NAMED, `${JOIN}RS- $G\r\n`],
  ["RS+ for an unknown account is only logged", NAMED, `${JOIN}RS+ NOPE foo\r\nPING\r\n`],
  ["a long control line is no error on routes", `max_control_line: 256\n${NAMED}`, `${JOIN}RS+ $G ${"a".repeat(70000)}\r\n`],
];

describe("raw connections on the route port", () => {
  for (const [label, conf, send] of CASES) {
    test(label, async () => {
      const got: Record<string, Probe> = {};
      for (const impl of IMPLS) got[impl] = await probe(impl, conf, send);
      const ours = got.ours!;
      if (label.startsWith("a long") || label.includes("only logged")) expect(ours.closed).toBe(false);
      else expect(ours.closed).toBe(true);
      if (!haveReference) return;
      const ref = got.ref!;
      expect(ours.closed).toBe(ref.closed);
      expect(ours.text).toBe(ref.text);
      expect(ours.log).toEqual(ref.log);
    });
  }
});

/** A two-node pair where `a` dials `b` with `aConf`/`bConf` cluster blocks (PA, PB: the cluster ports). */
async function pair(ia: Impl, ib: Impl, aConf: string, bConf: string): Promise<[RunningServer, RunningServer]> {
  const pa = freePort();
  const pb = freePort();
  const fill = (t: string): string => t.replaceAll("PA", String(pa)).replaceAll("PB", String(pb));
  const b = await startServer(["-c", writeConf(fill(bConf))], { bin: binOf(ib) });
  const a = await startServer(["-c", writeConf(fill(aConf))], { bin: binOf(ia) });
  running.push(a, b);
  return [a, b];
}

const MONITOR_RE = /Starting http monitor on [^\s]+:(\d+)/;
const count = (log: string, re: RegExp): number => (log.match(new RegExp(re.source, "gm")) ?? []).length;

describe("the soliciting side of a refused route keeps trying", () => {
  for (const ia of IMPLS) {
    for (const ib of IMPLS) {
      if (ia === "ref" && ib === "ref") continue;
      test(`${ia} dials ${ib} of another cluster`, async () => {
        const [a, b] = await pair(ia, ib, `cluster { name: X, listen: "127.0.0.1:PA", routes: ["nats-route://127.0.0.1:PB"] }`, `cluster { name: Y, listen: "127.0.0.1:PB" }`);
        await until(() => count(b.log(), /Rejecting connection, cluster name "X" does not match "Y"/) >= 2);
        await until(() => count(a.log(), /Router connection closed: (Cluster Name Conflict|Parse Error|Write Error|Client Closed)/) >= 2);
        expect(count(b.log(), /cluster name from remote server conflicts/)).toBeGreaterThanOrEqual(2);
        await a.stop();
        await b.stop();
      });
      test(`${ia} dials ${ib} with a wrong route password`, async () => {
        const [a, b] = await pair(
          ia,
          ib,
          `cluster { name: Y, listen: "127.0.0.1:PA", routes: ["nats-route://ru:bad@127.0.0.1:PB"] }`,
          `cluster { name: Y, listen: "127.0.0.1:PB", authorization { user: ru, password: rp } }`,
        );
        // 2.9.10 dials a configured route again a second after it closes.
        await until(() => count(b.log(), /\[ERR\] .* - authentication error$/m) >= 2);
        await until(() => /Route Error 'Authorization Violation'/.test(a.log()));
        await a.stop();
        await b.stop();
      });
    }
  }
});

/** The same node started again on its cluster port. */
async function restartNode(n: Node, name: string, routes: number[]): Promise<Node> {
  const again = await startNode(n.impl, name, n.clusterPort, routes);
  running.push(again.server);
  return again;
}

describe("a peer that vanishes (kill -9)", () => {
  for (const ia of IMPLS) {
    for (const ib of IMPLS) {
      if (ia === "ref" && ib === "ref") continue;
      test(`${ia} keeps dialing ${ib}; its interest goes and comes back`, async () => {
        const pa = freePort();
        const pb = freePort();
        const a = await startNode(ia, "C1", pa, [pb], "http_port: -1");
        let b = await startNode(ib, "C1", pb, [pa]);
        running.push(a.server, b.server);
        await routesCreated(a, 1);
        await a.server.waitLog(MONITOR_RE);
        const subsz = `http://127.0.0.1:${MONITOR_RE.exec(a.server.log())![1]}/subsz`;
        const subCount = async (): Promise<number> => ((await (await fetch(subsz)).json()) as { num_subscriptions: number }).num_subscriptions;
        const ca = await client(a.server.port);
        let cb = await client(b.server.port);
        await flows(ca, cb, "kill.x");
        cb.subscribe("kill.y");
        await flows(ca, cb, "kill.z");
        const withPeer = await subCount();
        // Killed mid-stream: messages to its interest are on the way when it goes.
        let streaming = true;
        const payload = new Uint8Array(4096);
        const pump = (async (): Promise<void> => {
          while (streaming) {
            ca.publish("kill.x", payload);
            await Bun.sleep(0);
          }
        })();
        await Bun.sleep(50);
        b.server.proc.kill("SIGKILL");
        await b.server.proc.exited;
        await Bun.sleep(50);
        streaming = false;
        await pump;
        await a.server.waitLog(/Router connection closed/, 5000);
        // Its interest went with it (the peer's subscriptions leave /subsz); local subscribers still get messages.
        await until(async () => (await subCount()) < withPeer - 1);
        await flows(ca, ca, "local.x");
        // Flapping: it comes back, goes again, comes back.
        for (let i = 0; i < 2; i++) {
          b = await restartNode(b, "C1", [pa]);
          cb = await client(b.server.port);
          await flows(ca, cb, `back.${i}`);
          if (i === 0) {
            await cb.close();
            b.server.proc.kill("SIGKILL");
            await b.server.proc.exited;
          }
        }
        await flows(cb, ca, "back.reverse");
      });
    }
  }
});

describe("three nodes, one killed", () => {
  const combos: Array<[Impl, Impl, Impl]> = haveReference ? [["ref", "ours", "ours"], ["ours", "ref", "ours"], ["ours", "ours", "ref"]] : [["ours", "ours", "ours"]];
  for (const [ia, ib, ic] of combos) {
    test(`seed ${ia}, ${ib} and ${ic}: ${ic} killed and restarted`, async () => {
      const [pa, pb, pc] = [freePort(), freePort(), freePort()];
      const a = await startNode(ia, "C3", pa, []);
      const b = await startNode(ib, "C3", pb, [pa]);
      let c = await startNode(ic, "C3", pc, [pa]);
      running.push(a.server, b.server, c.server);
      const [na, nb] = [await client(a.server.port), await client(b.server.port)];
      let nc = await client(c.server.port);
      await flows(nb, nc, "three.bc");
      c.server.proc.kill("SIGKILL");
      await c.server.proc.exited;
      await flows(na, nb, "three.ab");
      await flows(nb, na, "three.ba");
      c = await restartNode(c, "C3", [pa]);
      nc = await client(c.server.port);
      // The restarted node meets the non-seed again through gossip.
      await flows(nb, nc, "three.bc2");
      await flows(nc, nb, "three.cb2");
      await flows(na, nc, "three.ac2");
    });
  }
});

describe("dynamic cluster name", () => {
  const DYN = (port: string, to: string): string => `cluster { listen: "127.0.0.1:${port}", routes: ["nats-route://127.0.0.1:${to}"] }`;
  for (const ia of IMPLS) {
    for (const ib of IMPLS) {
      if (ia === "ref" && ib === "ref") continue;
      test(`${ia} and ${ib} both without a name agree on the larger one`, async () => {
        const [a, b] = await pair(ia, ib, DYN("PA", "PB"), DYN("PB", "PA"));
        // Routing starts after the client port: its log line may come a moment later.
        await a.waitLog("Cluster name is");
        await b.waitLog("Cluster name is");
        const named = (s: RunningServer): string => /Cluster name is (\S+)/.exec(s.log())![1]!;
        const larger = [named(a), named(b)].sort()[1]!;
        const ca = await client(a.port);
        const cb = await client(b.port);
        await flows(ca, cb, "dyn.both");
        await until(async () => {
          const [x, y] = [await client(a.port), await client(b.port)];
          return x.info?.cluster === larger && y.info?.cluster === larger;
        });
      });
    }
  }
  for (const impl of IMPLS) {
    test(`${impl}: the warning at start`, async () => {
      const s = await startServer(["-c", writeConf(`cluster { listen: "127.0.0.1:-1" }`)], { bin: binOf(impl) });
      running.push(s);
      await s.waitLog("Listening for route connections");
      const lines = s.log().split("\n").map((l) => l.replace(/^.*?\[(INF|WRN|ERR|DBG)\] /, "[$1] "));
      const at = lines.findIndex((l) => l.startsWith("[INF] Cluster name is "));
      expect(lines[at + 1]).toBe("[WRN] Cluster name was dynamically generated, consider setting one");
      expect(lines[at + 2]).toStartWith("[INF] Listening for route connections on ");
      await s.stop();
    });
  }
  for (const ia of IMPLS) {
    for (const ib of IMPLS) {
      if (ia === "ref" && ib === "ref") continue;
      test(`${ia} without a name adopts ${ib}'s, whichever dials`, async () => {
        const [a, b] = await pair(ia, ib, `cluster { listen: "127.0.0.1:PA", routes: ["nats-route://127.0.0.1:PB"] }`, `cluster { name: NAMED, listen: "127.0.0.1:PB" }`);
        await a.waitLog("Cluster name updated to NAMED", 8000);
        const ca = await client(a.port);
        const cb = await client(b.port);
        await flows(ca, cb, "dyn.x");
        expect(ca.info?.cluster).toBe("NAMED");
        await a.stop();
        const [c, d] = await pair(ib, ia, `cluster { name: NAMED, listen: "127.0.0.1:PA", routes: ["nats-route://127.0.0.1:PB"] }`, `cluster { listen: "127.0.0.1:PB" }`);
        await d.waitLog("Cluster name updated to NAMED", 8000);
        await flows(await client(c.port), await client(d.port), "dyn.y");
      });
    }
  }
});
