// Operator mode against nats-server 2.9.10: both servers start from the same
// operator JWT and MEMORY resolver config, raw clients connect with user JWTs
// (signing the INFO nonce), and everything they receive must be the same:
// refusals and their -ERR, permission violations, limits, and messages
// crossing accounts through stream and service imports.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { clock, mintExpiringAccount, mintUser, mintWorld, signNonce, type TestUser, type World } from "./fixture.ts";

let world: World;
let ours: RunningServer;
let theirs: RunningServer | null = null;

beforeAll(async () => {
  world = await mintWorld();
  const conf = world.conf();
  ours = await startServer(["-c", conf]);
  if (haveReference) theirs = await startServer(["-c", conf], { bin: NATS_SERVER });
});

afterAll(async () => {
  await ours?.stop();
  await theirs?.stop();
});

/** `_R_` reply subjects and client ids differ from run to run. */
function normalize(t: string): string {
  return stripInfo(t).replace(/_R_\.[A-Za-z0-9]+\.[A-Za-z0-9]+/g, "_R_.X");
}

/** Connects as `u` (or with `connect` laid over the CONNECT), signing the nonce unless told not to. */
async function login(port: number, u: TestUser | null, connect: Record<string, unknown> = {}, sign = true): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const info = await c.waitFor("\r\n");
  const nonce = /"nonce":"([^"]+)"/.exec(info)?.[1] ?? "";
  const opts: Record<string, unknown> = { verbose: false, pedantic: false, protocol: 1 };
  if (u !== null) {
    opts.jwt = u.jwt;
    if (sign) opts.sig = signNonce(u.seed, nonce);
  }
  c.write(`CONNECT ${JSON.stringify({ ...opts, ...connect })}\r\n`);
  return c;
}

/** Logs in and returns what came back up to the PONG (or the close), after `then`. */
async function attempt(port: number, u: TestUser | null, connect: Record<string, unknown> = {}, sign = true, then = ""): Promise<string> {
  const c = await login(port, u, connect, sign);
  const out = await c.transact(then);
  if (!out.endsWith("PONG\r\n")) await c.waitClosed(2000).catch(() => undefined);
  const closed = c.closed;
  c.close();
  return normalize(out) + (closed ? "[closed]" : "");
}

/** Runs `scenario` against both servers and expects the same transcript. */
async function same(scenario: (port: number) => Promise<string>): Promise<string> {
  const mine = await scenario(ours.port);
  if (theirs !== null) expect(mine).toBe(await scenario(theirs.port));
  return mine;
}

const OK = "PONG\r\n";
const VIOLATION = "-ERR 'Authorization Violation'\r\n[closed]";

describe("INFO in operator mode", () => {
  test("asks for auth and carries a nonce", async () => {
    const c = await RawClient.connect(ours.port);
    const info = await c.waitFor("\r\n");
    c.close();
    expect(info).toContain('"auth_required":true');
    expect(info).toMatch(/"nonce":"[A-Za-z0-9_-]{15}"/);
  });
});

