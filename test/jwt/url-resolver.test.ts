// The URL account resolver against nats-server 2.9.10: both servers fetch
// account JWTs from one account server run by the test (account-server.ts),
// on first use, and clients must see the same: users get in once their
// account (and the exporters it imports from) is fetched; a missing,
// garbled, failing or hanging answer fails that connection only; fetched
// accounts are kept; an expired one is fetched again; a system account
// missing at start is fetched later; the operator's account_server_url
// implies the resolver; https with resolver_tls.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeAccount, encodeOperator } from "@nats-io/jwt";
import { tempDir } from "../helpers/conf.ts";
import { makePKI, type TestPKI } from "../helpers/certs.ts";
import { NATS_BUN, NATS_SERVER, haveReference, startServer } from "../helpers/servers.ts";
import { startAccountServer, type AccountServer } from "./account-server.ts";
import { mintExpiringAccount, mintWorld, type TestUser, type World } from "./fixture.ts";
import { login, normalize, same, startPair, transcripts } from "./session.ts";

let world: World;
let http: AccountServer;
let pki: TestPKI;

beforeAll(async () => {
  world = await mintWorld();
  http = startAccountServer(world.preload);
  pki = makePKI();
});
afterAll(() => http?.stop());

/** A config with the world's operator (or `operatorJwt`) and `resolver`. */
function conf(resolver: string, extra = "", operatorJwt = world.operator): string {
  const dir = tempDir("nats-bun-url-");
  writeFileSync(join(dir, "op.jwt"), operatorJwt);
  const path = join(dir, "server.conf");
  writeFileSync(path, `operator: "${join(dir, "op.jwt")}"\n${resolver}\n${extra}\n`);
  return path;
}

const urlPair = (url = http.url, extra = "") => () => startPair(["-c", conf(`resolver: URL(${url})`, extra)]);

/** Logs in and returns the transcript up to the PONG or the close. */
async function attempt(port: number, u: TestUser, then = ""): Promise<string> {
  const c = await login(port, u);
  const out = await c.transact(then, 4000);
  if (!out.endsWith("PONG\r\n")) await c.waitClosed(3000).catch(() => undefined);
  const closed = c.closed;
  c.close();
  return normalize(out) + (closed ? "[closed]" : "");
}

const OK = "PONG\r\n";
const VIOLATION = "-ERR 'Authorization Violation'\r\n[closed]";

