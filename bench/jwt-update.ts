// An account JWT update reaching 10,000 connected clients of that account.
//
// Side by side (sockets): each server starts in operator mode (MEMORY
// resolver); 10,000 clients log in, each with its own user JWT (CONNECT with
// jwt + nonce signature) and one SUB; a system account user then sends
// account updates as requests on $SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE, one
// after the other on the same clients: new limits, a signing key added, 10%
// of the users revoked (+ disallow_bearer), a connection limit that closes
// another 10% (the oldest). Both servers reply once the update is applied,
// so request -> reply is the server's time for it (plus one round trip, the
// "no clients" row).
//
// In process (no sockets, nats-bun only): the same updates through
// updateJwtAccount (src/accounts/jwt-update.ts) on 10,000 in-process
// clients, and beside them what decoding every client's user JWT again
// would cost (2.9.10 does that for each client in its update loop).
//
//   bun bench/jwt-update.ts [--clients 10000] [--rounds 3] [--ours PATH] [--ref PATH] [--skip-sockets]

import { createAccount } from "@nats-io/jwt";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client, type Transport } from "../src/client/client.ts";
import { ClosedReason } from "../src/protocol/closed.ts";
import { loadConfig } from "../src/config/options.ts";
import { Server } from "../src/server/server.ts";
import { Logger } from "../src/server/logger.ts";
import { decodeClaims } from "../src/jwt/decode.ts";
import { updateJwtAccount } from "../src/accounts/jwt-update.ts";
import { recheckClient } from "../src/server/reload-auth.ts";
import { jwtWorld, signNonce, UNLIMITED, type JwtUser } from "./jwt-mint.ts";
import { startServer, type RunningServer } from "../test/helpers/servers.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const CLIENTS = Number(arg("--clients", "10000"));
const ROUNDS = Number(arg("--rounds", "3"));
const OURS = resolve(arg("--ours", resolve(import.meta.dir, "../dist/nats-bun")));
const REF = arg("--ref", "/usr/sbin/nats-server");
const SOCKETS = !args.includes("--skip-sockets");

const world = await jwtWorld(mkdtempSync(join(tmpdir(), "jwt-update-")));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

let t0 = performance.now();
const users: JwtUser[] = Array.from({ length: CLIENTS }, (_, i) => world.mintUser(`u${i}`));
const sysUser = world.mintUser("sys", {}, "SYS");
console.error(`minted ${CLIENTS} users in ${(performance.now() - t0).toFixed(0)} ms`);

const tenth = Math.round(CLIENTS / 10);
const SIGNING_KEY = createAccount().getPublicKey();
/** The updates, applied in this order to the same clients; `closes`: how many clients each closes. */
const UPDATES: Array<{ name: string; nats: () => Record<string, unknown>; closes: number }> = [
  { name: "new limits (subs 100, payload 64 KiB)", nats: () => ({ limits: { ...UNLIMITED, subs: 100, payload: 65536 } }), closes: 0 },
  {
    name: "a signing key added (signers changed)",
    nats: () => ({ limits: { ...UNLIMITED, subs: 100, payload: 65536 }, signing_keys: [SIGNING_KEY] }),
    closes: 0,
  },
  {
    name: `${tenth} users revoked (10%), disallow_bearer`,
    nats: () => ({
      limits: { ...UNLIMITED, disallow_bearer: true },
      revocations: Object.fromEntries(users.slice(CLIENTS - tenth).map((u) => [u.key, Math.floor(Date.now() / 1000) + 60])),
    }),
    closes: tenth,
  },
  {
    name: `connection limit ${CLIENTS - 2 * tenth} (the oldest 10% closed)`,
    nats: () => ({ limits: { ...UNLIMITED, conn: CLIENTS - 2 * tenth } }),
    closes: tenth,
  },
];

// ---------------------------------------------------------------- sockets

/** `bin` on the operator config (the test helper's start-up wait). */
async function start(bin: string): Promise<RunningServer> {
  return startServer(["-c", world.confPath], { bin });
}

interface Conn {
  closed: boolean;
  text: string;
  write(s: string): void;
  end(): void;
}

