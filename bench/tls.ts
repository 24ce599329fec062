// What a mixed port (allow_non_tls) costs, nats-bun only: TLS clients on a
// TLS-only port against TLS clients on a mixed port, and plain clients on a
// plain port against plain clients on the mixed port. Per case: 1:1 pub/sub
// throughput (16 B, one publisher and one subscriber speaking the same
// transport) and connection set-up time (connect, INFO, handshake if TLS,
// CONNECT, PING -> PONG, close; one at a time). Rounds alternate the order.
//   bun bench/tls.ts [--n 2000000] [--conns 300] [--rounds 3] [--ours PATH]

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Socket } from "bun";
import { startServer, type RunningServer } from "../test/helpers/servers.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "2000000"));
const CONNS = Number(arg("--conns", "300"));
const ROUNDS = Number(arg("--rounds", "3"));
const OURS = resolve(arg("--ours", resolve(import.meta.dir, "../dist/nats-bun")));

const dir = mkdtempSync(join(tmpdir(), "tlsbench-"));
const run = (cmd: string[]): void => {
  const r = Bun.spawnSync(cmd, { cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
};
run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
  .concat(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"]));
const tlsBlock = `tls { cert_file: "${dir}/cert.pem", key_file: "${dir}/key.pem" }`;
const clientTLS = { ca: Bun.file(join(dir, "cert.pem")) };

interface Case {
  name: string;
  conf: string;
  tls: boolean;
}
const CASES: Case[] = [
  { name: "TLS client, TLS-only port", conf: tlsBlock, tls: true },
  { name: "TLS client, mixed port", conf: `${tlsBlock}\nallow_non_tls: true`, tls: true },
  { name: "plain client, plain port", conf: "", tls: false },
  { name: "plain client, mixed port", conf: `${tlsBlock}\nallow_non_tls: true`, tls: false },
];

/** Our binary on a config of its own (the test helper's start-up wait). */
async function start(conf: string): Promise<RunningServer> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf + "\n");
  return startServer(["-c", file], { bin: OURS });
}

/** A client connection after INFO (and the handshake, for TLS): bytes in, bytes out with backpressure. */
class Conn {
  sock!: Socket<undefined>;
  onData: (b: Uint8Array) => void = () => {};
  private drained: (() => void) | null = null;

  static open(port: number, tls: boolean): Promise<Conn> {
    const conn = new Conn();
    return new Promise((resolveConn, reject) => {
      const handlers = {
        data: (_s: Socket<undefined>, b: Uint8Array) => conn.onData(b),
        drain: () => conn.drainedNow(),
        error: (_s: Socket<undefined>, e: Error) => reject(e),
      };
      let ready = false;
      void Bun.connect<undefined>({
        hostname: "127.0.0.1",
        port,
        socket: {
          data(s, b) {
            if (ready) return handlers.data(s, b);
            ready = true; // INFO (one read on loopback)
            if (!tls) {
              conn.sock = s;
              return resolveConn(conn);
            }
            s.upgradeTLS<undefined>({
              tls: clientTLS,
              data: undefined,
              socket: {
                ...handlers,
                handshake(t, ok, err) {
                  if (!ok) return reject(err);
                  conn.sock = t;
                  resolveConn(conn);
                },
              },
            });
          },
          drain: handlers.drain,
          error: handlers.error,
        },
      }).catch(reject);
    });
  }

  private drainedNow(): void {
    const d = this.drained;
    this.drained = null;
    d?.();
  }

  async write(b: Uint8Array): Promise<void> {
    while (b.length > 0) {
      const n = this.sock.write(b);
      if (n < 0) throw new Error("write on a closed connection");
      b = b.subarray(n);
      if (b.length > 0) await new Promise<void>((r) => (this.drained = r));
    }
  }

  /** Writes `text` and waits for PONG. */
  async ping(text: string): Promise<void> {
    let got = "";
    const pong = new Promise<void>((r) => {
      this.onData = (b) => {
        got += new TextDecoder().decode(b);
        if (got.includes("PONG\r\n")) r();
      };
    });
    await this.write(new TextEncoder().encode(text + "PING\r\n"));
    await pong;
  }
}

const CONNECT = 'CONNECT {"verbose":false}\r\n';
const PAYLOAD = "0123456789abcdef";
const MSG_BYTES = `MSG bench 1 16\r\n${PAYLOAD}\r\n`.length;

/** Delivered msgs/s, 1:1 pub/sub. */
async function throughput(port: number, tls: boolean): Promise<number> {
  const sub = await Conn.open(port, tls);
  await sub.ping(CONNECT + "SUB bench 1\r\n");
  const pub = await Conn.open(port, tls);
  await pub.ping(CONNECT);
  let got = 0;
  const want = N * MSG_BYTES;
  const done = new Promise<void>((r) => {
    sub.onData = (b) => {
      got += b.length;
      if (got >= want) r();
    };
  });
  const batch = new TextEncoder().encode(`PUB bench 16\r\n${PAYLOAD}\r\n`.repeat(2000));
  const t0 = performance.now();
  for (let sent = 0; sent < N; sent += 2000) await pub.write(batch.subarray(0, (Math.min(2000, N - sent) * batch.length) / 2000));
  await done;
  const rate = N / ((performance.now() - t0) / 1000);
  pub.sock.end();
  sub.sock.end();
  return rate;
}

/** Mean ms from connect to PONG, one connection at a time. */
async function setup(port: number, tls: boolean): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < CONNS; i++) {
    const c = await Conn.open(port, tls);
    await c.ping(CONNECT);
    c.sock.end();
  }
  return (performance.now() - t0) / CONNS;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map<string, { rate: number[]; ms: number[] }>(CASES.map((c) => [c.name, { rate: [], ms: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? CASES : [...CASES].reverse();
  for (const c of order) {
    const srv = await start(c.conf);
    await setup(srv.port, c.tls); // warm-up
    const s = samples.get(c.name)!;
    s.ms.push(await setup(srv.port, c.tls));
    s.rate.push(await throughput(srv.port, c.tls));
    await srv.stop();
    console.error(`round ${round + 1}: ${c.name}: ${(s.rate.at(-1)! / 1e6).toFixed(2)} M msgs/s, ${s.ms.at(-1)!.toFixed(2)} ms/conn`);
  }
}
console.log(`\n1:1 pub/sub, 16 B, ${N} msgs; connection set-up over ${CONNS} sequential connections; medians of ${ROUNDS} rounds\n`);
console.log("| case | delivered msgs/s | set-up ms/conn |");
console.log("|---|---:|---:|");
for (const c of CASES) {
  const s = samples.get(c.name)!;
  console.log(`| ${c.name} | ${(median(s.rate) / 1e6).toFixed(2)} M | ${median(s.ms).toFixed(2)} |`);
}
