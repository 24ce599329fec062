// The full and cache directory resolvers against nats-server 2.9.10: the
// same config (each server with its own JWT directory), the same requests
// of a system account user on $SYS.REQ.CLAIMS.* and
// $SYS.REQ.ACCOUNT.<key>.CLAIMS.*, and the replies, what clients see and the
// files written must be the same.

import { beforeAll, describe, expect, test } from "bun:test";
import { createAccount, createOperator, createUser, encodeAccount, encodeGeneric, encodeOperator, encodeUser } from "@nats-io/jwt";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { tempDir } from "../helpers/conf.ts";
import { mintWorld, UNLIMITED, type World } from "./fixture.ts";
import { login, transcripts } from "./session.ts";

let world: World;
beforeAll(async () => {
  world = await mintWorld();
});

/** A config with a directory resolver (`block` inside `resolver {}`), preloading sys, a and b; returns the config and the directory. */
function conf(block: string, preload = true): { path: string; dir: string } {
  const base = tempDir("nats-bun-dir-");
  const dir = join(base, "jwt");
  writeFileSync(join(base, "op.jwt"), world.operator);
  const keys = preload ? [world.keys.sys, world.keys.a, world.keys.b] : [world.keys.sys];
  const lines = keys.map((k) => `  ${k}: "${world.preload[k]}"`);
  const text = `operator: "${join(base, "op.jwt")}"\nresolver { dir: "${dir}", ${block} }\nresolver_preload {\n${lines.join("\n")}\n}\n`;
  const path = join(base, "server.conf");
  writeFileSync(path, text);
  return { path, dir };
}

/** The directory's files and their contents, one line each. */
function files(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), "utf8");
      return `${f} ${text.slice(0, 20)} ${text.length}`;
    })
    .join("\n");
}

type Scenario = (port: number, server: RunningServer, dir: string) => Promise<string>;

/** Runs the scenario on nats-bun and nats-server, each with its own directory; expects the same result (files included). */
async function same(block: string, scenario: Scenario, preload = true): Promise<string> {
  const run = async (bin?: string): Promise<string> => {
    const c = conf(block, preload);
    const server = await startServer(["-c", c.path], bin === undefined ? {} : { bin });
    try {
      const out = await scenario(server.port, server, c.dir);
      return `${out}\n== files\n${files(c.dir)}`;
    } finally {
      await server.stop();
    }
  };
  const mine = await run();
  if (haveReference) expect(mine).toBe(await run(NATS_SERVER));
  return mine;
}

let n = 0;
/** Publishes `body` on `subject` as the system user (subscribed to r.>) and waits for the reply (or a PING round trip). */
async function request(sys: RawClient, subject: string, body: string, wait = true): Promise<void> {
  const reply = `r.${++n}`;
  sys.write(`PUB ${subject} ${reply} ${body.length}\r\n${body}\r\n`);
  if (wait) await sys.waitFor(`MSG ${reply} `);
  else await sys.transact("");
}

async function sysUser(port: number): Promise<RawClient> {
  n = 0;
  const sys = await login(port, world.users.sys!);
  await sys.transact("SUB r.> 1\r\n");
  return sys;
}

const mintA = (tags: string[]): Promise<string> =>
  encodeAccount("A", world.accountKeys.a!, { ...world.accountData.a, tags }, { signer: world.operatorKey });
const deleteRequest = (accounts: string[]): Promise<string> =>
  encodeGeneric("delete", world.operatorKey, "generic", { accounts } as Record<string, unknown>, { signer: world.operatorKey });

