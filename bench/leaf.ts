// Leaf nodes, nats-bun against nats-server 2.9.10 as the leaf, with a
// 2.9.10 hub in both cases: a publisher on the hub, a subscriber on the leaf
// (16 B and 4 KB), rounds alternating which leaf goes first; then how long a
// leaf takes to re-register after its hub restarts (from the hub's leaf port
// listening again to the leaf's registration, both read from the hub's log).
//   bun bench/leaf.ts [--n 1000000] [--rounds 3] [--restarts 5]
//
// natsbench runs publisher and subscriber on one URL, so the load here is
// raw sockets (bench/raw-pubsub.ts).

import { createServer } from "node:net";
import { NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "../test/helpers/servers.ts";
import { writeConf } from "../test/helpers/conf.ts";
import { leafConnected, leafPort } from "../test/helpers/leaf.ts";
import { median, pubsub } from "./raw-pubsub.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "1000000"));
const ROUNDS = Number(arg("--rounds", "3"));
const RESTARTS = Number(arg("--restarts", "5"));

const CASES = [
  { name: "hub pub -> leaf sub, 16 B", size: 16, n: N },
  { name: "hub pub -> leaf sub, 4 KB", size: 4096, n: Math.max(Math.floor(N / 10), 10_000) },
];
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const leafConf = (port: number): string => `leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${port}" }] }\n`;

// Throughput: one 2.9.10 hub, one leaf of each kind.
const hub = await startServer(["-c", writeConf("leafnodes { port: -1 }\n")], { bin: NATS_SERVER });
const hubLeaf = await leafPort(hub);
const ours = await startServer(["-c", writeConf(leafConf(hubLeaf))], { bin: NATS_BUN });
const ref = await startServer(["-c", writeConf(leafConf(hubLeaf))], { bin: NATS_SERVER });
await leafConnected(hub, 2);
const results = new Map<string, { ours: number[]; ref: number[] }>();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of CASES) {
    const e = results.get(c.name) ?? { ours: [], ref: [] };
    results.set(c.name, e);
    const order = r % 2 === 0 ? [ours, ref] : [ref, ours];
    for (const leaf of order) (leaf === ours ? e.ours : e.ref).push(await pubsub(hub.port, leaf.port, c.size, c.n, `leaf.${r}`));
  }
}
await ours.stop();
await ref.stop();
await hub.stop();

console.log(`| case (2.9.10 hub, publisher there, subscriber on the leaf) | nats-bun leaf msgs/s | 2.9.10 leaf msgs/s | ratio |`);
console.log(`|---|---|---|---|`);
for (const [name, e] of results) {
  const o = median(e.ours);
  const g = median(e.ref);
  console.log(`| ${name} | ${Math.round(o).toLocaleString("en")} | ${Math.round(g).toLocaleString("en")} | ${(o / g).toFixed(2)}x |`);
}

// Reconnect: the hub is killed and started again on the same leaf port.
const LOG_TIME = /(\d{2}):(\d{2}):(\d{2}\.\d+)/;
/** The time of day (seconds) of the first log line matching `re`. */
function logTime(s: RunningServer, re: RegExp): number {
  const line = s.log().split("\n").find((l) => re.test(l));
  const m = LOG_TIME.exec(line ?? "");
  if (m === null) throw new Error(`no log line ${re}`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

interface Reconnect {
  /** Hub's leaf port listening -> leaf registered (includes where the restart fell in the leaf's retry interval). */
  total: number;
  /** The successful attempt accepted -> registered (the handshake alone). */
  handshake: number;
}

async function reconnectTimes(bin: string): Promise<Reconnect[]> {
  const port = await freePort();
  const hubConf = writeConf(`leafnodes { port: ${port} }\n`);
  let h = await startServer(["-c", hubConf], { bin: NATS_SERVER });
  const leaf = await startServer(["-c", writeConf(leafConf(port))], { bin });
  await leafConnected(h);
  const times: Reconnect[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    await h.stop();
    // A random pause, so the restart falls anywhere in the leaf's retry cycle.
    await Bun.sleep(200 + Math.random() * 1000);
    h = await startServer(["-c", hubConf], { bin: NATS_SERVER });
    await leafConnected(h, 1, 15_000);
    const registered = logTime(h, /JetStream Not Extended/);
    times.push({ total: (registered - logTime(h, /Listening for leafnode connections/)) * 1000, handshake: (registered - logTime(h, /Leafnode connection created/)) * 1000 });
  }
  await leaf.stop();
  await h.stop();
  return times;
}

const rOurs = await reconnectTimes(NATS_BUN);
const rRef = await reconnectTimes(NATS_SERVER);
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(", ");
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`\nLeaf re-registered after a hub restart (${RESTARTS} restarts; the restart falls anywhere in the leaf's 1 s retry interval):`);
console.log(`| leaf | hub up -> registered, median ms | mean ms | samples | accepted -> registered, median ms |`);
console.log(`|---|---|---|---|---|`);
for (const [name, r] of [["nats-bun", rOurs], ["nats-server 2.9.10", rRef]] as const) {
  const total = r.map((x) => x.total);
  const hs = r.map((x) => x.handshake);
  console.log(`| ${name} | ${median(total).toFixed(0)} | ${mean(total).toFixed(0)} | ${fmt(total)} | ${median(hs).toFixed(1)} |`);
}
