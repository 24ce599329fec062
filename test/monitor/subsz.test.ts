// /subsz and /subscriptionsz against nats-server 2.9.10: the same
// configuration and clients on both; statistics, subscription lists (as
// sets: 2.9.10 walks its trie in random order), filters, paging, bad
// queries and the request count compare. Each client publishes a subject
// once, so 2.9.10's per-connection result cache hides no lookup and the
// match counters compare too.

import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "@nats-io/transport-node";
import { writeConf } from "../helpers/conf.ts";
import { get, same as sameOn, startPair, type Monitored } from "../helpers/monitor-pair.ts";
import { RawClient } from "../helpers/raw.ts";

const started: Monitored[] = [];
afterAll(async () => {
  await Promise.all(started.map((m) => m.s.stop()));
});

async function pair(conf: string): Promise<Monitored[]> {
  const servers = await startPair(["-c", writeConf(conf)]);
  started.push(...servers);
  return servers;
}

type Json = Record<string, any>;

const STATS_KEYS = ["num_subscriptions", "num_cache", "num_inserts", "num_removes", "num_matches", "cache_hit_rate", "max_fanout", "avg_fanout"];

/** An answer's comparable part: no id or time, the list in a fixed order. */
function comparable(z: Json): Json {
  const { server_id: _id, now: _now, subscriptions_list, ...rest } = z;
  if (subscriptions_list === undefined) return rest;
  const key = (d: Json): string => `${d.account} ${d.cid} ${d.sid.padStart(4)}`;
  return { ...rest, subscriptions_list: [...subscriptions_list].sort((a: Json, b: Json) => (key(a) < key(b) ? -1 : 1)) };
}

/** The same query on both servers, compared without id and time. */
const same = (servers: Monitored[], path: string, cmp: (z: Json) => unknown = comparable): Promise<any> => sameOn(servers, path, cmp);

async function client(m: Monitored, proto: string): Promise<RawClient> {
  const c = await RawClient.connect(m.s.port);
  await c.waitFor("INFO");
  expect(await c.transact(proto)).toContain("PONG");
  return c;
}

describe("/subsz", () => {
  test("statistics, lists, account and subject filters, paging, bad queries, request counts", async () => {
    const servers = await pair(`
      no_system_account: true
      http_port: -1
      accounts {
        A: { users: [ { user: a, password: pa } ] }
        B: { users: [ { user: b, password: pb } ] }
      }
    `);
    for (const m of servers) {
      const a1 = await client(m, 'CONNECT {"verbose":false,"user":"a","pass":"pa"}\r\nSUB foo.* 1\r\nSUB foo.bar q 2\r\nSUB baz 3\r\nUNSUB 3\r\nSUB once 4\r\nUNSUB 4 1\r\n');
      const a2 = await client(m, 'CONNECT {"verbose":false,"user":"a","pass":"pa"}\r\nSUB foo.> 1\r\n');
      await a2.transact("PUB foo.bar 1\r\n1\r\nPUB foo.baz 1\r\n2\r\nPUB nobody 0\r\n\r\n");
      await a1.transact("PUB foo.bar 1\r\n3\r\n");
      const b1 = await client(m, 'CONNECT {"verbose":false,"user":"b","pass":"pb"}\r\nSUB x 1\r\nSUB x q 2\r\n');
      await b1.transact("PUB x 1\r\n4\r\n");
      await a1.waitFor((t) => t.split("MSG foo.").length === 6);
    }
    const stats = await same(servers, "/subsz");
    expect(Object.keys(stats)).toEqual(STATS_KEYS);
    expect(stats).toMatchObject({ num_subscriptions: 6, num_inserts: 7, num_removes: 1, num_matches: 5, num_cache: 4 });
    expect(stats.cache_hit_rate).toBeCloseTo(1 / 5, 10);

    const full = await same(servers, "/subsz?subs=1");
    expect(full.total).toBe(6);
    expect(full.subscriptions_list.find((d: Json) => d.subject === "foo.bar")).toEqual({ account: "A", subject: "foo.bar", qgroup: "q", sid: "2", msgs: 2, cid: 1 });
    await same(servers, "/subscriptionsz?subs=1");
    const onlyA = await same(servers, "/subsz?subs=1&acc=A");
    expect(onlyA.subscriptions_list.map((d: Json) => d.account)).toEqual(["A", "A", "A", "A"]);
    const tested = await same(servers, "/subsz?subs=true&test=foo.bar");
    expect(tested.subscriptions_list.map((d: Json) => d.subject).sort()).toEqual(["foo.*", "foo.>", "foo.bar"]);
    await same(servers, "/subsz?subs=1&test=foo.bar&acc=B");
    await same(servers, "/subsz?subs=1&acc=NOPE");
    await same(servers, "/subsz?subs=1&offset=99");
    // Pages of one account's subscriptions, all alike (which ones a page holds depends on the trie walk).
    const page = await same(servers, "/subsz?subs=1&acc=B&offset=1&limit=3", (z) => [z.total, z.offset, z.limit, z.subscriptions_list.length]);
    expect(page.total).toBe(1);
    expect((await same(servers, "/subsz?subs=1&acc=B&limit=1", (z) => [z.total, z.limit])).total).toBe(1);
    await same(servers, "/subsz?subs=1&offset=-1&limit=0", (z) => [z.total, z.offset, z.limit]);
    await same(servers, "/subsz?subs=0&acc=B");

    for (const q of ["test=foo.*", "subs=1&test=foo..bar", "subs=yes", "offset=1e3", "limit=x"]) {
      expect(typeof (await same(servers, `/subsz?${q}`))).toBe("string"); // a 400's text
    }
    const jsonp = await Promise.all(servers.map((m) => get(m, "/subsz?callback=f")));
    expect(jsonp[0]!.text.startsWith("f({")).toBe(true);
    // Both paths and bad queries count, under /subsz.
    const counts = await same(servers, "/varz", (v) => v.http_req_stats);
    expect(counts.http_req_stats["/subsz"]).toBe(18);
  });

  test("a real client subscribing and unsubscribing", async () => {
    const servers = await pair("no_system_account: true\nhttp_port: -1\n");
    const seen: Json[][] = [];
    for (const m of servers) {
      const nc = await connect({ servers: `127.0.0.1:${m.s.port}`, name: "real", reconnect: false });
      const s1 = nc.subscribe("events.>");
      nc.subscribe("events.created", { queue: "q" });
      await nc.flush();
      const before = comparable((await get(m, "/subsz?subs=1")).body);
      s1.unsubscribe();
      await nc.flush();
      const after = comparable((await get(m, "/subsz?subs=1")).body);
      seen.push([before, after]);
      await nc.close();
    }
    const [before, after] = seen[0]!;
    // The client's own inbox subscription (request/reply) comes only when it makes a request.
    expect(before!.num_subscriptions).toBe(2);
    expect(before!.subscriptions_list.map((d: Json) => d.subject).sort()).toEqual(["events.>", "events.created"]);
    expect(after).toMatchObject({ num_subscriptions: 1, num_inserts: 2, num_removes: 1, total: 1 });
    if (seen.length > 1) expect(seen[0]).toEqual(seen[1]!);
  });
});
