// Reloading an operator-mode config (SIGHUP) against nats-server 2.9.10:
// changed preloads are applied to loaded accounts (revocations close users,
// new default permissions reach connected ones), removed accounts lose their
// users, new pinned accounts apply, the resolver may change kind, and the
// operator may not change.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { encodeAccount, encodeOperator, type Account } from "@nats-io/jwt";
import type { RunningServer } from "../helpers/servers.ts";
import { startAccountServer, type AccountServer } from "./account-server.ts";
import { mintWorld, type World } from "./fixture.ts";
import { login, same, startPair, transcripts } from "./session.ts";

let world: World;
let http: AccountServer;
beforeAll(async () => {
  world = await mintWorld();
  http = startAccountServer(world.preload);
});
afterAll(() => http?.stop());

const RELOADED = /Reloaded server configuration|Failed to reload server configuration/g;

/** Rewrites the config and waits until the server has reloaded it (or refused to). */
async function reload(server: RunningServer, path: string, text: string): Promise<void> {
  writeFileSync(path, text);
  const before = server.log().match(RELOADED)?.length ?? 0;
  server.proc.kill("SIGHUP");
  const end = Date.now() + 3000;
  while ((server.log().match(RELOADED)?.length ?? 0) === before && Date.now() < end) await Bun.sleep(10);
}

/** Both servers from one config file, which each scenario rewrites from `original`. */
function fromConf(path: string) {
  return () => startPair(["-c", path]);
}

const mintA = (change: Partial<Account>): Promise<string> =>
  encodeAccount("A", world.accountKeys.a!, { ...world.accountData.a, ...change }, { signer: world.operatorKey });

