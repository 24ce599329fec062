// Limits and timers against an in-process Server: exact -ERR text and
// whether the connection closes, as the reference does it.

import { afterEach, describe, expect, test } from "bun:test";
import { Server } from "../../src/server/server.ts";
import { Logger } from "../../src/server/logger.ts";
import type { ServerOptions } from "../../src/config/types.ts";
import { RawClient } from "../helpers/raw.ts";

const quiet = (): Logger => new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile: "/dev/null" });

let servers: Server[] = [];
function serve(opts: Partial<ServerOptions>): Server {
  const s = new Server({ host: "127.0.0.1", port: -1, ...opts }, quiet());
  s.start();
  servers.push(s);
  return s;
}
afterEach(() => {
  for (const s of servers) s.shutdown();
  servers = [];
});

async function connect(s: Server): Promise<RawClient> {
  const c = await RawClient.connect(s.port);
  await c.waitFor("\r\n");
  return c;
}

describe("limits", () => {
  test("max_connections: the client over the limit gets INFO then the error", async () => {
    const s = serve({ maxConnections: 1 });
    const a = await connect(s);
    const b = await RawClient.connect(s.port);
    await b.waitClosed();
    expect(b.text).toMatch(/^INFO \{.*\} \r\n-ERR 'maximum connections exceeded'\r\n$/);
    expect(await a.transact("")).toBe("PONG\r\n");
  });

  test("max_connections -1 (file value 0) refuses everyone", async () => {
    const s = serve({ maxConnections: -1 });
    const b = await RawClient.connect(s.port);
    await b.waitClosed();
    expect(b.text).toContain("-ERR 'maximum connections exceeded'");
  });

  test("max_subscriptions refuses the sub and keeps the connection", async () => {
    const s = serve({ maxSubscriptions: 2 });
    const c = await connect(s);
    const out = await c.transact('CONNECT {"verbose":false}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPUB c 1\r\nx\r\n');
    expect(out).toBe("-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n");
    expect(c.closed).toBe(false);
  });

  test("max_payload closes with the reference error", async () => {
    const s = serve({ maxPayload: 10, maxPending: 1000 });
    const c = await connect(s);
    expect(c.text).toContain('"max_payload":10');
    c.write("PUB a 11\r\n");
    await c.waitClosed();
    expect(c.text).toEndWith("-ERR 'Maximum Payload Violation'\r\n");
  });

  test("max_control_line closes, also before the line ends", async () => {
    const s = serve({ maxControlLine: 32 });
    const c = await connect(s);
    c.write(`SUB ${"a".repeat(100)}`);
    await c.waitClosed();
    expect(c.text).toEndWith("-ERR 'maximum control line exceeded'\r\n");
  });

  test("slow consumer over max_pending is cut off; others keep going", async () => {
    const s = serve({ maxPending: 64 * 1024 });
    const slow = await connect(s);
    // Stop reading on the slow side so the kernel buffers fill up.
    slow.write('CONNECT {"verbose":false}\r\nSUB big 1\r\nPING\r\n');
    await slow.waitFor("PONG");
    slow.sock!.pause();
    const fast = await connect(s);
    await fast.transact('CONNECT {"verbose":false}\r\nSUB other 1\r\n');
    const pub = await connect(s);
    await pub.transact('CONNECT {"verbose":false}\r\n');
    const payload = "x".repeat(32 * 1024);
    // The publisher is paused while the receiver is behind (backpressure), and
    // resumes after a while: the receiver is cut off once past max_pending.
    for (let i = 0; i < 400 && s.clients.size === 3; i++) {
      if (pub.backlog < 1024 * 1024) pub.write(`PUB big ${payload.length}\r\n${payload}\r\n`);
      await Bun.sleep(5);
    }
    const deadline = Date.now() + 5000;
    while (s.slowConsumers === 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(s.slowConsumers).toBe(1);
    expect(s.clients.size).toBe(2);
    expect(await fast.transact("")).toBe("PONG\r\n");
    expect(await pub.transact("")).toBe("PONG\r\n");
  });

  test("a receiver that is behind pauses the publisher: nothing is lost, nobody is cut off", async () => {
    const s = serve({ maxPending: 2 * 1024 * 1024 });
    const sub = await connect(s);
    await sub.transact('CONNECT {"verbose":false}\r\nSUB flow 1\r\n');
    const pub = await connect(s);
    await pub.transact('CONNECT {"verbose":false}\r\n');
    const payload = "y".repeat(16 * 1024);
    const n = 1500; // ~24 MB through a 2 MB max_pending
    let sent = 0;
    let paused = false;
    const deadline = Date.now() + 20000;
    const count = () => sub.text.split("MSG flow 1 ").length - 1;
    while (count() < n && Date.now() < deadline) {
      while (sent < n && pub.backlog < 256 * 1024) {
        pub.write(`PUB flow ${payload.length}\r\n${payload}\r\n`);
        sent++;
      }
      // The receiver reads in bursts, like a busy client.
      paused = !paused;
      if (paused) sub.sock!.pause();
      else sub.sock!.resume();
      await Bun.sleep(paused ? 30 : 10);
    }
    sub.sock!.resume();
    expect(count()).toBe(n);
    expect(s.slowConsumers).toBe(0);
  });

  test("write_deadline counts time without progress: a steady slow reader is not cut off", async () => {
    const s = serve({ writeDeadline: 300 });
    const sub = await connect(s);
    await sub.transact('CONNECT {"verbose":false}\r\nSUB steady 1\r\n');
    const pub = await connect(s);
    await pub.transact('CONNECT {"verbose":false}\r\n');
    const payload = "z".repeat(32 * 1024);
    const end = Date.now() + 1500;
    let paused = false;
    while (Date.now() < end) {
      while (pub.backlog < 512 * 1024) pub.write(`PUB steady ${payload.length}\r\n${payload}\r\n`);
      // Reads in short bursts: always behind, never stuck for the deadline.
      paused = !paused;
      if (paused) sub.sock!.pause();
      else sub.sock!.resume();
      await Bun.sleep(paused ? 100 : 20);
    }
    sub.sock!.resume();
    expect(s.slowConsumers).toBe(0);
    expect(sub.closed).toBe(false);
  });

  test("a burst in one read does not push a reading receiver past a small max_pending", async () => {
    const s = serve({ maxPending: 100_000 });
    const sub = await connect(s);
    await sub.transact('CONNECT {"verbose":false}\r\nSUB burst 1\r\n');
    const pub = await connect(s);
    await pub.transact('CONNECT {"verbose":false}\r\n');
    const one = `PUB burst 1000\r\n${"b".repeat(1000)}\r\n`;
    pub.write(one.repeat(3000));
    const deadline = Date.now() + 10000;
    while (sub.text.split("MSG burst 1 ").length - 1 < 3000 && Date.now() < deadline) await Bun.sleep(10);
    expect(sub.text.split("MSG burst 1 ").length - 1).toBe(3000);
    expect(s.slowConsumers).toBe(0);
  });

  test("an active client that ignores PINGs is not stale", async () => {
    const s = serve({ pingInterval: 200, pingMax: 1 });
    const c = await connect(s);
    c.write('CONNECT {"verbose":false}\r\n');
    const end = Date.now() + 1200;
    while (Date.now() < end) {
      c.write("PUB busy 1\r\nx\r\n");
      await Bun.sleep(50);
    }
    expect(c.closed).toBe(false);
    expect(s.staleConnections).toBe(0);
  });

  test("slow consumer over write_deadline is cut off", async () => {
    const s = serve({ writeDeadline: 200 });
    const slow = await connect(s);
    slow.write('CONNECT {"verbose":false}\r\nSUB big 1\r\nPING\r\n');
    await slow.waitFor("PONG");
    slow.sock!.pause();
    const pub = await connect(s);
    await pub.transact('CONNECT {"verbose":false}\r\n');
    const payload = "x".repeat(64 * 1024);
    // About 16 MB: far more than the socket buffers hold, far less than max_pending.
    for (let i = 0; i < 256 && s.slowConsumers === 0; i++) {
      if (pub.backlog < 1024 * 1024) pub.write(`PUB big ${payload.length}\r\n${payload}\r\n`);
      if (i % 16 === 0) await Bun.sleep(1);
    }
    const deadline = Date.now() + 5000;
    while (s.slowConsumers === 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(s.slowConsumers).toBe(1);
    expect(await pub.transact("")).toBe("PONG\r\n");
  });

  test("stale connection after ping_max unanswered PINGs", async () => {
    const s = serve({ pingInterval: 100, pingMax: 2 });
    const c = await connect(s);
    c.write('CONNECT {"verbose":false}\r\n');
    await c.waitClosed(5000);
    expect(c.text).toMatch(/PING\r\nPING\r\n-ERR 'Stale Connection'\r\n$/);
    expect(s.staleConnections).toBe(1);
  });

  test("a client that answers PINGs stays connected", async () => {
    const s = serve({ pingInterval: 50, pingMax: 1 });
    const c = await connect(s);
    c.write('CONNECT {"verbose":false}\r\n');
    for (let i = 0; i < 6; i++) {
      await c.waitFor((t) => t.split("PING\r\n").length - 1 > i, 3000);
      c.write("PONG\r\n");
    }
    expect(c.closed).toBe(false);
  });

  test("no_header_support: INFO says headers false and HPUB is refused", async () => {
    const s = serve({ noHeaderSupport: true });
    const c = await connect(s);
    expect(c.text).toContain('"headers":false');
    c.write('CONNECT {"headers":true,"verbose":false}\r\nHPUB a 12 12\r\nNATS/1.0\r\n\r\n\r\n');
    await c.waitClosed();
  });
});

describe("INFO", () => {
  test("fields clients read, with a trailing space before CRLF", async () => {
    const s = serve({ serverName: "edge-1" });
    const c = await connect(s);
    const m = /^INFO (\{.*\}) \r\n$/.exec(c.text);
    expect(m).not.toBeNull();
    const info = JSON.parse(m![1]!);
    expect(info.server_id).toMatch(/^N[A-Z2-7]{55}$/);
    expect(info.server_name).toBe("edge-1");
    expect(info.version).toMatch(/^2\.(9|[1-9]\d)\./);
    expect(info.proto).toBe(1);
    expect(info.host).toBe("127.0.0.1");
    expect(info.port).toBe(s.port);
    expect(info.headers).toBe(true);
    expect(info.max_payload).toBe(1048576);
    expect(info.client_id).toBeGreaterThan(0);
    expect(info.client_ip).toBe("127.0.0.1");
    expect("auth_required" in info).toBe(false);
  });
});
