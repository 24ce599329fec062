// Lame duck mode (reference server.go lameDuckMode): announce it to clients,
// wait the grace period, then close clients spread over the rest of the
// duration, at most one second apart.

import { ClosedReason } from "../protocol/closed.ts";
import type { Server } from "./server.ts";
import { clientInfoLine } from "./info.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function lameDuckClose(s: Server): Promise<void> {
  if (s.clients.size === 0) return;
  const o = s.options;
  // Protocol-1 clients past their first PONG learn that they should reconnect elsewhere.
  for (const c of s.clients.values()) {
    if (c.opts.protocol >= 1 && c.firstPongSent) c.sendProto(clientInfoLine(s, c, ',"ldm":true'));
  }
  await sleep(o.lameDuckGracePeriod);
  const clients = [...s.clients.values()];
  if (clients.length === 0) return;
  const spread = Math.max(o.lameDuckDuration - o.lameDuckGracePeriod, 0);
  const slot = Math.min(spread / clients.length, 1000);
  for (const c of clients) {
    c.close(ClosedReason.ServerShutdown);
    if (slot > 0) await sleep(slot / 2 + Math.random() * (slot / 2));
  }
}
