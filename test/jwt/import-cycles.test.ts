// Account JWTs importing each other's streams and services, against
// nats-server 2.9.10 with a MEMORY resolver: an import that would form a
// cycle is not added (logged at debug as "import forms a cycle"). Which one
// goes depends on the order the accounts are loaded in: the account looked up
// first loads the other as its exporter, whose imports are then checked
// against the first account's imports added so far (none), so the first
// account's own imports are the ones refused. Each scenario starts fresh
// servers, so the order is the clients' connect order.

import { beforeAll, describe, expect, test } from "bun:test";
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, type Account, type KeyPair } from "@nats-io/jwt";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/conf.ts";
import type { RunningServer } from "../helpers/servers.ts";
import { UNLIMITED, type TestUser } from "./fixture.ts";
import { login, same, startPair, transcripts } from "./session.ts";

interface CycleWorld {
  conf: string;
  a: TestUser;
  b: TestUser;
  sys: TestUser;
  keys: { a: string; b: string };
  /** B's JWT minted again (a claim update with the same imports). */
  bAgain: string;
}

let world: CycleWorld;

async function user(name: string, account: KeyPair): Promise<TestUser> {
  const kp = createUser();
  return { jwt: await encodeUser(name, kp, account), seed: new TextDecoder().decode(kp.getSeed()), key: kp.getPublicKey() };
}

/** An account exporting foo.> (stream) and svc.> (service) and importing both from `other`. */
function mirrored(other: string): Partial<Account> {
  return {
    limits: UNLIMITED,
    exports: [
      { name: "foo", subject: "foo.>", type: "stream" },
      { name: "svc", subject: "svc.>", type: "service" },
    ],
    imports: [
      { name: "foo", subject: "foo.>", account: other, type: "stream" },
      { name: "svc", subject: "svc.>", account: other, type: "service" },
    ],
  };
}

beforeAll(async () => {
  const op = createOperator();
  const sys = createAccount();
  const a = createAccount();
  const b = createAccount();
  const operator = await encodeOperator("OP", op, { system_account: sys.getPublicKey() });
  const preload: Record<string, string> = {
    [sys.getPublicKey()]: await encodeAccount("SYS", sys, { limits: UNLIMITED }, { signer: op }),
    [a.getPublicKey()]: await encodeAccount("A", a, mirrored(b.getPublicKey()), { signer: op }),
    [b.getPublicKey()]: await encodeAccount("B", b, mirrored(a.getPublicKey()), { signer: op }),
  };
  const dir = tempDir("nats-bun-cycle-");
  writeFileSync(join(dir, "op.jwt"), operator);
  const lines = Object.entries(preload).map(([k, v]) => `  ${k}: "${v}"`);
  const conf = join(dir, "server.conf");
  writeFileSync(conf, `operator: "${join(dir, "op.jwt")}"\nresolver: MEMORY\nresolver_preload {\n${lines.join("\n")}\n}\n`);
  world = {
    conf,
    a: await user("a", a),
    b: await user("b", b),
    sys: await user("sys", sys),
    keys: { a: a.getPublicKey(), b: b.getPublicKey() },
    bAgain: await encodeAccount("B", b, { ...mirrored(a.getPublicKey()), tags: ["again"] }, { signer: op }),
  };
});

const SUBS = "SUB foo.> 1\r\nSUB svc.> 2\r\n";
const TRAFFIC = "PUB foo.1 1\r\nx\r\nPUB svc.1 r.1 1\r\ny\r\n";

/** `first` connects (loading its account, and through its imports the other), then `second`; both subscribe, then both publish. */
async function scenario(port: number, server: RunningServer, first: TestUser, second: TestUser): Promise<string> {
  const one = await login(port, first);
  await one.transact(SUBS);
  const two = await login(port, second);
  await two.transact(SUBS);
  await one.transact(TRAFFIC);
  await two.transact(TRAFFIC);
  // Let messages crossing accounts arrive.
  await Bun.sleep(100);
  const refused = server.log().match(/(Error adding \w+ import to account|Account \w+\/\w+ has issues).*/g) ?? [];
  return `${await transcripts(one, two)}\n== log\n${refused.join("\n")}`;
}

describe("import cycles between account JWTs (same as nats-server 2.9.10)", () => {
  test("A connects first: A's imports from B would close the cycle and are refused; B's from A stay", async () => {
    const out = await same(
      () => startPair(["-c", world.conf, "-D"]),
      (port, server) => scenario(port, server, world.a, world.b),
    );
    const a = world.keys.a;
    expect(out).toContain(`Error adding stream import to account [${a}/A]: import forms a cycle`);
    expect(out).toContain(`Error adding service import to account [${a}/A]: import forms a cycle`);
    expect(out).not.toContain(`[${world.keys.b}/B]`);
    const [one, two] = out.split("\n--\n");
    // B imports A's foo.> and svc.>: what A's client publishes reaches B; B's service requests reach A.
    expect(two).toContain("MSG foo.1 1 1\r\nx\r\n");
    expect(one).toContain(`HMSG svc.1 2 _R_.X H N\r\nNATS/1.0\r\nNats-Request-Info: {"acc":"${world.keys.b}","rtt":0}\r\n\r\ny\r\n`);
    // A imports nothing from B.
    expect(one!.match(/MSG foo\.1/g)?.length).toBe(1);
  });

  test("an update of B retries A's refused imports: still a cycle, so they stay out and an error is logged", async () => {
    const out = await same(
      () => startPair(["-c", world.conf, "-D"]),
      async (port, server) => {
        const a = await login(port, world.a);
        await a.transact("");
        const sys = await login(port, world.sys);
        await sys.transact("SUB r 1\r\n");
        sys.write(`PUB $SYS.REQ.ACCOUNT.${world.keys.b}.CLAIMS.UPDATE r ${world.bAgain.length}\r\n${world.bAgain}\r\n`);
        await sys.waitFor("MSG r 1 ");
        sys.close();
        a.close();
        return scenario(port, server, world.a, world.b);
      },
    );
    expect(out).toContain(`Account ${world.keys.a}/A has issues importing account ${world.keys.b}`);
    const [one, two] = out.split("\n== log")[0]!.split("\n--\n");
    expect(two).toContain("MSG foo.1 1 1\r\nx\r\n");
    expect(one!.match(/MSG foo\.1/g)?.length).toBe(1);
  });

  test("B connects first: the other way round", async () => {
    const out = await same(
      () => startPair(["-c", world.conf, "-D"]),
      (port, server) => scenario(port, server, world.b, world.a),
    );
    expect(out).toContain(`Error adding stream import to account [${world.keys.b}/B]: import forms a cycle`);
    expect(out).not.toContain(`[${world.keys.a}/A]`);
  });
});
