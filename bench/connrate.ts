// Connections per second with each way of authenticating, nats-bun beside
// nats-server in one run: each connection reads INFO, sends CONNECT with its
// credentials (signing the nonce for nkeys and user JWTs) and PING, waits for
// PONG, closes. Operator mode: an operator JWT, a MEMORY resolver preloading
// the system account and one account; users connect with one user JWT, or
// each with its own (never seen before by that server, so nothing cached).
//   bun bench/connrate.ts [--n 2000] [--concurrency 50] [--rounds 1] [--modes jwt,nkey] [--ours PATH] [--ref PATH]

import { createUser } from "@nats-io/nkeys";
import { jwtWorld, signerOf, signNonce, type JwtUser } from "./jwt-mint.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startServer, type RunningServer } from "../test/helpers/servers.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "2000"));
const CONCURRENCY = Number(arg("--concurrency", "50"));
const OURS = resolve(arg("--ours", resolve(import.meta.dir, "../dist/nats-bun")));
const REF = arg("--ref", "/usr/sbin/nats-server");
const ROUNDS = Math.max(1, Number(arg("--rounds", "1")));
const ONLY = arg("--modes", "");

const nkey = createUser();
const nkeyPublic = nkey.getPublicKey(); // derived from the seed on every call: cache it
// Sign with Bun's crypto so the load generator is not the bottleneck.
const signer = signerOf(nkey.getSeed());
// Cost 11 is what `nats server passwd` produces by default.
const bcryptHash = (await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 11 })).replace(/^\$2b\$/, "$2a$");
const dir = mkdtempSync(join(tmpdir(), "connrate-"));

// Operator mode (bench/jwt-mint.ts): operator, system account, account A, users of A.
const world = await jwtWorld(join(dir, "jwt"));
const jwtConf = world.confText;
const oneUser = world.mintUser("one");
/** Users for "distinct users": one per connection of a server's warm-up and measured runs (both servers use the same ones). */
let manyUsers: JwtUser[] = [];
const jwtConnect = (u: JwtUser, nonce: string): string => JSON.stringify({ verbose: false, jwt: u.jwt, sig: signNonce(nonce, u.signer) });

interface Mode {
  name: string;
  conf: string;
  /** `i`: the connection's number on this server (warm-up and measured runs count on). */
  connect: (nonce: string, i: number) => string;
  /** bcrypt is slow on purpose: fewer connections, fewer at once (within the 2 s auth timeout). */
  scale?: number;
}
const ALL_MODES: Mode[] = [
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
    connect: (nonce) => JSON.stringify({ verbose: false, nkey: nkeyPublic, sig: signNonce(nonce, signer) }),
  },
  {
    name: "user JWT, one user (operator, MEMORY resolver)",
    conf: jwtConf,
    connect: (nonce) => jwtConnect(oneUser, nonce),
  },
  {
    name: "user JWT, a new user per connection",
    conf: jwtConf,
    connect: (nonce, i) => jwtConnect(manyUsers[i]!, nonce),
  },
];
const MODES = ALL_MODES.filter((m) => ONLY === "" || ONLY.split(",").some((w) => m.name.toLowerCase().includes(w.toLowerCase())));
if (MODES.some((m) => m.name.includes("new user"))) {
  const t0 = performance.now();
  manyUsers = Array.from({ length: 2 * N }, (_, i) => world.mintUser(`u${i}`));
  console.error(`minted ${manyUsers.length} user JWTs in ${(performance.now() - t0).toFixed(0)} ms`);
}

/** `bin` on a config of its own (the test helper's start-up wait). */
async function start(bin: string, conf: string): Promise<RunningServer> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf + "\n");
  return startServer(["-c", file], { bin });
}

/** One full connection: INFO, CONNECT, PING -> PONG, close. Rejects on -ERR. */
function oneConnection(port: number, mode: Mode, i: number): Promise<void> {
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
            s.write(`CONNECT ${mode.connect(info.nonce ?? "", i)}\r\nPING\r\n`);
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

/** `first`: number of the first connection (the measured run follows the warm-up's). */
async function rate(port: number, mode: Mode, first: number): Promise<number> {
  const n = Math.max(1, Math.round(N * (mode.scale ?? 1)));
  const concurrency = Math.max(1, Math.round(CONCURRENCY * (mode.scale ?? 1)));
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      await oneConnection(port, mode, first + next++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const samples = new Map<Mode, { ours: number[]; ref: number[] }>(MODES.map((m) => [m, { ours: [], ref: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    const result = samples.get(mode)!;
    // Which server goes first alternates from round to round.
    const order = [["ours", OURS], ["ref", REF]] as const;
    for (const [label, bin] of round % 2 === 0 ? order : [...order].reverse()) {
      const srv = await start(bin, mode.conf);
      const n = Math.max(1, Math.round(N * (mode.scale ?? 1)));
      await rate(srv.port, mode, 0); // warm-up
      result[label].push(await rate(srv.port, mode, n));
      await srv.stop();
    }
    console.error(`round ${round + 1} ${mode.name}: ours ${result.ours.at(-1)!.toFixed(0)}/s, ref ${result.ref.at(-1)!.toFixed(0)}/s`);
  }
}
const rows: string[] = [];
for (const [mode, r] of samples) {
  const ours = median(r.ours);
  const ref = median(r.ref);
  rows.push(`| ${mode.name} | ${ours.toFixed(0)} | ${ref.toFixed(0)} | ${(ours / ref).toFixed(2)}× |`);
}
console.log(`\nConnections per second (${N} connections, ${CONCURRENCY} at a time, 127.0.0.1; medians of ${ROUNDS} round(s))\n`);
console.log("| auth | nats-bun conns/s | nats-server conns/s | ours/ref |");
console.log("|---|---:|---:|---:|");
for (const r of rows) console.log(r);
