// Authentication and authorization end to end: the compiled binary with
// config files, real clients for each credential kind, raw sockets for the
// exact -ERR texts, and the reference nats-server with the same config where
// a behaviour is subtle.

import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { createUser } from "@nats-io/nkeys";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";

const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => {});
  for (const s of running.splice(0)) await s.stop();
});

async function serve(conf: string, args: string[] = [], bin?: string): Promise<RunningServer> {
  const s = await startServer(["-c", writeConf(conf), ...args], bin ? { bin } : {});
  running.push(s);
  return s;
}

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.waitFor("\r\n");
  return c;
}

function infoOf(c: RawClient): Record<string, unknown> {
  return JSON.parse(/^INFO (\{.*\}) \r\n/.exec(c.text)![1]!);
}

async function nc(port: number, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const c = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, ...opts });
  conns.push(c);
  return c;
}

/** Runs `scenario` against nats-bun and, when installed, nats-server with the same config. */
async function sameAsReference(conf: string, scenario: (port: number) => Promise<string>): Promise<void> {
  const ours = await serve(conf);
  const got = await scenario(ours.port);
  if (!haveReference) return;
  const ref = await serve(conf, [], NATS_SERVER);
  const want = await scenario(ref.port);
  expect(got).toEqual(want);
}

/** One connection's transcript: input, then PING, until PONG or close. */
const transcript = (input: string) => async (port: number) => {
  const c = await raw(port);
  const out = await c.transact(input);
  await Bun.sleep(20);
  const state = c.closed ? "closed" : "open";
  c.close();
  return `${stripInfo(out)}|${state}`;
};

describe("token", () => {
  const conf = 'authorization { token: "s3cret" }\n';
  test("INFO says auth_required; the right token gets in, a wrong one does not", async () => {
    const s = await serve(conf);
    const c = await raw(s.port);
    expect(infoOf(c).auth_required).toBe(true);
    expect(infoOf(c).nonce).toBeUndefined();
    expect(await c.transact('CONNECT {"verbose":false,"auth_token":"s3cret"}\r\n')).toBe("PONG\r\n");
    const a = await nc(s.port, { token: "s3cret" });
    expect(a.isClosed()).toBe(false);
    await expect(nc(s.port, { token: "nope" })).rejects.toThrow(/Authorization Violation/i);
  });
  test("wrong token and ops before CONNECT: same bytes as nats-server", async () => {
    await sameAsReference(conf, transcript('CONNECT {"verbose":false,"auth_token":"x"}\r\n'));
    await sameAsReference(conf, transcript("PING\r\n"));
    await sameAsReference(conf, transcript("SUB foo 1\r\n"));
  });
  test("anything before CONNECT, even an unknown op or oversized PUB: same bytes as nats-server", async () => {
    await sameAsReference(conf, transcript("FOO\r\n"));
    await sameAsReference(conf, transcript("PUB foo 99999999\r\n"));
    await sameAsReference(conf, transcript('INFO {"x":1}\r\n'));
    await sameAsReference(conf, transcript('connect {"verbose":false,"auth_token":"s3cret"}\r\n'));
  });

  test("--auth flag", async () => {
    const s = await serve("", ["--auth", "flagtoken"]);
    await nc(s.port, { token: "flagtoken" });
    await expect(nc(s.port, { token: "other" })).rejects.toThrow();
  });
  test("bcrypt-hashed token", async () => {
    const hash = await Bun.password.hash("tok", { algorithm: "bcrypt", cost: 4 });
    const s = await serve(`authorization { token: "${hash}" }\n`);
    await nc(s.port, { token: "tok" });
    await expect(nc(s.port, { token: "tok2" })).rejects.toThrow();
  });
});

