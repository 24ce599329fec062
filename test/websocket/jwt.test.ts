// Operator mode over WebSocket against nats-server 2.9.10: the user JWT
// from the jwt_cookie when CONNECT carries none, and users restricted to
// WEBSOCKET or STANDARD connections.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { WsClient, wsPort } from "../helpers/ws.ts";
import { mintWorld, signNonce, type World } from "../jwt/fixture.ts";

let world: World;
const servers: Array<{ name: string; server: RunningServer; ws: number }> = [];

beforeAll(async () => {
  world = await mintWorld();
  const conf = world.conf('websocket { port: -1, no_tls: true, jwt_cookie: "natsjwt" }\n');
  for (const [name, bin] of [["ours", undefined], ["ref", NATS_SERVER]] as const) {
    if (name === "ref" && !haveReference) continue;
    const server = await startServer(["-c", conf], { bin });
    servers.push({ name, server, ws: await wsPort(server) });
  }
});

afterAll(async () => {
  for (const s of servers) await s.server.stop();
});

function nonceOf(text: string): string {
  return (JSON.parse(/^INFO (\{.*\}) \r\n/.exec(text)![1]!) as { nonce: string }).nonce;
}

/** Connects over WebSocket with `cookie` (a user JWT or none) and a CONNECT built from the nonce; the transcript. */
async function overWs(ws: number, cookie: string | null, connect: (nonce: string) => string): Promise<string> {
  const headers: Record<string, string> = cookie === null ? {} : { Cookie: `theme=dark; natsjwt=${cookie}` };
  const c = await WsClient.open(`ws://127.0.0.1:${ws}`, { headers } as never);
  await c.waitFor("\r\n");
  const t = await c.transact(connect(nonceOf(c.text)) + "SUB x 1\r\nPUB x 2\r\nok\r\n");
  c.close();
  return t;
}

describe("jwt_cookie", () => {
  test("a bearer user JWT in the cookie, CONNECT without one", async () => {
    const got = await Promise.all(servers.map((s) => overWs(s.ws, world.users.bearer!.jwt, () => 'CONNECT {"verbose":false}\r\n')));
    expect(got[0]).toBe("MSG x 1 2\r\nok\r\nPONG\r\n");
    if (got.length === 2) expect(got[0]).toBe(got[1]!);
  });

  test("the cookie's JWT with the nonce signed by the user's seed", async () => {
    const u = world.users.a!;
    const got = await Promise.all(servers.map((s) => overWs(s.ws, u.jwt, (n) => `CONNECT {"verbose":false,"sig":"${signNonce(u.seed, n)}"}\r\n`)));
    expect(got[0]).toBe("MSG x 1 2\r\nok\r\nPONG\r\n");
    if (got.length === 2) expect(got[0]).toBe(got[1]!);
  });

  test("a JWT in CONNECT wins over the cookie", async () => {
    const u = world.users.a!;
    const got = await Promise.all(
      servers.map((s) => overWs(s.ws, world.users.expired!.jwt, (n) => `CONNECT {"verbose":false,"jwt":"${u.jwt}","sig":"${signNonce(u.seed, n)}"}\r\n`)),
    );
    expect(got[0]).toBe("MSG x 1 2\r\nok\r\nPONG\r\n");
    if (got.length === 2) expect(got[0]).toBe(got[1]!);
  });

  test("no cookie and no JWT: refused", async () => {
    const got = await Promise.all(servers.map((s) => overWs(s.ws, null, () => 'CONNECT {"verbose":false}\r\n')));
    expect(got[0]).toContain("-ERR 'Authorization Violation'");
    if (got.length === 2) expect(got[0]).toBe(got[1]!);
  });
});

describe("allowed connection types in user JWTs", () => {
  test("a WEBSOCKET-only user gets in over WebSocket only", async () => {
    const u = world.users.wsOnly!;
    const results: string[] = [];
    for (const s of servers) {
      const ws = await overWs(s.ws, null, (n) => `CONNECT {"verbose":false,"jwt":"${u.jwt}","sig":"${signNonce(u.seed, n)}"}\r\n`);
      const tcp = await RawClient.connect(s.server.port);
      await tcp.waitFor("\r\n");
      const nonce = nonceOf(tcp.text);
      tcp.write(`CONNECT {"verbose":false,"jwt":"${u.jwt}","sig":"${signNonce(u.seed, nonce)}"}\r\nPING\r\n`);
      await tcp.waitClosed();
      results.push(`${ws}|${stripInfo(tcp.text)}`);
    }
    expect(results[0]).toBe("MSG x 1 2\r\nok\r\nPONG\r\n|INFO\r\n-ERR 'Authorization Violation'\r\n");
    if (results.length === 2) expect(results[0]).toBe(results[1]!);
  });
});
