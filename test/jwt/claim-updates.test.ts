// Account JWT updates through the system account, against nats-server
// 2.9.10 (MEMORY resolver): a system account user publishes new account JWTs
// on $SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE (and the old subject), and the
// replies and what connected clients of the account see must be the same:
// revocations, limits, connection limits, exports and imports, signing keys,
// bearer tokens.

import { beforeAll, describe, expect, test } from "bun:test";
import { createOperator, encodeAccount, newScopedSigner, type Account } from "@nats-io/jwt";
import type { RawClient } from "../helpers/raw.ts";
import { mintWorld, type World } from "./fixture.ts";
import { login, same, startPair, transcripts } from "./session.ts";

let world: World;
beforeAll(async () => {
  world = await mintWorld();
});

const NAMES = { a: "A", b: "B", c: "C" } as const;

/** Account `acc`'s JWT as minted, with `change` laid over it. */
function mint(acc: "a" | "b" | "c", change: Partial<Account>): Promise<string> {
  const signer = acc === "b" ? world.signerKeys.operator : world.operatorKey;
  return encodeAccount(NAMES[acc], world.accountKeys[acc]!, { ...world.accountData[acc], ...change }, { signer });
}

const req = (key: string): string => `$SYS.REQ.ACCOUNT.${key}.CLAIMS.UPDATE`;

let n = 0;
/** Publishes `jwt` on `subject` as the system user `sys` (subscribed to upd.>) and waits for the reply. */
async function update(sys: RawClient, subject: string, jwt: string): Promise<void> {
  const reply = `upd.${++n}`;
  sys.write(`PUB ${subject} ${reply} ${jwt.length}\r\n${jwt}\r\n`);
  await sys.waitFor(`MSG ${reply} `);
}

/** A system account user ready to publish updates (replies numbered from 1 again). */
async function sysUser(port: number): Promise<RawClient> {
  n = 0;
  const sys = await login(port, world.users.sys!);
  await sys.transact("SUB upd.> 1\r\n");
  return sys;
}

const pair = () => startPair(["-c", world.conf()]);