describe("accounts fetched from the URL resolver (same as nats-server 2.9.10)", () => {
  test("on first use, with the exporters of their imports", async () => {
    const out = await same(urlPair(), async (port) => {
      const b = await login(port, world.users.b!);
      await b.transact("SUB a.news.> 1\r\nSUB inbox.> 2\r\n");
      const a = await login(port, world.users.a!);
      await a.transact("SUB help.> 1\r\nPUB news.x 2\r\nhi\r\n");
      b.write("PUB help.me inbox.1 1\r\n?\r\n");
      await a.waitFor("MSG help.me");
      const reply = /MSG help\.me 1 (\S+) 1/.exec(a.text)![1]!;
      await a.transact(`PUB ${reply} 1\r\n!\r\n`);
      await b.waitFor("MSG inbox.1");
      return transcripts(b, a);
    });
    expect(out).toContain("MSG a.news.x 1 2\r\nhi\r\n");
    expect(out).toContain("MSG inbox.1 2 1\r\n!\r\n");
  });

  test("an account the account server does not have, a garbled JWT, a failing server", async () => {
    for (const misbehaviour of [null, "garbage", "500"] as const) {
      if (misbehaviour !== null) http.misbehave.set(world.keys.c, misbehaviour);
      try {
        const who = misbehaviour === null ? world.users.unknown! : world.users.c!;
        expect(await same(urlPair(), (port) => attempt(port, who))).toBe(VIOLATION);
      } finally {
        http.misbehave.delete(world.keys.c);
      }
    }
  });

  test("the warning nats-server logs for a failed fetch", async () => {
    const lines = await same(urlPair(), async (port, server) => {
      await attempt(port, world.users.unknown!);
      await server.waitLog("Account fetch failed");
      return /\[WRN\] (Account fetch failed: .*)/.exec(server.log())![1]!;
    });
    expect(lines).toBe(`Account fetch failed: could not fetch <"${http.url}${world.keys.unknown}">: 404 Not Found`);
  });

  test("a hanging account server fails that connection after 1.9 s and holds up nobody else", async () => {
    http.misbehave.set(world.keys.c, "hang");
    try {
      const out = await same(urlPair(), async (port, server) => {
        const a = await login(port, world.users.a!);
        await a.transact("");
        const c = await login(port, world.users.c!);
        c.write("PING\r\n");
        const started = Date.now();
        await a.transact("PUB x 0\r\n\r\n");
        const waited = Date.now() - started;
        // Other clients go on while the fetch hangs.
        expect(waited).toBeLessThan(500);
        await c.waitClosed(4000);
        const lines = /\[WRN\] (Account fetch failed: .*)/.exec(server.log())![1]!;
        return `${await transcripts(c, a)}\n${lines}`;
      });
      expect(out).toContain(VIOLATION);
      expect(out).toContain("context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
    } finally {
      http.misbehave.delete(world.keys.c);
    }
  }, 15000);

  test("fetched accounts are kept: a JWT changed on the account server is not seen by a server that has the account", async () => {
    const out = await same(urlPair(), async (port) => {
      const first = await attempt(port, world.users.a!);
      http.misbehave.set(world.keys.a, "garbage");
      try {
        return `${first}${await attempt(port, world.users.a2!)}`;
      } finally {
        http.misbehave.delete(world.keys.a);
      }
    });
    expect(out).toBe(OK + OK);
  });

  test("an expired account is fetched again: the same JWT still fails, a renewed one lets users in", async () => {
    const out = await same(urlPair(), async (port) => {
      const { jwt, user, account } = await mintExpiringAccount(world, 2);
      http.jwts.set(jwt.key, jwt.token);
      const c = await login(port, user);
      await c.transact("");
      await c.waitClosed(5000);
      const expired = normalize(c.text);
      const refused = await attempt(port, user);
      const renewed = await mintExpiringAccount(world, 3600, account);
      http.jwts.set(jwt.key, renewed.jwt.token);
      return `${expired}|${refused}|${await attempt(port, user)}`;
    });
    expect(out).toBe(`INFO\r\nPONG\r\n-ERR 'Account Authentication Expired'\r\n|${VIOLATION}|${OK}`);
  }, 15000);
});

describe("the system account from the URL resolver", () => {
  test("missing at start: a bootstrapping one, fetched once the account server has it", async () => {
    http.jwts.delete(world.keys.sys);
    let pair: Awaited<ReturnType<ReturnType<typeof urlPair>>> | null = null;
    try {
      pair = await urlPair()();
      for (const s of [pair.ours, pair.theirs]) await s?.waitLog("Using bootstrapping system account");
      http.jwts.set(world.keys.sys, world.preload[world.keys.sys]!);
      for (const s of [pair.ours, pair.theirs]) await s?.waitLog("System account fetched and updated", 4000);
      const mine = await attempt(pair.ours.port, world.users.sys!);
      expect(mine).toBe(OK);
      if (pair.theirs !== null) expect(await attempt(pair.theirs.port, world.users.sys!)).toBe(mine);
    } finally {
      http.jwts.set(world.keys.sys, world.preload[world.keys.sys]!);
      await pair?.stop();
    }
  }, 15000);

  test("claim updates work with a URL resolver, fetching exporters the new JWT imports from", async () => {
    const out = await same(urlPair(), async (port) => {
      const c = await login(port, world.users.c!);
      await c.transact("");
      const sys = await login(port, world.users.sys!);
      await sys.transact("SUB upd.> 1\r\n");
      // C now imports news.> from A, which this server has not loaded.
      const cJwt = await encodeAccount(
        "C",
        world.accountKeys.c!,
        { ...world.accountData.c, imports: [{ name: "news", subject: "news.>", account: world.keys.a, type: "stream" }] },
        { signer: world.operatorKey },
      );
      sys.write(`PUB $SYS.REQ.ACCOUNT.${world.keys.c}.CLAIMS.UPDATE upd.1 ${cJwt.length}\r\n${cJwt}\r\n`);
      await sys.waitFor("MSG upd.1");
      await c.transact("SUB news.> 1\r\n");
      const a = await login(port, world.users.a!);
      await a.transact("PUB news.y 1\r\ny\r\n");
      await c.waitFor("MSG news.y").catch(() => undefined);
      return transcripts(sys, c, a);
    });
    expect(out).toContain('"message":"jwt updated"');
    expect(out).toContain("MSG news.y 1 1\r\ny\r\n");
  });
});

describe("where the URL comes from, and https", () => {
  test("the operator's account_server_url implies the resolver", async () => {
    const op = await encodeOperator("OP", world.operatorKey, {
      system_account: world.keys.sys,
      signing_keys: [world.signerKeys.operator.getPublicKey()],
      account_server_url: http.url.replace(/\/accounts\/$/, ""),
    });
    const start = () => startPair(["-c", conf("", "", op)]);
    expect(await same(start, (port) => attempt(port, world.users.b!))).toBe(OK);
  });

  test("https with resolver_tls { ca_file }, and without the CA the fetch fails", async () => {
    const https = startAccountServer(world.preload, { cert: pki.serverCert, key: pki.serverKey });
    try {
      const withCA = urlPair(https.url, `resolver_tls { ca_file: "${pki.ca}" }`);
      expect(await same(withCA, (port) => attempt(port, world.users.a!))).toBe(OK);
      // Without the CA the check at start fails: the server does not start.
      const path = conf(`resolver: URL(${https.url})`);
      const mine = await startFailure(NATS_BUN, path);
      expect(mine).toBe(`could not fetch <"${https.url}">: Get "${https.url}": x509: certificate signed by unknown authority`);
      if (haveReference) expect(mine).toBe(await startFailure(NATS_SERVER, path));
    } finally {
      https.stop();
    }
  });
});


/** The last log line of a start that fails, without the program name. */
async function startFailure(bin: string, path: string): Promise<string> {
  try {
    const s = await startServer(["-c", path], { bin });
    await s.stop();
    return "started";
  } catch (e) {
    return ((e as Error).message.trim().split("\n").at(-1) ?? "").replace(/^[^:]+: /, "");
  }
}
