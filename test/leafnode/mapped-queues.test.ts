// What a hub takes from a leaf node connection, against 2.9.10: a message on
// a subject the hub's account maps reaches the mapped subject's queue
// subscribers whether it named their group or none (the hub announced the
// mapping's source as plain interest, so a leaf sends plain messages for it);
// a peer refused for its version gets nothing in before it is closed.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient } from "../helpers/raw.ts";
import { writeConf } from "../helpers/conf.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { binOf, leafPort, type Impl } from "../helpers/leaf.ts";
import { until } from "../helpers/cluster.ts";

const servers: RunningServer[] = [];
const raws: RawClient[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const r of raws) r.close();
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of servers) await s.stop();
});

const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];

for (const impl of IMPLS) {
  describe(`mapped leaf messages (${impl} hub)`, () => {
    test("reach the mapped subject's queue group, named or not", async () => {
      const s = await startServer(["-c", writeConf(`leafnodes { listen: "127.0.0.1:-1" }\nmappings { foo: bar }\n`)], { bin: binOf(impl) });
      servers.push(s);
      const nc = await connect({ servers: `127.0.0.1:${s.port}` });
      conns.push(nc);
      const got: string[] = [];
      nc.subscribe("bar", { queue: "q", callback: (_e, m) => void got.push(m.string()) });
      await nc.flush();
      const r = await RawClient.connect(await leafPort(s));
      raws.push(r);
      await r.waitFor(/^INFO .*\r\n/);
      r.write(`CONNECT {"name":"L1","version":"2.9.10","headers":true}\r\nPING\r\n`);
      await r.waitFor("LS+ bar q");
      r.write("LMSG foo 5\r\nplain\r\nLMSG foo | q 5\r\nnamed\r\nLMSG foo | other 5\r\nwrong\r\nPING\r\n");
      await until(() => got.length >= 2);
      await nc.flush();
      await Bun.sleep(50);
      expect(got.sort()).toEqual(["named", "plain"]);
    });
  });
}

for (const impl of IMPLS) {
  test(`a leaf node below min_version gets no interest or message in (${impl} hub)`, async () => {
    const s = await startServer(["-c", writeConf(`leafnodes { listen: "127.0.0.1:-1", min_version: "2.8.0" }\n`)], { bin: binOf(impl) });
    servers.push(s);
    const nc = await connect({ servers: `127.0.0.1:${s.port}` });
    conns.push(nc);
    let got = 0;
    nc.subscribe("foo", { callback: () => void got++ });
    await nc.flush();
    const r = await RawClient.connect(await leafPort(s));
    raws.push(r);
    await r.waitFor(/^INFO .*\r\n/);
    r.write(`CONNECT {"name":"OLD","version":"2.7.0"}\r\nLS+ bar\r\nLMSG foo 2\r\nhi\r\n`);
    await r.waitFor("minimum version");
    await Bun.sleep(200);
    nc.publish("bar", "x");
    await nc.flush();
    await Bun.sleep(200);
    expect(got).toBe(0);
    expect(r.text).not.toContain("LMSG");
  });
}

for (const impl of IMPLS) {
  test(`interest in a literal subject with a '*' inside a token is checked against the leaf user's permissions (${impl} hub)`, async () => {
    const conf = `authorization { users: [{ user: l, password: l, permissions: { publish: "foo", subscribe: "foo" } }] }\nleafnodes { listen: "127.0.0.1:-1" }\n`;
    const s = await startServer(["-c", writeConf(conf)], { bin: binOf(impl) });
    servers.push(s);
    const r = await RawClient.connect(await leafPort(s));
    raws.push(r);
    await r.waitFor(/^INFO .*\r\n/);
    r.write(`CONNECT {"name":"L1","version":"2.9.10","user":"l","pass":"l"}\r\nPING\r\n`);
    await r.waitFor("PONG");
    r.write("LS+ a*b\r\n");
    await r.waitFor("Permissions Violation for Subscription to");
    await r.waitClosed();
  });
}
