// /connz against nats-server 2.9.10: the same configuration and the same
// clients on both, then the same queries; answers compare by shape (keys,
// order, types) and by every value that does not depend on the process or
// the clock (ports, times, rtt and uptimes are left out; 2.9.10 orders ties
// and subscription lists at random, so those compare as sets).

import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "@nats-io/transport-node";
import { makePKI } from "../helpers/certs.ts";
import { writeConf } from "../helpers/conf.ts";
import { get, same as sameOn, startPair, type Monitored } from "../helpers/monitor-pair.ts";
import { RawClient } from "../helpers/raw.ts";
import { goDuration, goRtt } from "../../src/monitor/duration.ts";

const started: Monitored[] = [];
afterAll(async () => {
  await Promise.all(started.map((m) => m.s.stop()));
});

async function pair(conf: string): Promise<Monitored[]> {
  const servers = await startPair(["-c", writeConf(conf)]);
  started.push(...servers);
  return servers;
}

/**
 * Values that depend on the process or the clock; and pending_bytes, which
 * 2.9.10 reads for a closed connection while its last bytes are being
 * written (a race: an -ERR shows or not), ours once they were.
 */
const VOLATILE_CONN = new Set(["port", "start", "last_activity", "stop", "rtt", "uptime", "idle", "pending_bytes"]);
const VOLATILE_TOP = new Set(["server_id", "now"]);

type Json = Record<string, any>;

/** A ConnInfo's comparable values, its subscription lists in a fixed order. */
function conn(ci: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(ci)) {
    if (VOLATILE_CONN.has(k)) continue;
    if (k === "subscriptions_list") out[k] = [...v].sort();
    else if (k === "subscriptions_list_detail") out[k] = [...v].sort((a: Json, b: Json) => Number(a.sid) - Number(b.sid));
    else out[k] = v;
  }
  return out;
}

function comparable(z: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(z)) {
    if (VOLATILE_TOP.has(k)) continue;
    out[k] = k === "connections" && Array.isArray(v) ? v.map(conn) : v;
  }
  return out;
}

/** The same query on both servers, compared without what depends on the process. */
const same = (servers: Monitored[], path: string, cmp: (z: Json) => unknown = comparable): Promise<any> => sameOn(servers, path, cmp);

/** cids in answer order. */
const cids = (z: Json): number[] => z.connections.map((c: Json) => c.cid);

/** Connects and sends `proto` (CONNECT included) and a PING, then waits for the PONG. */
async function client(m: Monitored, proto: string): Promise<RawClient> {
  const c = await RawClient.connect(m.s.port);
  await c.waitFor("INFO");
  if (proto !== "") {
    const got = await c.transact(proto);
    expect(got).toContain("PONG");
  }
  return c;
}

