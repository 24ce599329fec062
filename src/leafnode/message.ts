// LMSG/HMSG from a leaf node (nats-server 2.9.10 processInboundLeafMsg):
// counted, mapped by the account's subject mappings, and delivered through
// the shared path, which keeps it from going back where it came from and
// honours the queue groups it names.

import type { Client } from "../client/client.ts";
import { routeMsg } from "../delivery/route.ts";
import { ANY_QUEUE, forwarded } from "../delivery/forwarded.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { latin1, latin1Bytes } from "../protocol/text.ts";

export function processLeafMsg(c: Client, pa: PubArgs): void {
  c.inMsgs++;
  c.inBytes += pa.size;
  const acc = c.account;
  acc.inMsgs++;
  acc.inBytes += pa.size;
  // Not checked against permissions here: the other side enforces what the hub told it (2.9.10 does the same).
  let subject = c.subjectString(pa.buf, pa.subjectStart, pa.subjectEnd);
  const mapper = acc.mapper;
  if (mapper !== null) {
    const mapped = mapper.map(subject);
    if (mapped !== subject) {
      pa = mappedMsg(pa, mapped);
      subject = mapped;
    }
  }
  routeMsg(c, acc, pa, subject, null);
}

/**
 * The message under its mapped subject, for the queue groups it named
 * (2.9.10 keeps them); one that named none was sent for the mapping's
 * source, which the hub announces as plain interest, so every queue group
 * of the mapped subject may take it.
 */
function mappedMsg(pa: PubArgs, subject: string): PubArgs {
  const reply = pa.replyStart < 0 ? "" : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
  const m = forwarded(pa, subject, pa.replyStart < 0 ? null : reply);
  if (pa.queuesStart < 0) {
    m.queuesStart = m.queuesEnd = ANY_QUEUE;
    return m;
  }
  const queues = latin1(pa.buf.subarray(pa.queuesStart, pa.queuesEnd));
  m.buf = latin1Bytes(subject + reply + queues);
  m.queuesStart = subject.length + reply.length;
  m.queuesEnd = m.buf.length;
  return m;
}
