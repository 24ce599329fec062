// The system account's monitoring requests against nats-server 2.9.10:
// `$SYS.REQ.SERVER.PING.<X>`, `$SYS.REQ.SERVER.<id>.<X>`,
// `$SYS.REQ.ACCOUNT.<acc>.<X>`, `$SYS.REQ.ACCOUNT.PING.STATZ` and NSUBS,
// asked by a system user; then users of other accounts asking for their own
// connections and statistics through the imports 2.9.10 gives every account.
// Replies compare by envelope (the `server` object's keys), by the shape of
// `data`, and by their deterministic values; error replies compare whole.

import { afterAll, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { connect, headers, jwtAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { writeConf } from "../helpers/conf.ts";
import { sortedShape } from "../helpers/monitor-pair.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { mintWorld } from "../jwt/fixture.ts";

const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()));
  await Promise.all(running.map((s) => s.stop()));
});

/** Ours, then the reference when installed. */
async function pair(conf: string): Promise<RunningServer[]> {
  const servers = [await startServer(["-c", conf])];
  if (haveReference) servers.push(await startServer(["-c", conf], { bin: NATS_SERVER }));
  running.push(...servers);
  return servers;
}

async function client(port: number, user: string): Promise<NatsConnection> {
  const nc = await connect({ port, user, pass: "p" });
  conns.push(nc);
  return nc;
}

type Json = Record<string, any>;
let nextInbox = 0;

/**
 * The replies to one request: after the first, what else comes within
 * 100 ms; none if nothing comes within `quiet` ms.
 */
async function ask(nc: NatsConnection, subject: string, body = "", quiet = 400): Promise<Json[]> {
  const inbox = `_INBOX.test.${++nextInbox}`;
  const got: Json[] = [];
  const sub = nc.subscribe(inbox);
  let first: () => void = () => {};
  const firstCame = new Promise<void>((r) => (first = r));
  void (async () => {
    for await (const m of sub) {
      const text = m.string();
      got.push(text.startsWith("{") ? (JSON.parse(text) as Json) : { raw: text });
      first();
    }
  })();
  await nc.flush();
  nc.publish(subject, body, { reply: inbox });
  await Promise.race([firstCame.then(() => Bun.sleep(100)), Bun.sleep(quiet).then(() => (got.length === 0 ? undefined : firstCame))]);
  sub.unsubscribe();
  return got;
}

/** A snappy framed stream of uncompressed chunks (type 1) read back, each chunk's masked CRC-32C checked. */
function unsnappy(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let at = 10;
  while (at < b.length) {
    const len = b[at + 1]! | (b[at + 2]! << 8) | (b[at + 3]! << 16);
    expect(b[at]).toBe(1);
    const part = b.subarray(at + 8, at + 4 + len);
    expect(new DataView(b.buffer, b.byteOffset + at + 4, 4).getUint32(0, true)).toBe(maskedCrc32c(part));
    out.push(...part);
    at += 4 + len;
  }
  return new Uint8Array(out);
}

function maskedCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const x of data) {
    crc ^= x;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

const SERVER_KEYS = ["name", "host", "id", "ver", "seq", "jetstream", "time"];

/** A reply as compared: the server object's keys, the data's shape, the error as is. */
function envelope(r: Json): Json {
  const out: Json = { keys: Object.keys(r), server: Object.keys(r.server ?? {}) };
  if ("data" in r) out.data = sortedShape(r.data);
  if ("error" in r) out.error = r.error;
  return out;
}

/** The same request on each server (ours first): the same number of replies and envelopes; ours returned. */
async function same(clients: NatsConnection[], subject: string | ((i: number) => string), body = "", quiet?: number): Promise<Json[]> {
  const answers = await Promise.all(clients.map((nc, i) => ask(nc, typeof subject === "string" ? subject : subject(i), body, quiet)));
  const [ours, ref] = answers;
  if (ref !== undefined) expect({ subject, body, replies: ours!.map(envelope) }).toEqual({ subject, body, replies: ref.map(envelope) });
  return ours!;
}

const CONF = `
system_account: SYS
accounts: {
  SYS: { users: [{user: sys, password: p}] }
  A: { users: [{user: a, password: p}] }
  B: { users: [{user: b, password: p}] }
}
`;

describe("system account monitoring requests (same as nats-server 2.9.10)", async () => {
  const servers = await pair(writeConf(CONF));
  const sys = await Promise.all(servers.map((s) => client(s.port, "sys")));
  const users = await Promise.all(servers.map((s) => client(s.port, "a")));
  for (const nc of users) {
    nc.subscribe("foo.>");
    nc.subscribe("q", { queue: "g" });
    await nc.flush();
  }

  test("$SYS.REQ.SERVER.PING.<X>: one reply each, {server, data}", async () => {
    for (const x of ["VARZ", "SUBSZ", "CONNZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "HEALTHZ"]) {
      const [r] = await same(sys, `$SYS.REQ.SERVER.PING.${x}`);
      expect(Object.keys(r!)).toEqual(["server", "data"]);
      expect(Object.keys(r!.server)).toEqual(SERVER_KEYS);
    }
    const [h] = await same(sys, "$SYS.REQ.SERVER.PING.HEALTHZ");
    expect(h!.data).toEqual({ status: "ok" });
    const [c] = await same(sys, "$SYS.REQ.SERVER.PING.CONNZ", '{"acc":"A","auth":true}');
    expect(c!.data.connections.map((ci: Json) => ci.account)).toEqual(["A"]);
  });

  test("$SYS.REQ.SERVER.<id>.<X> reaches that server only", async () => {
    const ids = await Promise.all(sys.map(async (nc) => (await ask(nc, "$SYS.REQ.SERVER.PING.HEALTHZ"))[0]!.server.id as string));
    const [r] = await same(sys, (i) => `$SYS.REQ.SERVER.${ids[i]}.ACCOUNTZ`, '{"account":"A"}');
    expect(r!.data.account_detail.account_name).toBe("A");
    await same(sys, "$SYS.REQ.SERVER.NOTME.VARZ", "", 300);
  });

  test("bodies that do not decode: 400 with Go's json error; builder errors: 500", async () => {
    for (const body of [
      '{"sort":1}',
      '{"limit":"x"}',
      '{"cid":-1}',
      '{"cid":1.5}',
      '{"state":"open"}',
      '{"acc":3}',
      '{"server_name":true}',
      '{"tags":"x"}',
      '{"tags":[1]}',
      "[]",
      '"x"',
      "{bad",
      "{",
      '{"sort":"nope"}',
      '{"sort":"stop"}',
    ]) {
      await same(sys, "$SYS.REQ.SERVER.PING.CONNZ", body);
    }
    await same(sys, "$SYS.REQ.SERVER.PING.ACCOUNTZ", '{"account":"NOPE"}');
    await same(sys, "$SYS.REQ.SERVER.PING.SUBSZ", '{"test":"a.*"}');
    const [e] = await same(sys, "$SYS.REQ.SERVER.PING.VARZ", "[1]");
    expect(e!.error).toEqual({ code: 400, description: "json: cannot unmarshal array into Go value of type server.VarzEventOptions" });
  });

  test("fields named like Object's own properties are unknown fields, ignored", async () => {
    for (const body of ['{"constructor":1}', '{"__proto__":1}', '{"toString":"x","limit":1}']) {
      const [r] = await same(sys, "$SYS.REQ.SERVER.PING.CONNZ", body);
      expect(Object.keys(r!)).toEqual(["server", "data"]);
    }
    expect(await same(sys, "$SYS.REQ.SERVER.PING.STATSZ", '{"hasOwnProperty":1}')).toHaveLength(1);
  });

  test("Accept-Encoding: gzip, snappy (s2), or the body as is marked identity; errors are not encoded", async () => {
    const asked = async (nc: NatsConnection, encoding: string, body = ""): Promise<{ ce: string; data: Uint8Array }> => {
      const h = headers();
      h.set("Accept-Encoding", encoding);
      const m = await nc.request("$SYS.REQ.SERVER.PING.HEALTHZ", body, { timeout: 2000, headers: h });
      return { ce: m.headers?.get("Content-Encoding") ?? "", data: m.data };
    };
    const dec = new TextDecoder();
    for (const nc of sys) {
      const gz = await asked(nc, "gzip");
      expect(gz.ce).toBe("gzip");
      expect(JSON.parse(dec.decode(gunzipSync(gz.data))).data).toEqual({ status: "ok" });
      const sn = await asked(nc, "GZIP, S2");
      expect(sn.ce).toBe("snappy");
      expect([...sn.data.subarray(0, 10)]).toEqual([0xff, 6, 0, 0, ...new TextEncoder().encode("sNaPpY")]);
      const id = await asked(nc, "br");
      expect(id.ce).toBe("identity");
      expect(JSON.parse(dec.decode(id.data)).data).toEqual({ status: "ok" });
      const err = await asked(nc, "gzip", "[]");
      expect(err.ce).toBe("");
      expect(JSON.parse(dec.decode(err.data)).error.code).toBe(400);
    }
    // Ours writes uncompressed snappy chunks: check the stream reads back.
    const ours = await asked(sys[0]!, "snappy");
    expect(JSON.parse(dec.decode(unsnappy(ours.data))).data).toEqual({ status: "ok" });
  });

  test("the server filter: a request for other servers gets no answer", async () => {
    for (const body of ['{"server_name":"nope"}', '{"cluster":"c"}', '{"tags":["t"]}', '{"domain":"d"}', '{"host":"10.9.9.9"}']) {
      expect((await same(sys, "$SYS.REQ.SERVER.PING.VARZ", body, 250)).length).toBe(0);
    }
    expect((await same(sys, "$SYS.REQ.SERVER.PING.HEALTHZ", '{"host":"127.0","tags":[]}')).length).toBe(1);
  });

  test("$SYS.REQ.ACCOUNT.<acc>.<X>: the account forced in", async () => {
    const [c] = await same(sys, "$SYS.REQ.ACCOUNT.A.CONNZ", '{"acc":"B","auth":true}');
    expect(c!.data.connections.map((ci: Json) => ci.account)).toEqual(["A"]);
    const [s] = await same(sys, "$SYS.REQ.ACCOUNT.A.SUBSZ");
    expect(s!.data.subscriptions_list.map((d: Json) => d.subject).sort()).toEqual(["foo.>", "q"]);
    const [i] = await same(sys, "$SYS.REQ.ACCOUNT.A.INFO");
    expect(i!.data.account_name).toBe("A");
    await same(sys, "$SYS.REQ.ACCOUNT.NOPE.INFO");
    await same(sys, "$SYS.REQ.ACCOUNT.A.LEAFZ");
    const [j] = await same(sys, "$SYS.REQ.ACCOUNT.A.JSZ");
    expect(j!.error).toEqual({ code: 500, description: "jetstream not enabled" });
  });

  test("STATZ: accounts with clients, unused ones only on request", async () => {
    const [a] = await same(sys, "$SYS.REQ.ACCOUNT.A.STATZ");
    expect(a!.data.account_statz.map((s: Json) => [s.acc, s.conns])).toEqual([["A", 1]]);
    expect((await same(sys, "$SYS.REQ.ACCOUNT.B.STATZ", "", 250)).length).toBe(0);
    const [b] = await same(sys, "$SYS.REQ.ACCOUNT.B.STATZ", '{"include_unused":true}');
    expect(b!.data.account_statz.map((s: Json) => s.acc)).toEqual(["B"]);
    const [p] = await same(sys, "$SYS.REQ.ACCOUNT.PING.STATZ");
    expect(p!.data.account_statz.map((s: Json) => s.acc).sort()).toEqual(["A", "SYS"]);
    const [u] = await same(sys, "$SYS.REQ.ACCOUNT.PING.STATZ", '{"accounts":["B","C"],"include_unused":true}');
    expect(u!.data.account_statz.map((s: Json) => s.acc)).toEqual(["B"]);
  });

  test("NSUBS: the number of matching client subscriptions, as a bare number", async () => {
    const count = async (body: string): Promise<Json[]> => same(sys, "$SYS.REQ.ACCOUNT.NSUBS", body, 250);
    expect(await count('{"acc":"A","subject":"foo.bar"}')).toEqual([{ raw: "1" }]);
    expect(await count('{"acc":"A","subject":"q","queue":"Zw=="}')).toEqual([{ raw: "1" }]);
    expect(await count('{"acc":"A","subject":"foo.*"}')).toEqual([{ raw: "0" }]);
    expect(await count('{"acc":"B","subject":"foo.bar"}')).toEqual([]);
    expect(await count("{bad")).toEqual([]);
  });

  test("users of another account ask for their own connections and statistics", async () => {
    for (const subject of ["$SYS.REQ.SERVER.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.CONNZ"]) {
      const [r] = await same(users, subject, '{"auth":true}');
      expect(r!.data.connections.map((ci: Json) => ci.account)).toEqual(["A"]);
    }
    const [s] = await same(users, "$SYS.REQ.ACCOUNT.PING.STATZ");
    expect(s!.data.account_statz.map((x: Json) => x.acc)).toEqual(["A"]);
    // Not imported: nobody answers (the client gets its no-responders status, an empty message).
    expect(await same(users, "$SYS.REQ.SERVER.PING.VARZ", "", 250)).toEqual([{ raw: "" }]);
  });
});

describe("system account monitoring requests in operator mode (same as nats-server 2.9.10)", async () => {
  const w = await mintWorld();
  const servers = await pair(w.conf());
  const jwtClient = async (port: number, u: { jwt: string; seed: string }): Promise<NatsConnection> => {
    const nc = await connect({ port, authenticator: jwtAuthenticator(u.jwt, new TextEncoder().encode(u.seed)) });
    conns.push(nc);
    return nc;
  };
  const sys = await Promise.all(servers.map((s) => jwtClient(s.port, w.users.sys!)));
  const bs = await Promise.all(servers.map((s) => jwtClient(s.port, w.users.b!)));

  test("a JWT account's INFO; its user's CONNZ and STATZ through the imports", async () => {
    const [i] = await same(sys, `$SYS.REQ.ACCOUNT.${w.keys.b}.INFO`);
    expect(i!.data.decoded_jwt.name).toBe("B");
    const [c] = await same(bs, "$SYS.REQ.ACCOUNT.PING.CONNZ", '{"auth":true}');
    expect(c!.data.connections.map((ci: Json) => ci.account)).toEqual([w.keys.b]);
    const [s] = await same(bs, "$SYS.REQ.ACCOUNT.PING.STATZ");
    expect(s!.data.account_statz.map((x: Json) => [x.acc, x.conns])).toEqual([[w.keys.b, 1]]);
  });
});
