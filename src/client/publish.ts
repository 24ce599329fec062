// PUB/HPUB from a client: publish permissions, reserved subjects, subject
// mappings, then the shared delivery path (delivery/route.ts), and the
// no-responders status when nothing took a request.

import { ERR } from "../protocol/errors.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { goQuote, latin1 } from "../protocol/text.ts";
import { isReservedPublish, isReservedReply } from "../auth/permissions.ts";
import { isValidLiteralSubject } from "../sublist/subject.ts";
import type { Client } from "./client.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { forwarded } from "../delivery/forwarded.ts";
import { routeMsg } from "../delivery/route.ts";


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