describe("user and password", () => {
  test("single user from the config and from --user/--pass", async () => {
    const s = await serve("authorization { user: alice, password: wonderland }\n");
    await nc(s.port, { user: "alice", pass: "wonderland" });
    await expect(nc(s.port, { user: "alice", pass: "x" })).rejects.toThrow(/Authorization Violation/i);
    const f = await serve("", ["--user", "bob", "--pass", "builder"]);
    await nc(f.port, { user: "bob", pass: "builder" });
    await expect(nc(f.port, { user: "bob", pass: "x" })).rejects.toThrow();
  });

  test("users list with a bcrypt password written unquoted", async () => {
    const hash = await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 4 });
    // $2a$ hashes may be written unquoted in the conf format.
    const a2a = hash.replace(/^\$2b\$/, "$2a$");
    const s = await serve(`authorization { users: [ {user: a, password: ${a2a}}, {user: b, password: plain} ] }\n`);
    await nc(s.port, { user: "a", pass: "pw" });
    await nc(s.port, { user: "b", pass: "plain" });
    await expect(nc(s.port, { user: "a", pass: "nope" })).rejects.toThrow();
    await expect(nc(s.port, { user: "zed", pass: "pw" })).rejects.toThrow();
  });

  test("input after a CONNECT being bcrypt-checked is processed in order", async () => {
    const hash = await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 6 });
    const s = await serve(`authorization { users: [ {user: a, password: "${hash}"} ] }\n`);
    const c = await raw(s.port);
    const out = await c.transact('CONNECT {"verbose":true,"user":"a","pass":"pw"}\r\nSUB x 1\r\nPUB x 1\r\nz\r\n');
    expect(out).toBe("+OK\r\n+OK\r\n+OK\r\nMSG x 1 1\r\nz\r\nPONG\r\n");
  });

  test("a CONNECT in time is not cut off by the timer while its bcrypt check runs", async () => {
    const hash = await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 13 });
    const s = await serve(`authorization { users: [ {user: a, password: "${hash}"} ], timeout: 0.2 }\n`);
    const c = await raw(s.port);
    const out = await c.transact('CONNECT {"verbose":true,"user":"a","pass":"pw"}\r\n', 10000);
    expect(out).toBe("+OK\r\nPONG\r\n");
  }, 20000);

  test("a reload during a CONNECT's bcrypt check applies to it", async () => {
    const hash = await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 13 });
    const path = writeConf(`authorization { users: [ {user: a, password: "${hash}"}, {user: b, password: b} ] }\n`);
    const s = await startServer(["-c", path]);
    running.push(s);
    const c = await raw(s.port);
    c.write('CONNECT {"verbose":true,"user":"a","pass":"pw"}\r\nPING\r\n');
    writeFileSync(path, "authorization { users: [ {user: b, password: b} ] }\n");
    s.proc.kill("SIGHUP");
    await c.waitClosed(15000);
    expect(c.text).toEndWith("-ERR 'Authorization Violation'\r\n");
  }, 20000);

  test("an nkey in CONNECT is ignored where no nkey users exist; no_auth_user needs no credentials at all", async () => {
    const conf2 = "authorization { users: [ {user: a, password: a}, {user: guest, password: g} ] }\nno_auth_user: guest\n";
    await sameAsReference(conf2, transcript('CONNECT {"verbose":false,"nkey":"UAAA","user":"a","pass":"a"}\r\n'));
    await sameAsReference(conf2, transcript('CONNECT {"verbose":false,"pass":"zz"}\r\n'));
    await sameAsReference(conf2, transcript('CONNECT {"verbose":false}\r\n'));
  });

  test("authorization timeout", async () => {
    const s = await serve("authorization { user: a, password: b, timeout: 0.3 }\n");
    const c = await raw(s.port);
    await c.waitClosed(3000);
    expect(c.text).toEndWith("-ERR 'Authentication Timeout'\r\n");
  });
});

