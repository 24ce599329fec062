// The system account outside operator mode, against nats-server 2.9.10:
// it has one (the configured `system_account`, or `$SYS`) unless
// `no_system_account` is set, and sends the same events and STATSZ there.
// A user of that account subscribes to `$SYS.>` while other users connect
// and disconnect, sends a PING, and sees the server shut down. Messages are
// compared as subjects and scrubbed JSON (sys-messages.ts).

import { describe, expect, test } from "bun:test";
import { writeConf } from "../helpers/conf.ts";
import { RawClient } from "../helpers/raw.ts";
import { isPeriodicStatsz, messages, shutdownMessages, type Msg } from "../helpers/sys-messages.ts";
import { same, startPair } from "../jwt/session.ts";

async function login(port: number, user: string, connect: Record<string, unknown> = {}): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.waitFor("\r\n");
  const opts = { verbose: false, pedantic: false, protocol: 1, headers: true, user, pass: "p", ...connect };
  c.write(`CONNECT ${JSON.stringify(opts)}\r\n`);
  return c;
}

/** A user of the system account listening on `$SYS.>` (and `r.>` for replies). */
async function monitor(port: number): Promise<RawClient> {
  const sys = await login(port, "sys", { name: "mon", lang: "go", version: "1.0.0" });
  // Its own connection's events past: 2.9.10 sends them from another goroutine, maybe after a SUB sent with the CONNECT.
  await sys.transact("");
  await Bun.sleep(50);
  await sys.transact("SUB $SYS.> 1\r\nSUB r.> 2\r\n");
  return sys;
}


/** The messages, sorted (two events sent at one close may come in either order), as one comparable string. */
function sorted(got: Msg[]): string {
  return JSON.stringify(got.map((m) => JSON.stringify(m)).sort(), null, 1);
}

const USERS = "A: { users: [{user: a, password: p}] }";

/** Users connect and disconnect, then a PING: what the monitor saw. */
async function lifecycle(port: number): Promise<string> {
  const sys = await monitor(port);
  const a = await login(port, "a", { name: "ana", lang: "node", version: "9.9.9" });
  await a.transact("PUB x 2\r\nhi\r\nSUB y 1\r\n");
  a.close();
  await sys.waitFor(/\.DISCONNECT /);
  const bad = await login(port, "a", { pass: "wrong" });
  await bad.waitClosed();
  await sys.waitFor(/\.AUTH\.ERR /);
  sys.write("PUB $SYS.REQ.SERVER.PING r.1 0\r\n\r\n");
  await sys.waitFor("MSG r.1 ");
  await sys.transact("");
  const got = messages(sys).filter((m) => !isPeriodicStatsz(m));
  sys.close();
  return sorted(got);
}

describe("system account outside operator mode (same as nats-server 2.9.10)", () => {
  test("system_account naming a configured account: CONNECT, DISCONNECT, CONNS, AUTH.ERR and STATSZ", async () => {
    const conf = writeConf(`accounts { SYS: { users: [{user: sys, password: p}] }, ${USERS} }\nsystem_account: SYS\n`);
    const out = await same(() => startPair(["-c", conf]), lifecycle);
    expect(out).toContain('"subject\\":\\"$SYS.ACCOUNT.A.CONNECT\\"');
    expect(out).toContain('"subject\\":\\"$SYS.ACCOUNT.A.DISCONNECT\\"');
    expect(out).toContain('"subject\\":\\"$SYS.SERVER.ACCOUNT.A.CONNS\\"');
    expect(out).toContain('"subject\\":\\"$SYS.SERVER.<server>.CLIENT.AUTH.ERR\\"');
    expect(out).toContain('"subject\\":\\"r.1\\"');
  });

  test("an account named $SYS is the system account, no_system_account notwithstanding", async () => {
    const conf = writeConf(`accounts { $SYS: { users: [{user: sys, password: p}] }, ${USERS} }\nno_system_account: true\n`);
    const out = await same(() => startPair(["-c", conf]), lifecycle);
    expect(out).toContain('"subject\\":\\"$SYS.ACCOUNT.A.CONNECT\\"');
  });

  test("no_system_account: no system account, nothing is sent or answered", async () => {
    const conf = writeConf(`accounts { S: { users: [{user: sys, password: p}] }, ${USERS} }\nno_system_account: true\n`);
    const out = await same(
      () => startPair(["-c", conf]),
      async (port) => {
        const sys = await monitor(port);
        const a = await login(port, "a");
        await a.transact("");
        a.close();
        sys.write("PUB $SYS.REQ.SERVER.PING r.1 0\r\n\r\n");
        await Bun.sleep(600);
        await sys.transact("");
        const got = messages(sys);
        sys.close();
        return sorted(got);
      },
    );
    // Only the monitor's own request, which it is subscribed to.
    expect(out).toBe(sorted([{ subject: "$SYS.REQ.SERVER.PING", reply: "r.1", body: "" }]));
  });

  test("shutdown: $SYS.SERVER.<id>.SHUTDOWN with the server object, no DISCONNECT for the clients it closes", async () => {
    const conf = writeConf(`accounts { SYS: { users: [{user: sys, password: p}] }, ${USERS} }\nsystem_account: SYS\n`);
    const out = await same(
      () => startPair(["-c", conf]),
      async (port, server) => {
        const sys = await monitor(port);
        const a = await login(port, "a");
        await a.transact("");
        await sys.waitFor(/\.CONNECT /);
        const before = messages(sys).length;
        const out = await shutdownMessages(sys, server, before);
        a.close();
        return out;
      },
    );
    expect(out).toContain('"subject": "$SYS.SERVER.<server>.SHUTDOWN"');
    expect(out).not.toContain("DISCONNECT");
  });
});
