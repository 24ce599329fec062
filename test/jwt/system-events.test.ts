// The system account's events and STATSZ, against nats-server 2.9.10
// (MEMORY resolver): a system account user subscribes to `$SYS.>` while
// other users connect and disconnect, and sends STATSZ and CONNS requests.
// Messages are compared as subjects and scrubbed JSON (sys-messages.ts).

import { beforeAll, describe, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer } from "../helpers/servers.ts";
import { isPeriodicStatsz, messages, shutdownMessages, type Msg } from "../helpers/sys-messages.ts";
import { mintUser, type World, mintWorld } from "./fixture.ts";
import { login, same, startPair } from "./session.ts";

let world: World;
beforeAll(async () => {
  world = await mintWorld();
});

const pair = () => startPair(["-c", world.conf()]);


/** A system account user listening on `$SYS.>` (and `r.>` for replies), its own connection's events already past. */
async function monitor(port: number): Promise<RawClient> {
  const sys = await login(port, world.users.sys!, { name: "mon", lang: "go", version: "1.0.0" });
  await sys.transact("");
  await sys.transact("SUB $SYS.> 1\r\nSUB r.> 2\r\n");
  return sys;
}

describe("system account events (same as nats-server 2.9.10)", () => {
  test("connect and disconnect: CONNECT, DISCONNECT, the accounts' CONNS and the tracking request", async () => {
    const tagged = await mintUser(world, "a", {}, { tags: ["blue", "green"] });
    const out = await same(pair, async (port) => {
      const sys = await monitor(port);
      const a = await login(port, world.users.a!, { name: "ana", lang: "node", version: "9.9.9" });
      await a.transact("PUB x 2\r\nhi\r\nSUB y 1\r\n");
      a.close();
      await sys.waitFor(/\.DISCONNECT /);
      // Signed by a signing key (issuer_key), no name or lang; tags in the JWT; a bad CONNECT.
      const c = await login(port, world.users.bySigner!);
      await c.transact("");
      const t = await login(port, tagged, { name: "t" });
      await t.transact("");
      t.close();
      c.close();
      await sys.waitFor((s) => (s.match(/\.DISCONNECT /g) ?? []).length === 3);
      await sys.transact("");
      const got = messages(sys).filter((m) => !isPeriodicStatsz(m));
      sys.close();
      // The order of two events sent at one close may differ between the servers' goroutines.
      return JSON.stringify(got.map((m) => JSON.stringify(m)).sort(), null, 1);
    });
    expect(out).toContain('"type\\":\\"io.nats.server.advisory.v1.client_connect\\"');
    expect(out).toContain(`"subject\\":\\"$SYS.ACCOUNT.${world.keys.a}.DISCONNECT\\"`);
    expect(out).toContain('\\"reason\\":\\"Client Closed\\"');
    expect(out).toContain(`\\"issuer_key\\":\\"${world.signerKeys.c.getPublicKey()}\\"`);
    expect(out).toContain('\\"tags\\":[\\"blue\\",\\"green\\"]');
    expect(out).toContain(`"subject\\":\\"$SYS.SERVER.ACCOUNT.$G.CONNS\\"`);
    expect(out).toContain(`"subject\\":\\"$SYS.REQ.ACCOUNT.${world.keys.c}.CONNS\\",\\"reply\\":\\"$SYS._INBOX_.<server>\\"`);
  });

  test("authentication failures: CLIENT.AUTH.ERR for an untrusted user JWT, a wrong signing key and an operation before CONNECT", async () => {
    const out = await same(pair, async (port) => {
      const sys = await monitor(port);
      const bad = await login(port, world.users.untrusted!, { name: "bad", lang: "go", version: "1" });
      await bad.waitClosed();
      const wrongSigner = await login(port, world.users.notASigner!);
      await wrongSigner.waitClosed();
      const early = await RawClient.connect(port);
      await early.waitFor("\r\n");
      early.write("SUB x 1\r\n");
      await early.waitClosed();
      await sys.waitFor((t) => (t.match(/\.CLIENT\.AUTH\.ERR /g) ?? []).length === 3);
      await sys.transact("");
      const got = messages(sys).filter((m) => !isPeriodicStatsz(m));
      sys.close();
      // An account and the one it imports from are registered in another order (README).
      return JSON.stringify(got.map((m) => JSON.stringify(m)).sort(), null, 1);
    });
    expect(out).toContain('"subject\\":\\"$SYS.SERVER.<server>.CLIENT.AUTH.ERR\\"');
    expect(out).toContain('\\"reason\\":\\"Authentication Failure\\"');
  });

  test("STATSZ requests: PING, PING.STATSZ, <id>.STATSZ, filters and a body that does not decode", async () => {
    const out = await same(pair, async (port) => {
      const sys = await monitor(port);
      const id = /"server_id":"(N[A-Z0-9]{55})"/.exec(sys.text)![1]!;
      const a = await login(port, world.users.a!);
      await a.transact("");
      const reqs: [string, string][] = [
        ["$SYS.REQ.SERVER.PING", ""],
        ["$SYS.REQ.SERVER.PING.STATSZ", ""],
        [`$SYS.REQ.SERVER.${id}.STATSZ`, ""],
        ["$SYS.REQ.SERVER.PING", "{}"],
        ["$SYS.REQ.SERVER.PING", "bad"],
        ["$SYS.REQ.SERVER.PING", "[1]"],
        ["$SYS.REQ.SERVER.PING", "null"],
        ["$SYS.REQ.SERVER.PING", '{"server_name":"nope"}'],
        ["$SYS.REQ.SERVER.PING", `{"server_name":"${id.slice(0, 10)}","host":"127.0"}`],
        ["$SYS.REQ.SERVER.PING.STATSZ", '{"cluster":"c"}'],
        ["$SYS.REQ.SERVER.PING.STATSZ", '{"tags":["x"]}'],
        ["$SYS.REQ.SERVER.PING.STATSZ", '{"domain":"d"}'],
        // Answered last: the others have been handled.
        ["$SYS.REQ.SERVER.PING", ""],
      ];
      let n = 0;
      for (const [subject, body] of reqs) sys.write(`PUB ${subject} r.${++n} ${body.length}\r\n${body}\r\n`);
      await sys.waitFor(/MSG r\.13 [^\n]*\n[^\n]*\n/);
      const replies = messages(sys).filter((m) => m.subject.startsWith("r."));
      sys.close();
      a.close();
      return JSON.stringify(replies, null, 1);
    });
    expect(out).toContain('"subject": "r.1"');
    expect(out).toContain('"description": "invalid character \'b\' looking for beginning of value"');
    expect(out).toContain('"description": "json: cannot unmarshal array into Go value of type server.StatszEventOptions"');
    expect(out).toContain('"subject": "r.7"');
    expect(out).not.toContain('"subject": "r.8"');
    expect(out).toContain('"subject": "r.9"');
    expect(out).not.toContain('"subject": "r.10"');
    expect(out).toContain('"connections": 2');
    expect(out).toContain('"active_accounts": 2');
    expect(out).toContain('"active_servers": 1');
  });

  test("periodic STATSZ: 250 ms after start, then at twice the interval", async () => {
    /** The gaps between the broadcasts a system user sees in the first 4.5 s of a server started with `bin`. */
    async function gaps(bin?: string): Promise<number[]> {
      const server = await startServer(["-c", world.conf()], bin === undefined ? {} : { bin });
      try {
        const sys = await login(server.port, world.users.sys!);
        await sys.transact("SUB $SYS.SERVER.*.STATSZ 1\r\n");
        const at: number[] = [];
        const deadline = Date.now() + 4500;
        while (Date.now() < deadline) {
          const count = (sys.text.match(/MSG \$SYS\.SERVER\.\S+\.STATSZ /g) ?? []).length;
          while (at.length < count) at.push(Date.now());
          await Bun.sleep(10);
        }
        sys.close();
        return at.slice(1).map((t, i) => t - at[i]!);
      } finally {
        await server.stop();
      }
    }
    // Both at once, to keep the test short.
    const all = await Promise.all((haveReference ? [undefined, NATS_SERVER] : [undefined]).map(gaps));
    for (const g of all) {
      // Logged in some 0.1 s after start: the 0.75, 1.75 and 3.75 s ones (maybe the 0.25 s one too).
      expect(g.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < g.length; i++) expect(g[i]! / g[i - 1]!).toBeGreaterThan(1.6);
    }
  }, 20000);

  test("shutdown: $SYS.SERVER.<id>.SHUTDOWN with the server object, no DISCONNECT for the clients it closes", async () => {
    const out = await same(pair, async (port, server) => {
      const sys = await monitor(port);
      const a = await login(port, world.users.a!);
      await a.transact("");
      await sys.waitFor(/\.CONNECT /);
      const before = messages(sys).length;
      const out = await shutdownMessages(sys, server, before);
      a.close();
      return out;
    });
    expect(out).toContain('"subject": "$SYS.SERVER.<server>.SHUTDOWN"');
    expect(out).not.toContain("DISCONNECT");
  });

  test("CONNS requests: answered for an account with clients here, not for one without or a body naming another", async () => {
    const out = await same(pair, async (port) => {
      const sys = await monitor(port);
      const a = await login(port, world.users.a!);
      await a.transact("");
      const body = `{"acc":"${world.keys.b}"}`;
      sys.write(`PUB $SYS.REQ.ACCOUNT.${world.keys.a}.CONNS r.1 0\r\n\r\n`);
      sys.write(`PUB $SYS.REQ.ACCOUNT.${world.keys.b}.CONNS r.2 0\r\n\r\n`);
      sys.write(`PUB $SYS.REQ.ACCOUNT.${world.keys.a}.CONNS r.3 ${body.length}\r\n${body}\r\n`);
      sys.write(`PUB $SYS.REQ.ACCOUNT.${world.keys.sys}.CONNS r.4 0\r\n\r\n`);
      await sys.waitFor("MSG r.4 ");
      await sys.transact("");
      const replies = messages(sys).filter((m) => m.subject.startsWith("r."));
      sys.close();
      a.close();
      return JSON.stringify(replies, null, 1);
    });
    expect(out).toContain('"subject": "r.1"');
    expect(out).not.toContain('"subject": "r.2"');
    expect(out).not.toContain('"subject": "r.3"');
    expect(out).toContain(`"acc": "${world.keys.sys}"`);
  });
});
