// Subject mappings: the published subject is rewritten before routing, as
// nats-server 2.9.10 does it (compared byte for byte where deterministic).

import { afterEach, describe, expect, test } from "bun:test";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, runBinary, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function transcript(conf: string, input: string, bin?: string): Promise<string> {
  const s = await startServer(["-c", writeConf(conf)], bin ? { bin } : {});
  running.push(s);
  const c = await RawClient.connect(s.port);
  await c.waitFor("\r\n");
  const out = await c.transact(input);
  c.close();
  return stripInfo(out);
}

async function sameAsReference(conf: string, input: string, want?: string): Promise<void> {
  const got = await transcript(conf, input);
  if (want !== undefined) expect(got).toBe(want);
  if (haveReference) expect(got).toBe(await transcript(conf, input, NATS_SERVER));
}

describe("mappings", () => {
  test("wildcard references and literal sources in the global account", async () => {
    await sameAsReference(
      'mappings: { "x.*": "y.$1", "a.*.*": "b.{{wildcard(2)}}.{{wildcard(1)}}", "lit": "other" }\n',
      'CONNECT {"verbose":false}\r\nSUB y.* 1\r\nSUB b.> 2\r\nSUB other 3\r\nSUB x.* 4\r\nPUB x.q 1\r\n1\r\nPUB a.one.two 1\r\n2\r\nPUB lit 1\r\n3\r\n',
      "MSG y.q 1 1\r\n1\r\nMSG b.two.one 2 1\r\n2\r\nMSG other 3 1\r\n3\r\nPONG\r\n",
    );
  });

  test("a weighted destination of 100% always applies", async () => {
    await sameAsReference(
      'mappings: { "w": [ {destination: "w.one", weight: "100%"} ] }\n',
      'CONNECT {"verbose":false}\r\nSUB w.one 1\r\nPUB w 1\r\nz\r\n',
      "MSG w.one 1 1\r\nz\r\nPONG\r\n",
    );
  });

  test("weights split traffic; what is left keeps the subject", async () => {
    const s = await startServer(["-c", writeConf('mappings: { "job": [ {destination: "job.a", weight: 30%}, {destination: "job.b", weight: 30%} ] }\n')]);
    running.push(s);
    const c = await RawClient.connect(s.port);
    await c.transact('CONNECT {"verbose":false}\r\nSUB job.> 1\r\nSUB job 2\r\n');
    const n = 3000;
    c.write("PUB job 0\r\n\r\n".repeat(n));
    await c.waitFor((t) => t.split("MSG ").length - 1 >= n, 10000);
    const count = (subj: string) => c.text.split(`MSG ${subj} `).length - 1;
    expect(count("job.a") + count("job.b") + count("job")).toBe(n);
    for (const part of [count("job.a"), count("job.b")]) expect(Math.abs(part / n - 0.3)).toBeLessThan(0.06);
    expect(Math.abs(count("job") / n - 0.4)).toBeLessThan(0.06);
    c.close();
  });

  test("per-account mappings apply inside that account only", async () => {
    const conf = `accounts {
      A: { users: [ {user: a, password: a} ], mappings: { "in": "out" } }
      B: { users: [ {user: b, password: b} ] }
    }\n`;
    const s = await startServer(["-c", writeConf(conf)]);
    running.push(s);
    const a = await RawClient.connect(s.port);
    await a.transact('CONNECT {"user":"a","pass":"a","verbose":false}\r\nSUB > 1\r\n');
    const b = await RawClient.connect(s.port);
    await b.transact('CONNECT {"user":"b","pass":"b","verbose":false}\r\nSUB > 1\r\n');
    expect(await a.transact("PUB in 1\r\nx\r\n")).toBe("MSG out 1 1\r\nx\r\nPONG\r\n");
    expect(await b.transact("PUB in 1\r\ny\r\n")).toBe("MSG in 1 1\r\ny\r\nPONG\r\n");
    a.close();
    b.close();
  });

  test("a destination that refers to a missing wildcard stops the start", async () => {
    const r = await runBinary(["-t", "-c", writeConf('mappings: { "x.*": "y.$2" }\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mapping "x.*"');
  });
});
