// Memory after load, nats-bun beside nats-server: what a server keeps once
// the load is over. Each case starts a fresh server, runs its load from this
// process over raw sockets, waits until every message was delivered (PING/PONG
// on both connections), lets the server sit idle for --settle seconds with
// the connections still open, then reads VmRSS (and VmHWM, the peak).
//
//   bun bench/memory.ts [--subjects 1000000] [--flood 5] [--settle 3] [--rounds 1]
//                       [--ours dist/nats-bun] [--ref /usr/sbin/nats-server]
//
// Cases:
//   idle      nothing (the floor)
//   distinct  one publisher sends --subjects messages, each on a subject of its
//             own (m.0, m.1, ...), to one subscriber on m.>
//   flood     one publisher sends 16-byte messages on one subject as fast as
//             it can for --flood seconds, to one subscriber
//   fanout    one publisher sends --big messages of 64 KiB to 20 subscribers
//             (which fall behind: the server queues megabytes for each)
//   conns     --conns connections each send CONNECT and PING, get PONG, and
//             stay open, idle

import type { Socket } from "bun";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { startServer, type RunningServer } from "../test/helpers/servers.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const SUBJECTS = Number(arg("--subjects", "1000000"));
const FLOOD_S = Number(arg("--flood", "5"));
const SETTLE_S = Number(arg("--settle", "3"));
const BIG = Number(arg("--big", "1000"));
const CONNS = Number(arg("--conns", "10000"));
const ROUNDS = Number(arg("--rounds", "1"));
const OURS = resolve(arg("--ours", resolve(import.meta.dir, "../dist/nats-bun")));
const REF = arg("--ref", "/usr/sbin/nats-server");

const PONG = Buffer.from("PONG\r\n");

/** A raw connection that counts PONGs and drops everything else it reads. */
class Conn {
  private pongs = 0;
  private tail = "";
  private waiting: (() => void) | null = null;
  private drained: (() => void) | null = null;
  private constructor(readonly sock: Socket<Conn | null>) {}

  static async open(port: number): Promise<Conn> {
    let conn: Conn | null = null;
    const sock = await Bun.connect<Conn | null>({
      hostname: "127.0.0.1",
      port,
      data: null,
      socket: {
        data(s, buf) {
          s.data?.onData(buf);
        },
        drain(s) {
          const d = s.data?.drained;
          if (d) {
            s.data!.drained = null;
            d();
          }
        },
      },
    });
    conn = new Conn(sock);
    sock.data = conn;
    await conn.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
    await conn.ping();
    return conn;
  }

  private onData(buf: Uint8Array): void {
    // Only PONG matters (payloads here never contain it); one may straddle two reads.
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    for (let k = b.indexOf(PONG); k >= 0; k = b.indexOf(PONG, k + 1)) this.pongs++;
    if ((this.tail + b.subarray(0, 5).toString("latin1")).includes("PONG\r\n")) this.pongs++;
    this.tail = b.subarray(Math.max(0, b.length - 5)).toString("latin1");
    if (this.waiting !== null && this.pongs > 0) {
      const w = this.waiting;
      this.waiting = null;
      w();
    }
  }

  /** Writes all of `data`, waiting for the socket to drain as needed. */
  async write(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    for (;;) {
      const n = this.sock.write(bytes);
      if (n < 0) throw new Error("connection closed");
      if (n === bytes.length) return;
      bytes = bytes.subarray(n);
      await new Promise<void>((r) => (this.drained = r));
    }
  }

  /** A round trip: everything sent before has been processed (and delivered before the PONG). */
  async ping(): Promise<void> {
    this.pongs = 0;
    const got = new Promise<void>((r) => (this.waiting = r));
    await this.write("PING\r\n");
    await got;
  }

  close(): void {
    this.sock.end();
  }
}

function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

async function distinct(port: number): Promise<void> {
  const sub = await Conn.open(port);
  const pub = await Conn.open(port);
  await sub.write("SUB m.> 1\r\n");
  await sub.ping();
  const BATCH = 2000;
  for (let i = 0; i < SUBJECTS; i += BATCH) {
    let chunk = "";
    for (let k = i; k < Math.min(i + BATCH, SUBJECTS); k++) chunk += `PUB m.${k} 2\r\nhi\r\n`;
    await pub.write(chunk);
  }
  await pub.ping();
  await sub.ping();
}

async function flood(port: number): Promise<void> {
  const sub = await Conn.open(port);
  const pub = await Conn.open(port);
  await sub.write("SUB f 1\r\n");
  await sub.ping();
  const chunk = Buffer.from("PUB f 16\r\n0123456789abcdef\r\n".repeat(2048), "latin1");
  const end = performance.now() + FLOOD_S * 1000;
  while (performance.now() < end) await pub.write(chunk);
  await pub.ping();
  await sub.ping();
}

async function fanout(port: number): Promise<void> {
  const subs = await Promise.all(Array.from({ length: 20 }, () => Conn.open(port)));
  for (const sub of subs) await sub.write("SUB big 1\r\n");
  await Promise.all(subs.map((sub) => sub.ping()));
  const pub = await Conn.open(port);
  const msg = Buffer.concat([Buffer.from("PUB big 65536\r\n"), Buffer.alloc(65536, 120), Buffer.from("\r\n")]);
  for (let i = 0; i < BIG; i++) await pub.write(msg);
  await pub.ping();
  await Promise.all(subs.map((sub) => sub.ping()));
}

/** Kept open until the case is measured. */
const held: Conn[] = [];
async function conns(port: number): Promise<void> {
  for (let i = 0; i < CONNS; i += 500) {
    held.push(...(await Promise.all(Array.from({ length: Math.min(500, CONNS - i) }, () => Conn.open(port)))));
  }
}

const CASES: [string, ((port: number) => Promise<void>) | null][] = [
  ["idle", null],
  ["distinct", distinct],
  ["flood", flood],
  ["fanout", fanout],
  ["conns", conns],
];

const fmt = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, load] of CASES) {
    // Alternate which server goes first, as bench/run.ts does.
    const order: [string, string][] = [
      ["nats-bun", OURS],
      ["nats-server", REF],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [who, bin] of order) {
      let s: RunningServer | null = null;
      try {
        s = await startServer([], { bin });
        const t = performance.now();
        if (load !== null) await load(s.port);
        const loadS = (performance.now() - t) / 1000;
        await Bun.sleep((load === null ? 1 : SETTLE_S) * 1000);
        const st = status(s.proc.pid);
        const key = `${name}|${who}`;
        results.set(key, [...(results.get(key) ?? []), st.rss]);
        console.error(
          `round ${round + 1} ${name.padEnd(8)} ${who.padEnd(11)} RSS ${fmt(st.rss)}  peak ${fmt(st.hwm)}` +
            (load === null ? "" : `  (load ${loadS.toFixed(1)} s, then ${SETTLE_S} s idle)`),
        );
      } finally {
        for (const c of held.splice(0)) c.close();
        await s?.stop();
      }
    }
  }
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
console.log(`| case | nats-bun | nats-server | ours/ref |\n|---|---:|---:|---:|`);
for (const [name] of CASES) {
  const ours = median(results.get(`${name}|nats-bun`)!);
  const ref = median(results.get(`${name}|nats-server`)!);
  console.log(`| ${name} | ${fmt(ours)} | ${fmt(ref)} | ${(ours / ref).toFixed(2)}× |`);
}
