// Connections per second with each way of authenticating, nats-bun beside
// nats-server in one run: each connection reads INFO, sends CONNECT with its
// credentials (signing the nonce for nkeys) and PING, waits for PONG, closes.
//   bun bench/connrate.ts [--n 2000] [--concurrency 50] [--ours PATH] [--ref PATH]

import { createUser } from "@nats-io/nkeys";
import { Codec } from "@nats-io/nkeys/lib/codec";
import { createPrivateKey, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "2000"));
const CONCURRENCY = Number(arg("--concurrency", "50"));
const OURS = resolve(arg("--ours", resolve(import.meta.dir, "../dist/nats-bun")));
const REF = arg("--ref", "/usr/sbin/nats-server");

const nkey = createUser();
const nkeyPublic = nkey.getPublicKey(); // derived from the seed on every call: cache it
// Sign with Bun's crypto so the load generator is not the bottleneck.
const signer = createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), rawSeed(nkey.getSeed())]),
  format: "der",
  type: "pkcs8",
});
function rawSeed(seed: Uint8Array): Uint8Array {
  return Codec.decodeSeed(seed).buf;
}
// Cost 11 is what `nats server passwd` produces by default.
const bcryptHash = (await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 11 })).replace(/^\$2b\$/, "$2a$");
const dir = mkdtempSync(join(tmpdir(), "connrate-"));

interface Mode {
  name: string;
  conf: string;
  connect: (nonce: string) => string;
  /** bcrypt is slow on purpose: fewer connections, fewer at once (within the 2 s auth timeout). */
  scale?: number;
}
const MODES: Mode[] = [
  { name: "no auth", conf: "", connect: () => `{"verbose":false}` },
  {
    name: "user/password (plain)",
    conf: "authorization { users: [ {user: u, password: pw} ] }",
    connect: () => `{"verbose":false,"user":"u","pass":"pw"}`,
  },
  {
    name: "user/password (bcrypt, cost 11)",
    conf: `authorization { users: [ {user: u, password: "${bcryptHash}"} ] }`,
    connect: () => `{"verbose":false,"user":"u","pass":"pw"}`,
    scale: 0.05,
  },
  {
    name: "nkey",
    conf: `authorization { users: [ {nkey: ${nkeyPublic}} ] }`,
    connect: (nonce) => {
      const sig = sign(null, new TextEncoder().encode(nonce), signer).toString("base64url");
      return JSON.stringify({ verbose: false, nkey: nkeyPublic, sig });
    },
  },
];

async function start(bin: string, conf: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf + "\n");
  const proc = Bun.spawn([bin, "-c", file, "-a", "127.0.0.1", "-p", "-1"], { stdout: "pipe", stderr: "pipe" });
  let text = "";
  const dec = new TextDecoder();
  void (async () => {
    for await (const c of proc.stderr as ReadableStream<Uint8Array>) text += dec.decode(c);
  })();
  const end = Date.now() + 10000;
  while (Date.now() < end) {
    const m = /Listening for client connections on [^\s]+:(\d+)/.exec(text);
    if (m) return { port: Number(m[1]), stop: async () => void (proc.kill("SIGKILL"), await proc.exited) };
    await Bun.sleep(10);
  }
  proc.kill("SIGKILL");
  throw new Error(`${bin} did not start: ${text}`);
}

/** One full connection: INFO, CONNECT, PING -> PONG, close. Rejects on -ERR. */
function oneConnection(port: number, mode: Mode): Promise<void> {
  return new Promise((resolveConn, reject) => {
    let buf = "";
    let sent = false;
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(s, d) {
          buf += new TextDecoder().decode(d);
          if (!sent) {
            const m = /^INFO (\{.*\}) \r\n/.exec(buf);
            if (m === null) return;
            const info = JSON.parse(m[1]!);
            s.write(`CONNECT ${mode.connect(info.nonce ?? "")}\r\nPING\r\n`);
            sent = true;
          }
          if (buf.includes("PONG\r\n")) {
            s.end();
            resolveConn();
          } else if (buf.includes("-ERR")) {
            s.end();
            reject(new Error(buf));
          }
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}

async function rate(port: number, mode: Mode): Promise<number> {
  const n = Math.max(1, Math.round(N * (mode.scale ?? 1)));
  const concurrency = Math.max(1, Math.round(CONCURRENCY * (mode.scale ?? 1)));
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await oneConnection(port, mode);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / ((performance.now() - t0) / 1000);
}

const rows: string[] = [];
for (const mode of MODES) {
  const result: Record<string, number> = {};
  for (const [label, bin] of [["ours", OURS], ["ref", REF]] as const) {
    const srv = await start(bin, mode.conf);
    await rate(srv.port, mode); // warm-up
    result[label] = await rate(srv.port, mode);
    await srv.stop();
  }
  rows.push(`| ${mode.name} | ${result.ours!.toFixed(0)} | ${result.ref!.toFixed(0)} | ${(result.ours! / result.ref!).toFixed(2)}× |`);
  console.error(`${mode.name}: ours ${result.ours!.toFixed(0)}/s, ref ${result.ref!.toFixed(0)}/s`);
}
console.log(`\nConnections per second (${N} connections, ${CONCURRENCY} at a time, 127.0.0.1)\n`);
console.log("| auth | nats-bun conns/s | nats-server conns/s | ours/ref |");
console.log("|---|---:|---:|---:|");
for (const r of rows) console.log(r);
