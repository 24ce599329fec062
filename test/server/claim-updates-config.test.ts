// Account JWT updates sent to the system account of a server without an
// operator: 2.9.10 listens on `$SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE` and
// `$SYS.ACCOUNT.<acc>.CLAIMS.UPDATE` and refuses them (nothing is
// trusted), skips unknown accounts and reports empty or broken JWTs.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { mintWorld, type World } from "../jwt/fixture.ts";

let world: World;
const servers: RunningServer[] = [];
beforeAll(async () => {
  world = await mintWorld();
  const conf = writeConf(`accounts { SYS { users: [{user: sys, password: sys}] }, ${world.keys.a} { users: [{user: a, password: a}] } }\nsystem_account: SYS\n`);
  servers.push(await startServer(["-c", conf]));
  if (haveReference) servers.push(await startServer(["-c", conf], { bin: NATS_SERVER }));
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** The replies to a list of (subject, body) updates, with the server object's varying fields out. */
async function replies(s: RunningServer, updates: Array<[string, string]>): Promise<string[]> {
  const c = await RawClient.connect(s.port);
  await c.waitFor("\r\n");
  await c.transact('CONNECT {"verbose":false,"user":"sys","pass":"sys"}\r\nSUB rep 1\r\n');
  const out: string[] = [];
  for (const [subject, body] of updates) {
    const start = c.text.length;
    c.write(`PUB ${subject} rep ${Buffer.byteLength(body)}\r\n${body}\r\n`);
    await c.waitFor((t) => t.length > start && /\r\n\{.*\}\r\n/.test(t.slice(start)), 3000);
    const json = /\r\n(\{.*\})\r\n/.exec(c.text.slice(start))![1]!;
    const v = JSON.parse(json) as { server: unknown };
    out.push(JSON.stringify({ ...v, server: undefined }));
  }
  c.close();
  return out;
}

test("updates are refused, skipped or reported as 2.9.10 does", async () => {
  const a = world.keys.a;
  const b = world.keys.b;
  const updates: Array<[string, string]> = [
    [`$SYS.REQ.ACCOUNT.${a}.CLAIMS.UPDATE`, world.preload[a]!],
    [`$SYS.REQ.ACCOUNT.${b}.CLAIMS.UPDATE`, world.preload[b]!],
    [`$SYS.REQ.ACCOUNT.${a}.CLAIMS.UPDATE`, "not a jwt"],
    [`$SYS.REQ.ACCOUNT.${a}.CLAIMS.UPDATE`, world.preload[b]!],
    [`$SYS.ACCOUNT.${a}.CLAIMS.UPDATE`, world.preload[a]!],
  ];
  const got = await Promise.all(servers.map((s) => replies(s, updates)));
  expect(got[0]![0]).toContain("account validation failed");
  expect(got[0]![1]).toContain("jwt update skipped");
  if (got.length === 2) expect(got[0]).toEqual(got[1]!);
});
