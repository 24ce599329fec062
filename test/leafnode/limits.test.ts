// max_subscriptions on a leaf node connection, as 2.9.10 holds it: the
// interest past the limit is refused with an -ERR, the connection stays.

import { afterAll, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { leafPort } from "../helpers/leaf.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

test("the third LS+ past max_subscriptions: 2 is refused, the link stays", async () => {
  const seen: string[] = [];
  for (const bin of haveReference ? [undefined, NATS_SERVER] : [undefined]) {
    const s = await startServer(["-c", writeConf("max_subscriptions: 2\nleafnodes { port: -1 }\n")], { bin });
    running.push(s);
    const c = await RawClient.connect(await leafPort(s));
    await c.waitFor("\r\n");
    c.write('CONNECT {"name":"spoke","headers":true}\r\nPING\r\n');
    await c.waitFor("PONG\r\n");
    const start = c.text.length;
    c.write("LS+ a\r\nLS+ b\r\nLS+ c\r\nPING\r\n");
    await c.waitFor((t) => t.slice(start).includes("PONG\r\n"));
    seen.push(c.text.slice(start).replace(/LS\+ [^\r]*\r\n/g, ""));
    expect(c.closed).toBe(false);
    c.close();
  }
  expect(seen[0]).toBe("-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n");
  if (seen.length === 2) expect(seen[0]).toBe(seen[1]!);
});