describe("config reload in operator mode (same as nats-server 2.9.10)", () => {
  test("a changed preload: a revoked user is closed, connected users get the new default permissions", async () => {
    const path = world.conf();
    const original = readFileSync(path, "utf8");
    const changed = await mintA({
      revocations: { [world.users.a2!.key]: Math.floor(Date.now() / 1000) + 5 },
      default_permissions: { pub: { deny: ["y.>"] } } as Account["default_permissions"],
    });
    const out = await same(fromConf(path), async (port, server) => {
      writeFileSync(path, original);
      const a = await login(port, world.users.a!);
      const a2 = await login(port, world.users.a2!);
      await a.transact("SUB forbidden.x 1\r\n");
      await a2.transact("");
      await reload(server, path, original.replace(world.preload[world.keys.a]!, changed));
      await a2.waitClosed();
      await a.transact("PUB y.1 0\r\n\r\nSUB forbidden.y 2\r\n");
      return transcripts(a, a2);
    });
    expect(out).toContain("-ERR 'User Authentication Revoked'\r\n[closed]");
    expect(out).toContain('Permissions Violation for Publish to "y.1"');
  });

  test("an account removed from the preload loses its users; an unchanged config keeps everyone", async () => {
    const path = world.conf();
    const original = readFileSync(path, "utf8");
    const out = await same(fromConf(path), async (port, server) => {
      writeFileSync(path, original);
      const b = await login(port, world.users.b!);
      const c = await login(port, world.users.c!);
      await b.transact("SUB a.news.> 1\r\n");
      await c.transact("");
      await reload(server, path, original);
      await b.transact("");
      await reload(server, path, original.replace(new RegExp(`  ${world.keys.c}: "[^"]*"\\n`), ""));
      await c.waitClosed();
      const a = await login(port, world.users.a!);
      await a.transact("PUB news.1 1\r\n1\r\n");
      return transcripts(b, c, a);
    });
    expect(out).toContain("MSG a.news.1 1 1\r\n1\r\n");
    expect(out).toContain("-ERR 'Authorization Violation'\r\n[closed]");
  });

  test("new pinned accounts apply to connected users", async () => {
    const path = world.conf();
    const original = readFileSync(path, "utf8");
    const out = await same(fromConf(path), async (port, server) => {
      writeFileSync(path, original);
      const a = await login(port, world.users.a!);
      const b = await login(port, world.users.b!);
      await a.transact("");
      await b.transact("");
      await reload(server, path, `${original}\nresolver_pinned_accounts: [${world.keys.a}]\n`);
      await b.waitClosed();
      return transcripts(a, b);
    });
    expect(out).toBe("INFO\r\nPONG\r\nPONG\r\n\n--\nINFO\r\nPONG\r\n-ERR 'Authorization Violation'\r\n[closed]");
  });

  test("the resolver may go from MEMORY to URL: loaded accounts stay, new ones are fetched", async () => {
    const path = world.conf();
    const original = readFileSync(path, "utf8");
    const url = `operator: "${join(dirname(path), "op.jwt")}"\nresolver: URL(${http.url})\n`;
    const out = await same(fromConf(path), async (port, server) => {
      writeFileSync(path, original);
      const a = await login(port, world.users.a!);
      await a.transact("");
      await reload(server, path, url);
      const b = await login(port, world.users.b!);
      await b.transact("SUB a.news.> 1\r\n");
      await a.transact("PUB news.2 1\r\n2\r\n");
      return transcripts(a, b);
    });
    expect(out).toContain("MSG a.news.2 1 1\r\n2\r\n");
  });

  test("trusted keys may not change", async () => {
    const path = world.conf();
    const preload = Object.entries(world.preload).map(([k, v]) => `  ${k}: "${v}"`).join("\n");
    const trusted = (keys: string[]): string => `trusted: [${keys.join(", ")}]\nresolver: MEMORY\nresolver_preload {\n${preload}\n}\n`;
    const op = world.operatorKey.getPublicKey();
    writeFileSync(path, trusted([op]));
    const out = await same(fromConf(path), async (_port, server) => {
      writeFileSync(path, trusted([op]));
      await reload(server, path, trusted([op, world.signerKeys.operator.getPublicKey()]));
      return /Failed to reload server configuration: (.*)/.exec(server.log())?.[1] ?? "reloaded";
    });
    expect(out).toStartWith("config reload not supported for TrustedKeys: old=[");
  });

  test("an operator alone (and the URL resolver it implies) may get an explicit resolver", async () => {
    const path = world.conf();
    const original = readFileSync(path, "utf8");
    const opFile = join(dirname(path), "op.jwt");
    const withServer = await encodeOperator("OP", world.operatorKey, {
      system_account: world.keys.sys,
      signing_keys: [world.signerKeys.operator.getPublicKey()],
      account_server_url: http.url.replace(/\/accounts\/$/, ""),
    });
    writeFileSync(opFile, withServer);
    const implied = `operator: "${opFile}"\n`;
    writeFileSync(path, implied);
    const out = await same(fromConf(path), async (port, server) => {
      writeFileSync(path, implied);
      await reload(server, path, original);
      const outcome = /Failed to reload server configuration: (.*)/.exec(server.log())?.[1] ?? "reloaded";
      return `${outcome}|${await transcripts(await login(port, world.users.a!))}`;
    });
    expect(out).toBe("reloaded|INFO\r\nPONG\r\n");
  });

  test("a changed operator is refused, in nats-server's words", async () => {
    const path = world.conf();
    const original = readFileSync(path, "utf8");
    const opFile = join(dirname(path), "op.jwt");
    const other = await encodeOperator("OP", world.operatorKey, { system_account: world.keys.sys });
    const out = await same(fromConf(path), async (_port, server) => {
      writeFileSync(opFile, other);
      try {
        await reload(server, path, original);
      } finally {
        writeFileSync(opFile, world.operator);
      }
      return /Failed to reload server configuration: (config reload not supported for TrustedOperators: [^]*?\}\])\n/.exec(server.log())?.[1] ?? "";
    });
    expect(out).toStartWith('config reload not supported for TrustedOperators: old=[{\n  "aud": "NATS",');
  });
});
