// Imports added or removed by a reload apply to subscriptions that already
// exist (the reference re-creates their shadow subscriptions), on both
// servers alike.

import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";

const conf = (imports: string): string => `
accounts {
  A: { users: [ {user: a, password: p} ], exports: [ {stream: "s.>"}, {service: "svc"} ] }
  B: { users: [ {user: b, password: p} ], imports: [ ${imports} ] }
}
`;
const WITH = `{stream: {account: A, subject: "s.>"}, prefix: "from_a"}, {service: {account: A, subject: "svc"}}`;

let srv: RunningServer | null = null;
afterEach(async () => {
  await srv?.stop();
  srv = null;
});

async function login(port: number, user: string, subs: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.transact(`CONNECT {"user":"${user}","pass":"p","verbose":false,"headers":true}\r\n${subs}`);
  return c;
}

/** What b sees of a stream message and a request, before and after the imports change. */
async function scenario(bin: string, before: string, after: string): Promise<string[]> {
  const path = writeConf(conf(before));
  srv = await startServer(["-c", path], { bin });
  const a = await login(srv.port, "a", "SUB svc 1\r\n");
  const b = await login(srv.port, "b", "SUB > 9\r\n");
  const seen: string[] = [];
  const round = async (tag: string): Promise<void> => {
    const mark = b.text.length;
    const amark = a.text.length;
    await a.transact(`PUB s.x 2\r\n${tag}\r\n`);
    await b.transact(`PUB svc 2\r\n${tag}\r\n`);
    await a.transact("");
    await b.transact("");
    seen.push(`b: ${b.text.slice(mark).replaceAll("PONG\r\n", "").replace(/\r\n/g, "|")}`);
    // The request info (its rtt, and so the sizes) differs from run to run.
    seen.push(`a: ${a.text.slice(amark).replaceAll("PONG\r\n", "").replace(/\r\n/g, "|").replace(/Nats-Request-Info: \{[^}]*\}/, "INFO").replace(/^(HMSG \S+ \S+) \d+ \d+/, "$1")}`);
  };
  await round("m1");
  writeFileSync(path, conf(after));
  srv.proc.kill("SIGHUP");
  await srv.waitLog("Reloaded server configuration");
  await round("m2");
  a.close();
  b.close();
  return seen;
}

describe("imports change on reload under live subscriptions", () => {
  for (const [name, before, after] of [
    ["added", "", WITH],
    ["removed", WITH, ""],
  ] as const) {
    test(`imports ${name}: same deliveries as nats-server 2.9.10`, async () => {
      const ours = await scenario(NATS_BUN, before, after);
      // Without the reference, at least the imports must have taken effect.
      expect(ours.some((l) => l.includes("from_a.s.x"))).toBe(true);
      if (!haveReference) return;
      await srv?.stop();
      const ref = await scenario(NATS_SERVER, before, after);
      expect(ours).toEqual(ref);
    });
  }
});
