// RMSG/HMSG from a route (nats-server 2.9.10 processInboundRoutedMsg): the
// account it names (unknown accounts drop it), counted and delivered
// through the shared path, which keeps it from any other route.

import type { Client } from "../client/client.ts";
import { routeMsg } from "../delivery/route.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { latin1 } from "../protocol/text.ts";

export function processRoutedMsg(c: Client, pa: PubArgs): void {
  c.inMsgs++;
  c.inBytes += pa.size;
  const name = latin1(pa.buf.subarray(pa.accountStart, pa.accountEnd));
  const acc = c.route!.host.accounts.get(name);
  if (acc === undefined) {
    c.server.logger.debug(`${c.label()} - Unknown account ${JSON.stringify(name)} for routed message on subject ${JSON.stringify(latin1(pa.buf.subarray(pa.subjectStart, pa.subjectEnd)))}`);
    return;
  }
  acc.inMsgs++;
  acc.inBytes += pa.size;
  routeMsg(c, acc, pa, c.subjectString(pa.buf, pa.subjectStart, pa.subjectEnd), null);
}
