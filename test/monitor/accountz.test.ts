// /accountz and /accstatz against nats-server 2.9.10: configured accounts
// with exports, imports, mappings and a system account, then operator mode
// (test/jwt/fixture.ts), with the same clients on both servers. Answers
// compare by shape and by every value that does not depend on the process
// or the clock; 2.9.10 lists accounts, exports and imports in map order
// (random), so those compare as sets.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, jwtAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { writeConf } from "../helpers/conf.ts";
import { get, same, startPair, type Monitored } from "../helpers/monitor-pair.ts";
import { mintWorld, type TestUser } from "../jwt/fixture.ts";

const started: Monitored[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()));
  await Promise.all(started.map((m) => m.s.stop()));
});

async function pair(args: string[]): Promise<Monitored[]> {
  const servers = await startPair(args);
  started.push(...servers);
  return servers;
}

type Json = Record<string, any>;

const bySerial = (a: unknown, b: unknown): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/**
 * An account's detail without what depends on the process or clock
 * (update time; the system account's subscriptions, which are 2.9.10's
 * internal ones; sublist counters: nats-bun wires every account's imports
 * afresh when an operator-mode account loads, 2.9.10 only the new one's),
 * lists in a fixed order.
 */
function detail(d: Json): Json {
  const out: Json = { ...d, update_time: typeof d.update_time, sublist_stats: Object.keys(d.sublist_stats) };
  if (d.is_system) out.subscriptions = typeof d.subscriptions;
  for (const k of ["exports", "imports"]) if (d[k]) out[k] = [...d[k]].sort(bySerial);
  // Signing keys come in Go's map order.
  const keys = d.decoded_jwt?.nats?.signing_keys;
  if (keys) out.decoded_jwt = { ...d.decoded_jwt, nats: { ...d.decoded_jwt.nats, signing_keys: [...keys].sort(bySerial) } };
  // Response mappings are keyed by random `_R_` subjects, to random inboxes.
  if (d.responses) out.responses = Object.values(d.responses).map((r: any) => ({ ...r, subject: typeof r.subject, to: typeof r.to }));
  if (d.exports) out.exports = out.exports.map((e: Json) => (e.approved_accounts ? { ...e, approved_accounts: [...e.approved_accounts].sort() } : e));
  return out;
}

function accountz(z: Json): Json {
  const out: Json = { ...z, server_id: typeof z.server_id, now: typeof z.now };
  if (z.accounts) out.accounts = [...z.accounts].sort();
  if (z.account_detail) out.account_detail = detail(z.account_detail);
  return out;
}

/** AccountStatz with its accounts in name order. */
function accstatz(z: Json): Json {
  return { ...z, server_id: typeof z.server_id, now: typeof z.now, account_statz: [...z.account_statz].sort((a: Json, b: Json) => (a.acc < b.acc ? -1 : 1)) };
}

const CONF = `
system_account: SYS
mappings: { "g.1": "g.2" }
accounts: {
  SYS: { users: [{user: sys, password: p}] }
  A: {
    users: [{user: a, password: p}]
    exports: [
      {stream: "a.>"}
      {stream: "priv.>", accounts: [B]}
      {service: "svc.>", response_type: stream, accounts: [B]}
      {service: "help"}
    ]
    mappings: { "m.1": "m.2", "w.*": [{destination: "x.$1", weight: 40%}, {destination: "y.$1", weight: 20%}] }
  }
  B: {
    users: [{user: b, password: p}]
    imports: [
      {stream: {account: A, subject: "a.>"}, prefix: "fromA"}
      {stream: {account: A, subject: "priv.>"}}
      {service: {account: A, subject: "svc.x"}, to: "ask"}
      {service: {account: A, subject: "help"}, share: true}
    ]
  }
  C: {}
}
`;

