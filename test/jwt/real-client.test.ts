// The official JavaScript client in operator mode: .creds files
// (credsAuthenticator), a JWT with its seed (jwtAuthenticator), requests
// across accounts through a service import, and what the client sees when
// it is refused or its JWT expires.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, credsAuthenticator, jwtAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type RunningServer } from "../helpers/servers.ts";
import { creds, mintUser, mintWorld, type TestUser, type World } from "./fixture.ts";

let world: World;
let srv: RunningServer;
const conns: NatsConnection[] = [];

beforeAll(async () => {
  world = await mintWorld();
  srv = await startServer(["-c", world.conf()]);
});
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => {});
  await srv.stop();
});

async function nc(opts: Record<string, unknown>): Promise<NatsConnection> {
  const c = await connect({ servers: `127.0.0.1:${srv.port}`, reconnect: false, ...opts });
  conns.push(c);
  return c;
}

const withCreds = (u: TestUser): Promise<NatsConnection> => nc({ authenticator: credsAuthenticator(creds(u)) });
const withJwt = (u: TestUser): Promise<NatsConnection> =>
  nc({ authenticator: jwtAuthenticator(u.jwt, new TextEncoder().encode(u.seed)) });
const text = (d: Uint8Array): string => new TextDecoder().decode(d);

describe("@nats-io/transport-node in operator mode", () => {
  test("credsAuthenticator and jwtAuthenticator connect; a service import answers across accounts", async () => {
    const a = await withCreds(world.users.a!);
    const b = await withJwt(world.users.b!);
    a.subscribe("help.>", {
      callback: (_e, m) => {
        m.respond(`answer to ${m.subject}`);
      },
    });
    await a.flush();
    const r = await b.request("help.me", "?", { timeout: 2000 });
    expect(text(r.data)).toBe("answer to help.me");
  });

  test("a stream import delivers under its prefix", async () => {
    const a = await withCreds(world.users.a!);
    const b = await withCreds(world.users.b!);
    const sub = b.subscribe("a.news.>", { max: 1 });
    await b.flush();
    a.publish("news.sports", "goal");
    for await (const m of sub) {
      expect(m.subject).toBe("a.news.sports");
      expect(text(m.data)).toBe("goal");
    }
  });

  test("a scoped user's permissions: allowed and refused publishes", async () => {
    const c = await withCreds(world.users.scoped!);
    const errors: string[] = [];
    (async () => {
      for await (const s of c.status()) if (s.type === "error") errors.push(String(s.error));
    })();
    c.publish("c.alice.ok", "x");
    c.publish("c.bob.no", "x");
    await c.flush();
    await Bun.sleep(50);
    expect(errors.join("\n")).toContain("c.bob.no");
  });

  test("refused users get an authorization error", async () => {
    for (const u of [world.users.expired!, world.users.revoked!, world.users.unknown!]) {
      await expect(withCreds(u)).rejects.toThrow(/Authorization Violation/i);
    }
  });

  test("an expiring JWT ends the connection with 'User Authentication Expired'", async () => {
    const u = await mintUser(world, "a", { exp: Math.floor(Date.now() / 1000) + 2 });
    const c = await withCreds(u);
    const err = await c.closed();
    expect(String(err)).toMatch(/User Authentication Expired/i);
  }, 10000);
});
