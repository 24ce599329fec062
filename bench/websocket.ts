// WebSocket clients, nats-bun against nats-server 2.9.10 in the same run:
// natsbench (nats.go over ws://) for 1:1 pub/sub at 16 B and 4 KB and a
// 1:4 fan-out, rounds alternating which server goes first; then the RSS of
// each server holding 1,000 idle WebSocket connections.
//   bun bench/websocket.ts [--n 1000000] [--rounds 3] [--conns 1000] [--natsbench PATH]

import { readFileSync } from "node:fs";
import { NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "../test/helpers/servers.ts";
import { writeConf } from "../test/helpers/conf.ts";
import { wsPort } from "../test/helpers/ws.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "1000000"));
const ROUNDS = Number(arg("--rounds", "3"));
const CONNS = Number(arg("--conns", "1000"));
const NATSBENCH = arg("--natsbench", process.env.NATSBENCH ?? "/tmp/natsbench");

const CASES: Array<{ name: string; args: string[]; n: number }> = [
  { name: "1:1 pub/sub 16 B", args: ["-scenario", "pubsub", "-subs", "1", "-size", "16"], n: N },
  { name: "1:1 pub/sub 4 KB", args: ["-scenario", "pubsub", "-subs", "1", "-size", "4096"], n: Math.max(N / 10, 10_000) },
  { name: "1:4 fan-out 16 B", args: ["-scenario", "pubsub", "-subs", "4", "-size", "16"], n: Math.max(N / 4, 10_000) },
];

interface Target {
  name: string;
  server: RunningServer;
  ws: number;
}

async function start(name: string, bin: string): Promise<Target> {
  const server = await startServer(["-c", writeConf("websocket { port: -1, no_tls: true }\n")], { bin });
  return { name, server, ws: await wsPort(server) };
}

/** Received messages per second from one natsbench run. */
async function run(t: Target, c: (typeof CASES)[number]): Promise<number> {
  const p = Bun.spawn([NATSBENCH, "-url", `ws://127.0.0.1:${t.ws}`, ...c.args, "-n", String(c.n), "-deadline", "120s"], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const line = out.trim().split("\n").pop() ?? "{}";
  const r = JSON.parse(line) as Record<string, number>;
  return r.sub_msgs_per_s ?? Number.NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

async function idleRss(t: Target): Promise<{ before: number; after: number }> {
  const before = rssKiB(t.server.proc.pid);
  const socks: WebSocket[] = [];
  for (let i = 0; i < CONNS; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${t.ws}`);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => {
        ws.send('CONNECT {"verbose":false}\r\nPING\r\n');
        resolve();
      };
      ws.onerror = () => reject(new Error("ws connect failed"));
    });
    socks.push(ws);
  }
  await Bun.sleep(2000);
  const after = rssKiB(t.server.proc.pid);
  for (const ws of socks) ws.close();
  await Bun.sleep(500);
  return { before, after };
}

const ours = await start("nats-bun", NATS_BUN);
const ref = await start("nats-server 2.9.10", NATS_SERVER);
const results = new Map<string, { ours: number[]; ref: number[] }>();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of CASES) {
    const entry = results.get(c.name) ?? { ours: [], ref: [] };
    results.set(c.name, entry);
    const order = r % 2 === 0 ? [ours, ref] : [ref, ours];
    for (const t of order) (t === ours ? entry.ours : entry.ref).push(await run(t, c));
  }
}
console.log(`| case (WebSocket, natsbench over ws://) | nats-bun msgs/s | 2.9.10 msgs/s | ratio |`);
console.log(`|---|---|---|---|`);
for (const [name, e] of results) {
  const o = median(e.ours);
  const g = median(e.ref);
  console.log(`| ${name} | ${Math.round(o).toLocaleString("en")} | ${Math.round(g).toLocaleString("en")} | ${(o / g).toFixed(2)}x |`);
}
const ro = await idleRss(ours);
const rr = await idleRss(ref);
console.log(`\nRSS with ${CONNS} idle WebSocket connections: nats-bun ${(ro.after / 1024).toFixed(1)} MiB (idle before: ${(ro.before / 1024).toFixed(1)} MiB), 2.9.10 ${(rr.after / 1024).toFixed(1)} MiB (before: ${(rr.before / 1024).toFixed(1)} MiB)`);
await ours.server.stop();
await ref.server.stop();
