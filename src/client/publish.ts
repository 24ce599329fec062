// PUB/HPUB: route one message to every matching subscription of the
// publisher's account. The hot path: no string but the subject, no object
// per message; MSG/HMSG lines are written byte by byte into each receiver's
// outbound buffer and the payload is copied once per receiver.

import { ERR } from "../protocol/errors.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { latin1 } from "../protocol/text.ts";
import { isValidLiteralSubject } from "../sublist/subject.ts";
import type { Client } from "./client.ts";
import type { Subscription } from "./subscription.ts";
import { removeSub } from "./subscribe.ts";

const SP = 32;
const CR = 13;
const LF = 10;
const MSG_ = new Uint8Array([77, 83, 71, SP]); // "MSG "
const HMSG_ = new Uint8Array([72, 77, 83, 71, SP]); // "HMSG "

export function processPub(c: Client, pa: PubArgs): void {
  c.inMsgs++;
  c.inBytes += pa.size;
  const subject = c.subjectString(pa.buf, pa.subjectStart, pa.subjectEnd);
  // Pedantic: a non-literal publish subject is reported, the message still flows.
  if (c.opts.pedantic && !isValidLiteralSubject(subject)) c.sendErr(ERR.invalidPublishSubject);
  if (c.opts.verbose) c.sendOK();

  const r = c.account.sublist.match(subject);
  const echo = c.opts.echo;
  let delivered = 0;

  const psubs = r.psubs;
  for (let i = 0; i < psubs.length; i++) {
    const sub = psubs[i]!;
    if (!echo && sub.client === c) continue;
    if (deliver(c, sub, pa)) delivered++;
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
      if (!echo && sub.client === c) continue;
      if (deliver(c, sub, pa)) {
        delivered++;
        break;
      }
    }
  }

  if (delivered === 0 && pa.replyStart >= 0 && c.opts.no_responders) sendNoResponders(c, pa);
}

/** Writes one MSG/HMSG to the subscriber. False if it could not take it. */
function deliver(c: Client, sub: Subscription, pa: PubArgs): boolean {
  const rc = sub.client;
  if (rc.closed) return false;
  // Auto-unsubscribe (UNSUB sid max): the max-th message is the last one.
  if (sub.max > 0 && sub.delivered >= sub.max) {
    removeSub(sub);
    return false;
  }
  sub.delivered++;

  const out = rc.out;
  const hdr = pa.hdr;
  const withHeaders = hdr >= 0 && rc.headers;
  let from = pa.dataStart;
  const to = from + pa.size;
  if (withHeaders) {
    out.bytes(HMSG_);
  } else {
    out.bytes(MSG_);
    // A client without headers gets the message with the header block stripped.
    if (hdr > 0) from += hdr;
  }
  const line = pa.buf;
  out.range(line, pa.subjectStart, pa.subjectEnd);
  out.byte(SP);
  const sid = sub.sidBytes;
  out.range(sid, 0, sid.length);
  out.byte(SP);
  if (pa.replyStart >= 0) {
    out.range(line, pa.replyStart, pa.replyEnd);
    out.byte(SP);
  }
  if (withHeaders) {
    out.int(hdr);
    out.byte(SP);
  }
  out.int(to - from);
  out.byte(CR);
  out.byte(LF);
  out.range(pa.data, from, to);
  out.byte(CR);
  out.byte(LF);
  rc.outMsgs++;
  rc.outBytes += to - from;
  if (rc.trace) rc.traceOut(`${withHeaders ? "HMSG" : "MSG"} ${latin1(line.subarray(pa.subjectStart, pa.subjectEnd))} ${sub.sid} ${to - from}`);

  if (sub.max > 0 && sub.delivered >= sub.max) removeSub(sub);
  rc.queued();
  if (rc.out.pending > rc.stallBytes()) c.stallOn(rc);
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
    if (s.client === c) {
      sub = s;
      break;
    }
  }
  if (sub === undefined) return;
  const n = NO_RESPONDERS_HDR.length;
  c.sendProto(`HMSG ${reply} ${sub.sid} ${n} ${n}\r\n${NO_RESPONDERS_HDR}\r\n`);
}
