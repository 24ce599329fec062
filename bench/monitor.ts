// What monitoring costs, nats-bun beside nats-server 2.9.10:
// 1. 1:1 pub/sub throughput (natsbench, as bench/run.ts's pubsub1) with
//    /varz and /connz polled every 100 ms against the same without polling,
//    alternating within one run; the ratio polled/quiet per server.
// 2. /connz?limit=1024 (and /varz) latency with N idle raw-socket
//    connections open (CONNECT + PING answered by PONG).
//   bun bench/monitor.ts [--n 2000000] [--rounds 3] [--conns 10000] [--queries 20] [--ours PATH] [--ref PATH]
//                        [--poll /varz,/connz] [--only nats-bun|nats-server] [--skip-conns]

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { monitorBase } from "../test/helpers/monitor.ts";
import { startServer, type RunningServer } from "../test/helpers/servers.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "2000000"));
const ROUNDS = Math.max(1, Number(arg("--rounds", "3")));
const CONNS = Number(arg("--conns", "10000"));
const QUERIES = Number(arg("--queries", "20"));
const POLL_MS = 100;
const POLL_PATHS = arg("--poll", "/varz,/connz").split(",");
const ONLY = arg("--only", "");
const NATSBENCH = process.env.NATSBENCH || "/tmp/natsbench";
const SERVERS: ReadonlyArray<readonly [string, string]> = (
  [
    ["nats-bun", resolve(arg("--ours", resolve(import.meta.dir, "../dist/nats-bun")))],
    ["nats-server", arg("--ref", "/usr/sbin/nats-server")],
  ] as const
).filter(([name]) => ONLY === "" || name === ONLY);

function ensureNatsbench(): void {
  if (existsSync(NATSBENCH)) return;
  const script = process.env.NATSBENCH_BUILD || "/work/shared/natsbench/build.sh";
  const r = Bun.spawnSync(["bash", script], { env: { ...process.env, NATSBENCH }, stdio: ["ignore", "inherit", "inherit"] });
  if (r.exitCode !== 0 || !existsSync(NATSBENCH)) throw new Error(`natsbench missing at ${NATSBENCH} and ${script} failed`);
}

/** Delivered msgs/s of one natsbench pubsub run (16 B payloads, one subscriber). */
async function pubsub(port: number): Promise<number> {
  const p = Bun.spawn([NATSBENCH, "-url", `nats://127.0.0.1:${port}`, "-scenario", "pubsub", "-subs", "1", "-n", String(N)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const line = out.split("\n").find((l) => l.startsWith("{"));
  const r = line === undefined ? null : (JSON.parse(line) as { sub_msgs_per_s: number; received: number; error?: string });
  if (r === null || r.error !== undefined || r.received !== N) throw new Error(`natsbench: ${r?.error ?? (err || out).slice(-300)}`);
  return r.sub_msgs_per_s;
}

/** GETs the POLL_PATHS in turn every POLL_MS (never overlapping) until stopped; returns the number of polls. */
function poller(base: string): { stop(): Promise<number> } {
  let running = true;
  let polls = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      for (const path of POLL_PATHS) await (await fetch(`${base}${path}`)).arrayBuffer();
      polls++;
      await Bun.sleep(Math.max(0, POLL_MS - (performance.now() - t0)));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return polls;
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function throughput(bin: string): Promise<{ quiet: number; polled: number; polls: number }> {
  const s = await startServer(["-m", "-1"], { bin });
  try {
    const base = await monitorBase(s);
    await pubsub(s.port); // warm-up
    const quiet: number[] = [];
    const polled: number[] = [];
    let polls = 0;
    for (let r = 0; r < ROUNDS; r++) {
      // Which goes first alternates, so drift over the run hits both.
      for (const withPolling of r % 2 === 0 ? [false, true] : [true, false]) {
        if (!withPolling) {
          quiet.push(await pubsub(s.port));
          continue;
        }
        const p = poller(base);
        polled.push(await pubsub(s.port));
        polls += await p.stop();
      }
    }
    return { quiet: median(quiet), polled: median(polled), polls };
  } finally {
    await s.stop();
  }
}

/** Opens `count` raw client connections, each answered PONG; returns closers. */
async function openIdle(port: number, count: number): Promise<Array<() => void>> {
  const closers: Array<() => void> = [];
  const CONCURRENCY = 256; // below the listen backlog
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((done, fail) => {
      let buf = "";
      let sent = false;
      Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data(s, d) {
            buf += d.toString("latin1");
            if (!sent && buf.includes("\r\n")) {
              sent = true;
              s.write('CONNECT {"verbose":false}\r\nPING\r\n');
            }
            if (buf.includes("PONG\r\n")) {
              buf = "";
              done();
            } else if (buf.includes("PING\r\n")) {
              buf = "";
              s.write("PONG\r\n");
            }
          },
          close: () => fail(new Error("closed before PONG")),
          connectError: (_s, e) => fail(e),
        },
      }).then((s) => closers.push(() => s.end()), fail);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await one();
      }
    }),
  );
  return closers;
}

