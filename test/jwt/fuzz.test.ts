// Bad user JWTs in operator mode: malformed, truncated, wrongly typed or
// signed, from outside the operator's chain, revoked, expired, of an
// unknown account, random bytes, huge. Each closes only its own connection,
// with the -ERR nats-server 2.9.10 sends (compared side by side), while a
// canary and a watcher (good JWT users) keep working and the server stays up.
// Then seeded random mutations of a good CONNECT: a sample is compared with
// 2.9.10, the rest must get a known answer.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createAccount, createUser, encodeUser, type KeyPair } from "@nats-io/jwt";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { mintWorld, signNonce, type TestUser, type World } from "./fixture.ts";
import { prng } from "../sublist/suite.ts";


const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 120);
/** How many of the random rounds also run against 2.9.10 and must match it. */
const COMPARED = Number(process.env.FUZZ_COMPARED ?? 40);

let world: World;
let ours: RunningServer;
let theirs: RunningServer | null = null;

interface Watch {
  canary: RawClient;
  watcher: RawClient;
  n: number;
}
const watches = new Map<number, Watch>();

beforeAll(async () => {
  world = await mintWorld();
  const conf = world.conf();
  ours = await startServer(["-c", conf]);
  if (haveReference) theirs = await startServer(["-c", conf], { bin: NATS_SERVER });
  for (const srv of [ours, theirs]) {
    if (srv === null) continue;
    const watcher = await login(srv.port, world.users.a2!);
    expect(await watcher.transact("SUB canary.> 1\r\n")).toBe("PONG\r\n");
    const canary = await login(srv.port, world.users.a!);
    expect(await canary.transact("")).toBe("PONG\r\n");
    watches.set(srv.port, { canary, watcher, n: 0 });
  }
});

afterAll(async () => {
  for (const w of watches.values()) {
    w.canary.close();
    w.watcher.close();
  }
  await ours?.stop();
  await theirs?.stop();
});

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString("base64url");

