// The full directory resolver across a route, in every pairing of nats-bun
// and nats-server 2.9.10: a claim update pushed to one server is stored by
// both (each hears the request over the route and answers it), JWTs that
// only one store held at start reach the other with the periodic
// `$SYS.REQ.CLAIMS.PACK` sync (the newer one, by issued-at, wins), deletes
// and pushes reach a cache resolver too, which looks accounts up from a full one.

import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { encodeAccount, encodeGeneric } from "@nats-io/jwt";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, routesCreated, startNode, type Node } from "../helpers/cluster.ts";
import { tempDir } from "../helpers/conf.ts";
import type { Impl } from "../helpers/leaf.ts";
import type { RawClient } from "../helpers/raw.ts";
import { haveReference } from "../helpers/servers.ts";
import { mintWorld, type World } from "./fixture.ts";
import { login } from "./session.ts";

let world: World;
beforeAll(async () => {
  world = await mintWorld();
});

const running: Node[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const n of running.splice(0)) await n.server.stop();
});

const PAIRS: [Impl, Impl][] = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

/** A node's config: operator mode with a directory resolver (`block` inside `resolver {}`) preloading `jwts`; the directory. */
function operatorConf(block: string, jwts: Record<string, string>): { extra: string; dir: string } {
  const base = tempDir("nats-bun-sync-");
  const dir = join(base, "jwt");
  writeFileSync(join(base, "op.jwt"), world.operator);
  const lines = Object.entries(jwts).map(([k, v]) => `  ${k}: "${v}"`);
  return { extra: `operator: "${join(base, "op.jwt")}"\nresolver { dir: "${dir}", ${block} }\nresolver_preload {\n${lines.join("\n")}\n}\n`, dir };
}

/** Two nodes joined by a route (the second dials the first); resolves once messages of the system account pass both ways. */
async function pair(impls: [Impl, Impl], confs: [string, string]): Promise<[Node, Node]> {
  const p1 = freePort();
  const p2 = freePort();
  const n1 = await startNode(impls[0], "sync", p1, [], confs[0]);
  running.push(n1);
  const n2 = await startNode(impls[1], "sync", p2, [p1], confs[1]);
  running.push(n2);
  await routesCreated(n1, 1);
  await routesCreated(n2, 1);
  const [c1, c2] = [await sysUser(n1), await sysUser(n2)];
  await c1.transact("SUB ready.1 9\r\n");
  await c2.transact("SUB ready.2 9\r\n");
  await until(() => {
    c1.write("PUB ready.2 0\r\n\r\n");
    c2.write("PUB ready.1 0\r\n\r\n");
    return c1.text.includes("MSG ready.1 ") && c2.text.includes("MSG ready.2 ");
  });
  c1.close();
  c2.close();
  return [n1, n2];
}

async function until(pred: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(50);
  }
}

/** A system account user subscribed to `r.>` for replies. */
async function sysUser(n: Node): Promise<RawClient> {
  const c = await login(n.server.port, world.users.sys!);
  clients.push(c);
  await c.transact("SUB r.> 1\r\n");
  return c;
}

let seq = 0;
/** Sends a request as the system user and waits for `replies` replies; returns their bodies. */
async function request(sys: RawClient, subject: string, body: string, replies: number): Promise<string[]> {
  const reply = `r.${++seq}`;
  sys.write(`PUB ${subject} ${reply} ${body.length}\r\n${body}\r\n`);
  // The server writes an empty reply subject as such: `MSG r.1 1  <size>`.
  const re = new RegExp(`MSG ${reply.replace(".", "\\.")} 1 +\\d+\\r\\n([^\\r]*)\\r\\n`, "g");
  await until(() => [...sys.text.matchAll(re)].length >= replies);
  return [...sys.text.matchAll(re)].map((m) => m[1]!);
}

/** Whether a user of the account gets in on `n` (a PONG to its CONNECT). */
async function connects(n: Node, user: keyof World["users"]): Promise<boolean> {
  const c = await login(n.server.port, world.users[user]!);
  clients.push(c);
  const reply = await c.transact("", 3000).catch(() => "");
  return reply.includes("PONG") && !c.closed;
}