describe("claim updates (same as nats-server 2.9.10)", () => {
  test("the replies: updated, the same JWT again, an empty body, garbage, a user JWT, another account's subject, not loaded, not trusted", async () => {
    const out = await same(pair, async (port) => {
      const a = await login(port, world.users.a!);
      await a.transact("");
      const sys = await sysUser(port);
      const changed = await mint("a", { tags: ["v2"] });
      const untrusted = await encodeAccount("A", world.accountKeys.a!, world.accountData.a!, { signer: createOperator() });
      for (const [subject, body] of [
        [req(world.keys.a), changed],
        [req(world.keys.a), changed],
        [req(world.keys.a), ""],
        [req(world.keys.a), "garbage"],
        [req(world.keys.a), world.users.a!.jwt],
        [req(world.keys.b), changed],
        [req(world.keys.c), world.preload[world.keys.c]!],
        [req(world.keys.a), untrusted],
        [`$SYS.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE`, await mint("a", {})],
      ] as const) {
        await update(sys, subject, body);
      }
      return transcripts(sys, a);
    });
    expect(out).toContain('"message":"jwt updated"');
    expect(out).toContain('"description":"jwt update error - request body is empty"');
    expect(out).toContain('"description":"jwt update resulted in error - expected 3 chunks"');
    expect(out).toContain('"description":"jwt update resulted in error - subject does not match jwt content"');
    expect(out).toContain('"message":"jwt update skipped"');
    expect(out).toContain('"description":"jwt update resulted in error - account validation failed"');
    expect(out).toContain(`MSG upd.9 1  N\r\n{"data":{"account":"${world.keys.a}","code":200,"message":"jwt updated"},"server":{"name":"N","host":"127.0.0.1","id":"N","ver":"2.9.10","seq":0,"jetstream":false,"time":"T"}}`);
  });

  test("a user revoked by an update is told and closed; an update without a reply subject is applied too", async () => {
    const out = await same(pair, async (port) => {
      const a = await login(port, world.users.a!);
      const a2 = await login(port, world.users.a2!);
      await a.transact("SUB x 1\r\n");
      await a2.transact("");
      const sys = await sysUser(port);
      const revoking = await mint("a", { revocations: { [world.users.a2!.key]: Math.floor(Date.now() / 1000) + 5 } });
      sys.write(`PUB $SYS.ACCOUNT.${world.keys.a}.CLAIMS.UPDATE ${revoking.length}\r\n${revoking}\r\n`);
      await a2.waitClosed();
      return transcripts(a, a2, sys);
    });
    expect(out).toContain("-ERR 'User Authentication Revoked'\r\n[closed]");
  });

  test("permissions: connected clients keep theirs, new ones get the new default permissions", async () => {
    const out = await same(pair, async (port) => {
      const before = await login(port, world.users.a!);
      await before.transact("");
      const sys = await sysUser(port);
      await update(sys, req(world.keys.a), await mint("a", { default_permissions: { pub: { deny: ["nope.>"] } } as Account["default_permissions"] }));
      const after = await login(port, world.users.a2!);
      for (const c of [before, after]) await c.transact("PUB nope.1 0\r\n\r\nSUB forbidden.x 1\r\n");
      return transcripts(before, after);
    });
    expect(out).toContain('-ERR \'Permissions Violation for Publish to "nope.1"\'');
  });

  test("limits: a client at its new subscription limit is closed; a lower payload limit applies at once", async () => {
    const out = await same(pair, async (port) => {
      const many = await login(port, world.users.a!);
      const few = await login(port, world.users.a2!);
      await many.transact("SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\n");
      await few.transact("SUB s.1 1\r\n");
      const sys = await sysUser(port);
      await update(sys, req(world.keys.a), await mint("a", { limits: { ...world.accountData.a!.limits, subs: 3, payload: 4 } }));
      await many.waitClosed();
      await few.transact("PUB p 4\r\nabcd\r\n");
      await few.transact("PUB p 5\r\nabcde\r\n");
      return transcripts(many, few);
    });
    expect(out).toContain("-ERR 'maximum subscriptions exceeded'\r\n[closed]");
    expect(out).toContain("-ERR 'Maximum Payload Violation'");
  });

  test("a lower connection limit closes the oldest clients", async () => {
    const out = await same(pair, async (port) => {
      const clients: RawClient[] = [];
      for (const u of [world.users.a!, world.users.a2!, world.users.revokedLater!]) {
        const c = await login(port, u);
        await c.transact("");
        clients.push(c);
        await Bun.sleep(20);
      }
      const sys = await sysUser(port);
      await update(sys, req(world.keys.a), await mint("a", { limits: { ...world.accountData.a!.limits, conn: 1 } }));
      await clients[0]!.waitClosed();
      await clients[1]!.waitClosed();
      return transcripts(...clients);
    });
    expect(out).toContain("-ERR 'maximum account active connections exceeded'\r\n[closed]");
  });

  test("exports: a new one completes an import that was refused; a removed one stops a stream import", async () => {
    const out = await same(pair, async (port) => {
      const b = await login(port, world.users.b!);
      await b.transact("");
      const sys = await sysUser(port);
      const bImports = world.accountData.b!.imports!;
      await update(sys, req(world.keys.b), await mint("b", { imports: [...bImports, { name: "x", subject: "x.>", account: world.keys.a, type: "stream" }] as Account["imports"] }));
      await b.transact("SUB x.> 1\r\nSUB a.news.> 2\r\n");
      const a = await login(port, world.users.a!);
      await a.transact("PUB x.1 1\r\n1\r\nPUB news.1 1\r\n1\r\n");
      const exports = world.accountData.a!.exports!;
      await update(sys, req(world.keys.a), await mint("a", { exports: [...exports.filter((e) => e.subject !== "news.>"), { name: "x", subject: "x.>", type: "stream" }] as Account["exports"] }));
      await a.transact("PUB x.2 1\r\n2\r\nPUB news.2 1\r\n2\r\n");
      return transcripts(b, a);
    });
    expect(out).toContain("MSG a.news.1 2 1\r\n1\r\n");
    expect(out).toContain("MSG x.2 1 1\r\n2\r\n");
    expect(out).not.toContain("MSG x.1 ");
    expect(out).not.toContain("MSG a.news.2 ");
  });

  test("signing keys: users of a dropped key, or of a scope that changed, are closed without a word", async () => {
    const out = await same(pair, async (port) => {
      const bySigner = await login(port, world.users.bySigner!);
      const scoped = await login(port, world.users.scoped!);
      await bySigner.transact("");
      await scoped.transact("");
      const sys = await sysUser(port);
      const scope = newScopedSigner(world.signerKeys.cScope, "scoped", { pub: { allow: ["c.>"], deny: [] }, sub: { allow: ["c.>"], deny: [] }, subs: 3 });
      await update(sys, req(world.keys.c), await mint("c", { signing_keys: [scope] }));
      await bySigner.waitClosed();
      await scoped.waitClosed();
      return transcripts(bySigner, scoped);
    });
    expect(out).toBe("INFO\r\nPONG\r\n[closed]\n--\nINFO\r\nPONG\r\n[closed]");
  });

  test("bearer tokens disallowed by an update", async () => {
    const out = await same(pair, async (port) => {
      const bearer = await login(port, world.users.bearer!, { sig: undefined });
      const a = await login(port, world.users.a!);
      await bearer.transact("");
      await a.transact("");
      const sys = await sysUser(port);
      await update(sys, req(world.keys.a), await mint("a", { limits: { ...world.accountData.a!.limits, disallow_bearer: true } }));
      await bearer.waitClosed();
      return transcripts(bearer, a);
    });
    expect(out).toStartWith("INFO\r\nPONG\r\n-ERR 'Authorization Violation'\r\n[closed]");
  });

  test("an update published outside the system account does nothing", async () => {
    const out = await same(pair, async (port) => {
      const a2 = await login(port, world.users.a2!);
      await a2.transact("");
      const a = await login(port, world.users.a!);
      const revoking = await mint("a", { revocations: { [world.users.a2!.key]: Math.floor(Date.now() / 1000) + 5 } });
      await a.transact(`SUB upd.> 1\r\nPUB ${req(world.keys.a)} upd.1 ${revoking.length}\r\n${revoking}\r\n`);
      await Bun.sleep(100);
      return transcripts(a, a2);
    });
    expect(out).not.toContain("closed");
  });
});