describe("directory resolvers (same as nats-server 2.9.10)", () => {
  test("full: preloads written, list, lookup, updates (new account, changed, invalid), then the new account's user connects", async () => {
    // Minted once, so that both servers get the very same JWTs.
    const v2 = await mintA(["v2"]);
    const v3 = await mintA(["v3"]);
    const out = await same('type: full, timeout: "300ms"', async (port, server) => {
      await server.waitLog("Managing all jwt in exclusive directory");
      const sys = await sysUser(port);
      await request(sys, "$SYS.REQ.CLAIMS.LIST", "");
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.a}.CLAIMS.LOOKUP`, "");
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.c}.CLAIMS.LOOKUP`, "", false);
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", world.preload[world.keys.c]!);
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE`, v2);
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.b}.CLAIMS.UPDATE`, v3);
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE`, "garbage");
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", "garbage");
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", world.users.a!.jwt);
      const invalid = await encodeAccount("A", world.accountKeys.a!, { exports: [{ name: "bad", subject: "a..b", type: "stream" }] }, { signer: world.operatorKey });
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE`, invalid);
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", invalid);
      // Stored although no trusted key signed it; the loaded account keeps its claims.
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.b}.CLAIMS.UPDATE`, world.preload[world.keys.untrusted]!);
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", world.preload[world.keys.untrusted]!);
      await request(sys, "$SYS.REQ.CLAIMS.DELETE", await deleteRequest([world.keys.a]));
      await request(sys, "$SYS.REQ.CLAIMS.LIST", "");
      // Every stored JWT, then an empty message.
      sys.write(`PUB $SYS.REQ.CLAIMS.PACK r.${++n} 0\r\n\r\n`);
      await sys.waitFor(`MSG r.${n} 1  0\r\n\r\n`);
      const c = await login(port, world.users.c!);
      await c.transact("");
      return transcripts(sys, c);
    });
    expect(out).toContain('"message":"jwt updated"');
    expect(out).toContain(`"description":"delete accounts request by ${world.operatorKey.getPublicKey()} failed - delete must be enabled in server config"`);
    expect(out).toContain('"description":"jwt validation failed - validation errors: [');
    expect(out).toContain(`${world.keys.c}.jwt eyJ`);
  });

  test("full with allow_delete: deleting an account closes its clients and renames its file; the system account stays", async () => {
    const out = await same('type: full, allow_delete: true, timeout: "300ms"', async (port) => {
      const a = await login(port, world.users.a!);
      await a.transact("");
      const sys = await sysUser(port);
      await request(sys, "$SYS.REQ.CLAIMS.DELETE", await deleteRequest([world.keys.sys]));
      await request(sys, "$SYS.REQ.CLAIMS.DELETE", await deleteRequest(["nope"]));
      await request(sys, "$SYS.REQ.CLAIMS.DELETE", "garbage");
      await request(sys, "$SYS.REQ.CLAIMS.DELETE", await deleteRequest([world.keys.a, world.keys.c]));
      await a.waitClosed();
      await request(sys, "$SYS.REQ.CLAIMS.LIST", "");
      return transcripts(sys, a);
    });
    expect(out).toContain('"message":"deleted 2 accounts"');
    expect(out).toContain(`${world.keys.a}.jwt.deleted eyJ`);
  });

  test("an account missing from the directory: a lookup that nobody answers times out; one a system user answers is stored", async () => {
    const out = await same(
      'type: full, timeout: "300ms"',
      async (port) => {
        const sys = await sysUser(port);
        const missing = await login(port, world.users.a!);
        await missing.waitClosed();
        await sys.transact(`SUB $SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP 2\r\n`);
        const a = await login(port, world.users.a!);
        const ask = await sys.waitFor(/MSG \$SYS\.REQ\.ACCOUNT\.\S+\.CLAIMS\.LOOKUP 2 (\S+) 0\r\n/);
        const reply = /LOOKUP 2 (\S+) 0\r\n/.exec(ask)![1]!;
        const jwt = world.preload[world.keys.a]!;
        sys.write(`PUB ${reply} ${jwt.length}\r\n${jwt}\r\n`);
        await a.transact("");
        return transcripts(missing, a);
      },
      false,
    );
    expect(out).toContain("-ERR 'Authorization Violation'\r\n[closed]");
    expect(out).toContain(`${world.keys.a}.jwt eyJ`);
  });

  test("cache: updates only for loaded accounts, list, delete", async () => {
    const v2 = await mintA(["v2"]);
    const out = await same('type: cache, limit: 10, timeout: "300ms"', async (port, server) => {
      await server.waitLog("Managing some jwt in exclusive directory");
      const a = await login(port, world.users.a!);
      await a.transact("");
      const sys = await sysUser(port);
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.c}.CLAIMS.UPDATE`, world.preload[world.keys.c]!);
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", world.preload[world.keys.c]!);
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE`, v2);
      await request(sys, `$SYS.REQ.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE`, "garbage");
      await request(sys, "$SYS.REQ.CLAIMS.LIST", "");
      await request(sys, "$SYS.REQ.CLAIMS.DELETE", await deleteRequest([world.keys.b]));
      return transcripts(sys, a);
    });
    expect(out).toContain('"message":"jwt update cache skipped"');
    expect(out).toContain('"message":"jwt updated cache"');
  });

  test("cache with a ttl: JWTs not read for a ttl are removed; a loaded account stays, an unloaded one is no longer found", async () => {
    const out = await same('type: cache, ttl: "1s", timeout: "300ms"', async (port, server) => {
      await server.waitLog("Managing some jwt in exclusive directory");
      const a = await login(port, world.users.a!);
      await a.transact("");
      const sys = await sysUser(port);
      await request(sys, "$SYS.REQ.CLAIMS.LIST", "");
      // Expiry is checked every half ttl: by now every file has gone.
      await Bun.sleep(2200);
      await request(sys, "$SYS.REQ.CLAIMS.LIST", "");
      // A is still loaded: its users get in. B was never loaded: nothing to fetch it from.
      const a2 = await login(port, world.users.a2!);
      await a2.transact("");
      const b = await login(port, world.users.b!);
      await b.transact("");
      await b.waitClosed().catch(() => undefined);
      return transcripts(sys, a, a2, b);
    });
    expect(out).toContain(`"data":["${[world.keys.sys, world.keys.a, world.keys.b].sort().join('","')}"]`);
    expect(out).toContain('"data":[]');
    expect(out).toContain("-ERR 'Authorization Violation'");
    expect(out.endsWith("== files\n")).toBe(true);
  }, 20_000);

  test("full at its limit: a new account is refused, a stored one still updated", async () => {
    const v2 = await mintA(["v2"]);
    const out = await same('type: full, limit: 3, timeout: "300ms"', async (port) => {
      const sys = await sysUser(port);
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", world.preload[world.keys.c]!);
      await request(sys, "$SYS.REQ.CLAIMS.UPDATE", v2);
      return transcripts(sys);
    });
    expect(out).toContain('"description":"jwt update resulted in error - jwt store is full"');
  });

  test("an operator with strict signing key usage: accounts it signed itself are refused", async () => {
    const op = createOperator();
    const signer = createOperator();
    const sysKey = createAccount();
    const a = createAccount();
    const operator = await encodeOperator("OP", op, { system_account: sysKey.getPublicKey(), signing_keys: [signer.getPublicKey()], strict_signing_key_usage: true } as Record<string, unknown>);
    // Under a strict operator users are signed by an account signing key.
    const sysSigner = createAccount();
    const sysJwt = await encodeAccount("SYS", sysKey, { limits: UNLIMITED, signing_keys: [sysSigner.getPublicKey()] }, { signer });
    const byOperator = await encodeAccount("A", a, { limits: UNLIMITED }, { signer: op });
    const bySigner = await encodeAccount("A", a, { limits: UNLIMITED }, { signer });
    const u = createUser();
    const sysUserJwt = { jwt: await encodeUser("sys", u, sysKey, {}, { signer: sysSigner }), seed: new TextDecoder().decode(u.getSeed()), key: u.getPublicKey() };
    const run = async (bin?: string): Promise<string> => {
      const base = tempDir("nats-bun-dir-");
      const dir = join(base, "jwt");
      writeFileSync(join(base, "op.jwt"), operator);
      writeFileSync(join(base, "s.conf"), `operator: "${join(base, "op.jwt")}"\nresolver { type: full, dir: "${dir}" }\nresolver_preload { ${sysKey.getPublicKey()}: "${sysJwt}" }\n`);
      const server = await startServer(["-c", join(base, "s.conf")], bin === undefined ? {} : { bin });
      try {
        n = 0;
        const sys = await login(server.port, sysUserJwt);
        await sys.transact("SUB r.> 1\r\n");
        await request(sys, "$SYS.REQ.CLAIMS.UPDATE", byOperator);
        await request(sys, `$SYS.REQ.ACCOUNT.${a.getPublicKey()}.CLAIMS.UPDATE`, byOperator);
        await request(sys, "$SYS.REQ.CLAIMS.UPDATE", bySigner);
        return `${await transcripts(sys)}\n== files\n${files(dir)}`;
      } finally {
        await server.stop();
      }
    };
    const mine = await run();
    if (haveReference) expect(mine).toBe(await run(NATS_SERVER));
    expect(mine).toContain('"description":"jwt update resulted in error - operator requires issuer to be a signing key"');
  });
});
