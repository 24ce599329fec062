// Leaf nodes, nats-bun against nats-server 2.9.10 as the leaf, with a
// 2.9.10 hub in both cases: a publisher on the hub, a subscriber on the leaf
// (16 B and 4 KB), rounds alternating which leaf goes first; then how long a
// leaf takes to re-register after its hub restarts (from the hub's leaf port
// listening again to the leaf's registration, both read from the hub's log).
//   bun bench/leaf.ts [--n 1000000] [--rounds 3] [--restarts 5]
//
// natsbench runs publisher and subscriber on one URL, so the load here is
// raw sockets: the publisher writes a prebuilt block of PUBs as fast as the
// hub takes them, the subscriber counts delivered bytes (every MSG frame
// has the same size), so neither side parses per message.

import { createServer } from "node:net";
import type { Socket } from "bun";
import { NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "../test/helpers/servers.ts";
import { writeConf } from "../test/helpers/conf.ts";
import { leafConnected, leafPort } from "../test/helpers/leaf.ts";

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
/** PUBs per write: big enough that the loop is not the limit. */
const BATCH = 256;

/** A raw connection that is CONNECTed (and has seen the PONG). */
async function rawConn(port: number, onData: (n: number) => void): Promise<Socket<undefined>> {
  let ready: () => void = () => undefined;
  const pong = new Promise<void>((r) => (ready = r));
  let seen = "";
  const sock = await Bun.connect<undefined>({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        if (seen !== "done") {
          seen += d.toString();
          if (!seen.includes("PONG\r\n")) return;
          seen = "done";
          ready();
          return;
        }
        onData(d.length);
      },
      drain() {
        drainWaiters.get(sock)?.();
      },
    },
  });
  sock.write('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
  await pong;
  return sock;
}

const drainWaiters = new Map<Socket<undefined>, () => void>();

/** Writes all of `buf`, waiting for drain when the socket pushes back. */
async function writeAll(sock: Socket<undefined>, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = sock.write(buf.subarray(off));
    if (n < 0) throw new Error("publisher write failed");
    off += n;
    if (off < buf.length) await new Promise<void>((r) => drainWaiters.set(sock, r));
  }
}

/** Delivered msgs/s from hub to leaf for one case. */
async function pubsub(hub: RunningServer, leaf: RunningServer, size: number, n: number, round: number): Promise<number> {
  const subject = `bench.leaf.${round}.${size}.${Math.random().toString(36).slice(2, 8)}`;
  const frame = `MSG ${subject} 1 ${size}\r\n`.length + size + 2;
  let bytes = 0;
  let done: () => void = () => undefined;
  let target = Infinity;
  const finished = new Promise<void>((r) => (done = r));
  const sub = await rawConn(leaf.port, (k) => {
    bytes += k;
    if (bytes >= target) done();
  });
  sub.write(`SUB ${subject} 1\r\nPING\r\n`);
  const pub = await rawConn(hub.port, () => undefined);
  const one = `PUB ${subject} ${size}\r\n${"x".repeat(size)}\r\n`;
  // Interest crosses the link asynchronously: probe until one arrives, then let stragglers land.
  while (bytes < frame) {
    pub.write(one);
    await Bun.sleep(20);
  }
  await Bun.sleep(300);
  const base = bytes - (bytes % frame);
  const block = new TextEncoder().encode(one.repeat(BATCH));
  target = base + n * frame;
  const start = performance.now();
  let sent = 0;
  while (sent + BATCH <= n) {
    await writeAll(pub, block);
    sent += BATCH;
  }
  if (sent < n) await writeAll(pub, new TextEncoder().encode(one.repeat(n - sent)));
  const timeout = setTimeout(() => done(), 120_000);
  await finished;
  clearTimeout(timeout);
  const secs = (performance.now() - start) / 1000;
  const got = Math.floor((bytes - base) / frame);
  pub.end();
  sub.end();
  if (got < n) throw new Error(`only ${got} of ${n} delivered`);
  return n / secs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

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
    for (const leaf of order) (leaf === ours ? e.ours : e.ref).push(await pubsub(hub, leaf, c.size, c.n, r));
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

async function reconnectTimes(bin: string): Promise<number[]> {
  const port = await freePort();
  const hubConf = writeConf(`leafnodes { port: ${port} }\n`);
  let h = await startServer(["-c", hubConf], { bin: NATS_SERVER });
  const leaf = await startServer(["-c", writeConf(leafConf(port))], { bin });
  await leafConnected(h);
  const times: number[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    await h.stop();
    // A random pause, so the restart falls anywhere in the leaf's retry cycle.
    await Bun.sleep(200 + Math.random() * 1000);
    h = await startServer(["-c", hubConf], { bin: NATS_SERVER });
    await leafConnected(h, 1, 15_000);
    times.push((logTime(h, /JetStream Not Extended/) - logTime(h, /Listening for leafnode connections/)) * 1000);
  }
  await leaf.stop();
  await h.stop();
  return times;
}

const rOurs = await reconnectTimes(NATS_BUN);
const rRef = await reconnectTimes(NATS_SERVER);
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(", ");
console.log(`\nLeaf re-registered after a hub restart (ms from the hub's leaf port listening to the leaf registered, ${RESTARTS} restarts):`);
console.log(`| leaf | median ms | samples |`);
console.log(`|---|---|---|`);
console.log(`| nats-bun | ${median(rOurs).toFixed(0)} | ${fmt(rOurs)} |`);
console.log(`| nats-server 2.9.10 | ${median(rRef).toFixed(0)} | ${fmt(rRef)} |`);
