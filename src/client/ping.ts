// PING/PONG and the keepalive timer. Rules from the reference
// (client.go setFirstPingTimer, processPingTimer): the timer runs every
// ping_interval from accept, but CONNECT restarts it at min(ping_interval,
// 2 s) plus up to 20% jitter. When it fires, a PING goes out if none was ever
// sent (or the last one is an hour old: the RTT is due), whatever the client
// did; otherwise only if the connection had no activity (messages in or out,
// SUB, UNSUB, CONNECT) and no PING from the client for a whole ping_interval.
// Once more than ping_max PINGs are unanswered the connection is stale.

import { formatGoDuration } from "../config/duration.ts";
import { ERR } from "../protocol/errors.ts";
import { ConnKind, type Client } from "./client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { sendLimitInfo } from "./auth.ts";

/** The first PING after CONNECT comes early (at most 2 s, with jitter; 1 s between servers) to measure the RTT. */
const FIRST_PING_MAX = 2000;
const FIRST_PING_MAX_SERVER = 1000;
/** How often the RTT is measured again regardless of activity (the reference's DEFAULT_RTT_MEASUREMENT_INTERVAL). */
const RTT_MEASUREMENT_INTERVAL = 3600_000;

export function processPing(c: Client): void {
  c.sendProto("PONG\r\n");
  // A client that pings keeps the server's PINGs back (see onPingTimer).
  c.pingReceivedAt = Date.now();
  // Async INFOs (lame duck) go only to clients that got a PONG after CONNECT.
  if (c.connectReceived) {
    if (!c.firstPongSent) sendLimitInfo(c);
    c.firstPongSent = true;
  }
}

export function processPong(c: Client): void {
  // Only a PONG to our PING is a round trip. Sub-millisecond on a LAN:
  // measured with the high-resolution clock.
  if (c.pingsOut > 0) c.rtt = Math.max(performance.now() - c.rttStart, 0.001);
  c.pingsOut = 0;
}

/** At accept: the first keepalive check comes after a full ping_interval. */
export function startPingTimer(c: Client): void {
  c.pingTimer = setTimeout(onPingTimer, c.server.options.pingInterval, c);
}

/** At CONNECT (a leaf node: once linked): the first PING comes early, as the reference does. */
export function startFirstPing(c: Client): void {
  if (c.closed) return;
  // A solicited leaf node connection has no timer yet: its keepalive starts here.
  if (c.pingTimer !== null) clearTimeout(c.pingTimer);
  let first = Math.min(c.server.options.pingInterval, c.kind === ConnKind.Client ? FIRST_PING_MAX : FIRST_PING_MAX_SERVER);
  first += Math.random() * first * 0.2;
  c.pingTimer = setTimeout(onPingTimer, first, c);
}

function onPingTimer(c: Client): void {
  c.pingTimer = null;
  if (c.closed) return;
  const log = c.server.logger;
  log.debug(`${c.label()} - ${c.kind === ConnKind.Leaf ? "Leafnode" : c.kind === ConnKind.Route ? "Router" : "Client"} Ping Timer`);
  const interval = c.server.options.pingInterval;
  const now = Date.now();
  const needRTT = c.rtt === 0 || c.rttStart === 0 || performance.now() - c.rttStart > RTT_MEASUREMENT_INTERVAL;
  if (!needRTT && now - c.lastActivity < interval) {
    log.debug(`${c.label()} - Delaying PING due to client activity ${ago(now - c.lastActivity)} ago`);
  } else if (!needRTT && now - c.pingReceivedAt < interval) {
    log.debug(`${c.label()} - Delaying PING due to remote ping ${ago(now - c.pingReceivedAt)} ago`);
  } else {
    if (c.pingsOut + 1 > c.server.options.pingMax) {
      log.debug(`${c.label()} - Stale Client Connection - Closing`);
      c.server.noteStaleConnection();
      c.sendErr(ERR.staleConnection);
      c.close(ClosedReason.StaleConnection);
      return;
    }
    c.pingsOut++;
    c.rttStart = performance.now();
    c.sendProto("PING\r\n");
  }
  c.pingTimer = setTimeout(onPingTimer, interval, c);
}

/** A delay as the reference logs it: rounded to the second, Go's notation (`0s`, `1m5s`). */
function ago(ms: number): string {
  return formatGoDuration(Math.round(ms / 1000) * 1000);
}
