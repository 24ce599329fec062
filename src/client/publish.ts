// PUB/HPUB: route one message to every matching subscription of the
// publisher's account. The hot path: no string but the subject, no object
// per message; MSG/HMSG lines are written byte by byte into each receiver's
// outbound buffer and the payload is copied once per receiver.

import { ERR } from "../protocol/errors.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { goQuote, latin1 } from "../protocol/text.ts";
import { isReservedPublish, isReservedReply } from "../auth/permissions.ts";
import { isValidLiteralSubject } from "../sublist/subject.ts";
import type { Client } from "./client.ts";
import type { Hop, Subscription } from "./subscription.ts";
import type { Account } from "../accounts/account.ts";
import { removeSub } from "./subscribe.ts";
import { pruneReplies, REPLIES_PRUNE_AT } from "./auth.ts";
import { forwarded } from "../accounts/forwarded.ts";


export function processPub(c: Client, pa: PubArgs): void {
  c.inMsgs++;
  c.inBytes += pa.size;
  const acc = c.account;
  acc.inMsgs++;
  acc.inBytes += pa.size;
  let subject = c.subjectString(pa.buf, pa.subjectStart, pa.subjectEnd);
  // Pedantic: a non-literal publish subject is reported, the message still flows.
  if (c.opts.pedantic && !isValidLiteralSubject(subject)) c.sendErr(ERR.invalidPublishSubject);
  if (!publishAllowed(c, subject, pa)) return;
  if (c.opts.verbose) c.sendOK();
  const mapper = c.account.mapper;
  if (mapper !== null) {
    const mapped = mapper.map(subject);
    if (mapped !== subject) {
      pa = forwarded(pa, mapped, pa.replyStart < 0 ? null : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd)));
      subject = mapped;
    }
  }

  const delivered = routeMsg(c, c.account, pa, subject, null);
  if (delivered === 0 && pa.replyStart >= 0 && c.opts.no_responders) sendNoResponders(c, pa);
}

/**
 * Delivers a message to every matching subscription of `account`: each plain
 * subscription gets a copy, each queue group one copy. `from` is the
 * publishing connection (null for a server-made message); `hop` is null for a
 * message as published, and says what service imports it crossed otherwise.
 * Such a message skips stream import shadows: a request or response is not
 * re-exported as a stream (reference processMsgResults). An internal
 * subscription (a service import) counts as a delivery whatever it does with
 * the message, as in the reference, so a request into an import never gets a
 * no-responders status. Returns the number of deliveries.
 */
export function routeMsg(from: Client | null, account: Account, pa: PubArgs, subject: string, hop: Hop | null): number {
  const r = account.sublist.match(subject);
  const noEcho = from !== null && !from.opts.echo;
  let delivered = 0;

  const psubs = r.psubs;
  for (let i = 0; i < psubs.length; i++) {
    const sub = psubs[i]!;
    if (sub.im !== null && hop !== null) continue;
    if (noEcho && sub.client === from) continue;
    if (deliver(from, sub, pa, subject, account, hop)) delivered++;
  }

  // One copy per queue group, to a member picked at random; if it cannot
  // take it (closed, own message without echo), the next one is tried.
  const qsubs = r.qsubs;
  for (let g = 0; g < qsubs.length; g++) {
    const group = qsubs[g]!;
    const n = group.length;
    const start = (Math.random() * n) | 0;
    for (let k = 0; k < n; k++) {
      const sub = group[(start + k) % n]!;
      if (sub.im !== null && hop !== null) continue;
      if (noEcho && sub.client === from) continue;
      if (deliver(from, sub, pa, subject, account, hop)) {
        delivered++;
        break;
      }
    }
  }
  return delivered;
}

/**
 * Publish permissions, reserved subjects and reply subjects, in the
 * reference's order. A violation is reported and the message dropped; the
 * connection stays open.
 */
function publishAllowed(c: Client, subject: string, pa: PubArgs): boolean {
  const perms = c.perms;
  if (isReservedPublish(subject) || (perms !== null && !perms.canPublish(subject) && !replyGranted(c, subject))) {
    c.server.logger.error(`${c.label()} - Publish Violation - User "${c.userName}", Subject "${subject}"`);
    c.sendErr(`Permissions Violation for Publish to ${goQuote(subject)}`);
    return false;
  }
  if (pa.replyStart >= 0) {
    const first = pa.buf[pa.replyStart]!;
    // Only replies starting with `_` or `$` can be reserved: skip the string otherwise.
    if (first === 95 || first === 36) {
      const reply = latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
      if (isReservedReply(reply)) {
        c.sendErr(`Permissions Violation for Publish with Reply of ${goQuote(reply)}`);
        return false;
      }
    }
  }
  return true;
}