describe("who gets in (same as nats-server 2.9.10)", () => {
  type Connect = Record<string, unknown> | ((w: World) => Record<string, unknown>);
  const cases: Array<[string, (w: World) => TestUser | null, Connect, boolean, string]> = [
    ["a good user", (w) => w.users.a!, {}, true, OK],
    ["a user of an account signed by an operator signing key", (w) => w.users.b!, {}, true, OK],
    ["a user of the system account", (w) => w.users.sys!, {}, true, OK],
    ["no JWT at all", () => null, {}, true, VIOLATION],
    ["a JWT without a signature", (w) => w.users.a!, {}, false, VIOLATION],
    ["a bad signature", (w) => w.users.a!, { sig: "AAAA" }, true, VIOLATION],
    ["another user's signature", (w) => w.users.a!, (w) => ({ sig: signNonce(w.users.b!.seed, "x") }), true, VIOLATION],
    ["a garbled JWT", (w) => w.users.a!, { jwt: "eyJ.x.y" }, true, VIOLATION],
    ["an expired user", (w) => w.users.expired!, {}, true, VIOLATION],
    ["a user not valid yet", (w) => w.users.notYet!, {}, true, VIOLATION],
    ["a revoked user", (w) => w.users.revoked!, {}, true, VIOLATION],
    ["a user issued after its revocation", (w) => w.users.revokedLater!, {}, true, OK],
    ["a user signed by an account signing key", (w) => w.users.bySigner!, {}, true, OK],
    ["a user signed by a key the account does not list", (w) => w.users.notASigner!, {}, true, VIOLATION],
    ["a user of a scoped signing key", (w) => w.users.scoped!, {}, true, OK],
    ["a scoped user whose JWT sets permissions", (w) => w.users.scopedWithPerms!, {}, true, VIOLATION],
    ["a bearer token without a signature", (w) => w.users.bearer!, {}, false, OK],
    ["a bearer token where the account disallows them", (w) => w.users.bearerC!, {}, false, VIOLATION],
    ["a user of an unknown account", (w) => w.users.unknown!, {}, true, VIOLATION],
    ["a user of an account not signed by the operator", (w) => w.users.untrusted!, {}, true, VIOLATION],
    ["a user outside its source network", (w) => w.users.src!, {}, true, VIOLATION],
    ["a user inside its source network", (w) => w.users.srcOk!, {}, true, OK],
    ["a websocket-only user on the client port", (w) => w.users.wsOnly!, {}, true, VIOLATION],
    ["a user and a password instead of a JWT", () => null, { user: "a", pass: "b" }, true, VIOLATION],
  ];
  for (const [name, who, connect, sign, expected] of cases) {
    test(name, async () => {
      const extra = typeof connect === "function" ? connect(world) : connect;
      expect(await same((port) => attempt(port, who(world), extra, sign))).toBe(expected);
    });
  }

  test("a legacy (v1, alg ed25519) user JWT", async () => {
    const out = await same((port) => attempt(port, world.users.legacy!, {}, true, "SUB legacy.x 1\r\nSUB other 2\r\n"));
    expect(out).toBe("-ERR 'Permissions Violation for Subscription to \"other\"'\r\nPONG\r\n");
  });

  test("connect times: inside and outside the window (times_location UTC)", async () => {
    const inside = await same((port) => attempt(port, world.users.inWindow!));
    const outside = await same((port) => attempt(port, world.users.outOfWindow!));
    // Near midnight the windows wrap, which 2.9.10 (and so nats-bun) judges its own way.
    const hour = new Date().getUTCHours();
    if (hour >= 2 && hour <= 21) {
      expect(inside).toBe(OK);
      expect(outside).toBe(VIOLATION);
    }
  });

  test("a user whose JWT allows no subscription is told and closed", async () => {
    const out = await same(async (port) => {
      const c = await login(port, world.users.noSubs!);
      await c.waitClosed();
      return normalize(c.text);
    });
    expect(out).toBe("INFO\r\n-ERR 'maximum subscriptions exceeded'\r\n");
  });

  test("the account connection limit", async () => {
    const out = await same(async (port) => {
      const held = [await login(port, world.users.c!), await login(port, world.users.bySigner!)];
      for (const h of held) await h.transact("");
      const third = await attempt(port, world.users.scoped!);
      for (const h of held) h.close();
      return third;
    });
    expect(out).toBe("-ERR 'maximum account active connections exceeded'\r\n[closed]");
  });
});