/** Logs in as `u` and sends `then`; resolves once PONG came back. */
function login(port: number, u: JwtUser, then: string): Promise<Conn> {
  return new Promise((done, fail) => {
    const conn: Conn = { closed: false, text: "", write: () => {}, end: () => {} };
    let sent = false;
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          conn.write = (d) => void s.write(d);
          conn.end = () => s.end();
        },
        data(s, d) {
          conn.text += d.toString("latin1");
          if (!sent) {
            const m = /^INFO (\{.*\}) \r\n/.exec(conn.text);
            if (m === null) return;
            sent = true;
            s.write(`CONNECT ${JSON.stringify({ verbose: false, jwt: u.jwt, sig: signNonce(JSON.parse(m[1]!).nonce, u.signer) })}\r\n${then}PING\r\n`);
          } else if (conn.text.includes("PING\r\n")) {
            conn.text = conn.text.replaceAll("PING\r\n", "");
            s.write("PONG\r\n");
          }
          if (conn.text.includes("-ERR") && !conn.text.includes("PONG")) fail(new Error(conn.text));
          if (conn.text.includes("PONG\r\n")) done(conn);
        },
        close() {
          conn.closed = true;
        },
        error(_s, e) {
          fail(e);
        },
      },
    }).catch(fail);
  });
}

async function loginAll(port: number): Promise<Conn[]> {
  const conns: Conn[] = new Array(CLIENTS);
  let next = 0;
  // In order, a few at a time: which ones are the oldest is then clear.
  const worker = async (): Promise<void> => {
    while (next < CLIENTS) {
      const i = next++;
      conns[i] = await login(port, users[i]!, `SUB s.${i} 1\r\n`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return conns;
}

/** Sends the update as a request from the system user and waits for the reply; returns ms. */
async function request(sys: Conn, inbox: string, jwt: string): Promise<number> {
  const before = sys.text.length;
  const t = performance.now();
  sys.write(`PUB $SYS.REQ.ACCOUNT.${world.accountKey}.CLAIMS.UPDATE ${inbox} ${jwt.length}\r\n${jwt}\r\n`);
  const deadline = Date.now() + 30000;
  while (!sys.text.slice(before).includes(`MSG ${inbox}`)) {
    if (Date.now() > deadline || sys.closed) throw new Error(`no reply to the update: ${sys.text.slice(before)}`);
    await Bun.sleep(0);
  }
  const ms = performance.now() - t;
  // Wait for the whole reply before reading it.
  while (!/\}\}\r\n/.test(sys.text.slice(before)) && Date.now() < deadline) await Bun.sleep(1);
  const reply = sys.text.slice(before);
  if (!reply.includes('"jwt updated"')) throw new Error(`update refused: ${reply}`);
  return ms;
}

async function socketsRound(bin: string): Promise<{ empty: number; updates: number[]; closed: number[] }> {
  const srv = await start(bin);
  try {
    const sys = await login(srv.port, sysUser, "SUB _INBOX.bench.* 1\r\n");
    // An update with no client of the account connected: the request's own cost.
    await login(srv.port, users[0]!, "").then((c) => c.end()); // loads the account
    await Bun.sleep(50);
    const empty = await request(sys, "_INBOX.bench.0", await world.accountJwt({ tags: ["empty"] }));
    const conns = await loginAll(srv.port);
    await Bun.sleep(200);
    const updates: number[] = [];
    const closed: number[] = [];
    for (const [i, u] of UPDATES.entries()) {
      const was = conns.filter((c) => c.closed).length;
      updates.push(await request(sys, `_INBOX.bench.${i + 1}`, await world.accountJwt(u.nats())));
      // Closes reach the sockets a moment later.
      const end = Date.now() + 5000;
      while (conns.filter((c) => c.closed).length - was < u.closes && Date.now() < end) await Bun.sleep(20);
      await Bun.sleep(100);
      closed.push(conns.filter((c) => c.closed).length - was);
    }
    for (const c of conns) c.end();
    sys.end();
    return { empty, updates, closed };
  } finally {
    await srv.stop();
  }
}

// ---------------------------------------------------------------- in process

const logger = new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile: "/dev/null" } as never);
const sink: Transport = { write: (d: Uint8Array) => d.length, end: () => {}, pause: () => {}, resume: () => {} } as never;
const enc = new TextEncoder();

