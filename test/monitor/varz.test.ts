// /varz against nats-server 2.9.10: the same configuration on both, the same
// keys in the same order with the same value types, equal values where they
// do not depend on the process (ids, times, memory, the runtime's name), and
// nothing secret from the configuration in the answer.

import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { creds, mintWorld } from "../jwt/fixture.ts";
import { makePKI } from "../helpers/certs.ts";
import { tempDir, writeConf } from "../helpers/conf.ts";
import { monitorBase, omit, shape } from "../helpers/monitor.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";

/** Values that differ between two processes (or a runtime and Go). */
const VOLATILE = ["server_id", "server_name", "go", "port", "start", "now", "uptime", "mem", "cpu", "config_load_time"];
/** The system account's own subscriptions: 2.9.10 has more services than we do. */
const SYSTEM_SUBS = ["subscriptions"];

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function start(args: string[], bin?: string): Promise<{ s: RunningServer; base: string }> {
  const s = await startServer(args, { bin });
  running.push(s);
  return { s, base: await monitorBase(s) };
}

async function varz(base: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}/varz`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("application/json");
  return (await r.json()) as Record<string, unknown>;
}

/** Both servers' /varz for the same arguments (the reference's null without it). */
async function both(args: string[], after?: (ours: RunningServer, ref: RunningServer | null) => Promise<void>) {
  const ours = await start(args);
  const ref = haveReference ? await start(args, NATS_SERVER) : null;
  await after?.(ours.s, ref?.s ?? null);
  return { ours: await varz(ours.base), ref: ref === null ? null : await varz(ref.base), oursText: await (await fetch(`${ours.base}/varz`)).text() };
}

function compare(ours: Record<string, unknown>, ref: Record<string, unknown> | null, extra: string[] = []): void {
  if (ref === null) return;
  expect(shape(ours)).toEqual(shape(ref));
  expect(omit(ours, [...VOLATILE, ...SYSTEM_SUBS, ...extra])).toEqual(omit(ref, [...VOLATILE, ...SYSTEM_SUBS, ...extra]));
}

describe("/varz", () => {
  test("defaults: 2.9.10's keys, order, types and values", async () => {
    const { ours, ref } = await both(["-m", "-1"]);
    compare(ours, ref);
    expect(ours.go).toBe(`bun${Bun.version}`);
    expect(ours.http_req_stats).toEqual({ "/varz": 1 });
    expect(ours.system_account).toBe("$SYS");
    expect(ours.start).toBe(ours.config_load_time);
    expect(ours.uptime).toMatch(/^\d+s$/);
  });

  test("configured limits, auth, TLS and tags; no password or token in it", async () => {
    const pki = makePKI();
    const conf = writeConf(`
      http_port: -1
      max_subscriptions: 100
      max_payload: 2000
      max_pending: 5000000
      max_control_line: 1024
      ping_interval: "30s"
      ping_max: 5
      write_deadline: "3s"
      server_tags: ["Region:EU", " az:1 ", "region:eu"]
      tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: true, timeout: 1.5 }
      authorization { users: [ { user: alice, password: "s3cretpass" } ], timeout: 4 }
    `);
    const { ours, ref, oursText } = await both(["-c", conf]);
    compare(ours, ref);
    expect(ours.auth_required).toBe(true);
    expect(ours.tls_required).toBe(true);
    expect(ours.tls_verify).toBe(true);
    expect(ours.tags).toEqual(["region:eu", "az:1"]);
    expect(ours.tls_timeout).toBe(1.5);
    expect(ours.auth_timeout).toBe(4);
    expect(oursText).not.toContain("s3cretpass");
  });

  test("a TLS block alone: auth_timeout is the TLS timeout plus one", async () => {
    const pki = makePKI();
    const conf = writeConf(`http_port: -1\ntls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", timeout: 3 }\nauthorization { token: "t0psecret" }\n`);
    const { ours, ref, oursText } = await both(["-c", conf]);
    compare(ours, ref);
    expect(ours.auth_timeout).toBe(4);
    expect(ours.tls_verify).toBeUndefined();
    expect(oursText).not.toContain("t0psecret");
  });

  test("counters after client traffic match", async () => {
    const traffic = async (s: RunningServer): Promise<void> => {
      const nc = await connect({ servers: `127.0.0.1:${s.port}` });
      const sub = nc.subscribe("t.>");
      for (let i = 0; i < 5; i++) nc.publish(`t.${i}`, "hello");
      await nc.flush();
      await (async () => {
        let n = 0;
        for await (const _ of sub) if (++n === 5) break;
      })();
      await nc.close();
    };
    const { ours, ref } = await both(["-m", "-1"], async (o, r) => {
      await traffic(o);
      if (r !== null) await traffic(r);
    });
    compare(ours, ref);
    expect(ours.total_connections).toBe(1);
    expect(ours.in_msgs).toBe(5);
    expect(ours.out_msgs).toBe(5);
    expect(ours.in_bytes).toBe(25);
  });

  test("reload: config_load_time moves, start does not; tags stay as first answered (as 2.9.10)", async () => {
    const reloaded = async (bin?: string): Promise<{ before: Record<string, unknown>; after: Record<string, unknown> }> => {
      const dir = tempDir("nats-bun-varz-");
      const conf = writeConf("http_port: -1\nmax_payload: 1000\nmax_subscriptions: 10\nserver_tags: [a]\n", "server.conf", dir);
      const { s, base } = await start(["-c", conf], bin);
      const before = await varz(base);
      await Bun.sleep(20);
      writeFileSync(conf, "http_port: -1\nmax_payload: 2000\nmax_subscriptions: 10\nserver_tags: [b]\n");
      s.proc.kill("SIGHUP");
      await s.waitLog("Reloaded server configuration");
      return { before, after: await varz(base) };
    };
    const { before, after } = await reloaded();
    expect([after.max_payload, after.tags]).toEqual([2000, ["a"]]);
    expect(after.start).toBe(before.start);
    expect(Date.parse(after.config_load_time as string)).toBeGreaterThan(Date.parse(before.config_load_time as string));
    if (haveReference) compare(after, (await reloaded(NATS_SERVER)).after, ["http_req_stats"]);
  });

  test("operator mode: the operators' JWTs and claims (public), the system account, pinned account refusals", async () => {
    const w = await mintWorld();
    const conf = w.conf(`http_port: -1\nresolver_pinned_accounts: [${w.keys.a}]`);
    const refused = async (s: RunningServer): Promise<void> => {
      const servers = `127.0.0.1:${s.port}`;
      await expect(connect({ servers, authenticator: credsAuthenticator(creds(w.users.b!)), reconnect: false })).rejects.toThrow();
    };
    const { ours, ref } = await both(["-c", conf], async (o, r) => {
      await refused(o);
      if (r !== null) await refused(r);
    });
    compare(ours, ref);
    expect(ours.trusted_operators_jwt).toEqual([w.operator]);
    expect((ours.trusted_operators_claim as { sub: string }[])[0]!.sub).toBe(w.operatorKey.getPublicKey());
    expect(ours.system_account).toBe(w.keys.sys);
    expect(ours.pinned_account_fails).toBe(1);
  });
});