/** allow_responses: a reply subject received in a request may be published to, within max and expiry. */
function replyGranted(c: Client, subject: string): boolean {
  const replies = c.replies;
  if (replies === null) return false;
  const grant = replies.get(subject);
  if (grant === undefined) return false;
  const rp = c.perms!.response!;
  grant.n++;
  const expired = rp.expiresMs > 0 && Date.now() - grant.at > rp.expiresMs;
  if (expired || (rp.max > 0 && grant.n >= rp.max)) replies.delete(subject);
  return !expired && (rp.max <= 0 || grant.n <= rp.max);
}

/**
 * Writes one MSG/HMSG to the subscriber, or hands the message to an internal
 * one. A stream import's shadow delivers for its subscription, under the
 * importer's subject. False if it could not take it.
 */
function deliver(from: Client | null, sub: Subscription, pa: PubArgs, subject: string, account: Account, hop: Hop | null): boolean {
  const target = sub.target;
  const rc = target.client;
  if (rc === null) {
    // Service imports see the subject as published (or as the last service import set it).
    target.forwarder!.forward(pa, hop === null ? subject : hop.subject, account, from, hop);
    return true;
  }
  if (rc.closed) return false;
  if (sub.im !== null) {
    const mapped = sub.im.deliverSubject(subject);
    if (mapped !== subject) {
      // The reference checks a queue member's deny list against the subject as
      // published (processMsgResults), so that one is checked too.
      if (rc.denyFilter && target.queue !== null && rc.perms!.deniesDelivery(subject, target.queue)) return false;
      pa = forwarded(pa, mapped, pa.replyStart < 0 ? null : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd)));
      subject = mapped;
    }
  }
  if (rc.denyFilter && rc.perms!.deniesDelivery(subject, target.queue)) return false;
  sub = target;
  // Auto-unsubscribe (UNSUB sid max): the max-th message is the last one.
  if (sub.max > 0 && sub.delivered >= sub.max) {
    removeSub(sub);
    return false;
  }
  sub.delivered++;

  const hdr = pa.hdr;
  // An empty header block (HPUB with 0 header bytes) goes out as a plain MSG, as the reference sends it.
  const withHeaders = hdr > 0 && rc.headers;
  let start = pa.dataStart;
  const to = start + pa.size;
  // A client without headers gets the message with the header block stripped.
  if (!withHeaders && hdr > 0) start += hdr;
  const line = pa.buf;
  rc.out.msg(line, pa.subjectStart, pa.subjectEnd, sub.sidBytes, pa.replyStart, pa.replyEnd, withHeaders ? hdr : -1, pa.data, start, to);
  rc.outMsgs++;
  rc.outBytes += to - start;
  // 2.9.10 counts deliveries to clients (not internal ones) on the account the message was routed in, headers included.
  account.outMsgs++;
  account.outBytes += pa.size;
  if (rc.trace) rc.traceOut(`${withHeaders ? "HMSG" : "MSG"} ${latin1(line.subarray(pa.subjectStart, pa.subjectEnd))} ${sub.sid} ${to - start}`);

  // allow_responses: the receiver may answer on this reply subject.
  if (rc.replies !== null && pa.replyStart >= 0) {
    rc.replies.set(latin1(line.subarray(pa.replyStart, pa.replyEnd)), { n: 0, at: Date.now() });
    if (rc.replies.size > REPLIES_PRUNE_AT) pruneReplies(rc);
  }
  if (sub.max > 0 && sub.delivered >= sub.max) removeSub(sub);
  rc.queued();
  if (from !== null && rc.out.pending > rc.stallAt) from.stallOn(rc);
  return true;
}

/** The 503 status as 2.9.10 sends it (later servers add a Nats-Subject header). */
const NO_RESPONDERS_HDR = "NATS/1.0 503\r\n\r\n";

/**
 * No responders: a request that reached nobody gets a 503 status message on
 * the publisher's own subscription matching the reply subject, if it has one.
 */
function sendNoResponders(c: Client, pa: PubArgs): void {
  const reply = latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
  const r = c.account.sublist.match(reply);
  let sub: Subscription | undefined;
  for (const s of r.psubs) {
    // Not through a subscription that must not see the reply subject (its deny list covers it).
    if (s.client === c && !(c.denyFilter && c.perms!.deniesDelivery(reply, null))) {
      sub = s;
      break;
    }
  }
  if (sub === undefined) return;
  const n = NO_RESPONDERS_HDR.length;
  c.sendProto(`HMSG ${reply} ${sub.sid} ${n} ${n}\r\n${NO_RESPONDERS_HDR}\r\n`);
}