describe("permissions and limits from JWTs", () => {
  test("user permissions: publish allow/deny, subscribe deny, limits", async () => {
    const out = await same((port) =>
      attempt(port, world.users.perms!, {}, true, "PUB allowed.x 0\r\n\r\nPUB allowed.no 0\r\n\r\nPUB other 0\r\n\r\nSUB hidden.x 1\r\nSUB a 2\r\nSUB b 3\r\nSUB c 4\r\nPUB allowed.big 9\r\n123456789\r\n"),
    );
    expect(out).toContain("Permissions Violation for Publish to \"allowed.no\"");
    expect(out).toContain("Permissions Violation for Subscription to \"hidden.x\"");
    expect(out).toContain("maximum subscriptions exceeded");
    expect(out).toContain("Maximum Payload Violation");
  });

  test("the account's default permissions apply to users without their own", async () => {
    const out = await same((port) => attempt(port, world.users.a!, {}, true, "SUB forbidden.x 1\r\nSUB fine 2\r\n"));
    expect(out).toContain("Permissions Violation for Subscription to \"forbidden.x\"");
  });

  test("a scoped signing key's template, filled in with the user's name", async () => {
    const out = await same((port) => attempt(port, world.users.scoped!, {}, true, "PUB c.alice.x 0\r\n\r\nPUB c.bob.x 0\r\n\r\nSUB d 1\r\nSUB c.a 2\r\nSUB c.b 3\r\nSUB c.c 4\r\nSUB c.d 5\r\n"));
    expect(out).toContain("Permissions Violation for Publish to \"c.bob.x\"");
    expect(out).not.toContain("\"c.alice.x\"");
    expect(out).toContain("Permissions Violation for Subscription to \"d\"");
    expect(out).toContain("maximum subscriptions exceeded");
  });

  test("allow_responses from `resp`", async () => {
    const out = await same(async (port) => {
      const responder = await login(port, world.users.perms!);
      // Its first PONG is followed by an INFO telling its max payload (8).
      responder.write("SUB svc 1\r\nPING\r\n");
      await responder.waitFor('"max_payload":8');
      const requester = await login(port, world.users.a2!);
      await requester.transact("SUB reply.to 1\r\nPUB svc reply.to 2\r\nhi\r\n");
      await responder.waitFor("MSG svc");
      await responder.transact("PUB reply.to 2\r\nok\r\nPUB reply.to 4\r\nmore\r\n");
      await requester.transact("");
      return texts(responder, requester);
    });
    expect(out).toContain("MSG svc 1 reply.to 2\r\nhi\r\n");
    expect(out).toContain("MSG reply.to 1 2\r\nok\r\n");
    expect(out).toContain("Permissions Violation for Publish to \"reply.to\"");
  });
});

/** Every client's whole transcript, after a last PING barrier; then they are closed. */
async function texts(...clients: RawClient[]): Promise<string> {
  for (const c of clients) await c.transact("");
  const out = clients.map((c) => normalize(c.text)).join("--\n");
  for (const c of clients) c.close();
  return out;
}

describe("traffic across accounts (exports and imports of the account JWTs)", () => {
  test("a stream import with a prefix, and isolation otherwise", async () => {
    const out = await same(async (port) => {
      const b = await login(port, world.users.b!);
      await b.transact("SUB a.news.> 1\r\nSUB news.> 2\r\n");
      const a = await login(port, world.users.a!);
      await a.transact("PUB news.today 5\r\nhello\r\nPUB other 1\r\nx\r\n");
      return texts(b, a);
    });
    expect(out).toContain("MSG a.news.today 1 5\r\nhello\r\n");
    expect(out).not.toContain("MSG news.today");
  });

  test("a service import, public and with an activation token; a token_req export without a token is not imported", async () => {
    const out = await same(async (port) => {
      const a = await login(port, world.users.a!);
      await a.transact("SUB help.> 1\r\nSUB private.> 2\r\nSUB secret.> 3\r\n");
      const b = await login(port, world.users.b!);
      await b.transact("SUB inbox.> 9\r\nSUB secret.> 4\r\nPUB help.me inbox.1 3\r\nabc\r\nPUB private.x inbox.2 3\r\ndef\r\nPUB private.y inbox.3 1\r\nz\r\n");
      await a.waitFor((t) => (t.match(/MSG /g) ?? []).length >= 2);
      const replies = [...a.text.matchAll(/MSG \S+ \d (\S+) \d/g)].map((m) => m[1]!);
      await a.transact(replies.map((r) => `PUB ${r} 2\r\nok\r\n`).join("") + "PUB secret.s 1\r\ns\r\n");
      await b.waitFor((t) => (t.match(/MSG inbox/g) ?? []).length >= 2);
      return texts(a, b);
    });
    expect(out).toContain("MSG help.me 1 _R_.X 3\r\nabc\r\n");
    expect(out).toContain("MSG private.x 2 _R_.X 3\r\ndef\r\n");
    expect(out).not.toContain("private.y");
    expect(out).toContain("MSG inbox.1 9 2\r\nok\r\n");
    expect(out).toContain("MSG inbox.2 9 2\r\nok\r\n");
    // B's subscription to secret.> gets nothing: its import needed a token.
    expect(out).not.toContain("MSG secret.s 4");
  });

  test("an expired activation token grants nothing", async () => {
    const out = await same(async (port) => {
      const c = await login(port, world.users.c!);
      await c.transact("SUB secret.> 1\r\n");
      const a = await login(port, world.users.a!);
      await a.transact("PUB secret.s 1\r\ns\r\n");
      return texts(c, a);
    });
    expect(out).not.toContain("MSG");
  });
});

