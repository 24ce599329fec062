// What operator mode costs per message, in process (no sockets, so far less
// noisy than bench/run.ts on a shared box): the same protocol bytes through a
// server without auth and through one in operator mode whose clients logged
// in with user JWTs (the account's default permissions and limits apply),
// alternating, several rounds, medians of ns per message.
//   bun bench/jwt-inproc.ts [--rounds 7]

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type Transport } from "../src/client/client.ts";
import { ClosedReason } from "../src/protocol/closed.ts";
import { loadConfig } from "../src/config/options.ts";
import { Server } from "../src/server/server.ts";
import { Logger } from "../src/server/logger.ts";
import { jwtWorld, signNonce } from "./jwt-mint.ts";

const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf("--rounds") + 1] ?? 7) || 7;
const world = await jwtWorld(mkdtempSync(join(tmpdir(), "jwt-inproc-")));
const logger = new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile: "/dev/null" } as never);
const sink: Transport = { write: (d: Uint8Array) => d.length, end: () => {}, pause: () => {}, resume: () => {} } as never;
const enc = new TextEncoder();

const plain = new Server({}, logger);
const operator = new Server(loadConfig(world.confPath).options, logger);
let cid = 0;

/** A logged-in client: plain CONNECT, or (operator mode) CONNECT with a user JWT and the nonce signature. */
function client(server: Server): Client {
  const c = new Client(server, ++cid, sink, server.globalAccount, "127.0.0.1", 1);
  let connect = '{"verbose":false,"pedantic":false}';
  if (server === operator) {
    const u = world.mintUser(`u${cid}`);
    c.nonce = `nonce${cid}`;
    connect = JSON.stringify({ verbose: false, pedantic: false, jwt: u.jwt, sig: signNonce(c.nonce, u.signer) });
  }
  c.read(enc.encode(`CONNECT ${connect}\r\n`));
  if (!c.authenticated) throw new Error("not authenticated");
  return c;
}

/** ns per message of `frame` from one publisher to `subs` subscribers of bench.subject. */
function run(server: Server, subs: number, frame: string, n: number): number {
  const subscribers = Array.from({ length: subs }, () => client(server));
  for (const s of subscribers) s.read(enc.encode("SUB bench.subject 1\r\n"));
  const pub = client(server);
  const perChunk = Math.floor(32768 / frame.length);
  const chunk = enc.encode(frame.repeat(perChunk));
  const chunks = Math.ceil(n / perChunk);
  const flush = (): void => {
    for (const s of subscribers) s.flush();
  };
  for (let i = 0; i < chunks / 10; i++) {
    pub.read(chunk);
    flush();
  }
  const t0 = performance.now();
  for (let i = 0; i < chunks; i++) {
    pub.read(chunk);
    flush();
  }
  const ns = ((performance.now() - t0) * 1e6) / (chunks * perChunk);
  for (const c of [pub, ...subscribers]) c.close(ClosedReason.ClientClosed);
  return ns;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const payload = "x".repeat(16);
const CASES: Array<[string, number, string, number]> = [
  ["publish only, 16 B", 0, `PUB bench.subject 16\r\n${payload}\r\n`, 2_000_000],
  ["1:1 pub/sub, 16 B", 1, `PUB bench.subject 16\r\n${payload}\r\n`, 2_000_000],
  ["1:4 fan-out, 16 B", 4, `PUB bench.subject 16\r\n${payload}\r\n`, 1_000_000],
  ["1:1 pub/sub, 4 KB", 1, `PUB bench.subject 4096\r\n${"x".repeat(4096)}\r\n`, 200_000],
];
console.log(`\nns per message in process, without auth and in operator mode (JWT users); medians of ${ROUNDS} rounds, alternating\n`);
console.log("| case | no auth | operator mode | operator / no auth |");
console.log("|---|---:|---:|---:|");
for (const [name, subs, frame, n] of CASES) {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      a.push(run(plain, subs, frame, n));
      b.push(run(operator, subs, frame, n));
    } else {
      b.push(run(operator, subs, frame, n));
      a.push(run(plain, subs, frame, n));
    }
  }
  console.log(`| ${name} | ${median(a).toFixed(1)} ns | ${median(b).toFixed(1)} ns | ${(median(b) / median(a)).toFixed(3)}× |`);
}
