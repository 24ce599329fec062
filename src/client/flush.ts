// Outbound batching: a connection that got bytes is queued once and written
// with one socket write when the current socket callback's synchronous work is
// done (a microtask; Bun runs them after each callback). Like the reference's
// flush after each read-loop pass, one publisher read that fans out to many
// receivers costs one write per receiver. One shared queue and one
// module-level callback: no closure per message.

import type { Client } from "./client.ts";

const queue: Client[] = [];
let scheduled = false;

export function scheduleFlush(c: Client): void {
  c.flushQueued = true;
  queue.push(c);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flushQueued);
  }
}

function flushQueued(): void {
  scheduled = false;
  let now = 0;
  // Flushing can close a client, which never queues more, so the length is stable.
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    c.flushQueued = false;
    if (c.closed) continue;
    // Messages delivered are activity for the keepalive, as the reference's
    // flushClients counts them (a PING or PONG written is not).
    if (c.outMsgs !== c.outMsgsFlushed) {
      c.outMsgsFlushed = c.outMsgs;
      if (now === 0) now = Date.now();
      c.lastActivity = now;
    }
    c.flush();
  }
  queue.length = 0;
}
