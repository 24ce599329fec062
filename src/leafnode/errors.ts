// A leaf node connection's errors as nats-server 2.9.10 handles them
// (leafnode.go handleLeafNodeLoop, leafPermViolation, leafProcessErr): the
// -ERR and log line, the close, and for the side that solicited, a longer
// wait before it connects again.

import type { Client } from "../client/client.ts";
import { formatGoDuration } from "../config/duration.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { goQuote } from "../protocol/text.ts";

/** How long a solicitor waits after a loop, a permission violation or a cluster name clash. */
const RECONNECT_DELAY_AFTER_ERROR = 30_000;

/** The solicitor waits `ms` before its next attempt; returns the wait. */
function delayReconnect(c: Client, ms: number): number {
  const remote = c.leaf!.remote;
  if (remote !== null) remote.connectDelayMs = ms;
  return ms;
}

/** The other side announced this account's own loop detection subject (or said it saw ours). */
export function handleLeafNodeLoop(c: Client, sendErr: boolean): void {
  const delay = delayReconnect(c, RECONNECT_DELAY_AFTER_ERROR);
  const text = `Loop detected for leafnode account=${goQuote(c.account.name)}. Delaying attempt to reconnect for ${formatGoDuration(delay)}`;
  if (sendErr) c.sendErr(text);
  c.server.logger.error(`${c.label()} - ${text}`);
  c.close(ClosedReason.ProtocolViolation);
}

/** Interest or a message the hub does not allow this connection: a spoke just drops it. */
export function leafPermViolation(c: Client, pub: boolean, subject: string): void {
  if (c.leaf!.isSpoke) return;
  delayReconnect(c, RECONNECT_DELAY_AFTER_ERROR);
  const action = pub ? "Publish" : "Subscription";
  c.sendErr(`Permissions Violation for ${action} to ${goQuote(subject)}`);
  c.server.logger.error(`${c.label()} - ${action} Violation on ${goQuote(subject)} - Check other side configuration`);
  c.close(ClosedReason.ProtocolViolation);
}

/** An -ERR from the other side: logged; a loop or a cluster name clash delays the next attempt. The sender closes. */
export function processLeafErr(c: Client, text: string): void {
  c.server.logger.error(`${c.label()} - Leafnode Error ${text}`);
  if (text.includes("remote leafnode has same cluster name")) {
    const delay = delayReconnect(c, RECONNECT_DELAY_AFTER_ERROR);
    c.server.logger.error(`${c.label()} - Leafnode connection dropped with same cluster name error. Delaying attempt to reconnect for ${formatGoDuration(delay)}`);
    return;
  }
  if (text.includes("Loop detected")) handleLeafNodeLoop(c, false);
}