describe("/connz", () => {
  test("open connections: fields, subscriptions, every sort, paging, cid, bad queries", async () => {
    const servers = await pair("no_system_account: true\nhttp_port: -1\n");
    for (const m of servers) {
      // Distinct counts so every numeric sort has one answer.
      const a = await client(m, 'CONNECT {"verbose":false,"name":"alpha","lang":"raw","version":"1.0"}\r\nSUB foo 1\r\nSUB bar q 2\r\nSUB baz 3\r\nUNSUB 3 7\r\n');
      await Bun.sleep(15);
      const b = await client(m, 'CONNECT {"verbose":false,"name":"beta","lang":"raw","version":"2.0"}\r\nSUB b.* 1\r\n');
      await Bun.sleep(15);
      await client(m, "");
      await a.transact("PUB foo 3\r\none\r\nPUB foo 3\r\ntwo\r\nPUB b.x 1\r\nx\r\n");
      await b.transact("PUB foo 10\r\n0123456789\r\n");
      await a.waitFor((t) => t.split("MSG foo").length === 4);
    }
    const all = await same(servers, "/connz");
    expect(all.num_connections).toBe(3);
    expect(all.total).toBe(3);
    expect(all.limit).toBe(1024);
    expect(cids(all)).toEqual([1, 2, 3]);
    expect(all.connections[0]).toMatchObject({ name: "alpha", lang: "raw", version: "1.0", in_msgs: 3, out_msgs: 3, subscriptions: 3 });
    expect(all.connections[2].name).toBeUndefined();

    const subs = await same(servers, "/connz?subs=1");
    expect(subs.connections[0].subscriptions_list.sort()).toEqual(["bar", "baz", "foo"]);
    const detail = await same(servers, "/connz?subs=detail");
    expect(detail.connections[0].subscriptions_list_detail.find((d: Json) => d.sid === "3")).toEqual({ subject: "baz", sid: "3", msgs: 0, max: 7, cid: 1 });

    for (const [sort, order] of [
      ["cid", [1, 2, 3]],
      ["start", [1, 2, 3]],
      ["subs", [1, 2, 3]],
      ["msgs_to", [1, 2, 3]],
      ["msgs_from", [1, 2, 3]],
      ["bytes_to", [1, 2, 3]],
      ["bytes_from", [2, 1, 3]],
      ["uptime", [3, 2, 1]],
    ] as const) {
      expect({ sort, cids: cids(await same(servers, `/connz?sort=${sort}`)) }).toEqual({ sort, cids: [...order] });
    }
    // Ties (pending) and times that depend on scheduling (deliveries are activity) compare as sets.
    for (const sort of ["pending", "idle", "last"]) expect((await same(servers, `/connz?sort=${sort}`, (z) => cids(z).sort())).num_connections).toBe(3);

    expect(cids(await same(servers, "/connz?offset=1&limit=1"))).toEqual([2]);
    expect(cids(await same(servers, "/connz?offset=2&limit=5&sort=subs"))).toEqual([3]);
    expect(cids(await same(servers, "/connz?offset=9"))).toEqual([]);
    expect((await same(servers, "/connz?offset=-3&limit=-1")).limit).toBe(1024);
    const one = await same(servers, "/connz?cid=2");
    expect([one.limit, one.total, cids(one)]).toEqual([1, 3, [2]]);
    expect(cids(await same(servers, "/connz?cid=77"))).toEqual([]);
    const none = await same(servers, "/connz?acc=NOPE");
    expect([none.server_id, none.connections]).toEqual(["", null]);
    expect((await same(servers, "/connz?user=nobody")).total).toBe(3);
    expect(cids(await same(servers, "/connz?mqtt_client=x"))).toEqual([]);

    for (const q of ["sort=bogus", "sort=rtt", "sort=stop", "sort=reason&state=all", "state=gone", "auth=maybe", "subs=2", "offset=x", "limit=1.5", "cid=-1"]) {
      expect(typeof (await same(servers, `/connz?${q}`))).toBe("string"); // a 400's text
    }
    const jsonp = await Promise.all(servers.map((m) => get(m, "/connz?callback=cb")));
    expect(jsonp[0]!.text.startsWith("cb({")).toBe(true);
    // Counted once the query decoded: a builder's error counts, a bad value does not.
    await same(servers, "/varz", (v) => v.http_req_stats);
  });

  test("closed connections: reasons, subscriptions, state, sorts; auth, user and account filters", async () => {
    const conf = `
      no_system_account: true
      http_port: -1
      max_connections: 3
      accounts {
        A: { users: [ { user: a, password: pa } ] }
        B: { users: [ { user: b, password: pb } ] }
      }
    `;
    const servers = await pair(conf);
    for (const m of servers) {
      // One at a time, so stop times are in cid order (but for the last two).
      const a = await client(m, 'CONNECT {"verbose":false,"user":"a","pass":"pa","name":"a1","lang":"raw"}\r\nSUB x.> 1\r\nSUB y q 2\r\nUNSUB 2 4\r\n');
      const b = await client(m, 'CONNECT {"verbose":false,"user":"b","pass":"pb","name":"b1","lang":"raw"}\r\nSUB z 1\r\nPUB x.1 2\r\nhi\r\n');
      await client(m, 'CONNECT {"verbose":false,"user":"a","pass":"pa","name":"a2"}\r\n');
      a.close();
      await Bun.sleep(30);
      b.close();
      await Bun.sleep(30);
      const bad = await client(m, "");
      bad.write('CONNECT {"verbose":false,"user":"a","pass":"wrong"}\r\n');
      await bad.waitClosed();
      await Bun.sleep(30);
      const early = await client(m, "");
      early.close();
      await Bun.sleep(30);
      const garbage = await client(m, "");
      garbage.write("NONSENSE\r\n");
      await garbage.waitClosed();
      await Bun.sleep(30);
      const x = await client(m, "");
      const y = await client(m, "");
      const z = await client(m, "");
      await z.waitClosed();
      await Bun.sleep(30);
      for (const c of [x, y]) c.close();
      await Bun.sleep(300); // 2.9.10 saves closed connections from a goroutine
    }
    const closed = await same(servers, "/connz?state=closed");
    expect(cids(closed)).toEqual([1, 2, 4, 5, 6, 7, 8, 9]);
    const reasons = Object.fromEntries(closed.connections.map((c: Json) => [c.cid, c.reason]));
    expect(reasons).toMatchObject({ 1: "Client Closed", 2: "Client Closed", 4: "Authentication Failure", 5: "Client Closed", 9: "Maximum Connections Exceeded" });
    expect(closed.connections[0]).toMatchObject({ subscriptions: 2, name: "a1" });
    expect(closed.connections[0].authorized_user).toBeUndefined();

    const det = await same(servers, "/connz?state=closed&subs=detail&auth=true");
    expect(det.connections[0]).toMatchObject({ authorized_user: "a", account: "A" });
    expect(det.connections[0].subscriptions_list_detail.map((d: Json) => d.account)).toEqual(["A", "A"]);
    await same(servers, "/connz?state=closed&subs=1");
    await same(servers, "/connz?state=all&auth=1");
    await same(servers, "/connz?auth=1&subs=detail");
    expect(cids(await same(servers, "/connz?state=closed&sort=stop", (z) => cids(z).slice(2))).slice(2)).toEqual([9, 6, 5, 4, 2, 1]);
    const byReason = await same(servers, "/connz?state=closed&sort=reason", (z) => z.connections.map((c: Json) => c.reason));
    expect(byReason.connections[0].reason).toBe("Authentication Failure");
    expect(cids(await same(servers, "/connz?state=closed&sort=stop&limit=2", (z) => z.total))).toHaveLength(2);
    expect(cids(await same(servers, "/connz?state=all&sort=msgs_from&limit=3", (z) => cids(z)[0]))[0]).toBe(2);
    await same(servers, "/connz?state=closed&sort=uptime", (z) => z.num_connections);

    // Filters: the user (CONNECT's), the account (closed ones of $G have none), a cid among the closed.
    // The failed CONNECT's user counts too.
    expect(cids(await same(servers, "/connz?state=all&auth=1&user=a"))).toEqual([1, 3, 4]);
    expect(cids(await same(servers, "/connz?state=all&acc=A"))).toEqual([1, 3]);
    expect(cids(await same(servers, "/connz?state=closed&acc=B"))).toEqual([2]);
    expect(cids(await same(servers, "/connz?state=closed&acc=$G"))).toEqual([]);
    expect(cids(await same(servers, "/connz?acc=$G"))).toEqual([]);
    expect(cids(await same(servers, "/connz?state=all&cid=2"))).toEqual([2]);
    expect(cids(await same(servers, "/connz?state=all&cid=3"))).toEqual([]);
    expect(cids(await same(servers, "/connz?cid=2"))).toEqual([]);
  });

  test("TLS: version, cipher suite, and with auth the client's certificate", async () => {
    const pki = makePKI();
    const servers = await pair(`
      no_system_account: true
      http_port: -1
      tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: true }
    `);
    const tls = { ca: Bun.file(pki.ca), cert: Bun.file(pki.clientCert), key: Bun.file(pki.clientKey) };
    for (const m of servers) {
      const c = await RawClient.connectTLS(m.s.port, tls);
      expect(await c.transact('CONNECT {"verbose":false,"name":"secure"}\r\n')).toContain("PONG");
    }
    const plain = await same(servers, "/connz");
    expect(plain.connections[0]).toMatchObject({ tls_version: "1.3", name: "secure" });
    expect(plain.connections[0].tls_peer_certs).toBeUndefined();
    // Bun's client sends its CA after its certificate, which 2.9.10 lists too; Bun's server sees only the first.
    const firstCert = (z: Json): Json => comparable({ ...z, connections: z.connections.map((c: Json) => ({ ...c, tls_peer_certs: c.tls_peer_certs.slice(0, 1) })) });
    const auth = await same(servers, "/connz?auth=1", firstCert);
    expect(auth.connections[0].tls_peer_certs[0].subject).toBe(pki.clientSubject);
  });

  test("a real client's subscriptions, before and after it unsubscribes", async () => {
    const servers = await pair("no_system_account: true\nhttp_port: -1\n");
    const before: Json[] = [];
    const after: Json[] = [];
    for (const m of servers) {
      const nc = await connect({ servers: `127.0.0.1:${m.s.port}`, name: "real", reconnect: false });
      const s1 = nc.subscribe("orders.*");
      nc.subscribe("orders.new", { queue: "workers" });
      nc.publish("orders.new", "x");
      await nc.flush();
      before.push(comparable((await get(m, "/connz?subs=detail")).body));
      s1.unsubscribe();
      await nc.flush();
      after.push(comparable((await get(m, "/connz?subs=1")).body));
      await nc.close();
    }
    expect(before[0]!.connections[0]).toMatchObject({ name: "real", lang: "nats.js", subscriptions: 2, in_msgs: 1, out_msgs: 2 });
    expect(after[0]!.connections[0]).toMatchObject({ subscriptions: 1, subscriptions_list: ["orders.new"] });
    if (servers.length > 1) {
      expect(before[0]).toEqual(before[1]!);
      expect(after[0]).toEqual(after[1]!);
    }
  });
});

test("rtt as Go's Duration.String, below a millisecond truncated to microseconds", () => {
  const cases: [number, string][] = [[0, "0s"], [999, "999ns"], [263_000, "263µs"], [1_234_567, "1.234567ms"], [1_500_000_000, "1.5s"], [61e9, "1m1s"], [3723.5e9, "1h2m3.5s"], [3600e9, "1h0m0s"]];
  expect(cases.map(([ns]) => goDuration(ns))).toEqual(cases.map(([, s]) => s));
  expect([goRtt(0.2634567), goRtt(0.0008), goRtt(12.3456789)]).toEqual(["263µs", "800ns", "12.345679ms"]);
});