async function inProcessRound(): Promise<{ updates: number[]; closed: number[]; reauth: number }> {
  const server = new Server(loadConfig(world.confPath).options, logger);
  for (let i = 0; i < CLIENTS; i++) {
    const c = new Client(server, i + 1, sink, server.globalAccount, "127.0.0.1", 40000 + (i % 20000));
    server.clients.set(c.cid, c);
    c.nonce = `nonce${i}`;
    c.read(enc.encode(`CONNECT ${JSON.stringify({ verbose: false, jwt: users[i]!.jwt, sig: signNonce(c.nonce, users[i]!.signer) })}\r\nSUB s.${i} 1\r\n`));
    if (!c.authenticated) throw new Error(`client ${i} not authenticated`);
    c.flush();
  }
  const account = server.accounts.get(world.accountKey)!;
  // What a reload does to each client: authenticate it again.
  let t = performance.now();
  for (const c of [...account.clients]) recheckClient(c);
  const reauth = performance.now() - t;
  if (account.clients.size !== CLIENTS) throw new Error("clients lost on re-authentication");
  const updates: number[] = [];
  const closed: number[] = [];
  for (const u of UPDATES) {
    const jwt = await world.accountJwt(u.nats());
    const before = account.clients.size;
    t = performance.now();
    const r = updateJwtAccount(server, account, jwt);
    if (r !== null) throw new Error(`update refused: ${r instanceof Promise ? "asynchronous" : r}`);
    for (const c of account.clients) c.flush();
    updates.push(performance.now() - t);
    closed.push(before - account.clients.size);
  }
  for (const c of [...server.clients.values()]) c.close(ClosedReason.ServerShutdown);
  return { updates, closed, reauth };
}

// ---------------------------------------------------------------- run

const table = (title: string, cols: string[], rows: string[][]): void => {
  console.log(`\n${title}\n`);
  console.log(`| ${cols.join(" | ")} |`);
  console.log(`|${cols.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;

if (SOCKETS) {
  const samples = { ours: [] as Awaited<ReturnType<typeof socketsRound>>[], ref: [] as Awaited<ReturnType<typeof socketsRound>>[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = [["ours", OURS], ["ref", REF]] as const;
    for (const [label, bin] of round % 2 === 0 ? order : [...order].reverse()) {
      const r = await socketsRound(bin);
      samples[label].push(r);
      console.error(`round ${round + 1} ${label}: no clients ${ms(r.empty)}; ${r.updates.map(ms).join(", ")}; closed ${r.closed.join(", ")}`);
    }
  }
  const med = (label: "ours" | "ref", f: (r: Awaited<ReturnType<typeof socketsRound>>) => number): number => median(samples[label].map(f));
  const rows = [["no clients of the account (one round trip)", ms(med("ours", (r) => r.empty)), ms(med("ref", (r) => r.empty)), "", ""]];
  for (const [i, u] of UPDATES.entries()) {
    const o = med("ours", (r) => r.updates[i]!);
    const g = med("ref", (r) => r.updates[i]!);
    rows.push([u.name, ms(o), ms(g), `${(o / g).toFixed(2)}×`, `${med("ours", (r) => r.closed[i]!)} / ${med("ref", (r) => r.closed[i]!)}`]);
  }
  table(
    `Account update request -> reply with ${CLIENTS} clients of the account connected (sockets, 127.0.0.1; medians of ${ROUNDS} rounds)`,
    ["update", "nats-bun", "nats-server", "ours/ref", "clients closed (ours / ref)"],
    rows,
  );
}

const inproc: Awaited<ReturnType<typeof inProcessRound>>[] = [];
for (let round = 0; round < ROUNDS; round++) inproc.push(await inProcessRound());
t0 = performance.now();
for (const u of users) decodeClaims(u.jwt, "user");
const redecode = performance.now() - t0;
table(
  `nats-bun in process: updateJwtAccount with ${CLIENTS} clients of the account (no sockets; medians of ${ROUNDS} rounds)`,
  ["update", "server time", "clients closed"],
  UPDATES.map((u, i) => [u.name, ms(median(inproc.map((r) => r.updates[i]!))), String(median(inproc.map((r) => r.closed[i]!)))]),
);
console.log(`\nRe-authenticating the ${CLIENTS} clients (what a reload does to each, recheckClient): ${median(inproc.map((r) => r.reauth)).toFixed(1)} ms`);
console.log(`Decoding the ${CLIENTS} user JWTs again (what 2.9.10's update loop does per client, here in TypeScript): ${redecode.toFixed(0)} ms`);