describe("nkeys", () => {
  test("INFO has a 15-char nonce; a signed CONNECT gets in (real client)", async () => {
    const kp = createUser();
    const s = await serve(`authorization { users: [ {nkey: ${kp.getPublicKey()}} ] }\n`);
    const c = await raw(s.port);
    expect(String(infoOf(c).nonce)).toMatch(/^[A-Za-z0-9_-]{15}$/);
    c.close();
    const a = await nc(s.port, { authenticator: nkeyAuthenticator(kp.getSeed()) });
    expect(a.isClosed()).toBe(false);
    await expect(nc(s.port, { authenticator: nkeyAuthenticator(createUser().getSeed()) })).rejects.toThrow();
  });

  test("base64url and standard base64 signatures; a bad one is refused", async () => {
    const kp = createUser();
    const s = await serve(`authorization { users: [ {nkey: ${kp.getPublicKey()}} ] }\n`);
    for (const enc of ["base64url", "base64"] as const) {
      const c = await raw(s.port);
      const nonce = String(infoOf(c).nonce);
      const sig = Buffer.from(kp.sign(new TextEncoder().encode(nonce))).toString(enc);
      expect(await c.transact(`CONNECT {"verbose":false,"nkey":"${kp.getPublicKey()}","sig":"${sig}"}\r\n`)).toBe("PONG\r\n");
      c.close();
    }
    const c = await raw(s.port);
    c.write(`CONNECT {"verbose":false,"nkey":"${kp.getPublicKey()}","sig":"AAAA"}\r\n`);
    await c.waitClosed();
    expect(c.text).toEndWith("-ERR 'Authorization Violation'\r\n");
  });
});

describe("no_auth_user and connection types", () => {
  test("no_auth_user: no auth_required in INFO, credential-less clients are that user", async () => {
    const s = await serve(`
      authorization { users: [ {user: guest, password: g, permissions: {publish: "pub.>", subscribe: ">"}}, {user: admin, password: a} ] }
      no_auth_user: guest
    `);
    const c = await raw(s.port);
    expect(infoOf(c).auth_required).toBeUndefined();
    // No CONNECT at all: the guest's permissions apply.
    const out = await c.transact("SUB pub.x 1\r\nPUB pub.x 1\r\na\r\nPUB other 1\r\nb\r\n");
    expect(out).toBe(
      "+OK\r\n+OK\r\nMSG pub.x 1 1\r\na\r\n-ERR 'Permissions Violation for Publish to \"other\"'\r\nPONG\r\n",
    );
    await nc(s.port, { user: "admin", pass: "a" });
  });

  test("allowed_connection_types keeps a plain client out", async () => {
    const s = await serve(`authorization { users: [ {user: ws, password: p, allowed_connection_types: ["WEBSOCKET"]}, {user: std, password: p, allowed_connection_types: ["STANDARD"]} ] }\n`);
    await expect(nc(s.port, { user: "ws", pass: "p" })).rejects.toThrow(/Authorization Violation/i);
    await nc(s.port, { user: "std", pass: "p" });
  });
});

