// LMSG/HMSG from a leaf node (nats-server 2.9.10 processInboundLeafMsg):
// counted, mapped by the account's subject mappings, and delivered through
// the shared path, which keeps it from going back where it came from and
// honours the queue groups it names.

import type { Client } from "../client/client.ts";
import { routeMsg } from "../delivery/route.ts";
import { forwarded } from "../delivery/forwarded.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { latin1 } from "../protocol/text.ts";

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
      const reply = pa.replyStart < 0 ? null : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
      pa = forwarded(pa, mapped, reply);
      subject = mapped;
    }
  }
  routeMsg(c, acc, pa, subject, null);
}