describe("/accountz and /accstatz with configured accounts (same as nats-server 2.9.10)", async () => {
  const servers = await pair(["-c", writeConf(`${CONF}\nhttp: 127.0.0.1:-1\n`)]);
  // On each server: a client of A that publishes to itself and one of B subscribed to the stream import.
  for (const m of servers) {
    const a = await connect({ port: m.s.port, user: "a", pass: "p" });
    const b = await connect({ port: m.s.port, user: "b", pass: "p" });
    conns.push(a, b);
    a.subscribe("foo");
    b.subscribe("fromA.a.>");
    await b.flush();
    for (const [subject, data] of [
      ["foo", "hello"],
      ["a.x", "streamed"],
      ["foo", ""],
    ] as const)
      a.publish(subject, data);
    await a.flush();
  }

  test("the account list and the system account", async () => {
    const z = await same(servers, "/accountz", accountz);
    expect([...z.accounts].sort()).toEqual(["$G", "A", "B", "C", "SYS"]);
    expect(z.system_account).toBe("SYS");
  });

  test("each account's detail: exports, imports (the system account's services too), mappings", async () => {
    for (const acc of ["A", "B", "C", "SYS", "$G"]) {
      const z = await same(servers, `/accountz?acc=${encodeURIComponent(acc)}`, accountz);
      expect(z.account_detail.account_name).toBe(acc);
    }
    const b = (await get(servers[0]!, "/accountz?acc=B")).body.account_detail;
    expect(b.client_connections).toBe(1);
    expect(b.imports.map((i: Json) => i.subject).sort()).toEqual(
      ["$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.STATZ", "$SYS.REQ.SERVER.PING.CONNZ", "a.>", "ask", "help", "priv.>"].sort(),
    );
  });

  test("an unknown account is a 400 with 2.9.10's text; JSONP", async () => {
    await same(servers, "/accountz?acc=NOPE", (t) => t);
    const r = await get(servers[0]!, "/accountz?acc=NOPE");
    expect(r.text).toBe("Account NOPE does not exist");
    const js = await get(servers[0]!, "/accountz?callback=cb");
    expect(js.text.startsWith("cb({")).toBe(true);
  });

  test("/accstatz: accounts with clients, their message counters; unused ones on request", async () => {
    const z = await same(servers, "/accstatz", accstatz);
    const a = z.account_statz.find((s: Json) => s.acc === "A");
    // Three messages in (5 + 8 + 0 bytes); "foo" twice to itself and "a.x" to B's import.
    expect(a).toEqual({ acc: "A", conns: 1, leafnodes: 0, total_conns: 1, sent: { msgs: 3, bytes: 13 }, received: { msgs: 3, bytes: 13 }, slow_consumers: 0 });
    const all = await same(servers, "/accstatz?unused=1", accstatz);
    expect(all.account_statz.map((s: Json) => s.acc).sort()).toEqual(["$G", "A", "B", "C", "SYS"]);
    await same(servers, "/accstatz?unused=x", (t) => t);
  });

  test("a user's request through the system account's imports leaves a response mapping there", async () => {
    for (const nc of conns.slice(0, servers.length * 2).filter((_, i) => i % 2 === 0)) await nc.request("$SYS.REQ.ACCOUNT.PING.STATZ", "", { timeout: 2000 });
    // Keyed by a random `_R_` subject: compared by value.
    const [ours, ref] = await Promise.all(servers.map(async (m) => accountz((await get(m, "/accountz?acc=SYS")).body)));
    if (ref !== undefined) expect(ours).toEqual(ref);
    expect(ours!.account_detail.responses.map((r: Json) => [r.account, r.type])).toEqual([["A", 2]]);
    await same(servers, "/accountz?acc=A", accountz);
    // Only deliveries to clients count: the answer, not the request into the import (its size has the servers' times in it).
    const z = await same(servers, "/accstatz", (x) => accstatz(x).account_statz.map((a: Json) => ({ ...a, sent: { ...a.sent, bytes: 0 } })));
    expect(z.account_statz.find((a: Json) => a.acc === "A").sent.msgs).toBe(4);
  });
});

async function jwtClient(port: number, u: TestUser): Promise<NatsConnection> {
  const nc = await connect({ port, authenticator: jwtAuthenticator(u.jwt, new TextEncoder().encode(u.seed)) });
  conns.push(nc);
  return nc;
}

describe("/accountz in operator mode (same as nats-server 2.9.10)", async () => {
  const w = await mintWorld();
  const servers = await pair(["-c", w.conf("http: 127.0.0.1:-1")]);

  test("accounts load on use; JWT, issuer, decoded claims, validation issues and revocations", async () => {
    await same(servers, "/accountz", accountz);
    // Not loaded yet: 2.9.10 does not fetch it for /accountz.
    await same(servers, `/accountz?acc=${w.keys.a}`, (t) => t);
    for (const m of servers) await (await jwtClient(m.s.port, w.users.b!)).flush();
    const z = await same(servers, "/accountz", accountz);
    expect([...z.accounts].sort()).toEqual(["$G", w.keys.a, w.keys.b, w.keys.sys].sort());
    for (const key of [w.keys.a, w.keys.b, w.keys.sys, "$G"]) await same(servers, `/accountz?acc=${encodeURIComponent(key)}`, accountz);
    const b = (await get(servers[0]!, `/accountz?acc=${w.keys.b}`)).body.account_detail;
    // Its `secret` import needs a token it lacks.
    expect(b.complete).toBe(false);
    expect(b.name_tag).toBe("B");
    expect(b.decoded_jwt.sub).toBe(w.keys.b);
    const a = (await get(servers[0]!, `/accountz?acc=${w.keys.a}`)).body.account_detail;
    expect(Object.keys(a.revoked_user ?? {}).length).toBe(2);
    // Signing keys, a scoped one among them; an import whose activation expired.
    for (const m of servers) await (await jwtClient(m.s.port, w.users.c!)).flush();
    const c = await same(servers, `/accountz?acc=${w.keys.c}`, accountz);
    expect(c.account_detail.decoded_jwt.nats.signing_keys.length).toBe(2);
    expect(c.account_detail.complete).toBe(false);
  });

  test("/accstatz counts the JWT account's client", async () => {
    const z = await same(servers, "/accstatz", accstatz);
    expect(z.account_statz.map((s: Json) => [s.acc, s.conns]).sort()).toEqual([[w.keys.b, 1], [w.keys.c, 1]].sort());
  });
});

describe("/accountz without accounts configured (same as nats-server 2.9.10)", () => {
  test("the server's own $SYS, and none with no_system_account", async () => {
    const withSys = await pair(["-m", "-1"]);
    for (const path of ["/accountz", "/accountz?acc=%24G", "/accountz?acc=%24SYS", "/accstatz?unused=1"]) {
      await same(withSys, path, path.startsWith("/accstatz") ? accstatz : accountz);
    }
    const without = await pair(["-c", writeConf("no_system_account: true\nhttp: 127.0.0.1:-1\n")]);
    const z = await same(without, "/accountz", accountz);
    expect(z.system_account).toBeUndefined();
    const g = await same(without, "/accountz?acc=%24G", accountz);
    expect(g.account_detail.imports).toBeUndefined();
  });
});
