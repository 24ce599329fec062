// The idle reclaimer (src/server/idle.ts): once memory has grown and every
// connection is quiet, connections give their buffers back and a collection
// runs; never while a connection is active, never without growth. RSS and
// the clock are supplied by the test.

import { expect, test } from "bun:test";
import { Client, type Transport } from "../../src/client/client.ts";
import { ClosedReason } from "../../src/protocol/closed.ts";
import { Server } from "../../src/server/server.ts";
import { Logger } from "../../src/server/logger.ts";
import { IdleReclaimer } from "../../src/server/idle.ts";

const MiB = 1024 * 1024;

test("cleans up after growth once every connection is quiet", () => {
  const logger = new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile: "/dev/null" });
  const server = new Server({}, logger);
  const sink: Transport = { write: (d) => d.length, end: () => {}, pause: () => {}, resume: () => {} };
  const c = new Client(server, 1, sink, server.globalAccount, "127.0.0.1", 1);
  // A burst left a large outbound buffer behind (kept: the last flush used much of it).
  c.sendProto(`${"x".repeat(100_000)}\r\n`);
  c.flush();
  expect(c.out.pending).toBe(0);
  expect(c.out.capacity).toBeGreaterThan(100_000);

  let rss = 100 * MiB;
  const r = new IdleReclaimer(() => [c], () => rss);
  r.start();
  r.stop();
  const t0 = Date.now();
  expect(r.check(t0)).toBe(false); // no growth

  rss = 110 * MiB;
  c.lastActivity = t0 - 100;
  expect(r.check(t0)).toBe(false); // a connection is busy
  expect(c.out.capacity).toBeGreaterThan(100_000);

  expect(r.check(t0 + 2000)).toBe(true); // quiet for 2 s
  expect(r.runs).toBe(1);
  expect(c.out.capacity).toBe(0);

  // The level after a cleanup (or the lowest since) is the new baseline.
  rss = 106 * MiB;
  expect(r.check(t0 + 3000)).toBe(false);
  rss = 109 * MiB;
  expect(r.check(t0 + 4000)).toBe(false);
  rss = 111 * MiB;
  expect(r.check(t0 + 5000)).toBe(true);
  expect(r.runs).toBe(2);

  // Buffers come back on demand.
  c.sendProto("PONG\r\n");
  expect(c.out.pending).toBe(6);
  c.close(ClosedReason.ClientClosed, false);
});