/** A JWT with any header and claims, signed (over "header.claims") by `kp`. */
function forge(header: unknown, claims: unknown, kp: KeyPair): string {
  const body = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${body}.${b64(kp.sign(new TextEncoder().encode(body)))}`;
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
}

/** Connects and sends CONNECT with `fields` over the defaults; `sign`: the user whose key signs the nonce. */
async function login(port: number, u: TestUser | null, fields: Record<string, unknown> = {}, sign: TestUser | null = u): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const info = await c.waitFor("\r\n");
  const nonce = /"nonce":"([^"]+)"/.exec(info)?.[1] ?? "";
  const opts: Record<string, unknown> = { verbose: false, pedantic: false, protocol: 1 };
  if (u !== null) opts.jwt = u.jwt;
  if (sign !== null) opts.sig = signNonce(sign.seed, nonce);
  tryWrite(c, `CONNECT ${JSON.stringify({ ...opts, ...fields })}\r\n`);
  return c;
}

/** Writes unless the server has hung up already (as it does halfway through a huge CONNECT). */
function tryWrite(c: RawClient, data: string): void {
  try {
    c.write(data);
  } catch {
    // Closed by the server: what it sent before says why.
  }
}

/** What came back after INFO, up to the PONG or the close. */
async function outcome(c: RawClient): Promise<string> {
  let out = "";
  try {
    out = await c.transact("");
  } catch {
    // Closed while writing the PING.
  }
  if (!out.endsWith("PONG\r\n")) await c.waitClosed(3000).catch(() => undefined);
  const closed = c.closed;
  c.close();
  return stripInfo(c.text).replace(/^INFO\r\n/, "") + (closed ? "[closed]" : "");
}

/** The server is up and its good clients still talk: a message from the canary reaches the watcher. */
async function stillServing(port: number): Promise<void> {
  const w = watches.get(port)!;
  const n = w.n++;
  expect((await w.canary.transact(`PUB canary.${n} 2\r\nok\r\n`)).replaceAll("PING\r\n", "")).toBe("PONG\r\n");
  await w.watcher.waitFor(`MSG canary.${n} 1 2\r\nok\r\n`);
}

/** Runs a bad login on our server and, when installed, on 2.9.10; both must answer alike and keep serving. */
async function same(attempt: (port: number) => Promise<RawClient>): Promise<string> {
  const mine = await outcome(await attempt(ours.port));
  await stillServing(ours.port);
  if (theirs !== null) {
    expect(mine).toBe(await outcome(await attempt(theirs.port)));
    await stillServing(theirs.port);
  }
  return mine;
}

const VIOLATION = "-ERR 'Authorization Violation'\r\n[closed]";

describe("bad user JWTs: only that connection goes, with 2.9.10's -ERR", () => {
  type Case = [string, (port: number) => Promise<RawClient>, string];
  const a = (): TestUser => world.users.a!;
  const withJwt = (jwt: unknown, signer: () => TestUser | null = a) => (port: number) => login(port, a(), { jwt }, signer());
  const cases: Case[] = [
    ["not a JWT", withJwt("not-a-jwt"), VIOLATION],
    ["two parts", withJwt("eyJhbGciOiJlZDI1NTE5In0.eyJ9"), VIOLATION],
    ["four parts", withJwt(() => `${a().jwt}.x`), VIOLATION],
    ["an empty string", withJwt(""), VIOLATION],
    ["three empty parts", withJwt(".."), VIOLATION],
    ["truncated in the signature", withJwt(() => a().jwt.slice(0, -10)), VIOLATION],
    ["truncated in the claims", withJwt(() => a().jwt.slice(0, a().jwt.indexOf(".") + 30)), VIOLATION],
    ["no signature part", withJwt(() => a().jwt.slice(0, a().jwt.lastIndexOf(".") + 1)), VIOLATION],
    ["padding in base64", withJwt(() => a().jwt.replace(".", "==.")), VIOLATION],
    ["claims that are not JSON", withJwt(() => `${a().jwt.split(".")[0]}.${b64("{nope")}.${a().jwt.split(".")[2]}`), VIOLATION],
    ["claims that are a JSON array", withJwt(() => `${a().jwt.split(".")[0]}.${b64("[1,2]")}.${a().jwt.split(".")[2]}`), VIOLATION],
    ["a header that is not JSON", withJwt(() => `${b64("{")}.${a().jwt.split(".").slice(1).join(".")}`), VIOLATION],
    ["alg HS256, signed by the account", (p) => login(p, a(), { jwt: forge({ typ: "JWT", alg: "HS256" }, claimsOf(a().jwt), world.accountKeys.a!) }), VIOLATION],
    ["alg none", (p) => login(p, a(), { jwt: forge({ typ: "JWT", alg: "none" }, claimsOf(a().jwt), world.accountKeys.a!) }), VIOLATION],
    ["typ JWS", (p) => login(p, a(), { jwt: forge({ typ: "JWS", alg: "ed25519-nkey" }, claimsOf(a().jwt), world.accountKeys.a!) }), VIOLATION],
    ["a signature flipped in the middle", withJwt(() => flip(a().jwt, a().jwt.length - 40)), VIOLATION],
    ["another JWT's signature", withJwt(() => `${a().jwt.split(".").slice(0, 2).join(".")}.${world.users.a2!.jwt.split(".")[2]}`), VIOLATION],
    ["claims changed after signing", withJwt(() => resign(a().jwt, { name: "mallory" })), VIOLATION],
    ["signed by the operator (not an account)", (p) => login(p, a(), { jwt: forge({ typ: "JWT", alg: "ed25519-nkey" }, { ...claimsOf(a().jwt), iss: world.operatorKey.getPublicKey() }, world.operatorKey) }), VIOLATION],
    ["issued by a key the account does not list", (p) => login(p, world.users.notASigner!), VIOLATION],
    ["issuer_account naming an account that did not sign it", (p) => outsider(p), VIOLATION],
    ["of an account of another operator", (p) => login(p, world.users.untrusted!), VIOLATION],
    ["of an unknown account", (p) => login(p, world.users.unknown!), VIOLATION],
    ["revoked", (p) => login(p, world.users.revoked!), VIOLATION],
    ["expired", (p) => login(p, world.users.expired!), VIOLATION],
    ["an account JWT instead of a user JWT", withJwt(() => world.preload[world.keys.a]!), VIOLATION],
    ["the operator JWT instead of a user JWT", withJwt(() => world.operator), VIOLATION],
    ["a good JWT, the nonce signed by another user", (p) => login(p, a(), {}, world.users.b!), VIOLATION],
    ["a good JWT, random bytes as the signature", (p) => login(p, a(), { sig: b64(new Uint8Array(64).fill(7)) }), VIOLATION],
    ["a good JWT, a signature that is not base64", (p) => login(p, a(), { sig: "!!not base64!!" }), VIOLATION],
    ["a good JWT, a short signature", (p) => login(p, a(), { sig: "AAAA" }), VIOLATION],
    ["a good JWT, an empty signature", (p) => login(p, a(), { sig: "" }), VIOLATION],
    ["random bytes as the JWT", withJwt(() => String.fromCharCode(...Array.from({ length: 300 }, (_, i) => (i * 131 + 7) % 256))), VIOLATION],
    ["a huge JWT (64 KiB of claims)", withJwt(() => resign(a().jwt, { name: "x".repeat(65536) })), VIOLATION],
  ];
  for (const [name, attempt, expected] of cases) {
    test(name, async () => {
      expect(await same(attempt)).toBe(expected);
    });
  }

  test("a JWT that is not a string (number, object, array, null)", async () => {
    // A CONNECT that does not unmarshal is closed without an -ERR (2.9.10
    // logs the JSON error); null unmarshals as no JWT at all.
    const out: string[] = [];
    for (const jwt of [42, { a: 1 }, ["x"], true, null]) out.push(await same((p) => login(p, world.users.a!, { jwt })));
    expect(out).toEqual(["[closed]", "[closed]", "[closed]", "[closed]", VIOLATION]);
  });

  test("a CONNECT with a 1 MiB JWT", async () => {
    const huge = "eyJ" + "A".repeat(1 << 20);
    expect(await same((p) => login(p, world.users.a!, { jwt: huge }))).toBe("-ERR 'maximum control line exceeded'\r\n[closed]");
  });

  test("a good user still gets in afterwards", async () => {
    expect(await same((p) => login(p, world.users.a!))).toBe("PONG\r\n");
  });
});

/** `jwt` with the character at `at` changed. */
function flip(jwt: string, at: number): string {
  const c = jwt[at] === "A" ? "B" : "A";
  return jwt.slice(0, at) + c + jwt.slice(at + 1);
}

/** The claims changed, the old signature kept. */
function resign(jwt: string, more: Record<string, unknown>): string {
  const [h, , s] = jwt.split(".");
  return `${h}.${b64(JSON.stringify({ ...claimsOf(jwt), ...more }))}.${s}`;
}

/** A user signed by an account of another operator, claiming (issuer_account) to be of account A. */
async function outsider(port: number): Promise<RawClient> {
  const stranger = createAccount();
  const kp = createUser();
  const jwt = await encodeUser("outsider", kp, stranger, {}, { signer: stranger });
  const forged = forge({ typ: "JWT", alg: "ed25519-nkey" }, { ...claimsOf(jwt), nats: { ...(claimsOf(jwt).nats as object), issuer_account: world.keys.a } }, stranger);
  const u = { jwt: forged, seed: new TextDecoder().decode(kp.getSeed()), key: kp.getPublicKey() };
  return login(port, u);
}

describe("random mutations of a good CONNECT", () => {
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \"\\{}é\u0000\u00ff";

  function mutate(r: () => number, s: string): string {
    let out = s;
    const edits = 1 + Math.floor(r() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(r() * (out.length + 1));
      const pick = (): string => ALPHABET[Math.floor(r() * ALPHABET.length)]!;
      switch (Math.floor(r() * 6)) {
        case 0:
          out = out.slice(0, at) + pick() + out.slice(at + 1);
          break;
        case 1:
          out = out.slice(0, at) + pick() + out.slice(at);
          break;
        case 2:
          out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 16));
          break;
        case 3:
          out = out.slice(0, at);
          break;
        case 4:
          out = out.slice(0, at) + out.slice(at, at + 8).repeat(1 + Math.floor(r() * 200)) + out.slice(at);
          break;
        default:
          out = Array.from({ length: Math.floor(r() * 200) }, () => String.fromCharCode(Math.floor(r() * 256))).join("");
      }
    }
    return out;
  }

  /** One round's CONNECT fields: a mutated JWT and/or signature (the signature decided per nonce). */
  function round(r: () => number): { base: TestUser; jwt: string; sig: "good" | string } {
    const base = [world.users.a!, world.users.revoked!, world.users.bearer!, world.users.scoped!][Math.floor(r() * 4)]!;
    const which = r();
    const jwt = which < 0.75 ? mutate(r, base.jwt) : base.jwt;
    const sig = which >= 0.5 ? mutate(r, b64(new Uint8Array(64).map(() => Math.floor(r() * 256)))) : "good";
    return { base, jwt, sig };
  }

  const KNOWN = new Set(["-ERR 'Authorization Violation'\r\n[closed]", "-ERR 'maximum control line exceeded'\r\n[closed]", "PONG\r\n"]);

  test(
    "each bad CONNECT closes only its connection; a sample matches 2.9.10",
    async () => {
      const r = prng(SEED);
      for (let i = 0; i < ROUNDS; i++) {
        const { base, jwt, sig } = round(r);
        const attempt = async (port: number): Promise<RawClient> => {
          const c = await RawClient.connect(port);
          const info = await c.waitFor("\r\n");
          const nonce = /"nonce":"([^"]+)"/.exec(info)?.[1] ?? "";
          const s = sig === "good" ? signNonce(base.seed, nonce) : sig;
          tryWrite(c, `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, jwt, sig: s })}\r\n`);
          return c;
        };
        const mine = await outcome(await attempt(ours.port));
        await stillServing(ours.port);
        if (theirs !== null && i < COMPARED) {
          expect(`round ${i}: ${mine}`).toBe(`round ${i}: ${await outcome(await attempt(theirs.port))}`);
          await stillServing(theirs.port);
        }
        expect(KNOWN.has(mine) ? mine : `round ${i}: ${mine}`).toBe(mine);
      }
    },
    120_000,
  );
});