async function latency(base: string, path: string): Promise<{ p50: number; p90: number; kb: number }> {
  const ms: number[] = [];
  let size = 0;
  for (let i = 0; i < QUERIES; i++) {
    const t0 = performance.now();
    size = (await (await fetch(`${base}${path}`)).arrayBuffer()).byteLength;
    ms.push(performance.now() - t0);
  }
  return { p50: median(ms), p90: pct(ms, 0.9), kb: size / 1024 };
}

async function withConnections(bin: string): Promise<{ openMs: number; connz: Awaited<ReturnType<typeof latency>>; varz: Awaited<ReturnType<typeof latency>> }> {
  const s: RunningServer = await startServer(["-m", "-1"], { bin });
  try {
    const base = await monitorBase(s);
    const t0 = performance.now();
    const closers = await openIdle(s.port, CONNS);
    const openMs = performance.now() - t0;
    await Bun.sleep(500);
    await latency(base, "/connz?limit=1024"); // warm-up
    const connz = await latency(base, "/connz?limit=1024");
    const varz = await latency(base, "/varz");
    for (const c of closers) c();
    return { openMs, connz, varz };
  } finally {
    await s.stop();
  }
}

ensureNatsbench();
const f0 = (v: number): string => Math.round(v).toLocaleString("en-US");
const f1 = (v: number): string => v.toFixed(1);
console.log(`## Monitoring overhead (${ROUNDS} rounds, pubsub 1:1 16 B, n=${N.toLocaleString("en-US")}, medians; polling ${POLL_PATHS.join(" ")})\n`);
console.log("| server | quiet msgs/s | polled msgs/s | polled/quiet | polls |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, bin] of SERVERS) {
  const t = await throughput(bin);
  console.log(`| ${name} | ${f0(t.quiet)} | ${f0(t.polled)} | ${(t.polled / t.quiet).toFixed(3)}× | ${t.polls} |`);
}
if (args.includes("--skip-conns")) process.exit(0);
console.log(`\n## Monitoring latency with ${CONNS.toLocaleString("en-US")} idle connections (${QUERIES} sequential GETs)\n`);
console.log("| server | open conns (ms) | /connz?limit=1024 p50 ms | p90 ms | KiB | /varz p50 ms | p90 ms |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
const lat: Record<string, number> = {};
for (const [name, bin] of SERVERS) {
  const r = await withConnections(bin);
  lat[name] = r.connz.p50;
  console.log(
    `| ${name} | ${f0(r.openMs)} | ${f1(r.connz.p50)} | ${f1(r.connz.p90)} | ${f0(r.connz.kb)} | ${f1(r.varz.p50)} | ${f1(r.varz.p90)} |`,
  );
}
if (SERVERS.length === 2) console.log(`\n/connz?limit=1024 p50 nats-bun/nats-server: ${(lat["nats-bun"]! / lat["nats-server"]!).toFixed(2)}×`);
