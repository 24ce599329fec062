// Route authorization both ways, nats-bun against nats-server 2.9.10:
// `cluster { authorization { user, password, timeout } }` with the
// credentials in the route URL, a bcrypt password, routes learned by
// gossip that log in with this server's own cluster credentials, and
// cluster permissions (import: interest advertised; export: interest taken,
// and a denied subject held back from a wildcard that takes it in).

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { flows, freePort } from "../helpers/cluster.ts";
import { binOf, type Impl } from "../helpers/leaf.ts";

const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of running) await s.stop();
});

async function client(s: RunningServer): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${s.port}`, reconnect: false });
  conns.push(nc);
  return nc;
}

async function node(impl: Impl, port: number, password: string, routes: string[]): Promise<RunningServer> {
  const urls = routes.map((u) => JSON.stringify(u)).join(", ");
  const conf = `cluster {
  name: SEC
  listen: "127.0.0.1:${port}"
  authorization { user: ru, password: ${JSON.stringify(password)}, timeout: 2 }
  routes: [${urls}]
}\n`;
  const s = await startServer(["-c", writeConf(conf)], { bin: binOf(impl) });
  running.push(s);
  return s;
}

const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

// bcrypt of "rp" (cost 4): both servers verify it.
const BCRYPT_RP = await Bun.password.hash("rp", { algorithm: "bcrypt", cost: 4 });

describe("cluster authorization", () => {
  for (const [ia, ib] of PAIRS) {
    test(`${ia} dials ${ib} with nats-route://user:pass@`, async () => {
      const [pa, pb] = [freePort(), freePort()];
      const b = await node(ib, pb, "rp", []);
      const a = await node(ia, pa, "rp", [`nats-route://ru:rp@127.0.0.1:${pb}`]);
      const [ca, cb] = [await client(a), await client(b)];
      await flows(ca, cb, "auth.ab");
      await flows(cb, ca, "auth.ba");
      expect(b.log()).not.toContain("authentication error");
    });

    test(`${ia} dials ${ib} whose password is a bcrypt hash`, async () => {
      const [pa, pb] = [freePort(), freePort()];
      const b = await node(ib, pb, BCRYPT_RP, []);
      const a = await node(ia, pa, "rp", [`nats-route://ru:rp@127.0.0.1:${pb}`]);
      await flows(await client(a), await client(b), "auth.bcrypt");
      expect(b.log()).not.toContain("authentication error");
    });
  }

  const TRIOS: Array<[Impl, Impl, Impl]> = haveReference ? [["ref", "ours", "ours"], ["ours", "ref", "ours"], ["ours", "ours", "ref"]] : [["ours", "ours", "ours"]];
  for (const [ia, ib, ic] of TRIOS) {
    test(`gossiped routes log in with the server's own credentials: seed ${ia}, ${ib} and ${ic}`, async () => {
      const [pa, pb, pc] = [freePort(), freePort(), freePort()];
      const a = await node(ia, pa, "rp", []);
      const b = await node(ib, pb, "rp", [`nats-route://ru:rp@127.0.0.1:${pa}`]);
      const c = await node(ic, pc, "rp", [`nats-route://ru:rp@127.0.0.1:${pa}`]);
      // B and C only meet through gossip: a message between them needs their own route.
      const [cb, cc] = [await client(b), await client(c)];
      await flows(cb, cc, "auth.bc");
      await flows(cc, cb, "auth.cb");
      for (const s of [a, b, c]) expect(s.log()).not.toContain("authentication error");
    });
  }
});

describe("cluster permissions", () => {
  for (const [ia, ib] of PAIRS) {
    test(`${ia} with import/export limits, ${ib} without`, async () => {
      const [pa, pb] = [freePort(), freePort()];
      const perms = `permissions { import { allow: ["in.>", "ok.>"] }, export { allow: ["out.>", "ok.>"], deny: ["out.secret"] } }`;
      const a = await startServer(["-c", writeConf(`cluster { name: P, listen: "127.0.0.1:${pa}", ${perms} }\n`)], { bin: binOf(ia) });
      const b = await startServer(["-c", writeConf(`cluster { name: P, listen: "127.0.0.1:${pb}", routes: ["nats-route://127.0.0.1:${pa}"] }\n`)], { bin: binOf(ib) });
      running.push(a, b);
      const [ca, cb] = [await client(a), await client(b)];
      const got: string[] = [];
      const note = (_e: unknown, m: { subject: string }): void => void got.push(m.subject);
      ca.subscribe("in.x", { callback: note });
      ca.subscribe("other.x", { callback: note });
      cb.subscribe("out.*", { callback: note });
      cb.subscribe("elsewhere.x", { callback: note });
      await flows(cb, ca, "ok.ba");
      await flows(ca, cb, "ok.ab");
      cb.publish("in.x");
      cb.publish("other.x");
      ca.publish("out.x");
      ca.publish("out.secret");
      ca.publish("elsewhere.x");
      // Each route keeps order: once these arrive, anything sent before them has.
      await flows(cb, ca, "ok.ba2");
      await flows(ca, cb, "ok.ab2");
      expect(got.sort()).toEqual(["in.x", "out.x"]);
    });
  }
});