describe("permissions", () => {
  const conf = `
    authorization {
      default_permissions: { publish: "def.>", subscribe: "def.>" }
      users: [
        {user: a, password: a, permissions: {publish: {allow: ["foo.>", "_INBOX.>"], deny: ["foo.secret"]}, subscribe: {allow: ["foo.*", "foo.>", "bar q1"], deny: ["foo.priv"]}}}
        {user: r, password: r, permissions: {subscribe: "req", allow_responses: true}}
        {user: r2, password: r2, permissions: {subscribe: "req2", allow_responses: {max: 2, expires: "300ms"}}}
        {user: d, password: d}
        {user: p, password: p, permissions: {publish: ">", subscribe: ">"}}
      ]
    }
  `;
  test("publish allow/deny, subscribe allow/deny with queues: same bytes as nats-server", async () => {
    await sameAsReference(
      conf,
      transcript('CONNECT {"user":"a","pass":"a"}\r\nPUB foo.x 1\r\na\r\nPUB foo.secret 1\r\na\r\nPUB bar 1\r\nb\r\nPUB foo.x _R_.abc 1\r\nc\r\n'),
    );
    await sameAsReference(
      conf,
      transcript(
        'CONNECT {"user":"a","pass":"a"}\r\nSUB foo.x 1\r\nSUB foo.priv 2\r\nSUB foo.> 3\r\nSUB bar 4\r\nSUB bar q1 5\r\nSUB bar q2 6\r\nSUB foo.* q9 7\r\n',
      ),
    );
    await sameAsReference(conf, transcript('CONNECT {"user":"d","pass":"d","verbose":false}\r\nPUB def.x 1\r\na\r\nPUB x 1\r\na\r\nSUB y 1\r\n'));
  });

  test("non-ASCII subjects in permissions match what clients send: same bytes as nats-server", async () => {
    const conf2 = 'authorization { users: [ {user: u, password: u, permissions: {publish: {deny: ["é.>"]}, subscribe: {deny: ["ü.*"]}}} ] }\n';
    await sameAsReference(conf2, transcript('CONNECT {"user":"u","pass":"u","verbose":false}\r\nSUB ü.x 1\r\nSUB > 2\r\nPUB é.x 2\r\nhi\r\nPUB ok.é 2\r\nhi\r\n'));
  });

  test("a wildcard subscription that overlaps a deny entry does not receive denied subjects", async () => {
    const s = await serve(conf);
    const sub = await raw(s.port);
    await sub.transact('CONNECT {"user":"a","pass":"a","verbose":false}\r\nSUB foo.> 1\r\n');
    const pub = await nc(s.port, { user: "p", pass: "p" });
    pub.publish("foo.ok", "1");
    pub.publish("foo.priv", "2");
    pub.publish("foo.ok", "3");
    await pub.flush();
    await sub.waitFor("MSG foo.ok 1 1\r\n3\r\n");
    expect(sub.text).not.toContain("foo.priv");
  });

  test("allow_responses: one reply per request, nothing else", async () => {
    const s = await serve(conf);
    const responder = await raw(s.port);
    await responder.transact('CONNECT {"user":"r","pass":"r","verbose":false}\r\nSUB req 1\r\n');
    const requester = await nc(s.port, { user: "p", pass: "p" });
    const inbox = "_INBOX.test1";
    let replies = 0;
    requester.subscribe(inbox, { callback: () => void replies++ });
    await requester.flush();
    requester.publish("req", "q", { reply: inbox });
    await requester.flush();
    await responder.waitFor(`MSG req 1 ${inbox} 1`);
    const out = await responder.transact(`PUB ${inbox} 2\r\nok\r\nPUB ${inbox} 3\r\ntwo\r\nPUB other 1\r\nx\r\n`);
    expect(out).toBe(
      `-ERR 'Permissions Violation for Publish to "${inbox}"'\r\n-ERR 'Permissions Violation for Publish to "other"'\r\nPONG\r\n`,
    );
    await requester.flush();
    await Bun.sleep(20);
    expect(replies).toBe(1);
  });
});

describe("allow_responses with max and expires", () => {
  test("two replies allowed, and none once the grant expired", async () => {
    const s = await serve(`
      authorization { users: [
        {user: r2, password: r2, permissions: {subscribe: "req2", allow_responses: {max: 2, expires: "300ms"}}}
        {user: p, password: p}
      ] }
    `);
    const responder = await raw(s.port);
    await responder.transact('CONNECT {"user":"r2","pass":"r2","verbose":false}\r\nSUB req2 1\r\n');
    const requester = await raw(s.port);
    await requester.transact('CONNECT {"user":"p","pass":"p","verbose":false}\r\nSUB _INBOX.> 1\r\nPUB req2 _INBOX.a 1\r\nx\r\nPUB req2 _INBOX.b 1\r\ny\r\n');
    await responder.waitFor("MSG req2 1 _INBOX.b 1");
    const out = await responder.transact("PUB _INBOX.a 1\r\n1\r\nPUB _INBOX.a 1\r\n2\r\nPUB _INBOX.a 1\r\n3\r\n");
    expect(out).toBe(`-ERR 'Permissions Violation for Publish to "_INBOX.a"'\r\nPONG\r\n`);
    await Bun.sleep(400);
    const late = await responder.transact("PUB _INBOX.b 1\r\n4\r\n");
    expect(late).toBe(`-ERR 'Permissions Violation for Publish to "_INBOX.b"'\r\nPONG\r\n`);
    await requester.transact("");
    expect(requester.text.split("MSG _INBOX.").length - 1).toBe(2);
    expect(requester.text).toContain("MSG _INBOX.a 1 1\r\n1\r\nMSG _INBOX.a 1 1\r\n2\r\n");
  });
});

