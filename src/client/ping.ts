// PING/PONG and the keepalive timer. Rules from the reference
// (client.go processPingTimer): a PING goes out when the connection was idle
// for ping_interval (or no round trip was measured yet); once more than
// ping_max are unanswered the connection is stale and closed.

import { ERR } from "../protocol/errors.ts";
import type { Client } from "./client.ts";
import { ClosedReason } from "./closed.ts";

/** The first PING comes early (at most 2 s, with jitter) to measure the RTT. */
const FIRST_PING_MAX = 2000;

export function processPing(c: Client): void {
  c.sendProto("PONG\r\n");
  // Async INFOs (lame duck) go only to clients that got a PONG after CONNECT.
  if (c.connectReceived) c.firstPongSent = true;
}

export function processPong(c: Client): void {
  c.pingsOut = 0;
  if (c.lastPingSent > 0) {
    // Sub-millisecond on a LAN: measured with the high-resolution clock.
    c.rtt = Math.max(performance.now() - c.lastPingSent, 0.001);
    c.lastPingSent = 0;
  }
}

/** At accept: the first keepalive check comes after a full ping_interval. */
export function startPingTimer(c: Client): void {
  c.pingTimer = setTimeout(onPingTimer, c.server.options.pingInterval, c);
}

/** At CONNECT: the first PING comes early (at most 2 s, with jitter), as the reference does. */
export function startFirstPing(c: Client): void {
  if (c.pingTimer === null) return;
  clearTimeout(c.pingTimer);
  let first = Math.min(c.server.options.pingInterval, FIRST_PING_MAX);
  first += Math.random() * first * 0.2;
  c.pingTimer = setTimeout(onPingTimer, first, c);
}

function onPingTimer(c: Client): void {
  c.pingTimer = null;
  if (c.closed) return;
  const interval = c.server.options.pingInterval;
  const now = Date.now();
  const needRTT = c.rtt === 0;
  if (needRTT || now - c.lastActivity >= interval) {
    if (c.pingsOut + 1 > c.server.options.pingMax) {
      c.server.logger.debug(`${c.label()} - Stale Client Connection - Closing`);
      c.server.noteStaleConnection();
      c.sendErr(ERR.staleConnection);
      c.close(ClosedReason.StaleConnection);
      return;
    }
    c.pingsOut++;
    c.lastPingSent = performance.now();
    c.sendProto("PING\r\n");
  }
  c.pingTimer = setTimeout(onPingTimer, interval, c);
}