function stored(dir: string, key: string): string | null {
  const path = join(dir, `${key}.jwt`);
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** Account A again, with a tag, issued `ago` seconds before now (issued-at decides which JWT a merge keeps). */
async function mintA(tag: string, ago = 0): Promise<string> {
  const real = Date.now;
  Date.now = () => real() - ago * 1000;
  try {
    return await encodeAccount("A", world.accountKeys.a!, { ...world.accountData.a, tags: [tag] }, { signer: world.operatorKey });
  } finally {
    Date.now = real;
  }
}

describe("full directory resolvers joined by a route", () => {
  for (const impls of PAIRS) {
    test(`${impls.join(" + ")}: pushed updates reach both; the periodic sync fills each store, newer JWTs winning`, async () => {
      const { sys, a, b, c } = world.keys;
      const older = await mintA("old", 3600);
      const newer = await mintA("new");
      // Node 1 has b and an old A; node 2 a newer A. c comes later, by a push.
      const one = operatorConf('type: full, interval: "300ms"', { [sys]: world.preload[sys]!, [a]: older, [b]: world.preload[b]! });
      const two = operatorConf('type: full, interval: "300ms"', { [sys]: world.preload[sys]!, [a]: newer });
      const [n1, n2] = await pair(impls, [one.extra, two.extra]);

      // The sync: b reaches node 2; the newer A replaces the older one on node 1, and stays on node 2.
      await until(() => stored(two.dir, b) !== null && stored(one.dir, a) === newer);
      expect(stored(two.dir, b)).toBe(world.preload[b]!);
      expect(stored(two.dir, a)).toBe(newer);
      expect(await connects(n2, "b")).toBe(true);

      // A push to node 1 is stored by both; each answers.
      const s1 = await sysUser(n1);
      const pushed = await request(s1, "$SYS.REQ.CLAIMS.UPDATE", world.preload[c]!, 2);
      for (const r of pushed) expect(r).toContain(`"data":{"account":"${c}","code":200,"message":"jwt updated"}`);
      expect(stored(one.dir, c)).toBe(world.preload[c]!);
      expect(stored(two.dir, c)).toBe(world.preload[c]!);
      expect(await connects(n2, "c")).toBe(true);
      // Both servers answer a lookup on the other's behalf.
      const s2 = await sysUser(n2);
      expect(await request(s2, `$SYS.REQ.ACCOUNT.${c}.CLAIMS.LOOKUP`, "", 2)).toEqual([world.preload[c]!, world.preload[c]!]);
      for (const n of [n1, n2]) expect(n.server.log()).not.toContain("resulted in error");
    }, 20_000);
  }

  for (const impls of PAIRS) {
    test(`${impls.join(" + ")}: a cache resolver looks accounts up from the full one; deletes and pushes reach both servers`, async () => {
      const { sys, a, b } = world.keys;
      const deleteRequest = await encodeGeneric("delete", world.operatorKey, "generic", { accounts: [b] } as Record<string, unknown>, {
        signer: world.operatorKey,
      });
      const full = operatorConf("type: full, allow_delete: true", { [sys]: world.preload[sys]!, [a]: world.preload[a]!, [b]: world.preload[b]! });
      const cache = operatorConf('type: cache, timeout: "1s"', { [sys]: world.preload[sys]! });
      const [, n2] = await pair(impls, [full.extra, cache.extra]);
      // Not in the cache's directory: looked up from the full resolver, then kept.
      expect(await connects(n2, "a")).toBe(true);
      expect(stored(cache.dir, a)).toBe(world.preload[a]!);
      expect(await connects(n2, "b")).toBe(true);
      const s2 = await sysUser(n2);
      const answers = await request(s2, "$SYS.REQ.CLAIMS.DELETE", deleteRequest, 2);
      for (const r of answers) expect(r).toContain('"message":"deleted 1 accounts"');
      expect(stored(full.dir, b)).toBeNull();
      expect(existsSync(join(full.dir, `${b}.jwt.deleted`))).toBe(true);
      expect(stored(cache.dir, b)).toBeNull();
      // A pushed JWT is saved as it comes (2.9.10 compares issued-at only when merging), by both.
      const older = await mintA("older", 3600);
      const pushed = await request(s2, `$SYS.REQ.ACCOUNT.${a}.CLAIMS.UPDATE`, older, 2);
      expect(pushed.map((r) => /"message":"([^"]+)"/.exec(r)?.[1]).sort()).toEqual(["jwt updated", "jwt updated cache"]);
      expect(stored(full.dir, a)).toBe(older);
      expect(stored(cache.dir, a)).toBe(older);
    }, 20_000);
  }
});