describe("expiry while connected", () => {
  test("the JWT's exp closes the connection with 'User Authentication Expired'", async () => {
    const started = Date.now();
    const out = await same(async (port) => {
      // Minted for each server, so that both get the same time left.
      const c = await login(port, await mintUser(world, "a", { exp: Math.floor(Date.now() / 1000) + 2 }));
      await c.transact("");
      await c.waitClosed(5000);
      return normalize(c.text);
    });
    expect(out).toBe("INFO\r\nPONG\r\n-ERR 'User Authentication Expired'\r\n");
    expect(Date.now() - started).toBeLessThan(8000);
  }, 15000);
});

describe("connect times ending while connected", () => {
  test("the end of the window closes the connection with 'User Authentication Expired'", async () => {
    const out = await same(async (port) => {
      const now = Math.floor(Date.now() / 1000);
      const times = [{ start: clock(now - 3600), end: clock(now + 2) }];
      const c = await login(port, await mintUser(world, "a", {}, { times, times_location: "UTC" }));
      await c.transact("");
      await c.waitClosed(5000);
      return normalize(c.text);
    });
    const hour = new Date().getUTCHours();
    if (hour >= 2 && hour <= 21) expect(out).toBe("INFO\r\nPONG\r\n-ERR 'User Authentication Expired'\r\n");
  }, 15000);
});

describe("an account JWT expiring while its users are connected", () => {
  test("closes them with 'Account Authentication Expired'", async () => {
    const out = await same(async (port) => {
      // A fresh account for each server, expiring 2 s from now, loaded by its first user.
      const { jwt, user } = await mintExpiringAccount(world, 2);
      const conf = world.conf("", { [jwt.key]: jwt.token });
      const bin = port === ours.port ? undefined : NATS_SERVER;
      const srv = await startServer(["-c", conf], bin === undefined ? {} : { bin });
      try {
        const c = await login(srv.port, user);
        await c.transact("");
        await c.waitClosed(5000);
        return normalize(c.text);
      } finally {
        await srv.stop();
      }
    });
    expect(out).toBe("INFO\r\nPONG\r\n-ERR 'Account Authentication Expired'\r\n");
  }, 15000);
});

describe("resolver_pinned_accounts", () => {
  let pinnedOurs: RunningServer;
  let pinnedTheirs: RunningServer | null = null;
  beforeAll(async () => {
    const conf = world.conf(`resolver_pinned_accounts: [ ${world.keys.a} ]`);
    pinnedOurs = await startServer(["-c", conf]);
    if (haveReference) pinnedTheirs = await startServer(["-c", conf], { bin: NATS_SERVER });
  });
  afterAll(async () => {
    await pinnedOurs?.stop();
    await pinnedTheirs?.stop();
  });

  test("only pinned accounts (and the system account) get in", async () => {
    for (const [u, expected] of [
      [world.users.a!, OK],
      [world.users.sys!, OK],
      [world.users.b!, VIOLATION],
    ] as const) {
      const mine = await attempt(pinnedOurs.port, u);
      if (pinnedTheirs !== null) expect(mine).toBe(await attempt(pinnedTheirs.port, u));
      expect(mine).toBe(expected);
    }
  });
});

describe("log lines", () => {
  test("a refused user is logged as an authentication error", async () => {
    await attempt(ours.port, world.users.expired!);
    await ours.waitLog(/\[ERR\] [^\n]* - authentication error\n/);
  });
});
