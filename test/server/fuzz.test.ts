// Bad input never takes the server down. Random and mutated protocol bytes,
// split at random and cut off mid-message, go to the compiled server while a
// watcher and a canary keep checking that it still serves everyone else.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { prng } from "../sublist/suite.ts";


const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 150);

/** Every -ERR a client may legitimately get. */
const KNOWN_ERRS = new Set([
  "Authentication Timeout",
  "Unknown Protocol Operation",
  "Maximum Payload Violation",
  "maximum control line exceeded",
  "Invalid Subject",
  "Invalid Publish Subject",
  "invalid client protocol",
  "no responders requires headers support",
  "Authorization Violation",
]);

const VALID = [
  'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n',
  "PING\r\n",
  "PONG\r\n",
  "SUB fz.a 1\r\n",
  "SUB fz.* q 2\r\n",
  "UNSUB 1\r\n",
  "UNSUB 2 5\r\n",
  "PUB fz.a 5\r\nhello\r\n",
  "PUB fz.b reply 3\r\nabc\r\n",
  "HPUB fz.h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
  "pub fz.c 0\r\n\r\n",
];

let srv: RunningServer;
let authSrv: RunningServer;
beforeAll(async () => {
  srv = await startServer();
  // Users, one with a bcrypt password (asynchronous check) and permissions.
  const hash = await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 4 });
  authSrv = await startServer([
    "-c",
    writeConf(`authorization { users: [
      {user: a, password: a}
      {user: b, password: "${hash}", permissions: {publish: ["fz.>", "canary.>"], subscribe: "fz.*"}}
    ] }\n`),
  ]);
});
afterAll(async () => {
  await srv.stop();
  await authSrv.stop();
});

/** CONNECT lines a fuzzed connection may start with on the auth server (or not at all). */
const AUTH_CONNECTS = [
  'CONNECT {"verbose":false,"user":"a","pass":"a","headers":true}\r\n',
  'CONNECT {"verbose":true,"user":"b","pass":"pw"}\r\n',
  'CONNECT {"user":"b","pass":"wrong"}\r\n',
  "",
];

function mutate(r: () => number, s: Uint8Array): Uint8Array {
  const b = [...s];
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 4)) {
      case 0:
        b[at] = Math.floor(r() * 256);
        break;
      case 1:
        b.splice(at, 0, Math.floor(r() * 256));
        break;
      case 2:
        b.splice(at, 1 + Math.floor(r() * 8));
        break;
      default:
        b.splice(at, 0, ...new TextEncoder().encode(["\r\n", " ", "\n", "PUB ", "99999999", "*", ">", "."][Math.floor(r() * 8)]!));
    }
  }
  return new Uint8Array(b);
}

function input(r: () => number): Uint8Array {
  const enc = new TextEncoder();
  const kind = r();
  if (kind < 0.25) {
    // Pure noise.
    return new Uint8Array(Math.floor(r() * 512)).map(() => Math.floor(r() * 256));
  }
  let s = "";
  const n = 1 + Math.floor(r() * 12);
  for (let i = 0; i < n; i++) s += VALID[Math.floor(r() * VALID.length)]!;
  const bytes = enc.encode(s);
  return kind < 0.8 ? mutate(r, bytes) : bytes;
}

/**
 * Sends ROUNDS fuzzed connections to `port`, each optionally starting with a
 * CONNECT from `prefixes`; a watcher and a canary (both using `hello`) check
 * that the server keeps serving and never delivers a half-sent frame.
 */
async function fuzz(port: number, hello: string, prefixes: readonly string[]): Promise<void> {
  const r = prng(SEED);
  // The watcher sees everything published in the account.
  const watcher = await RawClient.connect(port);
  await watcher.transact(`${hello}SUB > 1\r\n`);
  const canary = await RawClient.connect(port);
  await canary.transact(hello);

  for (let round = 0; round < ROUNDS; round++) {
    const c = await RawClient.connect(port);
    await c.waitFor("\r\n");
    const prefix = new TextEncoder().encode(prefixes[Math.floor(r() * prefixes.length)]!);
    const body = input(r);
    const data = new Uint8Array(prefix.length + body.length);
    data.set(prefix);
    data.set(body, prefix.length);
    // Random splits; sometimes hang up before the end.
    const cutAt = r() < 0.3 ? Math.floor(r() * data.length) : data.length;
    let off = 0;
    while (off < cutAt && !c.closed) {
      const len = Math.max(1, Math.floor(r() * 64));
      try {
        c.write(data.subarray(off, Math.min(off + len, cutAt)));
      } catch {
        break;
      }
      off += len;
      if (r() < 0.2) await Bun.sleep(0);
    }
    // A truncated frame to a unique subject, then an abrupt close: it must never be delivered.
    const marker = `cut.${round}`;
    if (!c.closed && r() < 0.5) {
      try {
        c.write(`\r\nPUB ${marker} 10\r\nhalf`);
      } catch {
        // Already closed by the server.
      }
    }
    await Bun.sleep(1);
    const reply = c.text;
    c.close();

    for (const m of reply.matchAll(/-ERR '([^']*)'/g)) {
      const text = m[1]!;
      expect(KNOWN_ERRS.has(text) || text.startsWith("Permissions Violation for ")).toBe(true);
    }
    // The server still serves others (its own keepalive PINGs may interleave).
    const pong = await canary.transact(`PUB canary.${round} 2\r\nok\r\n`);
    expect(pong.replaceAll("PING\r\n", "")).toBe("PONG\r\n");
  }

  await watcher.transact("");
  const seen = watcher.text;
  expect(seen).not.toMatch(/MSG cut\./);
  for (let round = 0; round < ROUNDS; round++) expect(seen).toContain(`MSG canary.${round} 1 2\r\nok\r\n`);
  watcher.close();
  canary.close();
}

test(
  "random and mutated input: server keeps serving, errors are the reference's, nothing half-sent is delivered",
  () => fuzz(srv.port, 'CONNECT {"verbose":false,"headers":true}\r\n', [""]),
  120_000,
);

test(
  "the same on a server with users, bcrypt and permissions",
  () => fuzz(authSrv.port, 'CONNECT {"verbose":false,"user":"a","pass":"a","headers":true}\r\n', AUTH_CONNECTS),
  120_000,
);
