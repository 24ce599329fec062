// The official JavaScript client (@nats-io/transport-node) against the
// compiled binary: what users actually run.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type RunningServer } from "../helpers/servers.ts";

let srv: RunningServer;
const conns: NatsConnection[] = [];

async function nc(opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const c = await connect({ servers: `127.0.0.1:${srv.port}`, reconnect: false, ...opts });
  conns.push(c);
  return c;
}

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => {});
  await srv.stop();
});

const text = (d: Uint8Array): string => new TextDecoder().decode(d);

describe("@nats-io/transport-node", () => {
  test("connects and reads the server info", async () => {
    const c = await nc();
    expect(c.info?.server_id).toMatch(/^N/);
    expect(c.info?.headers).toBe(true);
  });

  test("publish and subscribe", async () => {
    const a = await nc();
    const b = await nc();
    const sub = a.subscribe("greet.*", { max: 3 });
    await a.flush();
    for (let i = 0; i < 3; i++) b.publish(`greet.${i}`, `hello ${i}`);
    const got: string[] = [];
    for await (const m of sub) got.push(`${m.subject}:${text(m.data)}`);
    expect(got).toEqual(["greet.0:hello 0", "greet.1:hello 1", "greet.2:hello 2"]);
  });

  test("request and reply", async () => {
    const a = await nc();
    const b = await nc();
    a.subscribe("svc.echo", { callback: (_e, m) => void m.respond(`echo ${text(m.data)}`) });
    await a.flush();
    const r = await b.request("svc.echo", "ping", { timeout: 2000 });
    expect(text(r.data)).toBe("echo ping");
  });

  test("no responders comes back as an error, not a timeout", async () => {
    const b = await nc();
    const start = Date.now();
    await expect(b.request("nobody.home", "x", { timeout: 3000 })).rejects.toThrow(/no responders|503/i);
    expect(Date.now() - start).toBeLessThan(2500);
  });

  test("headers round trip", async () => {
    const a = await nc();
    const b = await nc();
    const sub = a.subscribe("h.test", { max: 1 });
    await a.flush();
    const h = headers();
    h.set("X-Edge", "yes");
    b.publish("h.test", "body", { headers: h });
    for await (const m of sub) {
      expect(m.headers?.get("X-Edge")).toBe("yes");
      expect(text(m.data)).toBe("body");
    }
  });

  test("queue group: one delivery per message, spread over members", async () => {
    const pub = await nc();
    const counts = [0, 0, 0, 0];
    const members = await Promise.all(counts.map(() => nc()));
    members.forEach((m, i) => m.subscribe("work", { queue: "workers", callback: () => void counts[i]!++ }));
    await Promise.all(members.map((m) => m.flush()));
    const n = 2000;
    for (let i = 0; i < n; i++) pub.publish("work", "job");
    await pub.flush();
    const deadline = Date.now() + 5000;
    while (counts.reduce((a, b) => a + b) < n && Date.now() < deadline) await Bun.sleep(10);
    await Bun.sleep(50);
    expect(counts.reduce((a, b) => a + b)).toBe(n);
    // Random choice: every member gets a fair share.
    for (const c of counts) expect(c).toBeGreaterThan(n / 4 / 2);
  });

  test("echo false: own messages are not delivered back", async () => {
    const a = await nc({ noEcho: true });
    const b = await nc();
    let own = 0;
    let other = 0;
    a.subscribe("echo.test", { callback: () => void own++ });
    b.subscribe("echo.test", { callback: () => void other++ });
    await a.flush();
    await b.flush();
    a.publish("echo.test", "x");
    await a.flush();
    await b.flush();
    await Bun.sleep(50);
    expect(own).toBe(0);
    expect(other).toBe(1);
  });

  test("a 1 MB payload and many small ones arrive intact and in order", async () => {
    const a = await nc();
    const b = await nc();
    const big = new Uint8Array(1024 * 1024 - 100).map((_, i) => i & 0xff);
    const sub = a.subscribe("bulk", { max: 1001 });
    await a.flush();
    b.publish("bulk", big);
    for (let i = 0; i < 1000; i++) b.publish("bulk", String(i));
    let first = true;
    let i = 0;
    for await (const m of sub) {
      if (first) {
        expect(m.data).toEqual(big);
        first = false;
      } else {
        expect(text(m.data)).toBe(String(i++));
      }
    }
    expect(i).toBe(1000);
  });

  test("drain completes", async () => {
    const a = await nc();
    a.subscribe("d.x");
    await a.drain();
    expect(a.isClosed()).toBe(true);
  });
});