describe("accounts limits", () => {
  test("an account's max_payload", async () => {
    const s = await serve(`accounts { A { users: [ {user: a, password: a} ], limits: { max_payload: 10 } } }\n`);
    const c = await raw(s.port);
    await c.transact('CONNECT {"user":"a","pass":"a","verbose":false}\r\nPUB x 5\r\nhello\r\n');
    c.write("PUB x 11\r\n");
    await c.waitClosed();
    expect(c.text).toEndWith("-ERR 'Maximum Payload Violation'\r\n");
  });

  test("max_sub_tokens: same bytes as nats-server", async () => {
    await sameAsReference(
      "max_sub_tokens: 2\n",
      transcript('CONNECT {"verbose":true}\r\nSUB a.b.c 1\r\nSUB a.b 2\r\nSUB a.b.c q 3\r\nSUB x..y 4\r\n'),
    );
  });

  test("max_subscriptions applies before the duplicate-sid check: same bytes as nats-server", async () => {
    await sameAsReference("max_subscriptions: 1\n", transcript('CONNECT {"verbose":true}\r\nSUB a 1\r\nSUB a 1\r\n'));
  });

  test("an account's max_connections", async () => {
    const s = await serve(`accounts { A { users: [ {user: a, password: a} ], limits: { max_connections: 1 } } }\n`);
    await nc(s.port, { user: "a", pass: "a" });
    const c = await raw(s.port);
    c.write('CONNECT {"user":"a","pass":"a"}\r\n');
    await c.waitClosed();
    expect(c.text).toEndWith("-ERR 'maximum account active connections exceeded'\r\n");
  });
});

describe("reload", () => {
  test("users, passwords and permissions change under running clients", async () => {
    const base = (extra: string) => `
      authorization { users: [
        {user: keep, password: k, permissions: {subscribe: {allow: [${extra}]}}}
        {user: gone, password: g}
        {user: moved, password: m}
      ] }
    `;
    const path = writeConf(base('"a.>", "b.>"'));
    const s = await startServer(["-c", path]);
    running.push(s);
    const keep = await raw(s.port);
    await keep.transact('CONNECT {"user":"keep","pass":"k","verbose":false}\r\nSUB a.x 1\r\nSUB b.x 2\r\n');
    const gone = await raw(s.port);
    await gone.transact('CONNECT {"user":"gone","pass":"g","verbose":false}\r\n');
    const moved = await raw(s.port);
    await moved.transact('CONNECT {"user":"moved","pass":"m","verbose":false}\r\n');

    writeFileSync(
      path,
      `
      authorization { users: [
        {user: keep, password: k, permissions: {subscribe: {allow: ["a.>"]}}}
        {user: fresh, password: f}
      ] }
      accounts { X { users: [ {user: moved, password: m} ] } }
    `,
    );
    s.proc.kill("SIGHUP");
    await s.waitLog("Reloaded server configuration");
    await gone.waitClosed();
    expect(gone.text).toEndWith("-ERR 'Authorization Violation'\r\n");
    await moved.waitClosed();
    await keep.waitFor(`-ERR 'Permissions Violation for Subscription to "b.x" (sid "2")'\r\n`);
    expect(keep.closed).toBe(false);
    // The remaining subscription still works, the removed one does not.
    const pub = await nc(s.port, { user: "fresh", pass: "f" });
    pub.publish("a.x", "1");
    pub.publish("b.x", "2");
    await pub.flush();
    await keep.waitFor("MSG a.x 1 1\r\n1\r\n");
    await Bun.sleep(50);
    expect(keep.text).not.toContain("MSG b.x");
  });
});

